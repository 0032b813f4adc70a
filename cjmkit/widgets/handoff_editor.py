"""Handoffs: the customer passed from a support touchpoint to a care touchpoint."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from cjmkit.edits import Editor
from cjmkit.model import Handoff, unique_id
from cjmkit.widgets._common import (
    FIELD_WIDTH,
    FieldMessages,
    ItemForm,
    parse_hours,
    row,
    set_options,
    text,
    touchpoint_label,
    touchpoint_options,
)


class HandoffEditor(ItemForm):
    """A form for support → care handoffs: from, to, trigger, SLA and the owner on each side.

    "From" lists touchpoints of support lanes and "To" those of care lanes; tick "Any lane"
    to pick from every touchpoint.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.
    """

    collection = "handoffs"
    noun = "handoff"
    fields = ("from_touchpoint", "to_touchpoint", "trigger", "sla_hours", "from_owner", "to_owner")

    def __init__(self, editor: Editor) -> None:
        self._make_controls()
        self.any_lane = w.Checkbox(
            value=False, description="Any lane (not only support → care)", indent=False
        )
        self.from_touchpoint = w.Dropdown(layout=w.Layout(width=FIELD_WIDTH))
        self.to_touchpoint = w.Dropdown(layout=w.Layout(width=FIELD_WIDTH))
        self.trigger = text("e.g. Ticket resolved")
        self.sla_hours = text("hours, e.g. 24 (empty: no SLA)", width="200px")
        self.from_owner = text("support team")
        self.to_owner = text("care team")
        self.messages = m = FieldMessages(
            ["from_touchpoint", "to_touchpoint", "trigger", "sla_hours", "from_owner", "to_owner"]
        )
        self.any_lane.observe(lambda _c: self.refresh(), "value")
        form = [
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
        super().__init__(editor, form, "cjm-handoff-editor")

    def _options(self) -> list[tuple[str, str]]:
        journey = self.editor.journey
        names = {tp.id: tp.name for tp in journey.touchpoints}
        return [
            (f"{names.get(h.from_touchpoint, '?')} → {names.get(h.to_touchpoint, '?')}", h.id)
            for h in journey.handoffs
        ]

    def _refresh_fields(self) -> None:
        journey = self.editor.journey
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

    def _fill(self, handoff: Handoff | None) -> None:
        if handoff is not None:
            self.refresh()  # make sure both ends are offered
            self.from_touchpoint.value = handoff.from_touchpoint
            self.to_touchpoint.value = handoff.to_touchpoint
        self.trigger.value = handoff.trigger if handoff else ""
        self.sla_hours.value = f"{handoff.sla_hours:g}" if handoff and handoff.sla_hours is not None else ""
        self.from_owner.value = handoff.from_owner if handoff else ""
        self.to_owner.value = handoff.to_owner if handoff else ""

    def _values(self) -> dict[str, Any]:
        return {
            "from_touchpoint": self.from_touchpoint.value,
            "to_touchpoint": self.to_touchpoint.value,
            "trigger": self.trigger.value.strip(),
            "sla_hours": parse_hours(self.sla_hours.value),
            "from_owner": self.from_owner.value.strip(),
            "to_owner": self.to_owner.value.strip(),
        }

    def _new_values(self) -> dict[str, Any]:
        values = self._values()
        start, end = (self.editor.journey.touchpoint(values[k]) for k in ("from_touchpoint", "to_touchpoint"))
        values["id"] = _handoff_id(self.editor, start.id if start else "from", end.id if end else "to")
        return values

    def _added_message(self, handoff: Handoff) -> str:
        return "Added handoff"

    def save(self) -> Handoff | None:
        """Add the handoff in the form, or save the changes to the open one."""
        if self.from_touchpoint.value is None or self.to_touchpoint.value is None:
            self.messages.show("a handoff needs a touchpoint at each end: add touchpoints first")
            return None
        return super().save()


def _handoff_id(editor: Editor, start: str, end: str) -> str:
    taken = {h.id for h in editor.journey.handoffs}
    return unique_id(f"{start}-to-{end}", taken, fallback="handoff")
