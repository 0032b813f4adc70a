"""The workshop board: every editor next to the live journey map, saved at every edit."""

from __future__ import annotations

import html
import os
import sys
import traceback
from typing import Any

import ipywidgets as w

from cjmkit.edits import Change
from cjmkit.errors import CjmError
from cjmkit.model import Journey
from cjmkit.ops import Conflict
from cjmkit.render import JourneyMapView
from cjmkit.store import MapSession, open_map
from cjmkit.widgets._common import NEW, button, set_message, set_options
from cjmkit.widgets._tabs import TabStrip
from cjmkit.widgets._watch import FileWatch
from cjmkit.widgets.deliverables import ExportPanel, MapInWords
from cjmkit.widgets.handoff_editor import HandoffEditor
from cjmkit.widgets.persona_editor import PersonaEditor
from cjmkit.widgets.quick_capture import QuickCapture
from cjmkit.widgets.room_panel import RoomPanel
from cjmkit.widgets.structure_editor import StructureEditor
from cjmkit.widgets.touchpoint_editor import TouchpointEditor
from cjmkit.widgets.version_history import VersionHistory
from cjmkit.widgets.voting import DotVoting

ALL_PERSONAS = "__all__"
WHOLE_MAP = "__whole__"
MAP_WIDTH = "__width__"
EDITOR_WIDTH = "470px"

# The board fills the window: editors on the left (scrolling on their own), the map on the right,
# scrolling both ways inside its box, so every lane and card can be reached at any screen size.
# "Presenting" shows the map alone over the whole window; the page's script (cjmkit's Voila
# template) zooms it as the zoom picker says and turns presenting off on Esc. In the Voila page
# the brand line says what this page is (the shared template calls itself a read-only view).
_STYLE = """<style>
body:has(.cjm-workshop-board) #rendered_cells { padding: 4px 12px 0 12px; }
body:has(.cjm-workshop-board) .jp-LabShell { height: calc(100vh - 41px) !important; }
.cjm-workshop-board { box-sizing: border-box; height: calc(100vh - 76px); min-height: 460px; }
.cjm-workshop-board > * { flex: 0 0 auto; }
.cjm-workshop-board > .cjm-board-main { flex: 1 1 0; min-height: 0; }
.cjm-board-main { flex-wrap: nowrap !important; align-items: stretch !important; }
.cjm-editors { flex: 0 0 auto; width: 470px; overflow-y: auto; overflow-x: hidden; padding-right: 6px; }
.cjm-map-box { flex: 1 1 auto !important; min-width: 0; overflow: auto !important; margin-left: 8px;
  align-items: flex-start !important;
  border: 1px solid #d7dde4; border-radius: 6px; background: #fff; }
.cjm-map-box > .cjm-map { flex: 0 0 auto !important; }
.cjm-map-box > :not(.cjm-map) { flex: 1 1 auto; min-width: 0; max-width: 100%; }
.cjm-board-title { min-width: 0; flex: 1 1 200px; }
.cjm-board-title h2 { margin: 2px 0; font-size: 20px; line-height: 1.25; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.cjm-workshop-board .widget-button, .cjm-workshop-board .widget-toggle-button { flex-shrink: 0; }
.cjm-workshop-board .widget-html, .cjm-workshop-board .widget-html-content { min-width: 0;
  overflow-wrap: anywhere; }
.cjm-workshop-board textarea { font-family: inherit; }
.cjm-tab-bar { gap: 4px; margin-bottom: 6px; }
.cjm-rating .widget-toggle-button { padding-left: 2px !important; padding-right: 2px !important; }
.cjm-rating .widget-toggle-button.mod-active { background: #1f3a5f !important; color: #ffffff !important; }
.cjm-tab { font-weight: 600; color: #1f2933 !important; background: #e6ebf1 !important; }
.cjm-tab.cjm-tab-on { color: #ffffff !important; background: #1f3a5f !important; }
.cjm-present-bar { display: none !important; }
.cjm-presenting > *:not(.cjm-board-main):not(.cjm-present-bar) { display: none !important; }
.cjm-presenting .cjm-editors { display: none !important; }
body:has(.cjm-presenting) .cjm-brand { display: none; }
body:has(.cjm-presenting) .jp-LabShell { height: 100vh !important; }
.cjm-presenting .cjm-map-box { position: fixed; inset: 0; z-index: 1000; margin: 0; border: none;
  border-radius: 0; padding: 52px 12px 12px 12px; }
.cjm-presenting .cjm-present-bar { display: flex !important; position: fixed; top: 8px; right: 16px;
  z-index: 1001; background: rgba(255,255,255,0.92); border-radius: 6px; padding: 2px 4px; }
.cjm-brand span { font-size: 0 !important; }
.cjm-brand span::after { content: "workshop board · every edit is saved at once"; font-size: 14px; }
</style>"""

_bokeh_loaded = False


def load_bokeh(force: bool = False) -> None:
    """Load BokehJS into the page from the installed package (no CDN), once per kernel.

    Call it in an early top-level cell; a board or map picker shown as a cell's result calls
    it too. The live map cannot draw before it ran. After reloading the browser page on the
    same kernel, call it again with ``force=True``.
    """
    global _bokeh_loaded
    if _bokeh_loaded and not force:
        return
    from bokeh.io import output_notebook
    from bokeh.resources import INLINE

    output_notebook(INLINE, hide_banner=True)
    _bokeh_loaded = True


def show_with_bokeh(widget: w.Widget) -> None:
    """Display ``widget`` in the notebook after loading BokehJS (once)."""
    from IPython.display import display

    load_bokeh()
    display(widget._repr_mimebundle_(), raw=True)  # type: ignore[no-untyped-call]


class WorkshopBoard(w.VBox):
    """The editors, the live journey map, undo / redo, a persona switcher and the save status.

    Every edit made on the board goes through the session's :class:`~cjmkit.edits.Editor`,
    is saved at once by the :class:`~cjmkit.store.MapSession` and patches the map's data
    sources in place. Tapping a touchpoint on the map opens it in the touchpoint editor.

    Parameters
    ----------
    map_or_session
        Path of a ``.cjm.json`` map, or an open :class:`~cjmkit.store.MapSession`.
    persona
        Id of the persona whose emotion curve is shown first (None: every persona).

    Attributes
    ----------
    session, editor, view
        The map session, its editor and the :class:`~cjmkit.render.JourneyMapView`.
    quick_capture, touchpoints, structure, personas, handoffs, voting
        The editors, one per tab (``editors``: all of them, in tab order).
    room
        The Room tab (:class:`~cjmkit.widgets.room_panel.RoomPanel`): join link and QR code,
        the inbox of participants' notes, voting rounds and the timer.
    history
        The last tab: the map's kept earlier versions (:class:`VersionHistory`).

    Examples
    --------
    >>> board = WorkshopBoard("acme.cjm.json")
    >>> board.show()       # in a notebook cell
    """

    def __init__(
        self, map_or_session: str | os.PathLike[str] | MapSession, persona: str | None = None
    ) -> None:
        self.session = map_or_session if isinstance(map_or_session, MapSession) else open_map(map_or_session)
        self.editor = self.session.editor
        journey = self.editor.journey
        self.view = JourneyMapView(journey, persona=persona if persona and journey.persona(persona) else None)

        self.quick_capture = QuickCapture(self.editor)
        self.touchpoints = TouchpointEditor(self.editor)
        self.structure = StructureEditor(self.editor)
        self.personas = PersonaEditor(self.editor)
        self.handoffs = HandoffEditor(self.editor)
        self.voting = DotVoting(self.editor)
        self.editors = (
            self.quick_capture,
            self.touchpoints,
            self.structure,
            self.personas,
            self.handoffs,
            self.voting,
        )
        self.history = VersionHistory(self.session)
        # participants' notes and votes arrive here (the room log beside the map)
        self.room = RoomPanel(self.editor, self.session.path)
        # the map in words for whoever cannot see the canvas, and the files for stakeholders
        self.words = MapInWords(journey)
        self.export = ExportPanel(lambda: self.journey, lambda: self.view.persona)
        self.tabs = TabStrip(
            [*self.editors, self.room, self.history, self.export],
            [
                "Capture",
                "Touchpoint",
                "Stages & lanes",
                "Personas",
                "Handoffs",
                "Voting",
                "Room",
                "History",
                "Export",
            ],
        )
        # the list is read when the tab is opened, not at every save (saves keep versions)
        self.tabs.observe(lambda change: self._opened_tab(change["new"]), "selected_index")
        # notes that arrive while another tab is open are counted on the Room tab's title
        self.room.on_inbox(self._count_inbox)

        self.title = w.HTML()
        self.title.add_class("cjm-board-title")
        self.rename_button = button(
            "✎", tooltip="Edit the map's title and description (tab Stages & lanes)", width="36px"
        )
        self.rename_button.on_click(lambda _b: self.edit_map_details())
        self.status = w.HTML(layout=w.Layout(margin="0 12px"))
        self.status.add_class("cjm-save-status")
        self.message = w.HTML()
        self.undo_button = button("↶ Undo", width="96px")
        self.redo_button = button("↷ Redo", width="96px")
        self.undo_button.on_click(lambda _b: self.undo())
        self.redo_button.on_click(lambda _b: self.redo())
        self.persona_picker = w.Dropdown(description="Emotions of", layout=w.Layout(width="250px"))
        self._update_personas()
        self.persona_picker.value = self.view.persona or ALL_PERSONAS
        self.persona_picker.observe(lambda change: self.set_persona(change["new"]), "value")
        self.presenting = False
        self.present_button = button(
            "▶ Present", "primary", tooltip="Show the map alone, full screen (Esc: back)"
        )
        self.present_button.add_class("cjm-present-toggle")
        self.present_button.on_click(lambda _b: self.present(not self.presenting))
        self.exit_button = button("✕ Back to the editors (Esc)", tooltip="Leave presentation mode")
        self.exit_button.add_class("cjm-present-exit")
        self.exit_button.on_click(lambda _b: self.present(False))
        self.zoom_picker = w.Dropdown(
            description="Zoom", layout=w.Layout(width="260px"), style={"description_width": "44px"}
        )
        self.zoom_picker.add_class("cjm-zoom-picker")
        self._update_zoom_options()
        self.zoom_picker.observe(lambda change: self.zoom(change["new"]), "value")
        self.zoom_target = w.HTML()  # where the page's script reads what to zoom to
        self.zoom_target.add_class("cjm-zoom-target")
        self.present_bar = w.HBox([self.zoom_picker, self.exit_button], layout=w.Layout(align_items="center"))
        self.present_bar.add_class("cjm-present-bar")
        self.conflict_box = w.VBox([])
        self.conflict_box.add_class("cjm-conflicts")

        from jupyter_bokeh.widgets import BokehModel

        self.map = BokehModel(self.view.layout, layout=w.Layout(flex="0 0 auto"))
        self.map.add_class("cjm-map")
        self.map_box = w.Box([self.map])
        self.map_box.add_class("cjm-map-box")
        editors = w.VBox([self.tabs])
        editors.add_class("cjm-editors")

        self.watch = FileWatch(self.session)
        self._unsubscribe = self.editor.subscribe(self._changed)
        self._unstatus = self.session.on_status(lambda _status: self._show_status())
        self.view.on_select(self.open_touchpoint)
        # and the other way round: the touchpoint open in the editor is highlighted on the map
        self.touchpoints.picker.observe(lambda change: self._highlight(change["new"]), "value")

        # the map in words instead of the picture, in the map's place: for a screen reader, a
        # keyboard, or anyone who cannot see the canvas
        self.table_view = w.ToggleButton(
            description="Table view",
            tooltip="Show the map in words (a table) instead of the picture",
            layout=w.Layout(width="120px"),
        )
        self.table_view.observe(lambda change: self.show_table(change["new"]), "value")
        header = w.HBox(
            [self.title, self.rename_button, self.present_button],
            layout=w.Layout(align_items="center", flex_flow="row nowrap"),
        )
        toolbar = w.HBox(
            [self.undo_button, self.redo_button, self.persona_picker, self.table_view, self.status],
            layout=w.Layout(align_items="center", flex_flow="row wrap"),
        )
        toolbar.add_class("cjm-toolbar")
        main = w.HBox([editors, self.map_box])
        main.add_class("cjm-board-main")
        super().__init__(
            [
                w.HTML(_STYLE),
                header,
                toolbar,
                self.conflict_box,
                self.message,
                main,
                self.present_bar,
                self.zoom_target,
            ]
        )
        self.add_class("cjm-workshop-board")
        self._update_title()
        self._update_history()
        self._show_status()
        self._send_zoom()

    # -- showing --------------------------------------------------------------------------------

    def show(self) -> None:
        """Load BokehJS (once) and display the board in the notebook."""
        show_with_bokeh(self)

    def _ipython_display_(self) -> None:
        # A board left as a cell's last expression loads BokehJS first, or its map stays blank.
        show_with_bokeh(self)

    @property
    def journey(self) -> Journey:
        """The map being edited."""
        return self.editor.journey

    # -- reacting to edits ----------------------------------------------------------------------

    def _changed(self, journey: Journey, _change: Change) -> None:
        self.view.update(journey)
        self._update_title()
        self._update_personas()
        self._update_zoom_options()
        self._update_history()
        self._show_status()
        if self.table_view.value:
            self.words.update(journey)  # only while it is shown: a big map's words are long

    def _update_title(self) -> None:
        text = html.escape(self.journey.title)
        title = f"<h2 title='{text}'>{text}</h2>"
        if self.title.value != title:
            self.title.value = title

    def _update_personas(self) -> None:
        options = [("All personas", ALL_PERSONAS), *((p.name, p.id) for p in self.journey.personas)]
        set_options(self.persona_picker, options)

    def _update_history(self) -> None:
        editor = self.editor
        self.undo_button.disabled = not editor.can_undo
        self.redo_button.disabled = not editor.can_redo
        self.undo_button.tooltip = editor.undo_description or "Nothing to undo"
        self.redo_button.tooltip = editor.redo_description or "Nothing to redo"

    def status_text(self) -> str:
        """What the save status says: ``"Saved ✓ revision 12"``, or one sentence saying why not."""
        if self.session.status != "saved":
            return self.session.status
        return f"Saved ✓ revision {self.journey.revision}"

    def _show_status(self) -> None:
        text = html.escape(self.status_text())
        saved_at = self.session.saved_at.isoformat()
        if self.session.status != "saved":
            value = (
                f"<span class='cjm-unsaved' style='color:#b3261e;font-weight:bold;white-space:normal'>"
                f"⚠ {text}</span>"
            )
        else:
            local = self.session.saved_at.astimezone().strftime("%H:%M")
            value = (
                f"<span class='cjm-saved' data-saved='{saved_at}' style='color:#1b6e3a;font-weight:bold'>"
                f"{text} <span style='font-weight:normal'>· {local}</span></span>"
            )
        if self.status.value != value:
            self.status.value = value
        self._show_conflicts()

    def _show_conflicts(self) -> None:
        conflicts = list(self.session.conflicts)
        if [getattr(row, "conflict", None) for row in self.conflict_box.children] == conflicts:
            return
        rows = []
        for conflict in conflicts:
            theirs = button("Keep theirs", tooltip="Leave the map as it is (your version stays in History)")
            theirs.on_click(lambda _b, c=conflict: self.resolve(c, keep_mine=False))
            parts: list[w.Widget] = [
                w.HTML(
                    f"<div class='cjm-conflict-text'>⚠ {html.escape(conflict.sentence)} "
                    "<span style='color:#555'>Your version is kept in the History tab.</span></div>",
                    layout=w.Layout(flex="1 1 300px", min_width="0"),
                ),
                theirs,
            ]
            if conflict.fix:
                mine = button(
                    "Use mine", "warning", tooltip="Put your version on the map (a new edit, undoable)"
                )
                mine.on_click(lambda _b, c=conflict: self.resolve(c, keep_mine=True))
                parts.append(mine)
            row = w.HBox(parts, layout=w.Layout(align_items="center", flex_flow="row wrap"))
            row.add_class("cjm-conflict")
            row.conflict = conflict
            rows.append(row)
        self.conflict_box.children = rows

    # -- actions --------------------------------------------------------------------------------

    def _attempt(self, action: Any, said: bool = False) -> None:
        try:
            result = action()
        except CjmError as error:
            set_message(self.message, str(error))
        except Exception as error:  # a bug: one sentence here, the traceback in the server's log
            traceback.print_exc(file=sys.__stderr__)
            set_message(self.message, f"something went wrong ({type(error).__name__}: {error})")
        else:
            if said and isinstance(result, Change):
                text = result.description.replace("Undo: ", "Undone: ", 1).replace("Redo: ", "Redone: ", 1)
                if result.skipped:
                    text += " (what someone else changed since was left as they left it)"
                set_message(self.message, text, "ok")
            else:
                set_message(self.message, "")
        self._update_history()
        self._show_status()

    def undo(self) -> None:
        """Undo the last edit (it is saved at once) and say what was undone."""
        if self.editor.can_undo:
            self._attempt(self.editor.undo, said=True)

    def redo(self) -> None:
        """Redo the last undone edit (it is saved at once) and say what was redone."""
        if self.editor.can_redo:
            self._attempt(self.editor.redo, said=True)

    def resolve(self, conflict: Conflict, *, keep_mine: bool) -> None:
        """Settle a conflict shown on the board: keep their version, or put mine back."""
        self._attempt(lambda: self.session.resolve(conflict, keep_mine=keep_mine))

    def set_persona(self, persona_id: str | None) -> None:
        """Show one persona's emotion curve on the map (None or "__all__": everyone's)."""
        persona = None if persona_id in (None, ALL_PERSONAS) else persona_id
        self._attempt(lambda: self.view.set_persona(persona))

    def open_touchpoint(self, touchpoint_id: str) -> None:
        """Open a touchpoint in the touchpoint editor (what a tap on its card does)."""
        self.tabs.selected_index = self.tabs.panels.index(self.touchpoints)
        self.touchpoints.select(touchpoint_id)

    def edit_map_details(self) -> None:
        """Open the map's title and description (in the Stages & lanes tab)."""
        self.tabs.selected_index = self.tabs.panels.index(self.structure)

    # -- presenting ------------------------------------------------------------------------------

    def present(self, on: bool = True) -> None:
        """Show the map alone, full screen, for a projector (``False``: the editors come back).

        The page also leaves presentation mode on Esc. What is zoomed to is :meth:`zoom`'s.
        """
        self.presenting = bool(on)
        if self.presenting:
            self.add_class("cjm-presenting")
            self.present_button.description = "✕ Stop presenting"
        else:
            self.remove_class("cjm-presenting")
            self.present_button.description = "▶ Present"
        self._send_zoom()

    def zoom(self, target: str | None) -> None:
        """Zoom the presented map: ``WHOLE_MAP`` (all of it), ``MAP_WIDTH`` or a stage's id."""
        if target is not None and target != self.zoom_picker.value:
            self.zoom_picker.value = target
            return
        self._send_zoom()

    def zoom_area(self) -> dict[str, float | str]:
        """What the presented map zooms to: the whole map, its width, or one stage's columns.

        A stage is given in map pixels from the figure's top left: its column's ``x`` and ``w``,
        the ``y`` of its header, and the figure's height ``h``.
        """
        target = self.zoom_picker.value
        if target in (None, WHOLE_MAP):
            return {"mode": "whole"}
        if target == MAP_WIDTH:
            return {"mode": "width"}
        stages = self.view.sources["stages"].data
        ids = list(stages["stage_id"])
        if target not in ids:
            return {"mode": "whole"}
        i = ids.index(target)
        width = float(stages["w"][i]) + 6.0  # the column, gaps included
        left = float(stages["x"][i]) - width / 2
        header_top = -float(stages["y"][i]) - float(stages["h"][i]) / 2  # y is up in the figure
        return {
            "mode": "stage",
            "x": left,
            "y": max(0.0, header_top),
            "w": width,
            "h": float(self.view.figure.frame_height or 0),
        }

    def _send_zoom(self) -> None:
        area = self.zoom_area()
        attributes = " ".join(f"data-{key}='{html.escape(str(value))}'" for key, value in area.items())
        value = f"<span class='cjm-zoom' data-on='{int(self.presenting)}' {attributes}></span>"
        if self.zoom_target.value != value:
            self.zoom_target.value = value

    def _update_zoom_options(self) -> None:
        options = [
            ("Whole map", WHOLE_MAP),
            ("Map width", MAP_WIDTH),
            *((f"Stage: {s.name}", s.id) for s in self.journey.stages),
        ]
        set_options(self.zoom_picker, options)

    def _highlight(self, touchpoint_id: str | None) -> None:
        wanted = None if touchpoint_id in (None, NEW) else touchpoint_id
        if self.view.selected != wanted:
            self.view.select(wanted, quiet=True)  # the editor shows it already: not a tap

    def _count_inbox(self, waiting: int) -> None:
        titles = list(self.tabs.titles)
        titles[self.tabs.panels.index(self.room)] = f"Room ({waiting})" if waiting else "Room"
        if tuple(titles) != tuple(self.tabs.titles):
            self.tabs.titles = titles

    def _opened_tab(self, index: int | None) -> None:
        if index is not None and self.tabs.panels[index] is self.history:
            self.history.refresh()

    def show_table(self, on: bool = True) -> None:
        """Show the map in words in the map's place (``on``), or the picture again."""
        if on:
            self.words.update(self.journey)
        self.map_box.children = [self.words] if on else [self.map]
        if self.table_view.value != on:
            self.table_view.value = on

    def close(self) -> None:
        """Stop listening, close the editors and the map (the file already holds every edit)."""
        if not hasattr(self, "_unstatus"):  # closed, or __init__ failed half way
            return super().close()
        self.watch.stop()
        self._unsubscribe()
        self._unstatus()
        del self._unstatus
        for editor in self.editors:
            editor.close()
        self.history.close()
        self.room.close()
        super().close()
