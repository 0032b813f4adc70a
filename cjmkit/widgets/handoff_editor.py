"""Handoffs: the customer passed from a support touchpoint to a care touchpoint."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from cjmkit.edits import Editor
from cjmkit.model import Handoff, unique_id
from cjmkit.widgets._common import (
    FIELD_WIDTH,
    NEW,
    FieldMessages,
    Subscribed,
    attempt,
    button,
    parse_hours,
    row,
    set_options,
    text,
    touchpoint_label,
    touchpoint_options,
)


class HandoffEditor(Subscribed, w.VBox):
    """A form for support → care handoffs: from, to, trigger, SLA and the owner on each side.

    "From" lists touchpoints of support lanes and "To" those of care lanes; tick "Any lane"
    to pick from every touchpoint.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.
    """

    def __init__(self, editor: Editor) -> None:
        self.editor = editor
        self._loaded: Handoff | None = None
        self.picker = w.Dropdown(layout=w.Layout(width=FIELD_WIDTH))
        self.any_lane = w.Checkbox(
            value=False, description="Any lane (not only support → care)", indent=False
        )
        self.from_touchpoint = w.Dropdown(layout=w.Layout(width=FIELD_WIDTH))
        self.to_touchpoint = w.Dropdown(layout=w.Layout(width=FIELD_WIDTH))
        self.trigger = text("e.g. Ticket resolved")
        self.sla_hours = text("hours, e.g. 24 (empty: no SLA)", width="200px")
        self.from_owner = text("support team")
        self.to_owner = text("care team")
        self.messages = FieldMessages(
            ["from_touchpoint", "to_touchpoint", "trigger", "sla_hours", "from_owner", "to_owner"]
        )
        self.save_button = button("Add handoff", "primary")
        self.delete_button = button("Delete", "danger")

        self.picker.observe(lambda _c: self._load(), "value")
        self.any_lane.observe(lambda _c: self.refresh(), "value")
        self.save_button.on_click(lambda _b: self.save())
        self.delete_button.on_click(lambda _b: self.delete())

        m = self.messages
        super().__init__(
            [
                row("Handoff", self.picker),
                self.any_lane,
                row("From (support)", self.from_touchpoint, m["from_touchpoint"]),
                row("To (care)", self.to_touchpoint, m["to_touchpoint"]),
                row("Trigger", self.trigger, m["trigger"]),
                row("SLA (hours)", self.sla_hours, m["sla_hours"]),
                row("Support owner", self.from_owner, m["from_owner"]),
                row("Care owner", self.to_owner, m["to_owner"]),
                w.HBox([self.save_button, self.delete_button, m.form]),
            ]
        )
        self.add_class("cjm-handoff-editor")
        self.refresh()
        self._subscribe(editor)

    @property
    def selected(self) -> Handoff | None:
        """The handoff being edited, or None while creating a new one."""
        value = self.picker.value
        return None if value in (None, NEW) else self.editor.journey.find("handoffs", value)  # type: ignore[return-value]

    def refresh(self) -> None:
        """Bring the pickers up to date with the journey."""
        journey = self.editor.journey
        names = {tp.id: tp.name for tp in journey.touchpoints}
        labels = {
            h.id: f"{names.get(h.from_touchpoint, '?')} → {names.get(h.to_touchpoint, '?')}"
            for h in journey.handoffs
        }
        before = self.picker.value
        set_options(self.picker, [("+ New handoff", NEW), *((labels[h.id], h.id) for h in journey.handoffs)])
        every = touchpoint_options(journey)
        froms = every if self.any_lane.value else touchpoint_options(journey, ["support"]) or every
        tos = every if self.any_lane.value else touchpoint_options(journey, ["care"]) or every
        # Keep the ends of the open handoff pickable even when they sit in other lanes.
        handoff = self.selected
        for options, end in ((froms, "from_touchpoint"), (tos, "to_touchpoint")):
            tp = journey.touchpoint(getattr(handoff, end)) if handoff else None
            if tp is not None and tp.id not in {value for _l, value in options}:
                options.insert(0, (touchpoint_label(journey, tp), tp.id))
        set_options(self.from_touchpoint, froms)
        set_options(self.to_touchpoint, tos)
        if self.picker.value == before and self.selected is not self._loaded:
            self._load()

    def select(self, handoff_id: str | None) -> None:
        """Open a handoff in the form (None: a blank form for a new one)."""
        self.picker.value = handoff_id or NEW

    def _load(self) -> None:
        handoff = self._loaded = self.selected
        self.messages.clear()
        if handoff is not None:
            self.refresh()  # make sure both ends are offered
            self.from_touchpoint.value = handoff.from_touchpoint
            self.to_touchpoint.value = handoff.to_touchpoint
        self.trigger.value = handoff.trigger if handoff else ""
        self.sla_hours.value = f"{handoff.sla_hours:g}" if handoff and handoff.sla_hours is not None else ""
        self.from_owner.value = handoff.from_owner if handoff else ""
        self.to_owner.value = handoff.to_owner if handoff else ""
        self.save_button.description = "Save changes" if handoff else "Add handoff"
        self.delete_button.disabled = handoff is None

    def _values(self) -> dict[str, Any]:
        return {
            "from_touchpoint": self.from_touchpoint.value,
            "to_touchpoint": self.to_touchpoint.value,
            "trigger": self.trigger.value.strip(),
            "sla_hours": parse_hours(self.sla_hours.value),
            "from_owner": self.from_owner.value.strip(),
            "to_owner": self.to_owner.value.strip(),
        }

    def save(self) -> Handoff | None:
        """Add the handoff in the form, or save the changes to the open one."""
        handoff = self.selected
        if self.from_touchpoint.value is None or self.to_touchpoint.value is None:
            self.messages.show("a handoff needs a touchpoint at each end: add touchpoints first")
            return None
        if handoff is None:

            def add() -> Any:
                values = self._values()
                start, end = (
                    self.editor.journey.touchpoint(values[k]) for k in ("from_touchpoint", "to_touchpoint")
                )
                values["id"] = _handoff_id(
                    self.editor, start.id if start else "from", end.id if end else "to"
                )
                return self.editor.add("handoffs", values)

            added = attempt(self.messages, add)
            if added is not None:
                self.select(added.id)
                self.messages.ok("Added handoff")
            return added
        saved = attempt(self.messages, lambda: self.editor.update("handoffs", handoff.id, **self._values()))
        if saved is not None:
            self.messages.ok("Saved")
        return saved

    def delete(self) -> None:
        """Delete the open handoff."""
        handoff = self.selected
        if handoff is not None:
            attempt(self.messages, lambda: self.editor.remove("handoffs", handoff.id))


def _handoff_id(editor: Editor, start: str, end: str) -> str:
    taken = {h.id for h in editor.journey.handoffs}
    return unique_id(f"{start}-to-{end}", taken, fallback="handoff")
