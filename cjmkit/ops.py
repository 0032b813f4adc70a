"""Operations: every change to a journey as data, addressed by ids, so it can be replayed.

The :class:`~cjmkit.edits.Editor` keeps each edit as a short list of operations. An operation
names what it changes by id (never by list position) and remembers the value it replaced, so

- it can be **applied** to the document it was made for (:meth:`Op.apply`);
- its **inverse** undoes it (:meth:`Op.inverse`), even after other edits landed in between;
- it can be **replayed** on another version of the document (``replay=True``), where someone
  else's edits already are: edits to other items, or to other fields of the same item, apply
  as they are; dot votes add up; notes added by two people are both kept; an item added by
  both with the same id gets a new id. Only a *true* conflict (the same field changed to two
  different values, or one side changing what the other deleted) is not applied: it is
  reported as a :class:`Conflict` that says, in plain words, what happened and carries the
  operations that would put "mine" in place (:attr:`Conflict.fix`).

:func:`replay` replays the pending edits of one writer on a newer version of the map; this is
how :class:`~cjmkit.store.MapSession` merges two boards (or a board and a notebook) that
saved the same map at the same time.

Where an operation acts is a :data:`Place`: ``("touchpoints",)`` for a collection of the
journey, ``("touchpoints", "live-chat", "pain_points")`` for the notes of one touchpoint, and
``()`` for the journey's own fields (title, description). Entities are treated as values:
an operation never changes an entity in place, it puts a changed copy in its place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cjmkit.errors import InvalidEdit
from cjmkit.model import _NOUNS as ENTITY_NOUNS
from cjmkit.model import EMOTION_WORDS, Journey, unique_id

Place = tuple[str, ...]
"""Where a list of items lives: ``("stages",)``, ``("touchpoints", TP_ID, "pain_points")``, or ``()``."""


class _Marker:
    """A named sentinel (``ABSENT``, ``END``): compares by identity, prints its name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __copy__(self) -> _Marker:
        return self

    def __deepcopy__(self, _memo: object) -> _Marker:
        return self


ABSENT: Any = _Marker("ABSENT")
"""The value of a dict key that is not there (an emotion that is not rated)."""

END: Any = _Marker("END")
"""Position of an item inserted at the end of its list (wherever the end is on replay)."""

JOURNEY: Place = ()
"""The place of the journey's own fields."""

NOTE_KINDS = ("pain_points", "opportunities")

# Fields that hold the id of another item, per collection: renaming an item rewrites them.
_REFERENCES: dict[str, dict[str, str]] = {
    "touchpoints": {"stage": "stages", "lane": "lanes"},
    "handoffs": {"from_touchpoint": "touchpoints", "to_touchpoint": "touchpoints"},
    "kpis": {"touchpoint": "touchpoints"},
    "feedback": {"touchpoint": "touchpoints", "stage": "stages", "persona": "personas"},
}
_LIST_REFERENCES = {("touchpoints", "personas"): "personas"}
_KEY_REFERENCES = {("touchpoints", "emotions"): "personas", ("touchpoints", "emotions_to_be"): "personas"}
DICT_FIELDS = frozenset(field for _collection, field in _KEY_REFERENCES)
"""Fields whose entries merge key by key (two people rating two personas never conflict)."""


# -- conflicts and outcomes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """A true conflict: an edit that could not be replayed on someone else's newer version.

    Attributes
    ----------
    kind
        ``"field"`` (both changed the same field to different values), ``"edited_deleted"`` (you
        changed what someone else deleted), ``"deleted_edited"`` (you deleted what someone else
        changed) or ``"no_longer_fits"`` (the edit would break the map as it is now).
    place, item_id, field, key
        What it is about (``field``/``key`` for field conflicts; ``key`` for a persona's emotion).
    mine, theirs
        The two values (for ``"field"``), or the two versions of the item.
    fix
        Operations that put "mine" in place on the merged map (empty when there is nothing to
        put back); :meth:`~cjmkit.store.MapSession.resolve` applies them as a new edit.
    sentence
        What happened, in plain words naming the item and both values.
    """

    kind: str
    place: Place
    item_id: str
    field: str | None = None
    key: str | None = None
    mine: Any = None
    theirs: Any = None
    fix: tuple[Op, ...] = ()
    sentence: str = ""


@dataclass
class Outcome:
    """What applying one operation did.

    Attributes
    ----------
    applied
        The operation as it was applied (its :meth:`~Op.inverse` undoes exactly that), or None
        when nothing changed.
    conflicts
        The parts that were not applied (replay only).
    renamed
        For an insert whose id was taken on replay: the new id it got.
    """

    applied: Op | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    renamed: str | None = None


# -- reading and writing places -------------------------------------------------------------------


class _Gone(Exception):
    """The item that holds a nested list (the touchpoint of a note) is not there."""


def index_of(items: Sequence[Any], item_id: str) -> int | None:
    """The position of the item with ``item_id`` in ``items``, or None."""
    for i, item in enumerate(items):
        if item.id == item_id:
            return i
    return None


class _List:
    """The list at a place: the journey's own list, or a copy of a touchpoint's note list."""

    def __init__(self, journey: Journey, place: Place) -> None:
        self.journey = journey
        self.place = place
        if len(place) == 1:
            self.items: list[Any] = getattr(journey, place[0])
            self.parent_index: int | None = None
            return
        collection, parent_id, name = place
        parents = getattr(journey, collection)
        self.parent_index = index_of(parents, parent_id)
        if self.parent_index is None:
            raise _Gone(parent_id)
        self.items = list(getattr(parents[self.parent_index], name))

    def commit(self) -> None:
        """Put a nested list back, as a changed copy of its parent."""
        if self.parent_index is None:
            return
        collection, _parent_id, name = self.place
        parents = getattr(self.journey, collection)
        parents[self.parent_index] = parents[self.parent_index].model_copy(update={name: self.items})

    def after_of(self, index: int) -> str | None:
        """The id of the item before position ``index`` (None at the start)."""
        return self.items[index - 1].id if index > 0 else None

    def position(self, after: Any) -> int:
        if after is END:
            return len(self.items)
        if after is None:
            return 0
        found = index_of(self.items, after)
        return len(self.items) if found is None else found + 1


def _open(journey: Journey, place: Place, replay: bool) -> _List | None:
    """The list at ``place``; None on replay when its parent is gone (refused otherwise)."""
    try:
        return _List(journey, place)
    except _Gone:
        if not replay:
            raise _missing(place[:1], place[1]) from None
        return None


def _missing(place: Place, item_id: str) -> InvalidEdit:
    return InvalidEdit(f"there is no {noun(place)} with the id {item_id!r}")


def _get(item: Any, name: str, key: str | None) -> Any:
    value = (
        getattr(item, name, None) if name in type(item).model_fields else (item.model_extra or {}).get(name)
    )
    if key is None:
        return value
    return (value or {}).get(key, ABSENT)


def _with_changes(item: Any, changes: Iterable[FieldChange]) -> Any:
    """A copy of ``item`` with the changes made (dict fields key by key)."""
    update: dict[str, Any] = {}
    for change in changes:
        if change.key is None:
            update[change.field] = change.new
            continue
        current = update.get(change.field, getattr(item, change.field))
        entries = dict(current)
        if change.new is ABSENT:
            entries.pop(change.key, None)
        else:
            entries[change.key] = change.new
        update[change.field] = entries
    return item.model_copy(update=update)


# -- the operations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field of an item changed from ``old`` to ``new`` (``key``: one entry of a dict field)."""

    field: str
    key: str | None
    old: Any
    new: Any

    def inverse(self) -> FieldChange:
        return FieldChange(self.field, self.key, self.new, self.old)


class Op:
    """One change of a journey, addressed by ids.

    Subclasses: :class:`Insert`, :class:`Delete`, :class:`Move`, :class:`Update`, :class:`Count`.
    """

    place: Place

    def apply(self, journey: Journey, *, replay: bool = False) -> Outcome:
        """Apply to ``journey`` (in place).

        Without ``replay`` the operation must fit (it was made for this document): a missing
        item raises :class:`~cjmkit.errors.InvalidEdit`. With ``replay=True`` it is applied to
        another version of the document as far as it fits, and what does not fit is returned
        as conflicts.
        """
        raise NotImplementedError

    def inverse(self) -> Op:
        """The operation that undoes this one."""
        raise NotImplementedError

    def remap(self, renames: Mapping[tuple[str, str], str]) -> Op:
        """Return the operation with renamed ids (``(collection, old id) -> new id``) rewritten."""
        return self

    @property
    def collection(self) -> str | None:
        """The collection of the journey this operation is about (for nested lists, the parent's)."""
        return self.place[0] if self.place else None


def place_key(place: Place) -> str:
    """The key of a place in a table of renames: the collection, or ``"touchpoints/ID/pain_points"``."""
    return place[0] if len(place) == 1 else "/".join(place)


def _renamed(place: Place, item_id: Any, renames: Mapping[tuple[str, str], str]) -> Any:
    return renames.get((place_key(place), item_id), item_id) if isinstance(item_id, str) else item_id


def _remap_place(place: Place, renames: Mapping[tuple[str, str], str]) -> Place:
    if len(place) == 3:
        collection, parent, name = place
        return (collection, renames.get((collection, parent), parent), name)
    return place


def _remap_value(collection: str, name: str, value: Any, renames: Mapping[tuple[str, str], str]) -> Any:
    target = _REFERENCES.get(collection, {}).get(name)
    if target is not None and isinstance(value, str):
        return renames.get((target, value), value)
    target = _LIST_REFERENCES.get((collection, name))
    if target is not None and isinstance(value, list):
        return [renames.get((target, v), v) for v in value]
    target = _KEY_REFERENCES.get((collection, name))
    if target is not None and isinstance(value, dict):
        return {renames.get((target, k), k): v for k, v in value.items()}
    return value


def _remap_item(collection: str, item: Any, renames: Mapping[tuple[str, str], str]) -> Any:
    update = {}
    for name in (*_REFERENCES.get(collection, {}), "personas", "emotions", "emotions_to_be"):
        if name in type(item).model_fields:
            value = getattr(item, name)
            new = _remap_value(collection, name, value, renames)
            if new != value:
                update[name] = new
    return item.model_copy(update=update) if update else item


@dataclass(frozen=True)
class Insert(Op):
    """Add ``item`` to the list at ``place``, after the item with id ``after`` (None: first; END: last)."""

    place: Place
    item: Any
    after: Any = END

    def apply(self, journey: Journey, *, replay: bool = False) -> Outcome:
        items = _open(journey, self.place, replay)
        if items is None:
            return Outcome(conflicts=[_gone_parent(self, self.item)])
        item, renamed = self.item, None
        clash = index_of(items.items, item.id)
        if clash is not None:
            if not replay:  # refused before it is made: a rollback finds items by id
                raise InvalidEdit(f"the id “{item.id}” is already used by another {noun(self.place)}", "id")
            renamed = unique_id(item.id, (other.id for other in items.items), fallback="item")
            item = item.model_copy(update={"id": renamed})
        items.items.insert(items.position(self.after), item)
        items.commit()
        return Outcome(applied=replace(self, item=item), renamed=renamed)

    def inverse(self) -> Op:
        return Delete(self.place, self.item, self.after)

    def remap(self, renames: Mapping[tuple[str, str], str]) -> Op:
        place = _remap_place(self.place, renames)
        item = _remap_item(self.place[0], self.item, renames) if len(self.place) == 1 else self.item
        new_id = _renamed(place, item.id, renames)
        if new_id != item.id:
            item = item.model_copy(update={"id": new_id})
        return replace(self, place=place, item=item, after=_renamed(place, self.after, renames))


@dataclass(frozen=True)
class Delete(Op):
    """Remove ``item`` (found by its id) from the list at ``place``; ``after`` is where it stood."""

    place: Place
    item: Any
    after: Any = None

    def apply(self, journey: Journey, *, replay: bool = False) -> Outcome:
        items = _open(journey, self.place, replay)
        if items is None:
            return Outcome()  # its parent is gone, and it with it
        index = index_of(items.items, self.item.id)
        if index is None:
            if not replay:
                raise _missing(self.place, self.item.id)
            return Outcome()  # deleted on both sides
        current = items.items[index]
        if replay and current != self.item:
            conflict = Conflict(
                "deleted_edited",
                self.place,
                self.item.id,
                mine=None,
                theirs=current,
                fix=(Delete(self.place, current, items.after_of(index)),),
            )
            return Outcome(conflicts=[conflict])
        after = items.after_of(index)
        del items.items[index]
        items.commit()
        return Outcome(applied=Delete(self.place, current, after))

    def inverse(self) -> Op:
        return Insert(self.place, self.item, self.after)

    def remap(self, renames: Mapping[tuple[str, str], str]) -> Op:
        place = _remap_place(self.place, renames)
        item = self.item
        new_id = _renamed(place, item.id, renames)
        if new_id != item.id:
            item = item.model_copy(update={"id": new_id})
        if len(place) == 1:
            item = _remap_item(place[0], item, renames)
        return replace(self, place=place, item=item, after=_renamed(place, self.after, renames))


@dataclass(frozen=True)
class Move(Op):
    """Move the item ``item_id`` of the list at ``place`` to just after ``after`` (None: first)."""

    place: Place
    item_id: str
    after: Any
    was_after: Any = None

    def apply(self, journey: Journey, *, replay: bool = False) -> Outcome:
        items = _open(journey, self.place, replay)
        if items is None:
            return Outcome()
        index = index_of(items.items, self.item_id)
        if index is None:
            if not replay:
                raise _missing(self.place, self.item_id)
            return Outcome()  # moving what someone else deleted changes nothing
        was_after = items.after_of(index)
        if was_after == self.after:
            return Outcome()
        item = items.items.pop(index)
        items.items.insert(items.position(self.after), item)
        items.commit()
        return Outcome(applied=Move(self.place, self.item_id, self.after, was_after))

    def inverse(self) -> Op:
        return Move(self.place, self.item_id, self.was_after, self.after)

    def remap(self, renames: Mapping[tuple[str, str], str]) -> Op:
        place = _remap_place(self.place, renames)
        return replace(
            self,
            place=place,
            item_id=_renamed(place, self.item_id, renames),
            after=_renamed(place, self.after, renames),
            was_after=_renamed(place, self.was_after, renames),
        )


@dataclass(frozen=True)
class Update(Op):
    """Change fields of the item ``item_id`` at ``place`` (``place == ()``: the journey's own fields).

    ``before`` is the item as it was before the change (to put it back, with the change, when
    someone else deleted it meanwhile).
    """

    place: Place
    item_id: str
    changes: tuple[FieldChange, ...]
    before: Any = None

    def apply(self, journey: Journey, *, replay: bool = False) -> Outcome:
        if self.place == JOURNEY:
            return self._apply_to(journey, journey, None, replay)
        items = _open(journey, self.place, replay)
        if items is None:
            return Outcome(conflicts=[self._gone()])
        index = index_of(items.items, self.item_id)
        if index is None:
            if not replay:
                raise _missing(self.place, self.item_id)
            return Outcome(conflicts=[self._gone()])
        return self._apply_to(journey, items.items[index], (items, index), replay)

    def _apply_to(self, journey: Journey, item: Any, slot: tuple[_List, int] | None, replay: bool) -> Outcome:
        made: list[FieldChange] = []
        conflicts: list[Conflict] = []
        for change in self.changes:
            current = _get(item, change.field, change.key)
            if current == change.new:
                continue  # already so (the same change made on both sides)
            if current != change.old and replay:
                fix = Update(
                    self.place, self.item_id, (FieldChange(change.field, change.key, current, change.new),)
                )
                conflicts.append(
                    Conflict(
                        "field",
                        self.place,
                        self.item_id,
                        change.field,
                        change.key,
                        mine=change.new,
                        theirs=current,
                        fix=(fix,),
                    )
                )
                continue
            made.append(FieldChange(change.field, change.key, current, change.new))
        if not made:
            return Outcome(conflicts=conflicts)
        if slot is None:  # the journey itself: assignment validates (a title must not be blank)
            changed = _with_changes(item, made)
            for change in made:
                setattr(journey, change.field, getattr(changed, change.field))
        else:
            items, index = slot
            items.items[index] = _with_changes(item, made)
            items.commit()
        before = None if slot is None else item
        return Outcome(applied=Update(self.place, self.item_id, tuple(made), before), conflicts=conflicts)

    def _gone(self) -> Conflict:
        mine = _with_changes(self.before, self.changes) if self.before is not None else None
        fix: tuple[Op, ...] = (Insert(self.place, mine),) if mine is not None and len(self.place) == 1 else ()
        return Conflict(
            "edited_deleted",
            self.place,
            self.item_id,
            self.changes[0].field if self.changes else None,
            mine=mine,
            theirs=None,
            fix=fix,
        )

    def inverse(self) -> Op:
        before = _with_changes(self.before, self.changes) if self.before is not None else None
        return Update(self.place, self.item_id, tuple(c.inverse() for c in self.changes), before)

    def remap(self, renames: Mapping[tuple[str, str], str]) -> Op:
        if not self.place:
            return self
        collection = self.place[0]
        place = _remap_place(self.place, renames)
        item_id = _renamed(place, self.item_id, renames)
        changes = self.changes
        if len(self.place) == 1:
            changes = tuple(
                FieldChange(
                    c.field,
                    renames.get((_KEY_REFERENCES[(collection, c.field)], c.key), c.key)
                    if c.key is not None and (collection, c.field) in _KEY_REFERENCES
                    else c.key,
                    _remap_value(collection, c.field, c.old, renames),
                    _remap_value(collection, c.field, c.new, renames),
                )
                for c in self.changes
            )
        before = self.before
        if before is not None and len(self.place) == 1:
            before = _remap_item(collection, before, renames)
            if item_id != before.id:
                before = before.model_copy(update={"id": item_id})
        return replace(self, place=place, item_id=item_id, changes=changes, before=before)


@dataclass(frozen=True)
class Count(Op):
    """Add ``delta`` to a counter field (a note's dot ``votes``); never below zero.

    On replay, counts add up: two people who each gave a dot make two dots.
    """

    place: Place
    item_id: str
    delta: int
    field: str = "votes"

    def apply(self, journey: Journey, *, replay: bool = False) -> Outcome:
        items = _open(journey, self.place, replay)
        index = index_of(items.items, self.item_id) if items is not None else None
        if items is None or index is None:
            if not replay:
                raise _missing(self.place, self.item_id)
            return Outcome(conflicts=[Conflict("edited_deleted", self.place, self.item_id, self.field)])
        item = items.items[index]
        current = getattr(item, self.field)
        new = max(0, current + self.delta)
        if new == current:
            return Outcome()
        items.items[index] = item.model_copy(update={self.field: new})
        items.commit()
        return Outcome(applied=Count(self.place, self.item_id, new - current, self.field))

    def inverse(self) -> Op:
        return Count(self.place, self.item_id, -self.delta, self.field)

    def remap(self, renames: Mapping[tuple[str, str], str]) -> Op:
        place = _remap_place(self.place, renames)
        return replace(self, place=place, item_id=_renamed(place, self.item_id, renames))


def _gone_parent(op: Insert, item: Any) -> Conflict:
    """A note added to a touchpoint that someone else deleted."""
    return Conflict("edited_deleted", op.place, item.id, mine=item)


# -- replaying a writer's pending edits on a newer version --------------------------------------


@dataclass
class Replayed:
    """The result of :func:`replay`.

    Attributes
    ----------
    applied
        Per record, the operations as applied to the newer version.
    conflicts
        The true conflicts, each with its plain sentence.
    renames
        ``(collection, old id) -> new id`` for items added on both sides with the same id.
    """

    applied: list[tuple[Op, ...]]
    conflicts: list[Conflict]
    renames: dict[tuple[str, str], str]


def replay(journey: Journey, records: Sequence[tuple[str, Sequence[Op]]]) -> Replayed:
    """Replay edits (``(description, operations)`` records) on ``journey``, a newer version.

    Each record is applied as far as it fits (see :meth:`Op.apply` with ``replay=True``). A
    record that would leave the map broken (e.g. a touchpoint added to a stage someone else
    deleted) is rolled back whole and reported as a ``"no_longer_fits"`` conflict.
    """
    applied_records: list[tuple[Op, ...]] = []
    conflicts: list[Conflict] = []
    renames: dict[tuple[str, str], str] = {}
    for description, ops in records:
        applied: list[Op] = []
        found: list[Conflict] = []
        for op in ops:
            if renames:
                op = op.remap(renames)
            outcome = op.apply(journey, replay=True)
            if outcome.applied is not None:
                applied.append(outcome.applied)
            found.extend(outcome.conflicts)
            if outcome.renamed is not None and isinstance(op, Insert):
                renames[(place_key(op.place), op.item.id)] = outcome.renamed
        problems = journey.problems()
        if problems:
            subject = _subject(journey, problems[0])
            for op in reversed(applied):
                op.inverse().apply(journey)
            first = ops[0] if ops else None
            conflicts.append(
                Conflict(
                    "no_longer_fits",
                    first.place if first is not None else JOURNEY,
                    str(getattr(first, "item_id", None) or getattr(getattr(first, "item", None), "id", "")),
                    mine=description,
                    theirs=subject,
                    sentence=f"Your edit “{_quote(description)}” was not applied, because {subject}.",
                )
            )
            applied_records.append(())
            continue
        applied_records.append(tuple(applied))
        conflicts.extend(replace(c, sentence=describe(c, journey)) for c in found)
    return Replayed(applied_records, conflicts, renames)


# -- words --------------------------------------------------------------------------------------

_NOUNS = {**ENTITY_NOUNS, "pain_points": "pain point", "opportunities": "opportunity"}

FIELD_WORDS = {
    "name": "name",
    "text": "text",
    "description": "description",
    "title": "title",
    "stage": "stage",
    "lane": "lane",
    "kind": "kind",
    "goal": "goal",
    "phase": "phase",
    "channel": "channel",
    "owner": "owner",
    "personas": "personas",
    "emotions": "feeling today",
    "emotions_to_be": "feeling to-be",
    "from_touchpoint": "“from” touchpoint",
    "to_touchpoint": "“to” touchpoint",
    "trigger": "trigger",
    "sla_hours": "SLA (hours)",
    "from_owner": "support owner",
    "to_owner": "care owner",
    "role": "role",
    "goals": "goals",
    "needs": "needs",
    "frustrations": "frustrations",
    "quote": "quote",
    "channels": "channels",
    "votes": "votes",
    "target": "target",
    "warning": "warning level",
    "unit": "unit",
    "direction": "direction",
    "touchpoint": "touchpoint",
    "persona": "persona",
    "observations": "observations",
}
"""How a field is called in messages."""


def noun(place: Place) -> str:
    """``("touchpoints",)`` → ``"touchpoint"``; a note place → ``"pain point"``; ``()`` → ``"map"``."""
    if not place:
        return "map"
    return _NOUNS.get(place[-1], place[-1])


def field_words(name: str | None, key: str | None = None, journey: Journey | None = None) -> str:
    """A field in plain words; for an emotion, whose feeling it is."""
    words = FIELD_WORDS.get(name or "", (name or "").replace("_", " "))
    if key is not None and journey is not None and name in DICT_FIELDS:
        persona = journey.persona(key)
        who = persona.name if persona is not None else key
        return f"how {who} feels ({'to-be' if name == 'emotions_to_be' else 'today'})"
    return words


def _quote(text: Any, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def label_of(journey: Journey | None, place: Place, item_id: str, item: Any = None) -> str:
    """``touchpoint “Live chat”``: an item named for people (its name, else its id)."""
    if not place:
        return "the map"
    if item is None and journey is not None:
        try:
            items = _List(journey, place).items
        except _Gone:
            items = []
        index = index_of(items, item_id)
        item = items[index] if index is not None else None
    name = getattr(item, "name", None) or getattr(item, "text", None) or item_id
    if place[0] == "handoffs" and item is not None and journey is not None:
        name = " → ".join(
            _name_of(journey, "touchpoints", getattr(item, end))
            for end in ("from_touchpoint", "to_touchpoint")
        )
    words = f"{noun(place)} “{_quote(name)}”"
    if len(place) == 3 and journey is not None:
        words += f" on touchpoint “{_quote(_name_of(journey, 'touchpoints', place[1]))}”"
    return words


def _name_of(journey: Journey, collection: str, item_id: Any) -> str:
    found = journey.find(collection, item_id) if isinstance(item_id, str) else None
    return str(getattr(found, "name", None) or item_id)


def value_words(journey: Journey, place: Place, name: str | None, key: str | None, value: Any) -> str:
    """A field's value for people: names instead of ids, words for feelings, “nothing” for empty."""
    if value is ABSENT or value is None or value == "" or value == []:
        return "not rated" if key is not None else "nothing"
    if key is not None and isinstance(value, int):
        return EMOTION_WORDS.get(value, str(value))
    collection = place[0] if place else ""
    target = _REFERENCES.get(collection, {}).get(name or "")
    if target is not None:
        return f"“{_quote(_name_of(journey, target, value))}”"
    if isinstance(value, list):
        target = _LIST_REFERENCES.get((collection, name or ""))
        shown = [_name_of(journey, target, v) if target else str(v) for v in value]
        return "“" + _quote(", ".join(shown)) + "”"
    if isinstance(value, float):
        return f"{value:g}"
    return f"“{_quote(value)}”"


def describe(conflict: Conflict, journey: Journey) -> str:
    """The conflict in one plain sentence naming the item and both values."""
    what = label_of(
        journey,
        conflict.place,
        conflict.item_id,
        conflict.theirs if conflict.kind == "deleted_edited" else None,
    )
    if conflict.kind == "field":
        words = field_words(conflict.field, conflict.key, journey)
        mine = value_words(journey, conflict.place, conflict.field, conflict.key, conflict.mine)
        theirs = value_words(journey, conflict.place, conflict.field, conflict.key, conflict.theirs)
        return (
            f"{what[0].upper()}{what[1:]}: you set the {words} to {mine}, but someone else had just set it "
            f"to {theirs}."
        )
    if conflict.kind == "edited_deleted":
        mine = conflict.mine
        label = label_of(None, conflict.place, conflict.item_id, mine) if mine is not None else what
        if len(conflict.place) == 3:
            label = label_of(journey, conflict.place, conflict.item_id, mine)
        if conflict.field == "votes":
            return f"Someone else removed the {label} you voted on."
        return f"Someone else deleted the {label} while you changed it."
    if conflict.kind == "deleted_edited":
        return f"You deleted the {what}, but someone else had just changed it; it is still on the map."
    return conflict.sentence


_PROBLEM = re.compile(
    r"^(?P<collection>[a-z_]+)\[(?P<index>\d+)\](?P<path>(?:\.[A-Za-z0-9_-]+|\[\d+\])*): (?P<rest>.*)$"
)
_ID_TAKEN = re.compile(r"^'([^']*)' is already used by ")
_QUOTED_ID = re.compile(r"'([A-Za-z0-9][A-Za-z0-9_.-]*)'")


def plain_problem(
    journey: Journey, problem: str, subject: tuple[str | None, str | None] = (None, None)
) -> tuple[str, str | None]:
    """Turn a :meth:`~cjmkit.model.Journey.problems` sentence into plain words, and its field.

    ``"handoffs[3].to_touchpoint: ... both ends are 'status-email'"`` becomes
    ``"a handoff must lead to another touchpoint, but both ends are “Status email”"`` (the
    item is named when it is not ``subject``, the ``(collection, id)`` being edited).
    """
    match = _PROBLEM.match(problem)
    if not match:
        return problem, None
    collection, index = match["collection"], int(match["index"])
    parts = [p for p in re.split(r"[.\[\]]+", match["path"]) if p and not p.isdigit()]
    name = parts[0] if parts else None
    key = parts[1] if len(parts) > 1 and name in DICT_FIELDS else None
    items = getattr(journey, collection, None)
    item = items[index] if isinstance(items, list) and index < len(items) else None

    def named(found: re.Match[str]) -> str:
        word = found.group(1)
        for other in ("touchpoints", "stages", "lanes", "personas"):
            hit = journey.find(other, word)
            if hit is not None:
                return f"“{_quote(getattr(hit, 'name', word))}”"
        return found.group(0)

    taken = _ID_TAKEN.match(match["rest"])
    if taken:
        return f"the id “{taken.group(1)}” is already used by another {noun((collection,))}", "id"
    rest = _QUOTED_ID.sub(named, match["rest"])
    if key is not None:
        rest = f"{field_words(name, key, journey)}: {rest}"
    elif name is not None and name not in ("id",) and not rest.startswith(("a ", "no ")):
        rest = f"{field_words(name)}: {rest}"
    if item is not None and (collection, getattr(item, "id", None)) != subject:
        rest = f"{label_of(journey, (collection,), item.id, item)}: {rest}"
    return rest, name


def _subject(journey: Journey, problem: str) -> str:
    text, _field = plain_problem(journey, problem)
    return text


__all__ = [
    "ABSENT",
    "END",
    "JOURNEY",
    "Conflict",
    "Count",
    "Delete",
    "FieldChange",
    "Insert",
    "Move",
    "Op",
    "Outcome",
    "Place",
    "Replayed",
    "Update",
    "describe",
    "field_words",
    "index_of",
    "label_of",
    "noun",
    "place_key",
    "plain_problem",
    "replay",
    "value_words",
]
