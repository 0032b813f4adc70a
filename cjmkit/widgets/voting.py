"""Dot voting on pain points and opportunities, with live tallies."""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as w

from cjmkit.edits import Editor
from cjmkit.widgets._common import EditorPanel, FieldMessages, attempt, button, set_options

ALL = "__all__"
_BADGES = {
    "pain_points": ("Pain", "#b3261e"),
    "opportunities": ("Idea", "#1b6e3a"),
}


@dataclass
class _Row:
    box: w.HBox
    text: w.HTML
    tally: w.HTML
    minus: w.Button
    plus: w.Button


class DotVoting(EditorPanel):
    """Every pain point and opportunity with − / + buttons and its live tally.

    Filter by stage and kind, and order by map position or by votes; the leaders are summed
    up on top. Each click is one undoable edit.

    Parameters
    ----------
    editor
        The :class:`~cjmkit.edits.Editor` every change goes through.
    """

    def __init__(self, editor: Editor) -> None:
        self.rows: dict[tuple[str, str, str], _Row] = {}
        self.stage = w.Dropdown(description="Stage", layout=w.Layout(width="260px"))
        self.kind = w.ToggleButtons(
            options=(("All", ALL), ("Pain points", "pain_points"), ("Opportunities", "opportunities")),
            value=ALL,
            style={"button_width": "110px"},
        )
        self.order = w.ToggleButtons(
            options=(("Map order", "map"), ("Most votes", "votes")),
            value="map",
            style={"button_width": "110px"},
        )
        self.leaders = w.HTML()
        self.list = w.VBox([], layout=w.Layout(max_height="520px", overflow="auto"))
        self.messages = FieldMessages([])
        for control in (self.stage, self.kind, self.order):
            control.observe(lambda _c: self.refresh(), "value")
        panel = [self.stage, self.kind, self.order, self.leaders, self.messages.form, self.list]
        super().__init__(editor, panel, "cjm-dot-voting")

    def notes(self) -> list[tuple[str, str, str, str, int]]:
        """The notes shown: ``(touchpoint_id, kind, note_id, text, votes)`` in display order."""
        journey = self.editor.journey
        stage_order = {s.id: i for i, s in enumerate(journey.stages)}
        lane_order = {lane.id: i for i, lane in enumerate(journey.lanes)}
        kinds = list(_BADGES) if self.kind.value == ALL else [self.kind.value]
        touchpoints = [tp for tp in journey.touchpoints if self.stage.value in (ALL, None, tp.stage)]
        touchpoints.sort(key=lambda tp: (stage_order.get(tp.stage, 0), lane_order.get(tp.lane, 0)))
        found = [
            (tp.id, kind, note.id, note.text, note.votes)
            for tp in touchpoints
            for kind in kinds
            for note in getattr(tp, kind)
        ]
        if self.order.value == "votes":
            found.sort(key=lambda item: -item[4])
        return found

    def tally(self, touchpoint_id: str, kind: str, note_id: str) -> int:
        """The votes a note has now (from the document)."""
        tp = self.editor.journey.touchpoint(touchpoint_id)
        note = next((n for n in getattr(tp, kind) if n.id == note_id), None) if tp else None
        return note.votes if note else 0

    def refresh(self) -> None:
        """Bring rows and tallies up to date (rows are reused, only new notes get new widgets)."""
        journey = self.editor.journey
        set_options(self.stage, [("All stages", ALL), *((s.name, s.id) for s in journey.stages)])
        names = {tp.id: tp.name for tp in journey.touchpoints}
        shown = self.notes()
        children = []
        for tp_id, kind, note_id, text, votes in shown:
            key = (tp_id, kind, note_id)
            row = self.rows.get(key) or self._make_row(key)
            label, color = _BADGES[kind]
            content = (
                "<div style='line-height:1.3'>"
                f"<span style='background:{color};color:white;border-radius:3px;padding:0 4px;"
                f"font-size:0.85em'>{label}</span> {html.escape(text)} "
                f"<span style='color:#666'>· {html.escape(names.get(tp_id, ''))}</span></div>"
            )
            if row.text.value != content:
                row.text.value = content
            tally = f"<b style='font-size:1.2em'>{votes}</b>"
            if row.tally.value != tally:
                row.tally.value = tally
            row.minus.disabled = votes == 0
            children.append(row.box)
        hidden = set(self.rows) - {(n[0], n[1], n[2]) for n in shown}
        if hidden:
            live = {
                (tp.id, kind, note.id)
                for tp in journey.touchpoints
                for kind in _BADGES
                for note in getattr(tp, kind)
            }
            for key in hidden - live:
                self.rows.pop(key).box.close()
        if tuple(self.list.children) != tuple(children):
            self.list.children = children
        top = sorted((n for n in shown if n[4] > 0), key=lambda n: -n[4])[:3]
        self.leaders.value = (
            "<div style='line-height:1.35'><b>Most votes:</b> "
            + "; ".join(f"{html.escape(n[3])} · {html.escape(names.get(n[0], ''))} ({n[4]})" for n in top)
            + "</div>"
            if top
            else "<span style='color:#666'>No votes yet: click + to give a dot.</span>"
        )

    def _make_row(self, key: tuple[str, str, str]) -> _Row:
        text = w.HTML(layout=w.Layout(width="320px", margin="0 0 0 8px"))
        tally = w.HTML(layout=w.Layout(width="36px", justify_content="center"))
        minus = button("−", tooltip="Take a dot back", width="36px")
        plus = button("+", "info", tooltip="Give a dot", width="36px")
        minus.on_click(lambda _b: self.vote(*key, -1))
        plus.on_click(lambda _b: self.vote(*key, +1))
        # rows keep their height: in a scrolling column, flex would squeeze them together
        box = w.HBox([minus, tally, plus, text], layout=w.Layout(align_items="center", flex="0 0 auto"))
        row = _Row(box, text, tally, minus, plus)
        self.rows[key] = row
        return row

    def vote(self, touchpoint_id: str, kind: str, note_id: str, delta: int) -> None:
        """Give (``+1``) or take back (``-1``) a dot."""
        attempt(self.messages, lambda: self.editor.vote(touchpoint_id, kind, note_id, delta))
