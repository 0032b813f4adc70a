"""What the facilitator does with the room: the inbox, voting rounds, the timer, open and close.

:class:`RoomControl` joins a map's :class:`~cjmkit.edits.Editor` (usually the one of a
:class:`~cjmkit.store.MapSession`, so every change is saved at once) and its room log. Accepting
a note is one ordinary, undoable edit of the map, placed where the participant said; the
decision itself (accepted, hidden, merged...) is appended to the log, so every board that
follows the log and the participants' server see it, and a restart rebuilds it.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from cjmkit.edits import Editor
from cjmkit.errors import CjmError
from cjmkit.room.log import RoomLog, log_path, new_id
from cjmkit.room.state import (
    DEFAULT_BUDGET,
    MAX_BUDGET,
    MAX_TEXT,
    NOTE_KINDS,
    InboxNote,
    RoomState,
    Round,
    VoteItem,
    clean_text,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Join code letters: no 0/O, 1/I look-alikes, easy to read aloud and type on a phone."""

CODE_LENGTH = 6

ROOM_URL_ENV = "CJMKIT_ROOM_URL"
"""Set by ``cjmkit workshop`` for its board's kernels: where participants reach the room."""


def new_join_code() -> str:
    """Return a fresh random join code such as ``K7QX3M`` (about 30 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def open_room(log: RoomLog, state: RoomState) -> str:
    """Open the room of ``log`` (``state`` follows it) unless it is open; return the join code.

    The code of the last opening is kept, so links handed out earlier keep working.
    """
    state.apply_all(log.read_new())
    code = state.code or new_join_code()
    if not state.open:
        log.append({"id": new_id("open"), "type": "open", "code": code}, facilitator=True)
        state.apply_all(log.read_new())
    return code


class RoomControl:
    """The facilitator's side of a room on one map.

    Parameters
    ----------
    editor
        The editor of the map (its changes are the map's edits; a session saves them).
    map_path
        The map file; its room log is ``NAME.room.jsonl`` beside it.

    Attributes
    ----------
    log, state
        The room log and the state rebuilt from it (call :meth:`refresh` to read what is new).
    """

    def __init__(self, editor: Editor, map_path: str | Path) -> None:
        self.editor = editor
        self.map_path = Path(map_path)
        self.log = RoomLog(log_path(self.map_path))
        self.state = RoomState()
        self.refresh()

    # -- following the log ----------------------------------------------------------------------

    def refresh(self) -> list[dict[str, Any]]:
        """Read what was appended to the log since last time; return those events."""
        events = self.log.read_new()
        self.state.apply_all(events)
        return events

    def _record(self, event_type: str, event_id: str | None = None, **fields: Any) -> bool:
        written = self.log.append(
            {"id": event_id or new_id(event_type), "type": event_type, **fields}, facilitator=True
        )
        self.refresh()
        return written

    # -- the room ---------------------------------------------------------------------------------

    def open(self) -> str:
        """Open the room (participants can join with the code); return the join code.

        The code of the last opening is kept, so links handed out earlier keep working.
        """
        return open_room(self.log, self.state)

    def close(self) -> None:
        """Close the room: participants see that it is closed, nothing more is taken."""
        self.refresh()
        if self.state.open:
            self._record("close")

    def set_auto_accept(self, on: bool) -> None:
        """Turn "accept everything" on or off (every board accepts new notes as they arrive)."""
        self.refresh()
        if self.state.auto_accept != on:
            self._record("auto_accept", on=bool(on))

    # -- the inbox --------------------------------------------------------------------------------

    def note(self, note_id: str) -> InboxNote:
        """A note of the room by id (any status)."""
        self.refresh()
        try:
            return self.state.notes[note_id]
        except KeyError:
            raise CjmError(f"there is no note {note_id!r} in the room") from None

    def _pending(self, note_id: str) -> InboxNote:
        note = self.note(note_id)
        if note.status != "pending":
            word = {"accepted": "was accepted", "hidden": "was hidden", "merged": "was merged"}[note.status]
            raise CjmError(f"the note “{_short(note.text)}” {word} already")
        return note

    def target_touchpoints(self, note: InboxNote) -> list[tuple[str, str]]:
        """Where a pain point or idea can go: ``(label, touchpoint id)`` of its stage, best first."""
        journey = self.editor.journey
        lanes = {lane.id: lane for lane in journey.lanes}
        cell = journey.touchpoints_in(stage=note.stage)
        cell.sort(key=lambda tp: lanes[tp.lane].kind != "customer" if tp.lane in lanes else True)
        return [(tp.name, tp.id) for tp in cell]

    def default_lane(self) -> str | None:
        """The lane a participant's touchpoint goes to when they named none: the customer lane."""
        lanes = self.editor.journey.lanes
        customer = next((lane for lane in lanes if lane.kind == "customer"), None)
        if customer is not None:
            return customer.id
        return lanes[0].id if lanes else None

    def accept(self, note_id: str, touchpoint: str | None = None) -> str:
        """Put a note on the map as one undoable edit; return the id of what was added.

        A touchpoint goes into the stage and lane the participant chose (the customer lane when
        they chose none); a pain point or idea goes on ``touchpoint``, else on the one the
        participant chose, else on the first touchpoint of the stage (the customer lane's first).

        Raises
        ------
        CjmError
            The note was already handled, its stage or lane is no longer on the map, or the
            stage has no touchpoint for a pain point or idea.
        """
        note = self._pending(note_id)
        journey = self.editor.journey
        if journey.stage(note.stage) is None:
            raise CjmError(
                f"the stage of “{_short(note.text)}” is no longer on the map: hide the note or re-add the stage"
            )
        if note.kind == "touchpoint":
            lane = note.lane if note.lane and journey.lane(note.lane) else self.default_lane()
            if lane is None:
                raise CjmError("the map has no lane yet: add one under Stages & lanes first")
            touchpoint_added = self.editor.add(
                "touchpoints", {"name": note.text, "stage": note.stage, "lane": lane}
            )
            where = f"touchpoints/{touchpoint_added.id}"
        else:
            target = touchpoint or (
                note.touchpoint if note.touchpoint and journey.touchpoint(note.touchpoint) else None
            )
            if target is None:
                options = self.target_touchpoints(note)
                if not options:
                    stage = journey.stage(note.stage)
                    raise CjmError(
                        f"the stage “{stage.name if stage else note.stage}” has no touchpoint yet for "
                        f"“{_short(note.text)}”: add a touchpoint there first"
                    )
                target = options[0][1]
            added = self.editor.add_note(target, note.kind, note.text)
            where = f"touchpoints/{target}/{note.kind}/{added.id}"
        if not self._record("accept", f"accept-{note.id}", note=note.id, item=where):
            # another board accepted it at the same moment: keep the map to one copy, and leave
            # nothing to redo (a redo would put the copy back)
            self.editor.withdraw()
            raise CjmError(f"the note “{_short(note.text)}” was accepted on another board already")
        return where

    def accept_all(self) -> tuple[list[str], list[str]]:
        """Accept every note of the inbox; return (what was added, one sentence per refusal)."""
        added, problems = [], []
        for note in list(self.state.inbox()):
            try:
                added.append(self.accept(note.id))
            except CjmError as error:
                problems.append(str(error))
        return added, problems

    def hide(self, note_id: str) -> None:
        """Take a note out of the inbox without putting it on the map (it stays in the log)."""
        self._pending(note_id)
        self._record("hide", note=note_id)

    def restore(self, note_id: str) -> None:
        """Bring a hidden or merged note back into the inbox."""
        self.note(note_id)
        self._record("restore", note=note_id)

    def edit(self, note_id: str, text: str) -> None:
        """Change a note's text before accepting it (a typo, a clearer wording)."""
        self._pending(note_id)
        self._record("edit", note=note_id, text=clean_text(text, "note", MAX_TEXT))

    def merge(self, note_id: str, into: str) -> None:
        """Mark a note as a duplicate of another: it leaves the inbox, the other one counts it."""
        if note_id == into:
            raise CjmError("a note cannot be merged into itself")
        self._pending(note_id)
        self.note(into)
        self._record("merge", note=note_id, into=into)

    # -- voting -----------------------------------------------------------------------------------

    def start_round(self, items: list[VoteItem], budget: int = DEFAULT_BUDGET) -> Round:
        """Open a voting round on these pain points and ideas, with ``budget`` dots per person.

        A round still open is ended first (its votes are not put on the map).
        """
        if not items:
            raise CjmError("choose at least one pain point or idea to vote on")
        if not 1 <= budget <= MAX_BUDGET:
            raise CjmError(f"dots per person: between 1 and {MAX_BUDGET}, got {budget}")
        round_id = f"r{len(self.state.rounds) + 1}-{new_id('round')[-6:]}"
        self._record("round", round=round_id, budget=budget, items=[item.as_dict() for item in items])
        assert self.state.round is not None
        return self.state.round

    def _current(self) -> Round:
        self.refresh()
        if self.state.round is None:
            raise CjmError("no voting round has been started")
        return self.state.round

    def reveal(self) -> dict[str, int]:
        """Show the tallies of the current round to everyone; return them."""
        round_ = self._current()
        if not round_.revealed:
            self._record("reveal", f"reveal-{round_.id}", round=round_.id)
        return round_.tallies()

    def end_round(self, apply: bool = True) -> dict[str, int]:
        """Close the current round; with ``apply`` its tallies go on the map as one undoable edit.

        Returns the tallies. Votes on notes removed from the map since are left out.
        """
        round_ = self._current()
        tallies = round_.tallies()
        if round_.ended:
            return tallies
        applied = False
        if apply and any(tallies.values()):
            journey = self.editor.journey
            with self.editor.batch(f"Add the votes of round {len(self.state.rounds)}"):
                for item in round_.items:
                    count = tallies.get(item.key, 0)
                    tp = journey.touchpoint(item.touchpoint)
                    if count and tp is not None and any(n.id == item.note for n in getattr(tp, item.kind)):
                        self.editor.vote(item.touchpoint, item.kind, item.note, count)
                        applied = True
        if not self._record("end_round", f"end-{round_.id}", round=round_.id, applied=applied) and applied:
            self.editor.undo()  # another board ended it (and put the votes on) first
        return tallies

    # -- the timer --------------------------------------------------------------------------------

    def start_timer(self, seconds: int) -> None:
        """Start a countdown everyone sees (``seconds`` from now); 0 stops it."""
        if not 0 <= seconds <= 4 * 3600:
            raise CjmError(f"timer: between 0 seconds and 4 hours, got {seconds} seconds")
        self._record("timer", seconds=int(seconds))

    def stop_timer(self) -> None:
        """Stop the countdown."""
        self.start_timer(0)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["CODE_ALPHABET", "NOTE_KINDS", "ROOM_URL_ENV", "RoomControl", "new_join_code", "open_room"]
