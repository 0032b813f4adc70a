"""Small building blocks shared by the editors.

Inline messages, list fields, option lists, and the base classes :class:`EditorPanel` and
:class:`ItemForm`.

Every editor shows a refused edit as the :class:`~cjmkit.errors.CjmError` sentence in a
message widget beside the field the sentence names; nothing reaches the document.
"""

from __future__ import annotations

import html
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from cjmkit.edits import Collection, count_words
from cjmkit.errors import CjmError, InvalidEdit
from cjmkit.model import EMOTION_WORDS, Journey

if TYPE_CHECKING:
    from cjmkit.edits import Editor

NEW = "__new__"
"""Dropdown value that stands for "a new item" in the editors' item pickers."""

LABEL_WIDTH = "110px"
FIELD_WIDTH = "320px"

_PLACE = re.compile(r"^(?:\d+ problems: )?([A-Za-z0-9_.\[\]-]+):")


def message_widget() -> w.HTML:
    """Return an empty inline message (shown in red when it holds text)."""
    return w.HTML("", layout=w.Layout(margin="0 0 0 8px", display="none"))


def set_message(widget: w.HTML, text: str, kind: str = "error") -> None:
    """Show ``text`` (escaped) in a message widget; an empty text hides it."""
    if not text:
        widget.value = ""
        widget.layout.display = "none"  # an empty HTML widget would still take a line
        return
    widget.layout.display = None
    color = {"error": "#b3261e", "ok": "#1b6e3a", "info": "#555"}[kind]
    icon = {"error": "⚠ ", "ok": "✓ ", "info": ""}[kind]
    widget.value = f'<span style="color:{color}">{icon}{html.escape(text)}</span>'


def message_text(widget: w.HTML) -> str:
    """Return the plain text a message widget shows (for tests and status lines)."""
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value)).lstrip("⚠✓ ").strip()


class FieldMessages:
    """Inline messages for a form: one per field plus one for the whole form.

    :meth:`show` puts an error's sentence next to the field it names (the sentence of an
    :class:`~cjmkit.errors.InvalidEdit` starts with its place, e.g. ``"name: must not be
    empty"``), or in the form's own message when it names no known field.
    """

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = {name: message_widget() for name in fields}
        self.form = message_widget()

    def __getitem__(self, field: str) -> w.HTML:
        return self.fields[field]

    def clear(self) -> None:
        """Hide every message."""
        for widget in (*self.fields.values(), self.form):
            set_message(widget, "")

    def show(self, error: CjmError | str, field: str | None = None) -> None:
        """Show an error's sentence beside its field (or ``field``, when given)."""
        self.clear()
        text = str(error)
        if field is None and getattr(error, "field", None) in self.fields:
            field = error.field  # type: ignore[union-attr]
        if field is None:
            match = _PLACE.match(text)
            parts = re.split(r"[.\[\]]+", match.group(1)) if match else []
            field = next((part for part in reversed(parts) if part in self.fields), None)
        set_message(self.fields.get(field, self.form) if field else self.form, text)

    def ok(self, text: str) -> None:
        """Show a short confirmation in the form's message."""
        self.clear()
        set_message(self.form, text, "ok")

    def texts(self) -> dict[str, str]:
        """Return the visible messages by field (``""`` for the form's own)."""
        found = {name: message_text(widget) for name, widget in self.fields.items()}
        found[""] = message_text(self.form)
        return {name: text for name, text in found.items() if text}


def attempt(messages: FieldMessages, action: Callable[[], Any], field: str | None = None) -> Any:
    """Run an edit; on a CjmError show its sentence inline and return None.

    Any other exception is a bug: the page says so in one sentence (a workshop page shows no
    tracebacks) and the traceback goes to the server's log.
    """
    try:
        result = action()
    except CjmError as error:
        messages.show(error, field)
        return None
    except Exception as error:
        traceback.print_exc(file=sys.__stderr__)
        messages.show(
            f"something went wrong ({type(error).__name__}: {error}); "
            "every edit before this one is saved, the details are in the server's log"
        )
        return None
    messages.clear()
    return result


def plain_label(text: str, width: str | None = None) -> w.HTML:
    """A label for text people typed (names): escaped and never read as TeX, unlike ``w.Label``.

    ipywidgets typesets ``$...$`` in labels and descriptions; an HTML widget shows it as typed.
    """
    layout = w.Layout(width=width, flex="0 0 auto") if width else w.Layout()
    return w.HTML(f"<span class='cjm-plain'>{html.escape(text)}</span>", layout=layout)


def row(label: str, field: w.Widget, message: w.Widget | None = None, beside: bool = False) -> w.HBox:
    """A labelled form row: ``label  [field]`` with the field's message right under the field.

    ``beside=True`` puts the extra widget to the right of the field instead (e.g. the word of
    an emotion slider).
    """
    caption = plain_label(label, LABEL_WIDTH)
    field.layout.flex = "0 0 auto"
    if message is None:
        parts = [caption, field]
    elif beside:
        parts = [caption, field, message]
    else:
        message.layout.margin = "0"
        parts = [caption, w.VBox([field, message], layout=w.Layout(flex="1 1 auto"))]
    return w.HBox(parts, layout=w.Layout(align_items="flex-start" if message and not beside else "center"))


def text(placeholder: str = "", width: str = FIELD_WIDTH) -> w.Text:
    """A single line text field of the usual width."""
    return w.Text(placeholder=placeholder, layout=w.Layout(width=width))


def lines_area(placeholder: str = "one per line", rows: int = 3) -> w.Textarea:
    """A text area for a list, one entry per line."""
    return w.Textarea(placeholder=placeholder, rows=rows, layout=w.Layout(width=FIELD_WIDTH))


def split_lines(value: str) -> list[str]:
    """Turn a text area's value into a list: one stripped, non-empty entry per line."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def split_commas(value: str) -> list[str]:
    """Turn ``"email, chat"`` into ``["email", "chat"]``."""
    return [part.strip() for part in value.split(",") if part.strip()]


def button(description: str, style: str = "", tooltip: str = "", width: str = "auto") -> w.Button:
    """A button of the house style (``style``: primary, success, danger, warning or empty)."""
    return w.Button(
        description=description, button_style=style, tooltip=tooltip, layout=w.Layout(width=width)
    )


def set_options(
    dropdown: w.Dropdown | w.Select, options: Sequence[tuple[str, Any]], keep: Any = None
) -> None:
    """Replace a picker's options only when they changed, keeping its value if still offered.

    Setting the same options again would send them to the browser on every edit, which a map
    with a thousand touchpoints notices.
    """
    options = tuple(options)
    wanted = dropdown.value if keep is None else keep
    if tuple(dropdown.options) != options:
        dropdown.options = options
    values = [value for _label, value in options]
    if wanted in values:
        if dropdown.value != wanted:
            dropdown.value = wanted
    elif values and dropdown.value not in values:
        dropdown.value = values[0]


def stage_options(journey: Journey) -> list[tuple[str, str]]:
    """Options naming each stage (with its phase, when it has one)."""
    return [(f"{s.phase} · {s.name}" if s.phase else s.name, s.id) for s in journey.stages]


def lane_options(journey: Journey) -> list[tuple[str, str]]:
    """Options naming each lane and its kind."""
    return [(f"{lane.name} ({lane.kind})", lane.id) for lane in journey.lanes]


def touchpoint_label(journey: Journey, touchpoint: Any) -> str:
    """``"Name — Stage / Lane"``: what a touchpoint is called in pickers."""
    places = (journey.stage(touchpoint.stage), journey.lane(touchpoint.lane))
    where = " / ".join(x.name for x in places if x is not None)
    return f"{touchpoint.name} — {where}" if where else touchpoint.name


def touchpoint_options(journey: Journey, kinds: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Options for the touchpoints (of lanes of the given kinds, or all), in map order."""
    lanes = None if kinds is None else {lane.id for lane in journey.lanes if lane.kind in set(kinds)}
    stage_order = {s.id: i for i, s in enumerate(journey.stages)}
    lane_order = {lane.id: i for i, lane in enumerate(journey.lanes)}
    chosen = [tp for tp in journey.touchpoints if lanes is None or tp.lane in lanes]
    chosen.sort(key=lambda tp: (stage_order.get(tp.stage, 0), lane_order.get(tp.lane, 0)))
    stage_names = {s.id: s.name for s in journey.stages}
    lane_names = {lane.id: lane.name for lane in journey.lanes}
    options = []
    for tp in chosen:
        where = " / ".join(n for n in (stage_names.get(tp.stage), lane_names.get(tp.lane)) if n)
        options.append((f"{tp.name} — {where}" if where else tp.name, tp.id))
    return options


def emotion_word(value: int) -> str:
    """``-2`` → ``"very negative"`` ... ``2`` → ``"very positive"``."""
    return EMOTION_WORDS.get(int(value), "")


MAX_SLA_HOURS = 24 * 366
"""The longest SLA the handoff form takes: a year (anything longer is a typing slip)."""


def parse_hours(value: str, field: str = "sla_hours") -> float | None:
    """Read an SLA typed as hours (``"24"``, ``"1.5"``); empty means no SLA."""
    value = value.strip().lower().removesuffix("h").strip()
    if not value:
        return None
    try:
        hours = float(value)
    except ValueError:
        raise InvalidEdit(f"SLA: “{value}” is not a number of hours (e.g. 24)", field) from None
    if not 0 < hours <= MAX_SLA_HOURS:
        raise InvalidEdit(
            f"SLA: {value} hours is not a time to follow up in; give between 0 and {MAX_SLA_HOURS:,} hours (a year)",
            field,
        )
    return hours


def section(title: str) -> w.HTML:
    """A small heading inside an editor."""
    return w.HTML(f"<b style='font-size:1.05em'>{html.escape(title)}</b>")


class Subscribed:
    """Mixin: subscribe to an Editor and refresh on every change; ``close`` unsubscribes."""

    _unsubscribe: Callable[[], None] | None = None

    def _subscribe(self, editor: Any) -> None:
        self._unsubscribe = editor.subscribe(lambda _journey, _change: self.refresh())

    def refresh(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        """Stop listening to the editor and close the widget."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        super().close()  # type: ignore[misc]


class KeepsTyping:
    """Mixin for forms: what the person is typing survives edits that arrive from elsewhere.

    A form lists its ``fields`` (attributes holding their widgets), calls :meth:`_remember`
    once it has filled them from the document, and refills through :meth:`_refill_keeping`,
    which puts back every field the person changed since. :meth:`_typed` names those fields,
    so that a save sends only them (a field someone else changed meanwhile keeps their value).
    """

    fields: tuple[str, ...] = ()
    _base: dict[str, Any]

    def _remember(self) -> None:
        self._base = {name: getattr(self, name).value for name in self.fields}

    def _typed(self) -> list[str]:
        """The fields the person changed since the form was filled."""
        base = getattr(self, "_base", {})
        return [name for name in self.fields if getattr(self, name).value != base.get(name)]

    def _refill_keeping(self, refill: Callable[[], None]) -> None:
        typed = {name: getattr(self, name).value for name in self._typed()}
        refill()
        for name, value in typed.items():
            getattr(self, name).value = value


class EditorPanel(Subscribed, w.VBox):
    """Base of the editors: a box that edits the journey through an Editor and follows it.

    A subclass creates its widgets, then calls ``super().__init__(editor, children,
    css_class)``, which lays the children out, fills them from the journey with the subclass's
    :meth:`refresh` and refreshes again after every change; ``close`` stops listening.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.
    children
        The widgets of the panel, top to bottom.
    css_class
        A class name for the panel's DOM node (browser tests find the panel by it).
    """

    def __init__(self, editor: Editor, children: Sequence[w.Widget], css_class: str) -> None:
        self.editor = editor
        super().__init__(list(children))
        self.add_class(css_class)
        self.refresh()
        self._subscribe(editor)


class ItemForm(KeepsTyping, EditorPanel):
    """Base of the forms over one collection of the journey (personas, touchpoints, handoffs).

    A picker lists the items after a "+ New …" entry; picking one loads it into the fields,
    Save adds the new item or saves the open one, Delete removes it (asking first, through
    :meth:`_ask_before_delete`, when other parts of the map use it).

    A subclass sets ``collection`` (e.g. ``"personas"``) and ``noun`` (``"persona"``), calls
    :meth:`_make_controls` before creating its fields and puts ``picker``, ``save_button``,
    ``delete_button`` and ``confirm_box`` in its layout. It writes :meth:`_options` (the
    picker's items), :meth:`_fill` (the fields from an item, or blank), :meth:`_values` (the
    fields as edit values) and :meth:`delete`, and may add :meth:`_refresh_fields` (other
    pickers to update) and :meth:`_new_values` (extra values for a new item).
    """

    collection: Collection
    noun: str
    messages: FieldMessages

    def _make_controls(self) -> None:
        """Create the item picker, the Save and Delete buttons and the box for delete questions."""
        self._loaded: Any = None
        self._base: dict[str, Any] = {}
        self._refreshing = False
        self.picker = w.Dropdown(layout=w.Layout(width=FIELD_WIDTH))
        self.save_button = button(f"Add {self.noun}", "primary")
        self.delete_button = button("Delete", "danger")
        self.confirm_box = w.HBox([])
        # new options pass the picker through its first entry: only a person's pick loads an item
        self.picker.observe(lambda _c: None if self._refreshing else self._load(), "value")
        self.save_button.on_click(lambda _b: self.save())
        self.delete_button.on_click(lambda _b: self.delete())

    # -- state --------------------------------------------------------------------------------

    @property
    def selected(self) -> Any:
        """The item being edited, or None while creating a new one."""
        value = self.picker.value
        return None if value in (None, NEW) else self.editor.journey.find(self.collection, value)

    def refresh(self) -> None:
        """Bring the pickers (and the open item's fields) up to date with the journey."""
        before = self.picker.value
        self._refreshing = True
        try:
            set_options(self.picker, [(f"+ New {self.noun}", NEW), *self._options()])
        finally:
            self._refreshing = False
        self._refresh_fields()
        if self.picker.value != before:  # the open item is gone
            self._load()
        elif self.selected is not self._loaded:
            # The open item itself changed (an undo, another board): show the change, but keep
            # what the person has typed; an edit elsewhere must not wipe it.
            self._refill_keeping(self._load)

    def select(self, item_id: str | None) -> None:
        """Open an item in the form (None: a blank form for a new one)."""
        self.picker.value = item_id or NEW

    def _load(self) -> None:
        item = self._loaded = self.selected
        self.confirm_box.children = []
        self.messages.clear()
        self._fill(item)
        self._remember()
        self.save_button.description = "Save changes" if item else f"Add {self.noun}"
        self.delete_button.disabled = item is None

    def _options(self) -> list[tuple[str, str]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _refresh_fields(self) -> None:
        """Update the form's other pickers (none by default)."""

    def _fill(self, item: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _values(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _new_values(self) -> dict[str, Any]:
        """The values of a new item: the fields' by default."""
        return self._values()

    def _added_message(self, item: Any) -> str:
        return f"Added {item.name}"

    # -- actions ------------------------------------------------------------------------------

    def save(self) -> Any:
        """Add the item in the form, or save the changes to the open one."""
        item = self.selected
        if item is None:
            added = attempt(self.messages, lambda: self.editor.add(self.collection, self._new_values()))
            if added is not None:
                self.select(added.id)
                self.messages.ok(self._added_message(added))
            return added
        # Only what the person changed is sent: a field someone else changed meanwhile keeps
        # their value unless it was changed here too.
        typed = self._typed()

        def changes() -> dict[str, Any]:
            values = self._values()
            return {name: values[name] for name in typed if name in values}

        saved = attempt(self.messages, lambda: self.editor.update(self.collection, item.id, **changes()))
        if saved is not None:
            self._load_after_save()
            self.messages.ok("Saved" if typed else "Nothing to save: no field was changed")
        return saved

    def _load_after_save(self) -> None:
        """The form now shows the saved item: what it shows is the new base for "changed"."""
        self._loaded = self.selected
        self._remember()

    def delete(self) -> None:
        """Delete the open item; when other parts of the map use it, ask first (saying which)."""
        item = self.selected
        if item is None:
            return
        used = self.editor.dependants(self.collection, item.id)
        if not used:
            self._remove(item.id)
            return
        self._ask_before_delete(
            item.id, self._delete_question(item, count_words(used)), self._delete_confirm(used)
        )

    def _delete_question(self, item: Any, used: str) -> str:
        return f"“{item.name}” is used by {used}."

    def _delete_confirm(self, used: dict[str, int]) -> str:
        return "Delete them together"

    def _remove(self, item_id: str, cascade: bool = False) -> None:
        """Delete an item (and, with ``cascade``, what uses it); say what was deleted, or why not."""
        self.confirm_box.children = []
        done = attempt(self.messages, lambda: self.editor.remove(self.collection, item_id, cascade=cascade))
        if done is not None:
            self.messages.ok(done.description.replace("Delete ", "Deleted ", 1))

    def _ask_before_delete(self, item_id: str, question: str, confirm: str) -> None:
        """Show ``question`` with a button ``confirm`` that deletes the item and what uses it."""
        yes = button(confirm, "danger")
        cancel = button("Cancel")
        yes.on_click(lambda _b: self._remove(item_id, cascade=True))
        cancel.on_click(lambda _b: setattr(self.confirm_box, "children", []))
        self.confirm_box.children = [plain_label(question), yes, cancel]
