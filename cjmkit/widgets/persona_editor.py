"""Create, edit and delete personas."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from cjmkit.edits import Editor, count_words
from cjmkit.model import Persona
from cjmkit.widgets._common import FieldMessages, ItemForm, lines_area, row, split_commas, split_lines, text

_LISTS = ("goals", "needs", "frustrations")


class PersonaEditor(ItemForm):
    """A form for the journey's personas: pick one (or "New persona"), edit, save or delete.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.

    Examples
    --------
    >>> PersonaEditor(session.editor)   # in a notebook cell
    """

    collection = "personas"
    noun = "persona"
    fields = ("name", "role", "goals", "needs", "frustrations", "quote", "channels")

    def __init__(self, editor: Editor) -> None:
        self._make_controls()
        self.name = text("e.g. Maya, small-business owner")
        self.role = text("role or segment")
        self.goals = lines_area("one goal per line")
        self.needs = lines_area("one need per line")
        self.frustrations = lines_area("one frustration per line")
        self.quote = text("something they would say")
        self.channels = text("email, chat, phone")
        self.messages = m = FieldMessages(["name", "role", *_LISTS, "quote", "channels"])
        form = [
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
        super().__init__(editor, form, "cjm-persona-editor")

    def _options(self) -> list[tuple[str, str]]:
        return [(p.name, p.id) for p in self.editor.journey.personas]

    def _fill(self, persona: Persona | None) -> None:
        self.name.value = persona.name if persona else ""
        self.role.value = persona.role if persona else ""
        for field in _LISTS:
            getattr(self, field).value = "\n".join(getattr(persona, field)) if persona else ""
        self.quote.value = persona.quote if persona else ""
        self.channels.value = ", ".join(persona.channels) if persona else ""

    def _values(self) -> dict[str, Any]:
        return {
            "name": self.name.value.strip(),
            "role": self.role.value.strip(),
            **{field: split_lines(getattr(self, field).value) for field in _LISTS},
            "quote": self.quote.value.strip(),
            "channels": split_commas(self.channels.value),
        }

    def _delete_question(self, item: Any, used: str) -> str:
        return f"“{item.name}” is rated or named on {used}."

    def _delete_confirm(self, used: dict[str, int]) -> str:
        return f"Delete it and take it off {count_words(used)}"
