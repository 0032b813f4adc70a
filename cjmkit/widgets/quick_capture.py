"""Quick capture: drop sticky notes on the map as fast as people talk."""

from __future__ import annotations

import json
import warnings
from typing import Any

import ipywidgets as w

from cjmkit.edits import Editor
from cjmkit.widgets._common import (
    EditorPanel,
    FieldMessages,
    attempt,
    button,
    lane_options,
    set_options,
    stage_options,
)

KINDS = (("Touchpoint", "touchpoint"), ("Pain point", "pain_points"), ("Opportunity", "opportunities"))


class QuickCapture(EditorPanel):
    """One text box, a stage and lane picker and a kind toggle; Enter (or "Drop") adds it.

    A touchpoint lands in the picked stage × lane. A pain point or an opportunity goes on the
    touchpoint picked under "On" (the touchpoints of that stage and lane, the last one captured
    first). After a drop the box is cleared and the pickers stay, ready for the next note.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.
    """

    def __init__(self, editor: Editor) -> None:
        self.last_touchpoint: str | None = None
        self.text = w.Text(
            placeholder="Type what you hear, press Enter",
            layout=w.Layout(width="330px"),
            continuous_update=True,
        )
        self.text.add_class("cjm-quick-text")
        self.kind = w.ToggleButtons(options=KINDS, value="touchpoint", style={"button_width": "104px"})
        narrow = {"description_width": "50px"}
        self.stage = w.Dropdown(description="Stage", style=narrow, layout=w.Layout(width="220px"))
        self.lane = w.Dropdown(description="Lane", style=narrow, layout=w.Layout(width="220px"))
        self.target = w.Dropdown(description="On", style=narrow, layout=w.Layout(width="440px"))
        self.drop_button = button(
            "Drop it", "primary", tooltip="Add it to the map (or press Enter)", width="100px"
        )
        self.drop_button.add_class("cjm-quick-drop")
        self.messages = FieldMessages(["name", "text", "target"])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # Enter submits; observing ``value`` with continuous_update=False would also fire
            # when the box merely loses focus (e.g. a click on the kind toggle).
            self.text.on_submit(lambda _t: self.drop())
        # In the workshop page Enter travels here instead, carrying the text as the browser has it
        # (and the page clears the box itself): the box sends what is typed a keystroke at a time,
        # and after fast typing its Enter arrived before the last keystrokes (a cut-off note).
        self.submitted = w.Text(layout=w.Layout(display="none"))
        self.submitted.add_class("cjm-quick-submit")
        self.submitted.observe(lambda change: self._submitted(change["new"]), "value")
        self._seen: set[str] = set()
        self.drop_button.on_click(lambda _b: self.drop())
        for picker in (self.stage, self.lane, self.kind):
            picker.observe(lambda _c: self._update_targets(), "value")

        m = self.messages
        panel = [
            self.kind,
            w.HBox([self.text, self.drop_button]),
            w.HBox([m["name"], m["text"], m.form]),
            w.HBox([self.stage, self.lane]),
            w.VBox([self.target, m["target"]]),
            self.submitted,
        ]
        super().__init__(editor, panel, "cjm-quick-capture")

    def _submitted(self, value: str) -> None:
        """Enter pressed in the page: ``value`` is ``[id, text]`` (JSON), each id dropped once."""
        try:
            nonce, typed = json.loads(value)
        except (ValueError, TypeError):
            return
        if not isinstance(typed, str) or str(nonce) in self._seen:
            return
        self._seen.add(str(nonce))
        self.drop(typed)

    def refresh(self) -> None:
        """Bring the stage, lane and touchpoint pickers up to date with the journey."""
        journey = self.editor.journey
        set_options(self.stage, stage_options(journey))
        set_options(self.lane, lane_options(journey))
        self._update_targets()

    def _update_targets(self) -> None:
        journey = self.editor.journey
        is_note = self.kind.value != "touchpoint"
        self.target.layout.display = None if is_note else "none"
        cell = journey.touchpoints_in(stage=self.stage.value, lane=self.lane.value)
        if not cell:
            cell = journey.touchpoints_in(stage=self.stage.value)
        options = [(tp.name, tp.id) for tp in cell]
        last = journey.touchpoint(self.last_touchpoint) if self.last_touchpoint else None
        if last is not None and last.id not in {value for _l, value in options}:
            options.insert(0, (last.name, last.id))
        set_options(self.target, options, keep=self.last_touchpoint if last else None)
        if not options:
            self.target.value = None

    def drop(self, text: str | None = None) -> Any:
        """Add what is typed as the chosen kind; clear the box and keep the pickers.

        ``text`` is the text to drop when it comes with the Enter key from the page (the box has
        then been cleared there already; it is put back only when the note is refused).
        """
        from_box = text is None
        typed = str(self.text.value if text is None else text).strip()
        added = self._drop(typed)
        if added is None and not from_box and typed and not self.text.value:
            self.text.value = typed  # refused: what was typed is not lost
        elif added is not None and from_box:
            self.text.value = ""
        return added

    def _drop(self, typed: str) -> Any:
        if not typed:
            self.messages.show("type something first", "text")
            return None
        kind = self.kind.value
        if self.stage.value is None or self.lane.value is None:
            self.messages.show("the map has no stage or no lane yet: add them under Stages & lanes first")
            return None
        if kind == "touchpoint":
            added = attempt(
                self.messages,
                lambda: self.editor.add(
                    "touchpoints", {"name": typed, "stage": self.stage.value, "lane": self.lane.value}
                ),
            )
            if added is not None:
                self.last_touchpoint = added.id
                self._update_targets()
        else:
            if self.target.value is None:
                self.messages.show(
                    "there is no touchpoint in this stage yet: drop a touchpoint first", "target"
                )
                return None
            target = self.target.value
            added = attempt(self.messages, lambda: self.editor.add_note(target, kind, typed), "text")
            if added is not None:
                self.last_touchpoint = target
        if added is not None:
            noun = dict((v, k) for k, v in KINDS)[kind].lower()
            self.messages.ok(f"Added {noun} “{typed}”")
        return added
