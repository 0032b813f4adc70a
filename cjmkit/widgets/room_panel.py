"""The board's Room tab: join link and QR code, the inbox of participants' notes, rounds, timer.

:class:`RoomPanel` follows the room log beside the map (every :data:`ROOM_POLL_SECONDS` on the
kernel's event loop), so a note a participant sent shows up within a second; every action is a
:class:`~cjmkit.room.RoomControl` call: accepting a note is one undoable edit of the map, the
rest is appended to the log, where the participants' page (and any other board) reads it.
"""

from __future__ import annotations

import asyncio
import html
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import ipywidgets as w

from cjmkit.edits import Editor
from cjmkit.room import RoomControl, vote_items
from cjmkit.room.facilitator import ROOM_URL_ENV
from cjmkit.room.qr import qr_svg
from cjmkit.room.state import DEFAULT_BUDGET, MAX_BUDGET, NOTE_KINDS, InboxNote
from cjmkit.widgets._common import FieldMessages, attempt, button, set_options

ROOM_POLL_SECONDS = 0.5
"""How often the board looks at the room log (notes arrive within a second)."""

SHOWN_NOTES = 40
"""Inbox rows shown at once (the rest wait below, counted)."""

ALL = "__all__"
LETTER = {
    "touchpoint": ("Touchpoint", "#1f3a5f"),
    "pain_points": ("Pain", "#b3261e"),
    "opportunities": ("Idea", "#1b6e3a"),
}
TIMER_CHOICES = (
    ("1 min", 60),
    ("2 min", 120),
    ("3 min", 180),
    ("5 min", 300),
    ("10 min", 600),
    ("15 min", 900),
)


@dataclass
class _Row:
    box: w.HBox
    text: w.HTML
    target: w.Dropdown
    accept: w.Button
    hide: w.Button
    more: w.Button


class _Poll:
    """Call ``tick()`` every ``seconds`` on the running asyncio loop (nothing without one)."""

    def __init__(self, tick: Callable[[], object], seconds: float) -> None:
        self.tick, self.seconds = tick, seconds
        self._handle: asyncio.TimerHandle | None = None
        self._schedule()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._handle = loop.call_later(self.seconds, self._run)

    def _run(self) -> None:
        try:
            self.tick()
        finally:
            if self._handle is not None:
                self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class RoomPanel(w.VBox):
    """The facilitator's room controls and inbox.

    Parameters
    ----------
    editor
        The map's editor (a :class:`~cjmkit.store.MapSession`'s, so accepted notes are saved).
    map_path
        The map file (its room log is beside it).
    url
        Where participants join (``cjmkit workshop`` passes it in ``CJMKIT_ROOM_URL``); None in
        a notebook, where no participants' server runs.

    Attributes
    ----------
    control
        The :class:`~cjmkit.room.RoomControl` every button calls.
    rows
        Inbox rows by note id (those shown).
    """

    def __init__(self, editor: Editor, map_path: str | os.PathLike[str], url: str | None = None) -> None:
        self.editor = editor
        self.control = RoomControl(editor, Path(map_path))
        self.url = url if url is not None else os.environ.get(ROOM_URL_ENV) or None
        self.rows: dict[str, _Row] = {}
        self.selected: str | None = None
        self._shown_timer: str | None = None
        self._inbox_listeners: list[Callable[[int], None]] = []
        self._waiting = 0

        self.status = w.HTML()
        self.join = w.HTML()
        self.open_button = button("Open the room", "success", width="170px")
        self.close_button = button("Close the room", "danger", width="170px")
        self.open_button.on_click(lambda _b: self._act(self.open_room))
        self.close_button.on_click(lambda _b: self._act(self.control.close))
        self.messages = FieldMessages([])

        self.auto_accept = w.Checkbox(
            description="Accept everything", indent=False, layout=w.Layout(width="190px")
        )
        self.auto_accept.observe(
            lambda change: self._act(lambda: self.control.set_auto_accept(change["new"])), "value"
        )
        self.accept_all_button = button("Accept all now", width="150px")
        self.accept_all_button.on_click(lambda _b: self._act(self.accept_all))
        self.inbox_title = w.HTML()
        self.list = w.VBox([], layout=w.Layout(max_height="420px", overflow="auto"))
        self.empty_note = w.HTML(
            "<span style='color:#555'>No notes waiting. What participants send arrives here.</span>"
        )
        self.more_note = w.HTML()
        self.list.add_class("cjm-room-inbox")

        # the selected note: edit its text, merge it into a duplicate
        self.edit_text = w.Textarea(layout=w.Layout(width="100%", height="64px"))
        self.save_text_button = button("Save text", width="110px")
        self.save_text_button.on_click(
            lambda _b: self._act(lambda: self.control.edit(self.selected or "", self.edit_text.value))
        )
        self.merge_into = w.Dropdown(description="Duplicate of", layout=w.Layout(width="100%"))
        self.merge_button = button("Merge", width="110px")
        self.merge_button.on_click(
            lambda _b: self._act(lambda: self.control.merge(self.selected or "", self.merge_into.value or ""))
        )
        self.detail = w.VBox(
            [
                w.HTML("<b>Selected note</b>"),
                self.edit_text,
                self.save_text_button,
                self.merge_into,
                self.merge_button,
            ],
            layout=w.Layout(display="none", border="1px solid #d9e2ec", padding="6px", margin="6px 0"),
        )

        # voting
        self.round_stage = w.Dropdown(description="Vote on", layout=w.Layout(width="300px"))
        self.round_stage.add_class("cjm-round-stage")
        self.budget = w.BoundedIntText(
            value=DEFAULT_BUDGET,
            min=1,
            max=MAX_BUDGET,
            description="Dots each",
            layout=w.Layout(width="160px"),
        )
        self.start_round_button = button("Start voting round", "primary", width="180px")
        self.start_round_button.on_click(lambda _b: self._act(self.start_round))
        self.reveal_button = button("Reveal tallies", "info", width="140px")
        self.reveal_button.on_click(lambda _b: self._act(self.control.reveal))
        self.end_round_button = button("Close round, add votes to the map", "success", width="270px")
        self.end_round_button.on_click(lambda _b: self._act(lambda: self.control.end_round(apply=True)))
        self.round_status = w.HTML()

        # timer
        self.timer_length = w.Dropdown(options=TIMER_CHOICES, value=300, layout=w.Layout(width="100px"))
        self.timer_button = button("Start timer", width="120px")
        self.timer_button.on_click(
            lambda _b: self._act(lambda: self.control.start_timer(self.timer_length.value))
        )
        self.stop_timer_button = button("Stop", width="80px")
        self.stop_timer_button.on_click(lambda _b: self._act(self.control.stop_timer))
        self.timer = w.HTML()

        super().__init__(
            [
                w.HBox(
                    [self.open_button, self.close_button, self.status],
                    layout=w.Layout(align_items="center", flex_flow="row wrap"),
                ),
                self.join,
                self.messages.form,
                w.HTML("<hr style='margin:6px 0'>"),
                w.HBox(
                    [self.inbox_title, self.auto_accept, self.accept_all_button],
                    layout=w.Layout(align_items="center", flex_flow="row wrap"),
                ),
                self.list,
                self.detail,
                w.HTML("<hr style='margin:6px 0'><b>Dot voting</b>"),
                w.HBox([self.round_stage, self.budget], layout=w.Layout(flex_flow="row wrap")),
                w.HBox([self.start_round_button, self.reveal_button], layout=w.Layout(flex_flow="row wrap")),
                self.end_round_button,
                self.round_status,
                w.HTML("<hr style='margin:6px 0'><b>Timer</b>"),
                w.HBox(
                    [self.timer_length, self.timer_button, self.stop_timer_button, self.timer],
                    layout=w.Layout(align_items="center"),
                ),
            ]
        )
        self.add_class("cjm-room-panel")
        self._unsubscribe: Callable[[], None] | None = editor.subscribe(lambda _j, _c: self.render())
        self.render()
        self.poll = _Poll(self.check, ROOM_POLL_SECONDS)

    # -- following the room -----------------------------------------------------------------------

    def check(self) -> list[InboxNote]:
        """Read the room log now; return the notes that arrived (and accept them if the switch is on)."""
        events = self.control.refresh()
        notes = self.control.state.notes
        arrived = [notes[e["id"]] for e in events if e.get("type") == "note" and e["id"] in notes]
        if arrived and self.control.state.auto_accept:
            self._act(self.accept_all)
        elif events:
            self.render()
        else:
            self._render_timer()
        return arrived

    def on_inbox(self, callback: Callable[[int], None]) -> Callable[[], None]:
        """Call ``callback(waiting)`` now and whenever the number of notes in the inbox changes.

        Returns a function that stops the calls (the board counts them on the Room tab's title).
        """
        self._inbox_listeners.append(callback)
        callback(self._waiting)
        return lambda: self._inbox_listeners.remove(callback)

    def join_link(self) -> str | None:
        """The link participants open (with the join code), when the room is open."""
        state = self.control.state
        if not (self.url and state.open and state.code):
            return None
        return f"{self.url}?code={state.code}"

    # -- actions --------------------------------------------------------------------------------------

    def _act(self, action: Callable[[], object]) -> None:
        result = attempt(self.messages, action)
        if isinstance(result, str):
            self.messages.ok(result)
        self.render()

    def open_room(self) -> str:
        """Open the room; return the sentence shown."""
        code = self.control.open()
        return f"The room is open: join code {code}"

    def accept(self, note_id: str) -> str:
        """Accept a note where its row's "On" picker points (for pain points and ideas)."""
        row = self.rows.get(note_id)
        target = row.target.value if row is not None and row.target.value else None
        note = self.control.note(note_id)
        self.control.accept(note_id, touchpoint=target)
        return f"On the map: “{note.text}” (Undo takes it back)"

    def accept_all(self) -> str:
        """Put every waiting note on the map where its sender said; return what the panel then says."""
        added, problems = self.control.accept_all()
        if problems:
            raise_first = (
                problems[0]
                if len(problems) == 1
                else f"{len(problems)} notes stayed in the inbox: {problems[0]}"
            )
            from cjmkit.errors import CjmError

            raise CjmError(raise_first)
        return f"{len(added)} note{'s' if len(added) != 1 else ''} put on the map"

    def hide(self, note_id: str) -> None:
        """Take a note out of the inbox without putting it on the map."""
        self.control.hide(note_id)

    def select(self, note_id: str | None) -> None:
        """Open a note below the inbox to edit its text or merge it into a duplicate."""
        self.selected = note_id
        self.render()

    def start_round(self) -> str:
        """Open a voting round on the notes of the chosen stage (or all); return what the panel then says."""
        stage = None if self.round_stage.value in (None, ALL) else self.round_stage.value
        items = vote_items(self.editor.journey, stage=stage)
        round_ = self.control.start_round(items, budget=int(self.budget.value))
        return f"Voting round open: {len(round_.items)} notes, {round_.budget} dots each"

    # -- drawing --------------------------------------------------------------------------------------

    def render(self) -> None:
        """Bring every part of the panel up to date with the room's state and the map."""
        state = self.control.state
        journey = self.editor.journey
        self.open_button.disabled = state.open
        self.close_button.disabled = not state.open
        if self.auto_accept.value != state.auto_accept:
            self.auto_accept.value = state.auto_accept
        status = (
            "<b style='color:#1b6e3a'>The room is open</b>"
            if state.open
            else "<span style='color:#555'>The room is closed</span>"
        )
        _set(self.status, f"<span style='margin-left:12px'>{status}</span>")
        _set(self.join, self._join_html())

        inbox = state.inbox()
        _set(self.inbox_title, f"<b>Inbox</b> ({len(inbox)} waiting)&nbsp;&nbsp;")
        if len(inbox) != self._waiting:
            self._waiting = len(inbox)
            for callback in list(self._inbox_listeners):
                callback(self._waiting)
        self.accept_all_button.disabled = not inbox
        shown = inbox[:SHOWN_NOTES]
        children = [self._row(note).box for note in shown]
        if len(inbox) > len(shown):
            _set(self.more_note, f"<i>…and {len(inbox) - len(shown)} more after these</i>")
            children.append(self.more_note)
        elif not inbox:
            children.append(self.empty_note)
        if tuple(self.list.children) != tuple(children):
            self.list.children = children
        for gone in set(self.rows) - {note.id for note in shown}:
            self.rows.pop(gone).box.close()
        self._render_detail(inbox)

        set_options(self.round_stage, [("All stages", ALL), *((s.name, s.id) for s in journey.stages)])
        self._render_round()
        self._render_timer()

    def _join_html(self) -> str:
        state = self.control.state
        if not state.open:
            return "<span style='color:#555'>Open the room to let participants add notes and vote from their phones.</span>"
        if not self.url:
            return (
                f"<span>Join code <b>{html.escape(state.code or '')}</b>. Participants join through "
                "<code>cjmkit workshop MAP --room</code>; this notebook runs no participants' page.</span>"
            )
        link = self.join_link() or ""
        host = urlsplit(self.url).hostname or ""
        warning = (
            "<div style='color:#8a5a00'>⚠ This address works on this machine only: to let phones in, start "
            "the workshop with <code>cjmkit workshop MAP --room</code>.</div>"
            if host in ("127.0.0.1", "localhost", "::1")
            else ""
        )
        return (
            "<div style='display:flex;gap:12px;align-items:center;flex-wrap:wrap'>"
            f"<div class='cjm-room-qr' style='width:150px'>{qr_svg(link, scale=4)}</div>"
            f"<div style='font-size:15px;line-height:1.5'>Join at <b class='cjm-room-link'>{html.escape(self.url)}</b><br>"
            f"Join code <b class='cjm-room-code' style='font-size:24px;letter-spacing:3px'>{html.escape(state.code or '')}</b>"
            f"{warning}</div></div>"
        )

    def _row(self, note: InboxNote) -> _Row:
        row = self.rows.get(note.id)
        if row is None:
            text = w.HTML(layout=w.Layout(flex="1 1 200px", min_width="0"))
            target = w.Dropdown(
                description="On", style={"description_width": "24px"}, layout=w.Layout(width="190px")
            )
            accept = button("Accept", "success", width="80px")
            hide = button("Hide", width="64px")
            more = button("Edit…", width="64px")
            accept.on_click(lambda _b, i=note.id: self._act(lambda: self.accept(i)))
            hide.on_click(lambda _b, i=note.id: self._act(lambda: self.hide(i)))
            more.on_click(lambda _b, i=note.id: self.select(None if self.selected == i else i))
            box = w.HBox(
                [text, target, accept, hide, more],
                layout=w.Layout(
                    align_items="center",
                    flex="0 0 auto",
                    border_bottom="1px solid #e4e7eb",
                    flex_flow="row wrap",
                ),
            )
            box.add_class("cjm-room-note")
            row = self.rows[note.id] = _Row(box, text, target, accept, hide, more)
        label, color = LETTER.get(note.kind, (NOTE_KINDS.get(note.kind, note.kind), "#555"))
        journey = self.editor.journey
        stage = journey.stage(note.stage)
        place = stage.name if stage else note.stage
        lane = journey.lane(note.lane) if note.kind == "touchpoint" and note.lane else None
        if lane is not None:
            place += f" · {lane.name}"
        extra = f" · ×{1 + len(note.duplicates)}" if note.duplicates else ""
        who = f" · {html.escape(note.name)}" if note.name else ""
        _set(
            row.text,
            "<div style='line-height:1.3;overflow-wrap:anywhere'>"
            f"<span style='background:{color};color:#fff;border-radius:3px;padding:0 4px;font-size:0.85em'>{label}</span> "
            f"{html.escape(note.text)}<br><span style='color:#555;font-size:0.9em'>{html.escape(place)}{who}{extra}</span></div>",
        )
        if note.kind == "touchpoint":
            row.target.layout.display = "none"
        else:
            row.target.layout.display = None
            options = self.control.target_touchpoints(note)
            wanted = (
                note.touchpoint
                if note.touchpoint and any(v == note.touchpoint for _l, v in options)
                else None
            )
            set_options(row.target, options, keep=row.target.value or wanted)
        return row

    def _render_detail(self, inbox: list[InboxNote]) -> None:
        note = self.control.state.notes.get(self.selected or "")
        if note is None or note.status != "pending":
            self.selected = None
            self.detail.layout.display = "none"
            return
        self.detail.layout.display = None
        if self.edit_text.value != note.text:
            self.edit_text.value = note.text
        others = [(_short(n.text), n.id) for n in inbox if n.id != note.id]
        set_options(self.merge_into, others)
        self.merge_button.disabled = not others

    def _render_round(self) -> None:
        round_ = self.control.state.round
        self.reveal_button.disabled = round_ is None or round_.revealed
        self.end_round_button.disabled = round_ is None or round_.ended
        if round_ is None:
            _set(self.round_status, "<span style='color:#555'>No voting round yet.</span>")
            return
        words = "open" if round_.open else ("closed, votes added to the map" if round_.applied else "closed")
        text = f"Round {len(self.control.state.rounds)} ({words}): {len(round_.items)} notes, {round_.budget} dots each, {round_.voters} voted."
        if round_.revealed:
            tallies = round_.tallies()
            ranked = sorted(round_.items, key=lambda item: -tallies.get(item.key, 0))
            text += (
                "<ol style='margin:4px 0'>"
                + "".join(
                    f"<li><b>{tallies.get(item.key, 0)}</b> · {html.escape(item.text)} <span style='color:#555'>({html.escape(item.where)})</span></li>"
                    for item in ranked
                )
                + "</ol>"
            )
        else:
            text += " <span style='color:#555'>Tallies stay hidden until you reveal them.</span>"
        _set(self.round_status, f"<div class='cjm-round-status'>{text}</div>")

    def _render_timer(self) -> None:
        remaining = self.control.state.timer_remaining(time.time())
        shown = (
            ""
            if remaining is None
            else ("Time is up" if remaining == 0 else f"{remaining // 60}:{remaining % 60:02d} left")
        )
        if shown != self._shown_timer:
            self._shown_timer = shown
            _set(self.timer, f"<b style='font-size:18px;margin-left:8px'>{shown}</b>")

    def close(self) -> None:
        """Stop following the room and the map."""
        if getattr(self, "poll", None) is not None:
            self.poll.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for row in self.rows.values():
            row.box.close()
        super().close()


def _set(widget: w.HTML, value: str) -> None:
    if widget.value != value:
        widget.value = value


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["ROOM_POLL_SECONDS", "RoomPanel"]
