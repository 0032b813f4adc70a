"""Stages (columns) and lanes (rows): add, rename, reorder and delete them.

Deleting a stage or lane that still holds touchpoints never drops them silently: the editor
asks whether to move them to another stage/lane or delete them together, and either choice
is one undo step.
"""

from __future__ import annotations

import html
from typing import Any, Literal

import ipywidgets as w

from cjmkit.edits import Editor, count_words
from cjmkit.model import LANE_KINDS
from cjmkit.widgets._common import (
    EditorPanel,
    FieldMessages,
    KeepsTyping,
    attempt,
    button,
    lane_options,
    plain_label,
    row,
    section,
    set_options,
    stage_options,
    text,
)


class CollectionEditor(KeepsTyping, EditorPanel):
    """Editor of the ordered stages or lanes of a journey.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.
    collection
        ``"stages"`` or ``"lanes"``.
    """

    def __init__(self, editor: Editor, collection: Literal["stages", "lanes"]) -> None:
        if collection not in ("stages", "lanes"):
            raise ValueError(f"collection must be 'stages' or 'lanes', not {collection!r}")
        self.collection = collection
        self.noun = collection[:-1]
        self._loaded: Any = None
        self.items = w.Select(rows=7, layout=w.Layout(width="300px"))
        self.up_button = button("↑ Up", tooltip=f"Move the {self.noun} earlier")
        self.down_button = button("↓ Down", tooltip=f"Move the {self.noun} later")
        self.delete_button = button("Delete", "danger", tooltip=f"Delete the {self.noun}")
        self.name = text(f"{self.noun} name", width="300px")
        extra_fields: list[str]
        if collection == "stages":
            self.phase = text("e.g. See, Think, Do, Care (optional)", width="300px")
            self.goal = text("what the customer wants here (optional)", width="300px")
            extra_fields = ["phase", "goal"]
        else:
            self.kind = w.Dropdown(options=list(LANE_KINDS), value="other", layout=w.Layout(width="300px"))
            extra_fields = ["kind"]
        self._extra = extra_fields
        self.fields = ("name", *extra_fields)
        # a new stage/lane is named on a line of its own: it copies nothing of the picked one
        self.new_name = text(f"name of a new {self.noun}", width="230px")
        self.messages = FieldMessages(["name", "new_name", *extra_fields])
        self.save_button = button("Save changes", "primary")
        self.add_button = button(
            f"Add {self.noun}", "success", tooltip=f"Add it after the picked {self.noun}"
        )
        self.confirm_box = w.VBox([])

        self.items.observe(lambda _c: self._load(), "value")
        self.up_button.on_click(lambda _b: self.move(-1))
        self.down_button.on_click(lambda _b: self.move(+1))
        self.delete_button.on_click(lambda _b: self.delete())
        self.save_button.on_click(lambda _b: self.save())
        self.add_button.on_click(lambda _b: self.add())

        m = self.messages
        fields = [row("Name", self.name, m["name"])]
        for field in extra_fields:
            fields.append(row(field.capitalize(), getattr(self, field), m[field]))
        panel = [
            section(collection.capitalize()),
            w.HBox([self.items, w.VBox([self.up_button, self.down_button, self.delete_button])]),
            *fields,
            w.HBox([self.save_button, m.form]),
            self.confirm_box,
            w.HBox([plain_label(f"New {self.noun}", "110px"), self.new_name, self.add_button]),
            m["new_name"],
        ]
        super().__init__(editor, panel, f"cjm-{collection}-editor")

    # -- state --------------------------------------------------------------------------------

    @property
    def selected(self) -> Any:
        """The stage or lane picked in the list, or None."""
        return (
            None if self.items.value is None else self.editor.journey.find(self.collection, self.items.value)
        )

    def refresh(self) -> None:
        """Bring the list up to date with the journey."""
        journey = self.editor.journey
        options = stage_options(journey) if self.collection == "stages" else lane_options(journey)
        before = self.items.value
        set_options(self.items, options)
        if not options:
            self.items.value = None
        if self.items.value == before and self.selected is not self._loaded:
            self._refill_keeping(self._load)  # changed elsewhere: show it, keep what is typed
        self._update_buttons()

    def select(self, item_id: str | None) -> None:
        """Pick a stage or lane in the list."""
        self.items.value = item_id

    def _load(self) -> None:
        item = self._loaded = self.selected
        self.confirm_box.children = []
        self.messages.clear()
        self.name.value = item.name if item else ""
        if self.collection == "stages":
            self.phase.value = (item.phase or "") if item else ""
            self.goal.value = item.goal if item else ""
        else:
            self.kind.value = item.kind if item else "other"
        self._remember()
        self._update_buttons()

    def _update_buttons(self) -> None:
        ids = [value for _label, value in self.items.options]
        position = ids.index(self.items.value) if self.items.value in ids else -1
        self.up_button.disabled = position <= 0
        self.down_button.disabled = position < 0 or position >= len(ids) - 1
        self.delete_button.disabled = position < 0
        self.save_button.disabled = position < 0

    def _values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"name": self.name.value.strip()}
        if self.collection == "stages":
            values["phase"] = self.phase.value.strip() or None
            values["goal"] = self.goal.value.strip()
        else:
            values["kind"] = self.kind.value
        return values

    # -- actions ------------------------------------------------------------------------------

    def add(self) -> Any:
        """Add a stage/lane named under "New", after the picked one (or at the end)."""
        ids = [value for _label, value in self.items.options]
        index = ids.index(self.items.value) + 1 if self.items.value in ids else None
        name = self.new_name.value.strip()
        added = attempt(
            self.messages, lambda: self.editor.add(self.collection, {"name": name}, index=index), "new_name"
        )
        if added is not None:
            self.new_name.value = ""
            self.select(added.id)
            self.messages.ok(
                f"Added {self.noun} {added.name}: give it a {'goal' if self.noun == 'stage' else 'kind'} above"
            )
        return added

    def save(self) -> Any:
        """Save what was changed of the picked stage/lane (rename, phase, goal, kind)."""
        item = self.selected
        if item is None:
            return None
        typed = self._typed()
        values = self._values()
        saved = attempt(
            self.messages,
            lambda: self.editor.update(self.collection, item.id, **{name: values[name] for name in typed}),
        )
        if saved is not None:
            self._loaded = self.selected
            self._remember()
            self.messages.ok("Saved" if typed else "Nothing to save: no field was changed")
        return saved

    def move(self, step: int) -> None:
        """Move the picked stage/lane one place earlier (-1) or later (+1)."""
        item = self.selected
        if item is None:
            return
        ids = [value for _label, value in self.items.options]
        attempt(self.messages, lambda: self.editor.move(self.collection, item.id, ids.index(item.id) + step))
        self._update_buttons()

    def delete(self) -> None:
        """Delete the picked stage/lane; if anything is in it, ask what to do with it."""
        item = self.selected
        if item is None:
            return
        used = self.editor.dependants(self.collection, item.id)
        if not used:
            self._deleted(attempt(self.messages, lambda: self.editor.remove(self.collection, item.id)))
            return
        held = used.get("touchpoints", 0)
        others = [(label, value) for label, value in self.items.options if value != item.id]
        self.move_target = w.Dropdown(options=others, layout=w.Layout(width="220px"))
        move = button(f"Move them and delete the {self.noun}", "warning")
        drop = button(
            f"Delete the {self.noun} and its {held} touchpoint{'s' if held != 1 else ''}"
            if held
            else f"Delete the {self.noun}, unlinking them",
            "danger",
        )
        cancel = button("Cancel")
        move.disabled = not others
        move.on_click(lambda _b: self.delete_moving(item.id, self.move_target.value))
        drop.on_click(lambda _b: self.delete_with_touchpoints(item.id))
        cancel.on_click(lambda _b: setattr(self.confirm_box, "children", []))
        question = w.HTML(
            f"<b>{self.noun.capitalize()} “{html.escape(item.name)}” still holds {html.escape(count_words(used))}.</b> "
            "What should happen to them?"
        )
        self.confirm_box.children = [
            question,
            w.HBox([plain_label("Move them to"), self.move_target, move]),
            w.HBox([drop, cancel]),
        ]

    def delete_moving(self, item_id: str, target_id: str) -> None:
        """Move the stage/lane's touchpoints (and feedback) to ``target_id``, then delete it.

        One undo step.
        """
        self.confirm_box.children = []
        self._deleted(
            attempt(self.messages, lambda: self.editor.remove(self.collection, item_id, move_to=target_id))
        )

    def delete_with_touchpoints(self, item_id: str) -> None:
        """Delete the stage/lane together with its touchpoints (one undo step)."""
        self.confirm_box.children = []
        self._deleted(
            attempt(self.messages, lambda: self.editor.remove(self.collection, item_id, cascade=True))
        )

    def _deleted(self, change: Any) -> None:
        if change is not None:
            self.messages.ok(change.description.replace("Delete ", "Deleted ", 1))


class MapDetails(KeepsTyping, EditorPanel):
    """The map's own title and description.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.
    """

    fields = ("title", "description")

    def __init__(self, editor: Editor) -> None:
        self._shown: tuple[str, str] | None = None
        self.title = text("the map's title")
        self.description = w.Textarea(
            placeholder="what this map is about (optional)", rows=2, layout=w.Layout(width="320px")
        )
        self.messages = FieldMessages(["title", "description"])
        self.save_button = button("Save title and description", "primary")
        self.save_button.on_click(lambda _b: self.save())
        m = self.messages
        panel = [
            section("Map"),
            row("Title", self.title, m["title"]),
            row("Description", self.description, m["description"]),
            w.HBox([self.save_button, m.form]),
        ]
        super().__init__(editor, panel, "cjm-map-details")

    def refresh(self) -> None:
        """Show the map's title and description (keeping what is being typed)."""
        journey = self.editor.journey
        now = (journey.title, journey.description)
        if now == self._shown:
            return

        def fill() -> None:
            self.title.value, self.description.value = now
            self._remember()

        if self._shown is None:
            fill()
        else:
            self._refill_keeping(fill)
        self._shown = now

    def save(self) -> None:
        """Save the changed title and/or description (one undoable edit)."""
        values = {"title": self.title.value.strip(), "description": self.description.value.strip()}
        typed = {name: values[name] for name in self._typed()}
        if not typed:
            self.messages.ok("Nothing to save: neither was changed")
            return

        def saved() -> bool:
            self.editor.set_journey(**typed)
            return True

        if attempt(self.messages, saved) is not None:
            self.messages.ok("Saved")


class StructureEditor(w.VBox):
    """The map's title, then its stages, then its lanes: ``.details``, ``.stages``, ``.lanes``."""

    def __init__(self, editor: Editor) -> None:
        self.details = MapDetails(editor)
        self.stages = CollectionEditor(editor, "stages")
        self.lanes = CollectionEditor(editor, "lanes")
        self.stages.layout.margin = "18px 0 0 0"
        self.lanes.layout.margin = "18px 0 0 0"
        super().__init__([self.details, self.stages, self.lanes])

    def close(self) -> None:
        """Stop listening to the editor and close every part."""
        self.details.close()
        self.stages.close()
        self.lanes.close()
        super().close()
