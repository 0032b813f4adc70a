"""Create, edit and delete personas."""

from __future__ import annotations

import ipywidgets as w

from cjmkit.edits import Editor
from cjmkit.model import Persona
from cjmkit.widgets._common import (
    FIELD_WIDTH,
    NEW,
    FieldMessages,
    Subscribed,
    attempt,
    button,
    lines_area,
    row,
    set_options,
    split_commas,
    split_lines,
    text,
)

_LISTS = ("goals", "needs", "frustrations")


class PersonaEditor(Subscribed, w.VBox):
    """A form for the journey's personas: pick one (or "New persona"), edit, save or delete.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.

    Examples
    --------
    >>> PersonaEditor(session.editor)   # in a notebook cell
    """

    def __init__(self, editor: Editor) -> None:
        self.editor = editor
        self._loaded: Persona | None = None
        self.picker = w.Dropdown(layout=w.Layout(width=FIELD_WIDTH))
        self.name = text("e.g. Maya, small-business owner")
        self.role = text("role or segment")
        self.goals = lines_area("one goal per line")
        self.needs = lines_area("one need per line")
        self.frustrations = lines_area("one frustration per line")
        self.quote = text("something they would say")
        self.channels = text("email, chat, phone")
        self.messages = FieldMessages(["name", "role", *_LISTS, "quote", "channels"])
        self.save_button = button("Add persona", "primary")
        self.delete_button = button("Delete", "danger")
        self.confirm_box = w.HBox([])
        self.save_button.on_click(lambda _b: self.save())
        self.delete_button.on_click(lambda _b: self.delete())
        self.picker.observe(lambda _c: self._load(), "value")
        m = self.messages
        super().__init__(
            [
                row("Persona", self.picker),
                row("Name", self.name, m["name"]),
                row("Role", self.role, m["role"]),
                row("Goals", self.goals, m["goals"]),
                row("Needs", self.needs, m["needs"]),
                row("Frustrations", self.frustrations, m["frustrations"]),
                row("Quote", self.quote, m["quote"]),
                row("Channels", self.channels, m["channels"]),
                w.HBox([self.save_button, self.delete_button, m.form]),
                self.confirm_box,
            ]
        )
        self.add_class("cjm-persona-editor")
        self.refresh()
        self._subscribe(editor)

    # -- state --------------------------------------------------------------------------------

    @property
    def selected(self) -> Persona | None:
        """The persona being edited, or None while creating a new one."""
        return None if self.picker.value in (None, NEW) else self.editor.journey.persona(self.picker.value)

    def refresh(self) -> None:
        """Bring the persona list (and the open persona's fields) up to date with the journey."""
        options = [("+ New persona", NEW)] + [(p.name, p.id) for p in self.editor.journey.personas]
        before = self.picker.value
        set_options(self.picker, options)
        # Reload the fields only when the open persona itself changed (an undo, another
        # editor): an unrelated edit must not wipe what someone is typing.
        if self.picker.value == before and self.selected is not self._loaded:
            self._load()

    def select(self, persona_id: str | None) -> None:
        """Open a persona in the form (None: a blank form for a new one)."""
        self.picker.value = persona_id or NEW

    def _load(self) -> None:
        persona = self._loaded = self.selected
        self.confirm_box.children = []
        self.messages.clear()
        self.name.value = persona.name if persona else ""
        self.role.value = persona.role if persona else ""
        for field in _LISTS:
            getattr(self, field).value = "\n".join(getattr(persona, field)) if persona else ""
        self.quote.value = persona.quote if persona else ""
        self.channels.value = ", ".join(persona.channels) if persona else ""
        self.save_button.description = "Save changes" if persona else "Add persona"
        self.delete_button.disabled = persona is None

    def _values(self) -> dict[str, object]:
        return {
            "name": self.name.value.strip(),
            "role": self.role.value.strip(),
            **{field: split_lines(getattr(self, field).value) for field in _LISTS},
            "quote": self.quote.value.strip(),
            "channels": split_commas(self.channels.value),
        }

    # -- actions ------------------------------------------------------------------------------

    def save(self) -> Persona | None:
        """Add the persona in the form, or save the changes to the open one."""
        persona = self.selected
        if persona is None:
            added = attempt(self.messages, lambda: self.editor.add("personas", self._values()))
            if added is not None:
                self.select(added.id)
                self.messages.ok(f"Added {added.name}")
            return added
        saved = attempt(self.messages, lambda: self.editor.update("personas", persona.id, **self._values()))
        if saved is not None:
            self.messages.ok("Saved")
        return saved

    def delete(self) -> None:
        """Delete the open persona; when touchpoints rate it, ask first."""
        persona = self.selected
        if persona is None:
            return
        used = sum(
            persona.id in tp.personas or persona.id in tp.emotions or persona.id in tp.emotions_to_be
            for tp in self.editor.journey.touchpoints
        )
        if not used:
            attempt(self.messages, lambda: self.editor.remove("personas", persona.id))
            return
        confirm = button(f"Delete and clear {used} emotion ratings", "danger")
        cancel = button("Cancel")
        note = w.Label(f"{persona.name} has emotions on {used} touchpoint(s).")
        confirm.on_click(lambda _b: self._delete_with_ratings(persona.id))
        cancel.on_click(lambda _b: setattr(self.confirm_box, "children", []))
        self.confirm_box.children = [note, confirm, cancel]

    def _delete_with_ratings(self, persona_id: str) -> None:
        self.confirm_box.children = []
        attempt(self.messages, lambda: self.editor.remove("personas", persona_id, cascade=True))
