"""Create, edit and delete touchpoints: where they sit, what they are, how each persona feels."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from cjmkit.edits import Editor
from cjmkit.model import EMOTION_WORDS, Touchpoint
from cjmkit.widgets._common import (
    FIELD_WIDTH,
    NEW,
    FieldMessages,
    ItemForm,
    attempt,
    button,
    emotion_word,
    lane_options,
    plain_label,
    row,
    section,
    set_options,
    stage_options,
    text,
    touchpoint_options,
)

NOTE_KINDS = {"pain_points": "pain point", "opportunities": "opportunity"}
EMOTION_FIELDS = ("emotions", "emotions_to_be")
RATINGS = (("☹☹", -2), ("☹", -1), ("–", 0), ("☺", 1), ("☺☺", 2))
"""The rating buttons, from very negative to very positive (words in their tooltips)."""


class TouchpointEditor(ItemForm):
    """A form for touchpoints: pick one (or "New touchpoint"), edit it, save or delete it.

    The emotion buttons of an existing touchpoint apply at once (each click is one undo step),
    so the emotion curve follows the room; the other fields apply with "Save changes". Each
    persona has a row for today (as-is) and one for how they should feel (to-be); no button
    chosen means "not rated" (the middle button is "neutral"), and ✕ takes a rating away.
    Pain points and opportunities are added and removed at once too.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.
    """

    collection = "touchpoints"
    noun = "touchpoint"
    fields = ("stage", "lane", "name", "description", "channel", "owner")

    def __init__(self, editor: Editor) -> None:
        self._make_controls()
        self._loading = False
        # ratings given before a new touchpoint is added, per field (as-is, to-be)
        self._pending: dict[str, dict[str, int]] = {field: {} for field in EMOTION_FIELDS}
        self.stage = w.Dropdown(layout=w.Layout(width=FIELD_WIDTH))
        self.lane = w.Dropdown(layout=w.Layout(width=FIELD_WIDTH))
        self.name = text("e.g. Live chat with support")
        self.description = w.Textarea(
            placeholder="what happens here", rows=2, layout=w.Layout(width=FIELD_WIDTH)
        )
        self.channel = w.Combobox(placeholder="web, email, chat, phone…", layout=w.Layout(width=FIELD_WIDTH))
        self.owner = w.Combobox(placeholder="team that owns it", layout=w.Layout(width=FIELD_WIDTH))
        self.messages = FieldMessages(
            ["stage", "lane", "name", "description", "channel", "owner", *EMOTION_FIELDS, *NOTE_KINDS]
        )
        # per persona, two rows of five buttons: how they feel today (as-is) and how they should
        # feel (to-be); no button chosen is "not rated", which "neutral" (the middle) is not
        self.emotion_sliders: dict[str, w.ToggleButtons] = {}
        self.to_be_sliders: dict[str, w.ToggleButtons] = {}
        self.emotion_words: dict[str, w.HTML] = {}
        self.to_be_words: dict[str, w.HTML] = {}
        self.clear_buttons: dict[tuple[str, str], w.Button] = {}
        self.emotions_box = w.VBox([])
        self.note_boxes = {kind: w.VBox([]) for kind in NOTE_KINDS}
        self.note_inputs = {kind: text(f"new {noun}", width="280px") for kind, noun in NOTE_KINDS.items()}
        self.note_buttons = {kind: button(f"Add {noun}") for kind, noun in NOTE_KINDS.items()}
        for kind in NOTE_KINDS:
            self.note_buttons[kind].on_click(lambda _b, kind=kind: self.add_note(kind))

        m = self.messages
        note_sections: list[w.Widget] = []
        for kind in NOTE_KINDS:
            note_sections += [
                section({"pain_points": "Pain points", "opportunities": "Opportunities"}[kind]),
                self.note_boxes[kind],
                w.HBox([self.note_inputs[kind], self.note_buttons[kind], m[kind]]),
            ]
        form = [
            row("Touchpoint", self.picker),
            row("Stage", self.stage, m["stage"]),
            row("Lane", self.lane, m["lane"]),
            row("Name", self.name, m["name"]),
            row("Description", self.description, m["description"]),
            row("Channel", self.channel, m["channel"]),
            row("Owner", self.owner, m["owner"]),
            w.HBox([self.save_button, self.delete_button, m.form]),
            self.confirm_box,
            w.HBox([section("How each persona feels here"), m["emotions"], m["emotions_to_be"]]),
            self.emotions_box,
            *note_sections,
        ]
        super().__init__(editor, form, "cjm-touchpoint-editor")

    # -- state --------------------------------------------------------------------------------

    def _options(self) -> list[tuple[str, str]]:
        return touchpoint_options(self.editor.journey)

    def _refresh_fields(self) -> None:
        """Bring stage and lane pickers, channel and owner suggestions and persona sliders up to date."""
        journey = self.editor.journey
        set_options(self.stage, stage_options(journey))
        set_options(self.lane, lane_options(journey))
        channels = sorted({tp.channel for tp in journey.touchpoints if tp.channel})
        owners = sorted({tp.owner for tp in journey.touchpoints if tp.owner})
        if tuple(self.channel.options) != tuple(channels):
            self.channel.options = channels
        if tuple(self.owner.options) != tuple(owners):
            self.owner.options = owners
        if [p.id for p in journey.personas] != list(self.emotion_sliders):
            self._build_sliders()
            self._loaded = None  # the sliders are new: fill them in

    def select(self, touchpoint_id: str | None) -> None:
        """Open a touchpoint in the form (None: a blank form for a new one)."""
        self.picker.value = touchpoint_id if touchpoint_id in self._ids() else NEW

    def _ids(self) -> list[str]:
        return [value for _label, value in self.picker.options]

    def _build_sliders(self) -> None:
        self.emotion_sliders, self.to_be_sliders = {}, {}
        self.emotion_words, self.to_be_words = {}, {}
        self.clear_buttons = {}
        rows: list[w.Widget] = []
        for persona in self.editor.journey.personas:
            rows.append(plain_label(persona.name))
            for field, caption in (("emotions", "Today"), ("emotions_to_be", "Should feel")):
                choice = w.ToggleButtons(
                    options=RATINGS,
                    value=None,
                    tooltips=[EMOTION_WORDS[v] for _label, v in RATINGS],
                    style={"button_width": "42px"},
                    layout=w.Layout(width="auto"),
                )
                choice.add_class("cjm-rating")
                word = w.HTML("not rated", layout=w.Layout(width="84px"))
                clear = button("✕", tooltip=f"Not rated ({caption.lower()})", width="34px")
                choice.observe(
                    lambda change, pid=persona.id, f=field: self._rated(pid, f, change["new"]), "value"
                )
                clear.on_click(lambda _b, pid=persona.id, f=field: self.clear_emotion(pid, f))
                sliders, words = (
                    (self.emotion_sliders, self.emotion_words)
                    if field == "emotions"
                    else (self.to_be_sliders, self.to_be_words)
                )
                sliders[persona.id], words[persona.id] = choice, word
                self.clear_buttons[(field, persona.id)] = clear
                rows.append(
                    w.HBox(
                        [plain_label(caption, "82px"), choice, clear, word],
                        layout=w.Layout(align_items="center"),
                    )
                )
        if not rows:
            rows = [w.HTML("<i>Add a persona to rate emotions.</i>")]
        self.emotions_box.children = rows

    def _load(self) -> None:
        # the sliders are set from the document here, which is no edit by the user
        self._loading = True
        try:
            self._pending = {field: {} for field in EMOTION_FIELDS}
            super()._load()
        finally:
            self._loading = False

    def _fill(self, tp: Touchpoint | None) -> None:
        if tp is not None:
            self.stage.value = tp.stage
            self.lane.value = tp.lane
        self.name.value = tp.name if tp else ""
        self.description.value = tp.description if tp else ""
        self.channel.value = tp.channel if tp else ""
        self.owner.value = tp.owner if tp else ""
        self._load_emotions(tp)
        for kind in NOTE_KINDS:
            self._show_notes(kind, tp)
            self.note_inputs[kind].disabled = tp is None
            self.note_buttons[kind].disabled = tp is None
            self.note_inputs[kind].placeholder = (
                f"new {NOTE_KINDS[kind]}" if tp else "add the touchpoint first"
            )

    def _show_notes(self, kind: str, tp: Touchpoint | None) -> None:
        rows = []
        for note in getattr(tp, kind) if tp else []:
            remove = button("✕", tooltip=f"Remove this {NOTE_KINDS[kind]}", width="36px")
            remove.on_click(lambda _b, note_id=note.id, kind=kind: self.remove_note(kind, note_id))
            votes = f" <span style='color:#666'>({note.votes} votes)</span>" if note.votes else ""
            rows.append(
                w.HBox(
                    [
                        w.HTML(
                            f"<div style='line-height:1.3'>{html.escape(note.text)}{votes}</div>",
                            layout=w.Layout(width="320px"),
                        ),
                        remove,
                    ]
                )
            )
        self.note_boxes[kind].children = rows

    def _values(self) -> dict[str, Any]:
        return {
            "stage": self.stage.value,
            "lane": self.lane.value,
            "name": self.name.value.strip(),
            "description": self.description.value.strip(),
            "channel": self.channel.value.strip(),
            "owner": self.owner.value.strip(),
        }

    # -- actions ------------------------------------------------------------------------------

    def _new_values(self) -> dict[str, Any]:
        # ratings given on the sliders before the touchpoint existed
        return {**self._values(), **{field: dict(rated) for field, rated in self._pending.items()}}

    def save(self) -> Touchpoint | None:
        """Add the touchpoint in the form, or save the changes to the open one."""
        if self.stage.value is None or self.lane.value is None:
            self.messages.show("the map has no stage or no lane yet: add them under Stages & lanes first")
            return None
        return super().save()

    def _load_emotions(self, tp: Touchpoint | None) -> None:
        """Show the touchpoint's ratings (as-is and to-be) on the buttons."""
        loading, self._loading = self._loading, True
        try:
            for field in EMOTION_FIELDS:
                rated = getattr(tp, field) if tp is not None else self._pending[field]
                sliders, words = self._rating_widgets(field)
                for pid, choice in sliders.items():
                    choice.value = rated.get(pid)
                    words[pid].value = emotion_word(rated[pid]) if pid in rated else "not rated"
                    self.clear_buttons[(field, pid)].disabled = pid not in rated
        finally:
            self._loading = loading

    def _rating_widgets(self, field: str) -> tuple[dict[str, w.ToggleButtons], dict[str, w.HTML]]:
        if field == "emotions":
            return self.emotion_sliders, self.emotion_words
        return self.to_be_sliders, self.to_be_words

    def set_emotion(self, persona_id: str, value: int | None, field: str = "emotions") -> None:
        """Set how a persona feels at the open touchpoint (at once when it exists).

        ``field`` is ``"emotions"`` (today, as-is) or ``"emotions_to_be"`` (how they should
        feel); ``value`` -2…+2, or None for "not rated".
        """
        tp = self.selected
        _sliders, words = self._rating_widgets(field)
        if persona_id in words:
            words[persona_id].value = "not rated" if value is None else emotion_word(value)
        if (field, persona_id) in self.clear_buttons:
            self.clear_buttons[(field, persona_id)].disabled = value is None
        if tp is None:
            if value is None:
                self._pending[field].pop(persona_id, None)
            else:
                self._pending[field][persona_id] = value
            return
        rated = {key: v for key, v in getattr(tp, field).items() if key != persona_id}
        if value is not None:
            rated[persona_id] = value
        if attempt(self.messages, lambda: self.editor.update("touchpoints", tp.id, **{field: rated}), field):
            self.messages.clear()
        else:
            self._load_emotions(self.selected)  # refused: the buttons show what is on the map

    def clear_emotion(self, persona_id: str, field: str = "emotions") -> None:
        """Make a persona's rating "not rated" again (neutral is a rating; this takes it away)."""
        sliders, _words = self._rating_widgets(field)
        loading, self._loading = self._loading, True
        try:
            if persona_id in sliders:
                sliders[persona_id].value = None
        finally:
            self._loading = loading
        self.set_emotion(persona_id, None, field)

    def _rated(self, persona_id: str, field: str, value: int | None) -> None:
        if not self._loading and value is not None:
            self.set_emotion(persona_id, value, field)

    def add_note(self, kind: str) -> None:
        """Add the typed pain point / opportunity to the open touchpoint."""
        tp = self.selected
        if tp is None:
            return
        typed = self.note_inputs[kind].value.strip()
        if attempt(self.messages, lambda: self.editor.add_note(tp.id, kind, typed), kind) is not None:
            self.note_inputs[kind].value = ""

    def remove_note(self, kind: str, note_id: str) -> None:
        """Remove a pain point / opportunity from the open touchpoint."""
        tp = self.selected
        if tp is None:
            return
        attempt(self.messages, lambda: self.editor.remove_note(tp.id, kind, note_id), kind)

    def _delete_question(self, item: Any, used: str) -> str:
        return (
            f"“{item.name}” is used by {used}: its handoffs and KPIs go with it, feedback stays (unlinked)."
        )
