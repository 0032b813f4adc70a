"""The state of a workshop room, rebuilt from its log: inbox, voting rounds, timer, open or closed.

Pure Python (no files, no server, no widgets): :class:`RoomState` folds the events of a
:class:`~cjmkit.room.log.RoomLog` one by one, so the participant server and every board that
follows the same log agree on what the room looks like, and a restart rebuilds it exactly.

Events (one JSON object per log line, each with an ``id``, a ``type`` and an ``at`` time):

=================  =========================================================================
``note``           a participant's sticky note: ``kind`` (``touchpoint``, ``pain_points`` or
                   ``opportunities``), ``text``, ``stage``, optional ``lane``, ``touchpoint``
                   and ``name``, and the participant's anonymous ``client`` id
``votes``          a participant's whole allocation of dots in a ``round``: ``dots`` maps an
                   item key to a count; a later allocation of the same client replaces it
``open``/``close`` the facilitator opened (with the join ``code``) or closed the room
``accept``         a note was put on the map (``note``; ``item`` says where)
``edit``           the facilitator changed a note's ``text`` before accepting it
``merge``          a note duplicates note ``into``: it leaves the inbox
``hide``           a note leaves the inbox without going on the map; ``restore`` brings it back
``auto_accept``    the "accept everything" switch (``on``)
``round``          a voting round starts: ``round`` id, ``budget`` of dots per person, ``items``
``reveal``         the round's tallies are shown to everyone
``end_round``      the round is over (``applied``: its votes went on the map)
``timer``          a countdown of ``seconds`` from ``at`` (0 stops it)
=================  =========================================================================

Malformed events (a log edited by hand) are skipped, never fatal.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cjmkit.errors import CjmError
from cjmkit.model import Journey

MAX_TEXT = 500
"""Longest note a participant can send, in characters."""

MAX_NAME = 60
"""Longest participant name, in characters."""

DEFAULT_BUDGET = 5
"""Dots per person in a voting round unless the facilitator says otherwise."""

MAX_BUDGET = 50

NOTE_KINDS = {"touchpoint": "Touchpoint", "pain_points": "Pain point", "opportunities": "Idea"}
"""What a participant can add, and what the page calls it."""

VOTABLE_KINDS = ("pain_points", "opportunities")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class RoomInputError(CjmError):
    """A participant's submission was refused; the sentence says what to change."""


@dataclass
class InboxNote:
    """A participant's note as the facilitator sees it.

    Attributes
    ----------
    id
        The submission's id (made by the participant's page).
    kind, text, stage, lane, touchpoint, name
        What the participant sent (``text`` as edited by the facilitator, if so).
    status
        ``"pending"`` (in the inbox), ``"accepted"``, ``"hidden"`` or ``"merged"``.
    duplicates
        Ids of notes merged into this one.
    """

    id: str
    kind: str
    text: str
    stage: str
    lane: str | None = None
    touchpoint: str | None = None
    name: str = ""
    client: str = ""
    at: float = 0.0
    status: str = "pending"
    item: str | None = None
    merged_into: str | None = None
    duplicates: list[str] = field(default_factory=list)
    sent_text: str = ""


@dataclass
class VoteItem:
    """A pain point or idea on the map that can get dots in a round."""

    key: str
    touchpoint: str
    kind: str
    note: str
    text: str
    where: str = ""

    def as_dict(self) -> dict[str, str]:
        """Return the item as the JSON the participants' page sends and the log keeps."""
        return {
            "key": self.key,
            "touchpoint": self.touchpoint,
            "kind": self.kind,
            "note": self.note,
            "text": self.text,
            "where": self.where,
        }


@dataclass
class Round:
    """A voting round: the items, each participant's dots, whether tallies are shown."""

    id: str
    budget: int
    items: list[VoteItem]
    started: float = 0.0
    votes: dict[str, dict[str, int]] = field(default_factory=dict)
    revealed: bool = False
    ended: bool = False
    applied: bool = False

    @property
    def open(self) -> bool:
        """Whether participants can still vote."""
        return not self.ended

    def tallies(self) -> dict[str, int]:
        """Dots per item key (every item listed, 0 when none)."""
        totals = {item.key: 0 for item in self.items}
        for dots in self.votes.values():
            for key, count in dots.items():
                if key in totals:
                    totals[key] += count
        return totals

    @property
    def voters(self) -> int:
        """How many participants gave at least one dot."""
        return sum(1 for dots in self.votes.values() if any(dots.values()))

    def item(self, key: str) -> VoteItem | None:
        """Return the item of the round with this key, or None."""
        return next((item for item in self.items if item.key == key), None)


class RoomState:
    """Everything the room's log says, folded event by event.

    Examples
    --------
    >>> state = RoomState()
    >>> state.apply_all(RoomLog("acme.room.jsonl").read_new())
    >>> [note.text for note in state.inbox()]
    """

    def __init__(self) -> None:
        self.open = False
        self.code: str | None = None
        self.auto_accept = False
        self.notes: dict[str, InboxNote] = {}
        self.rounds: dict[str, Round] = {}
        self.round: Round | None = None
        self.timer_ends: float | None = None
        self.timer_seconds = 0
        self.events = 0
        self.version = 0  # goes up with every event that changed something

    # -- folding -------------------------------------------------------------------------------

    def apply_all(self, events: Iterable[dict[str, Any]]) -> None:
        """Apply events in log order."""
        for event in events:
            self.apply(event)

    def apply(self, event: dict[str, Any]) -> None:
        """Apply one event; a malformed one is skipped."""
        handler = getattr(self, f"_on_{event.get('type')}", None)
        self.events += 1
        if handler is None:
            return
        try:
            handler(event)
        except (KeyError, TypeError, ValueError, AttributeError):
            return
        self.version += 1

    def _on_open(self, event: dict[str, Any]) -> None:
        self.open = True
        if isinstance(event.get("code"), str):
            self.code = event["code"]

    def _on_close(self, _event: dict[str, Any]) -> None:
        self.open = False

    def _on_note(self, event: dict[str, Any]) -> None:
        text = str(event["text"])
        self.notes[event["id"]] = InboxNote(
            id=event["id"],
            kind=str(event["kind"]),
            text=text,
            sent_text=text,
            stage=str(event["stage"]),
            lane=event.get("lane") or None,
            touchpoint=event.get("touchpoint") or None,
            name=str(event.get("name") or ""),
            client=str(event.get("client") or ""),
            at=float(event.get("at") or 0),
        )

    def _note(self, event: dict[str, Any]) -> InboxNote:
        return self.notes[event["note"]]

    def _on_accept(self, event: dict[str, Any]) -> None:
        note = self._note(event)
        note.status, note.item = "accepted", event.get("item")

    def _on_hide(self, event: dict[str, Any]) -> None:
        self._note(event).status = "hidden"

    def _on_restore(self, event: dict[str, Any]) -> None:
        note = self._note(event)
        if note.status in ("hidden", "merged"):
            if note.merged_into and note.merged_into in self.notes:
                target = self.notes[note.merged_into]
                target.duplicates = [d for d in target.duplicates if d != note.id]
            note.status, note.merged_into = "pending", None

    def _on_edit(self, event: dict[str, Any]) -> None:
        self._note(event).text = str(event["text"])

    def _on_merge(self, event: dict[str, Any]) -> None:
        note, target = self._note(event), self.notes[event["into"]]
        if target.id == note.id:
            raise ValueError("a note cannot be merged into itself")
        note.status, note.merged_into = "merged", target.id
        target.duplicates.append(note.id)

    def _on_auto_accept(self, event: dict[str, Any]) -> None:
        self.auto_accept = bool(event["on"])

    def _on_round(self, event: dict[str, Any]) -> None:
        items = [VoteItem(**{k: str(v) for k, v in item.items()}) for item in event["items"]]
        budget = max(1, min(MAX_BUDGET, int(event.get("budget") or DEFAULT_BUDGET)))
        if self.round is not None:
            self.round.ended = True
        self.round = Round(str(event["round"]), budget, items, started=float(event.get("at") or 0))
        self.rounds[self.round.id] = self.round

    def _on_votes(self, event: dict[str, Any]) -> None:
        round_ = self.rounds[event["round"]]
        if round_.ended:
            raise ValueError("the round is over")
        dots = {str(k): int(v) for k, v in dict(event["dots"]).items() if int(v) > 0 and round_.item(str(k))}
        if sum(dots.values()) > round_.budget:
            raise ValueError("over budget")
        round_.votes[str(event["client"])] = dots

    def _on_reveal(self, event: dict[str, Any]) -> None:
        self.rounds[event["round"]].revealed = True

    def _on_end_round(self, event: dict[str, Any]) -> None:
        round_ = self.rounds[event["round"]]
        round_.ended = True
        round_.applied = round_.applied or bool(event.get("applied"))

    def _on_timer(self, event: dict[str, Any]) -> None:
        seconds = int(event["seconds"])
        self.timer_seconds = max(0, seconds)
        self.timer_ends = float(event["at"]) + seconds if seconds > 0 else None

    # -- reading -------------------------------------------------------------------------------

    def inbox(self) -> list[InboxNote]:
        """Notes waiting for the facilitator, oldest first."""
        return [note for note in self.notes.values() if note.status == "pending"]

    def notes_of(self, client: str) -> list[InboxNote]:
        """The notes one participant sent, newest first."""
        return [note for note in reversed(self.notes.values()) if note.client == client]

    def timer_remaining(self, now: float | None = None) -> int | None:
        """Whole seconds left on the facilitator's timer (None when no timer runs)."""
        if self.timer_ends is None:
            return None
        left = self.timer_ends - (time.time() if now is None else now)
        return max(0, int(left + 0.999))

    def open_round(self) -> Round | None:
        """The round participants can vote in now, if any."""
        return self.round if self.round is not None and self.round.open else None


# -- checking what participants send ---------------------------------------------------------------


def clean_text(value: object, what: str, limit: int, *, required: bool = True) -> str:
    """Plain text from a form field: control characters dropped, spaces trimmed, length checked."""
    text = unicodedata.normalize("NFC", _CONTROL.sub("", str(value or ""))).strip()
    if required and not text:
        raise RoomInputError(f"{what}: write something first")
    if len(text) > limit:
        raise RoomInputError(f"{what}: at most {limit} characters, this is {len(text)}")
    return text


def check_note(form: dict[str, Any], journey: Journey) -> dict[str, Any]:
    """Check a note a participant sent against the map; return the fields to log.

    Raises
    ------
    RoomInputError
        One sentence naming the field: empty or too long text, an unknown stage, lane or
        touchpoint, a touchpoint of another stage.
    """
    kind = str(form.get("kind") or "")
    if kind not in NOTE_KINDS:
        raise RoomInputError("kind: choose touchpoint, pain point or idea")
    text = clean_text(form.get("text"), "note", MAX_TEXT)
    name = clean_text(form.get("name"), "name", MAX_NAME, required=False)
    stage = str(form.get("stage") or "")
    if journey.stage(stage) is None:
        raise RoomInputError("stage: choose one of the map's stages")
    lane = str(form.get("lane") or "") or None
    if lane is not None and journey.lane(lane) is None:
        raise RoomInputError("lane: choose one of the map's lanes")
    touchpoint = str(form.get("touchpoint") or "") or None if kind != "touchpoint" else None
    if touchpoint is not None:
        tp = journey.touchpoint(touchpoint)
        if tp is None or tp.stage != stage:
            raise RoomInputError("touchpoint: choose one of the touchpoints of that stage")
    if kind != "touchpoint":
        lane = None  # a pain point or idea sits on a touchpoint, whose lane it takes
    fields = {
        "kind": kind,
        "text": text,
        "stage": stage,
        "lane": lane,
        "touchpoint": touchpoint,
        "name": name,
    }
    return {key: value for key, value in fields.items() if value}


def check_votes(form: dict[str, Any], round_: Round | None) -> dict[str, int]:
    """Check a participant's allocation of dots for the open round; return it (zeros dropped).

    Raises
    ------
    RoomInputError
        No round is open, an item is not in the round, a count is not a whole number from 0,
        or the dots add up to more than the budget.
    """
    if round_ is None or not round_.open:
        raise RoomInputError("voting is closed: wait for the facilitator to open a round")
    dots: dict[str, int] = {}
    for key, value in form.items():
        if round_.item(str(key)) is None:
            raise RoomInputError("votes: one of the notes is not in this round; reload the page")
        try:
            count = int(str(value).strip() or 0)
        except ValueError:
            raise RoomInputError("votes: give a whole number of dots") from None
        if count < 0 or count > round_.budget:
            raise RoomInputError(f"votes: between 0 and {round_.budget} dots per note")
        if count:
            dots[str(key)] = count
    total = sum(dots.values())
    if total > round_.budget:
        raise RoomInputError(f"votes: you have {round_.budget} dots, these are {total}")
    return dots


def vote_items(
    journey: Journey, stage: str | None = None, kinds: Iterable[str] = VOTABLE_KINDS
) -> list[VoteItem]:
    """The map's pain points and ideas (of one stage, or all), in map order, as round items."""
    stage_order = {s.id: i for i, s in enumerate(journey.stages)}
    lane_order = {lane.id: i for i, lane in enumerate(journey.lanes)}
    stage_names = {s.id: s.name for s in journey.stages}
    touchpoints = [tp for tp in journey.touchpoints if stage in (None, tp.stage)]
    touchpoints.sort(key=lambda tp: (stage_order.get(tp.stage, 0), lane_order.get(tp.lane, 0)))
    items = []
    for tp in touchpoints:
        for kind in kinds:
            for note in getattr(tp, kind):
                items.append(
                    VoteItem(
                        key=f"{tp.id}/{kind}/{note.id}",
                        touchpoint=tp.id,
                        kind=kind,
                        note=note.id,
                        text=note.text,
                        where=f"{tp.name} · {stage_names.get(tp.stage, tp.stage)}",
                    )
                )
    return items


__all__ = [
    "DEFAULT_BUDGET",
    "MAX_TEXT",
    "NOTE_KINDS",
    "InboxNote",
    "RoomInputError",
    "RoomState",
    "Round",
    "VoteItem",
    "check_note",
    "check_votes",
    "clean_text",
    "vote_items",
]
