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
EDITOR_WIDTH = "540px"

# Tabs share the panel's width instead of cutting titles short, their labels dark enough to read
# (4.5:1); in the Voila page the brand line says what this page is (the shared cjmkit template
# calls itself a read-only view).
_STYLE = """<style>
.cjm-workshop-board .lm-TabBar-tab { flex: 1 1 auto !important; min-width: 0 !important; }
.cjm-workshop-board .lm-TabBar-tabLabel { text-overflow: clip; }
.cjm-workshop-board .lm-TabBar-tab, .cjm-workshop-board .lm-TabBar-tabLabel { color: #2e3a46 !important; }
.cjm-workshop-board textarea { font-family: inherit; }
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
        self.tabs = w.Tab(
            children=[*self.editors, self.room, self.history, self.export],
            titles=[
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
            layout=w.Layout(width=EDITOR_WIDTH, flex="0 0 auto"),
        )
        # the list is read when the tab is opened, not at every save (saves keep versions)
        self.tabs.observe(lambda change: self._opened_tab(change["new"]), "selected_index")
        # notes that arrive while another tab is open are counted on the Room tab's title
        self.room.on_inbox(self._count_inbox)

        self.title = w.HTML()
        self.status = w.HTML(layout=w.Layout(margin="0 12px"))
        self.status.add_class("cjm-save-status")
        self.message = w.HTML()
        self.undo_button = button("↶ Undo", width="110px")
        self.redo_button = button("↷ Redo", width="110px")
        self.undo_button.on_click(lambda _b: self.undo())
        self.redo_button.on_click(lambda _b: self.redo())
        self.persona_picker = w.Dropdown(description="Emotions of", layout=w.Layout(width="280px"))
        self._update_personas()
        self.persona_picker.value = self.view.persona or ALL_PERSONAS
        self.persona_picker.observe(lambda change: self.set_persona(change["new"]), "value")
        self.conflict_box = w.VBox([])
        self.conflict_box.add_class("cjm-conflicts")

        from jupyter_bokeh.widgets import BokehModel

        self.map = BokehModel(self.view.layout)
        self.map_box = w.Box(
            [self.map],
            # on a narrow screen (a 1024 px projector) the map wraps below the editors
            layout=w.Layout(
                flex="1 1 480px", min_width="480px", overflow="auto", max_height="88vh", margin="0 0 0 12px"
            ),
        )

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
        toolbar = w.HBox(
            [self.undo_button, self.redo_button, self.persona_picker, self.table_view, self.status],
            layout=w.Layout(align_items="center", flex_flow="row wrap"),
        )
        super().__init__(
            [
                w.HTML(_STYLE),
                self.title,
                toolbar,
                self.conflict_box,
                self.message,
                w.HBox(
                    [self.tabs, self.map_box], layout=w.Layout(align_items="flex-start", flex_flow="row wrap")
                ),
            ]
        )
        self.add_class("cjm-workshop-board")
        self._update_title()
        self._update_history()
        self._show_status()

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
        self._update_history()
        self._show_status()
        if self.table_view.value:
            self.words.update(journey)  # only while it is shown: a big map's words are long

    def _update_title(self) -> None:
        title = f"<h2 style='margin:4px 0'>{html.escape(self.journey.title)}</h2>"
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
        self.touchpoints.select(touchpoint_id)
        self.tabs.selected_index = 1

    def _highlight(self, touchpoint_id: str | None) -> None:
        wanted = None if touchpoint_id in (None, NEW) else touchpoint_id
        if self.view.selected != wanted:
            self.view.select(wanted)

    def _count_inbox(self, waiting: int) -> None:
        titles = list(self.tabs.titles)
        titles[self.tabs.children.index(self.room)] = f"Room ({waiting})" if waiting else "Room"
        if tuple(titles) != tuple(self.tabs.titles):
            self.tabs.titles = titles

    def _opened_tab(self, index: int | None) -> None:
        if index is not None and self.tabs.children[index] is self.history:
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
