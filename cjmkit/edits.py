"""The edit API: every change to a journey goes through an :class:`Editor`.

Widgets, importers and the command line all change a map with ``add`` / ``update`` /
``remove`` / ``move`` (plus ``set_journey`` and a few shortcuts for notes and votes). Each
edit is validated before it is kept: an edit that would break the document (an empty name, an
emotion out of range, a reference to nothing, a handoff to itself) raises
:class:`~cjmkit.errors.InvalidEdit` with one plain sentence and leaves the journey exactly as
it was. Each kept edit can be undone and redone any number of steps, and subscribers (the
autosave of :mod:`cjmkit.store`, the live map) hear about it.

Every kept edit is a short list of :mod:`cjmkit.ops` operations addressed by ids, not list
positions (:attr:`Change.ops`). That is what lets two boards edit one map at once: the
:class:`~cjmkit.store.MapSession` replays them on the version someone else saved, and an undo
is computed against the map as it is now, so it still works after other people's edits were
merged in (:meth:`Editor.adopt`), leaving what they changed since as they left it.

The Editor also owns the rules of what depends on what (:meth:`Editor.dependants`): removing
a stage that holds touchpoints is refused unless the caller says what should happen to them
(``cascade=True`` removes them too, ``move_to=`` moves them).

Collections are named as in the document: ``"personas"``, ``"stages"``, ``"lanes"``,
``"touchpoints"``, ``"handoffs"``, ``"kpis"``, ``"feedback"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from pydantic import BaseModel, ValidationError

from cjmkit.errors import InvalidEdit
from cjmkit.model import (
    COLLECTIONS,
    Entity,
    Feedback,
    Handoff,
    Journey,
    Kpi,
    Lane,
    Note,
    Persona,
    Stage,
    Touchpoint,
    problems_of,
    unique_id,
)
from cjmkit.ops import (
    ABSENT,
    DICT_FIELDS,
    END,
    JOURNEY,
    NOTE_KINDS,
    Count,
    Delete,
    FieldChange,
    Insert,
    Move,
    Op,
    Place,
    Update,
    describe,
    field_words,
    index_of,
    plain_problem,
)


@dataclass(frozen=True)
class Change:
    """What happened to the journey, as told to subscribers.

    Attributes
    ----------
    action
        ``"add"``, ``"update"``, ``"remove"``, ``"move"``, ``"journey"`` (title etc.),
        ``"note"`` (a pain point or opportunity added, changed or removed), ``"vote"``,
        ``"batch"``, ``"apply"``, ``"undo"``, ``"redo"``, ``"merge"`` (someone else's saved
        edits taken in; the undo history is kept) or ``"reload"`` (a new document; the undo
        history is cleared).
    description
        A short human description, e.g. ``"Add touchpoint “Live chat”"``, for undo buttons.
    collection, item_id
        The collection and id the edit was about, when it was about one entity.
    ops
        The operations the edit made (empty for ``"merge"`` and ``"reload"``): what a
        :class:`~cjmkit.store.MapSession` saves and, when someone else saved first, replays.
    skipped
        For ``"undo"`` and ``"redo"``: how many parts were left alone because someone else
        changed them since.
    """

    action: str
    description: str
    collection: str | None = None
    item_id: str | None = None
    ops: tuple[Op, ...] = ()
    skipped: int = 0


Listener = Callable[[Journey, Change], None]

Collection = Literal["personas", "stages", "lanes", "touchpoints", "handoffs", "kpis", "feedback"]
"""The names of a journey's lists of items, as the :class:`Editor` takes them (``model.COLLECTIONS``)."""

Item = Persona | Stage | Lane | Touchpoint | Handoff | Kpi | Feedback
"""An item of one of those lists."""


class Editor:
    """Edits one journey, keeps its undo and redo history, and tells subscribers.

    Parameters
    ----------
    journey
        The journey to edit (changed in place).
    history_limit
        How many steps of undo to keep.

    Examples
    --------
    >>> editor = Editor(journey)
    >>> tp = editor.add("touchpoints", {"name": "Live chat", "stage": "help", "lane": "support"})
    >>> editor.update("touchpoints", tp.id, emotions={"maya": -1})
    >>> editor.undo()
    """

    def __init__(self, journey: Journey, history_limit: int = 500) -> None:
        self.journey = journey
        self.history_limit = history_limit
        self._undo: list[Change] = []
        self._redo: list[Change] = []
        self._listeners: list[Listener] = []
        self._batch: list[Change] | None = None
        self._notifying = False
        self._queued: list[Change] = []

    # -- subscribers ------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(journey, change)`` after every edit, undo, redo and merge.

        Returns a function that unsubscribes it.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, change: Change) -> None:
        # Every subscriber hears every change even if one fails: the map view still updates, and
        # the first error is raised afterwards. A change made while subscribers are being told
        # (e.g. the autosave merging someone else's edits in) is told once they all heard this one.
        if self._notifying:
            self._queued.append(change)
            return
        self._notifying = True
        error: Exception | None = None
        try:
            waiting = [change]
            while waiting:
                current = waiting.pop(0)
                for listener in list(self._listeners):
                    try:
                        listener(self.journey, current)
                    except Exception as exc:
                        error = error or exc
                waiting.extend(self._queued)
                self._queued.clear()
        finally:
            self._notifying = False
        if error is not None:
            raise error

    def replace_journey(self, journey: Journey, description: str = "Reload") -> None:
        """Edit another journey from now on (e.g. the map re-read from disk, discarding edits).

        The undo and redo history is cleared (it described the replaced document) and
        subscribers hear a ``Change("reload", description)``. To take in someone else's saved
        edits while keeping the history, use :meth:`adopt`.
        """
        self.journey = journey
        self._undo.clear()
        self._redo.clear()
        self._notify(Change("reload", description))

    def adopt(
        self,
        journey: Journey,
        description: str = "Edits saved by someone else",
        renames: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        """Take in a newer version of the map (someone else's saved edits, merged), in place.

        The journey object stays the same; items that did not change stay the same objects
        (so an editor form open on one of them keeps what is being typed). The undo and redo
        history is kept: it is made of operations addressed by ids, and undoing later leaves
        what others changed since as they left it. Subscribers hear ``Change("merge", ...)``.

        Parameters
        ----------
        journey
            The newer version.
        description
            What to tell subscribers.
        renames
            Items of this editor's history that got new ids in the merge
            (``(collection, old id) -> new id``), as :func:`cjmkit.ops.replay` reports them.
        """
        if renames:
            self._undo = [_remap(change, renames) for change in self._undo]
            self._redo = [_remap(change, renames) for change in self._redo]
        _merge_into(self.journey, journey)
        self._notify(Change("merge", description))

    # -- history ----------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone edit to redo."""
        return bool(self._redo)

    @property
    def undo_description(self) -> str | None:
        """What :meth:`undo` would undo, e.g. ``"Add touchpoint “Live chat”"``."""
        return self._undo[-1].description if self._undo else None

    @property
    def redo_description(self) -> str | None:
        """What :meth:`redo` would redo."""
        return self._redo[-1].description if self._redo else None

    def undo(self) -> Change:
        """Undo the last edit and return what happened.

        The undo is computed against the map as it is now: parts that someone else changed
        since are left as they are (``Change.skipped`` counts them).

        Raises
        ------
        InvalidEdit
            There is nothing to undo; or undoing would break the map as it is now (e.g. a
            touchpoint someone else has since linked with a handoff); or someone else changed
            everything this edit did (then it leaves the undo list).
        """
        if not self._undo:
            raise InvalidEdit("there is nothing to undo")
        record = self._undo[-1]
        inverse = [op.inverse() for op in reversed(record.ops)]
        applied, skipped = self._replay(inverse, f"undo “{record.description}”", record)
        self._undo.pop()
        if not applied:
            raise InvalidEdit(
                f"nothing was undone: someone else has changed everything “{record.description}” did since"
            )
        self._redo.append(record)
        change = Change(
            "undo",
            f"Undo: {record.description}",
            record.collection,
            record.item_id,
            tuple(applied),
            len(skipped),
        )
        self._notify(change)
        return change

    def withdraw(self) -> Change:
        """Undo the last edit and forget it, leaving nothing to redo; return what happened.

        For an edit that should not have been made, e.g. a room note that another board put on
        the map at the same moment: a redo would put the duplicate back.
        """
        change = self.undo()
        self._redo.pop()
        return change

    def redo(self) -> Change:
        """Redo the last undone edit and return what happened (see :meth:`undo`)."""
        if not self._redo:
            raise InvalidEdit("there is nothing to redo")
        record = self._redo[-1]
        applied, skipped = self._replay(list(record.ops), f"redo “{record.description}”", record)
        self._redo.pop()
        if not applied:
            raise InvalidEdit(
                f"nothing was redone: someone else has changed everything “{record.description}” did since"
            )
        self._undo.append(record)
        change = Change(
            "redo",
            f"Redo: {record.description}",
            record.collection,
            record.item_id,
            tuple(applied),
            len(skipped),
        )
        self._notify(change)
        return change

    def _replay(
        self, ops: Sequence[Op], what: str, about: Change | None = None
    ) -> tuple[list[Op], list[Any]]:
        """Apply operations as far as they fit the map now; roll back if the map would break."""
        applied: list[Op] = []
        skipped: list[Any] = []
        try:
            for op in ops:
                outcome = op.apply(self.journey, replay=True)
                if outcome.applied is not None:
                    applied.append(outcome.applied)
                skipped.extend(outcome.conflicts)
            problems = self.journey.problems()
        except BaseException:
            _roll_back(self.journey, applied)
            raise
        if problems:
            subject = (about.collection, about.item_id) if about is not None else (None, None)
            sentence, field = plain_problem(self.journey, problems[0], subject)
            _roll_back(self.journey, applied)
            raise InvalidEdit(f"cannot {what}: {sentence}", field)
        return applied, skipped

    @contextmanager
    def batch(self, description: str) -> Iterator[None]:
        """Group the edits made inside the ``with`` block into one undo step.

        If any edit in the block fails, every edit of the block is rolled back and the error
        propagates; subscribers hear once, at the end.
        """
        if self._batch is not None:
            yield
            return
        self._batch = []
        try:
            yield
        except BaseException:
            records, self._batch = self._batch, None
            for record in reversed(records):
                _roll_back(self.journey, list(record.ops))
            raise
        records, self._batch = self._batch, None
        if records:
            ops = tuple(op for record in records for op in record.ops)
            first = records[0] if len(records) == 1 else None
            self._keep(
                Change(
                    "batch",
                    description,
                    first.collection if first else None,
                    first.item_id if first else None,
                    ops,
                )
            )

    def apply(self, ops: Sequence[Op], description: str) -> Change:
        """Make a list of operations as one undoable edit (e.g. a conflict's "use mine" fix).

        The operations are applied to the map as it is now, as far as they fit; anything that
        does not fit refuses the whole edit.

        Raises
        ------
        InvalidEdit
            An operation conflicts with the map as it is now, or the result breaks the map.
        """
        applied, conflicts = self._replay(list(ops), f"make “{description}”")
        if conflicts:
            _roll_back(self.journey, applied)
            raise InvalidEdit(describe(conflicts[0], self.journey))
        first = ops[0] if ops else None
        change = Change(
            "apply",
            description,
            first.collection if first is not None else None,
            _item_id(first),
            tuple(applied),
        )
        if applied:
            self._record(change)
        return change

    def _run(self, change: Change, ops: Sequence[Op]) -> Change:
        """Apply operations made for the map as it is, check the whole map, keep or roll back."""
        applied: list[Op] = []
        try:
            for op in ops:
                outcome = op.apply(self.journey)
                if outcome.applied is not None:
                    applied.append(outcome.applied)
            problems = self.journey.problems()
        except BaseException:
            _roll_back(self.journey, applied)
            raise
        if problems:
            refusal = _refusal(self.journey, problems, (change.collection, change.item_id))
            _roll_back(self.journey, applied)
            raise refusal
        change = replace(change, ops=tuple(applied))
        if applied:
            self._record(change)
        return change

    def _record(self, change: Change) -> None:
        if self._batch is not None:
            self._batch.append(change)
        else:
            self._keep(change)

    def _keep(self, change: Change) -> None:
        self._undo.append(change)
        del self._undo[: -self.history_limit]
        self._redo.clear()
        self._notify(change)

    # -- the edits --------------------------------------------------------------------------

    def add(self, collection: Collection, data: dict[str, Any] | Entity, *, index: int | None = None) -> Item:
        """Add an entity to a collection and return it.

        Parameters
        ----------
        collection
            ``"personas"``, ``"stages"``, ``"lanes"``, ``"touchpoints"``, ``"handoffs"``,
            ``"kpis"`` or ``"feedback"``.
        data
            The entity's fields. Without an ``id`` one is made from its name.
        index
            Where to insert it (default: at the end).
        """
        model = _model(collection)
        values = data.model_dump() if isinstance(data, BaseModel) else dict(data)
        items = getattr(self.journey, collection)
        if not values.get("id"):
            label = str(values.get("name") or values.get("text") or "")
            values["id"] = unique_id(
                label, (item.id for item in items), fallback=collection.rstrip("s") or "item"
            )
        item = cast(Item, _build(model, values))
        if index is None:
            after: Any = END
        else:
            position = max(0, min(index, len(items)))
            after = items[position - 1].id if position > 0 else None
        self._run(
            Change("add", f"Add {_noun(collection)} “{_label(item)}”", collection, item.id),
            [Insert((collection,), item, after)],
        )
        return cast(Item, self.journey.find(collection, item.id) or item)

    def update(self, collection: Collection, item_id: str, **changes: Any) -> Item:
        """Change fields of an entity and return the new version of it.

        Only the fields whose value differs are recorded, so two people who change different
        fields of one item at once both keep their change. A touchpoint's ``pain_points`` and
        ``opportunities`` may be given as whole lists: the notes added, changed, removed and the
        votes given are recorded one by one.
        """
        old = self._item(collection, item_id)
        if "id" in changes and changes["id"] != item_id:
            raise InvalidEdit(f"the id of {_noun(collection)} “{_label(old)}” cannot be changed", "id")
        values = old.model_dump()
        values.update(changes)
        new = _build(_model(collection), values, self.journey)
        if new == old:
            return old
        ops = _diff(collection, old, new)
        self._run(Change("update", f"Edit {_noun(collection)} “{_label(new)}”", collection, item_id), ops)
        return cast(Item, self.journey.find(collection, item_id) or new)

    def dependants(self, collection: Collection, item_id: str) -> dict[str, int]:
        """What in the map refers to an item, counted: e.g. ``{"touchpoints": 3, "feedback items": 1}``.

        Empty when nothing does (the item can be removed without a question). Stages and
        lanes hold touchpoints (a stage also feedback); a persona is rated on touchpoints and
        named by feedback; a touchpoint is used by handoffs, KPIs and feedback.
        """
        self._item(collection, item_id)
        j = self.journey
        counts: dict[str, int] = {}

        def count(what: str, n: int) -> None:
            if n:
                counts[what] = n

        if collection in ("stages", "lanes"):
            field_name = collection[:-1]
            count("touchpoints", sum(getattr(tp, field_name) == item_id for tp in j.touchpoints))
            if collection == "stages":
                count("feedback items", sum(f.stage == item_id for f in j.feedback))
        elif collection == "personas":
            count("touchpoints", sum(_rates(tp, item_id) for tp in j.touchpoints))
            count("feedback items", sum(f.persona == item_id for f in j.feedback))
        elif collection == "touchpoints":
            count("handoffs", sum(item_id in (h.from_touchpoint, h.to_touchpoint) for h in j.handoffs))
            count("KPIs", sum(k.touchpoint == item_id for k in j.kpis))
            count("feedback items", sum(f.touchpoint == item_id for f in j.feedback))
        return counts

    def remove(
        self, collection: Collection, item_id: str, *, cascade: bool = False, move_to: str | None = None
    ) -> Change:
        """Remove an entity, and say what happens to what refers to it.

        What still refers to it is never dropped silently: without ``cascade`` or ``move_to``
        the edit is refused with a sentence saying what refers to it (:meth:`dependants`).
        Either way the whole removal is one undoable step.

        Parameters
        ----------
        cascade
            Remove what depends on it too: touchpoints of a removed stage or lane go (with
            their handoffs and KPIs; their feedback is kept, detached); a removed persona is
            taken off the touchpoints and feedback that name it; a removed touchpoint takes
            its handoffs and KPIs along and its feedback is detached.
        move_to
            Instead, move what refers to it to this item of the same collection: a stage's or
            lane's touchpoints (and a stage's feedback) into another one, a touchpoint's
            handoffs, KPIs and feedback onto another touchpoint.

        Returns
        -------
        Change
            What was done (its ``description`` says it, e.g. "Delete stage “Buy” and its 2
            touchpoints").
        """
        item = self._item(collection, item_id)
        dependants = self.dependants(collection, item_id)
        listed = _listed(dependants)
        description = f"Delete {_noun(collection)} “{_label(item)}”"
        if move_to is not None:
            target = self._item(collection, move_to)
            if move_to == item_id:
                raise InvalidEdit(f"cannot move what uses {_noun(collection)} “{_label(item)}” onto itself")
            ops = self._move_ops(collection, item_id, move_to)
            if listed:
                description += f", moving its {listed} to “{_label(target)}”"
        elif dependants and not cascade:
            raise InvalidEdit(
                f"{_noun(collection)} “{_label(item)}” is still used by {listed}: "
                "move or remove them first, or remove it together with them"
            )
        else:
            ops = self._cascade_ops(collection, item_id)
            if collection == "personas":
                description += f", taking it off {listed}" if listed else ""
            else:
                deleted = {what: n for what, n in dependants.items() if what != "feedback items"}
                unlinked = dependants.get("feedback items")
                description += f" and its {_listed(deleted)}" if deleted else ""
                description += f", unlinking {_listed({'feedback items': unlinked})}" if unlinked else ""
        ops.append(Delete((collection,), item))
        return self._run(Change("remove", description, collection, item_id), ops)

    def move(self, collection: Collection, item_id: str, index: int) -> None:
        """Move an entity to position ``index`` of its collection (reorders stages, lanes...)."""
        item = self._item(collection, item_id)
        items = getattr(self.journey, collection)
        old_index = items.index(item)
        others = [other for other in items if other.id != item_id]
        new_index = max(0, min(index, len(others)))
        if new_index == old_index:
            return
        after = others[new_index - 1].id if new_index > 0 else None
        self._run(
            Change("move", f"Move {_noun(collection)} “{_label(item)}”", collection, item_id),
            [Move((collection,), item_id, after)],
        )

    def set_journey(self, **changes: Any) -> None:
        """Change the journey's own fields: ``title``, ``description`` or ``event_log``."""
        allowed = {"title", "description", "event_log"}
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidEdit(f"only {sorted(allowed)} can be changed this way, not {sorted(unknown)}")
        try:
            probe = self.journey.model_copy()
            for name, value in changes.items():
                setattr(probe, name, value)
        except ValidationError as error:
            raise _field_refusal(problems_of(error)) from None
        made = tuple(
            FieldChange(name, None, getattr(self.journey, name), getattr(probe, name))
            for name in changes
            if getattr(self.journey, name) != getattr(probe, name)
        )
        if made:
            words = " and ".join(field_words(change.field) for change in made)
            self._run(Change("journey", f"Edit the map's {words}"), [Update(JOURNEY, "", made)])

    # -- notes and votes --------------------------------------------------------------------

    def add_note(self, touchpoint_id: str, kind: str, text: str) -> Note:
        """Add a pain point (``kind="pain_points"``) or opportunity to a touchpoint."""
        tp = self._note_kind(touchpoint_id, kind)
        notes = getattr(tp, kind)
        note_id = unique_id(text, (n.id for n in notes), fallback="note")
        try:
            note = Note(id=note_id, text=text)
        except ValidationError as error:
            raise _field_refusal(problems_of(error)) from None
        self._run(
            Change(
                "note", f"Add {_note_noun(kind)} “{_short(note.text)}” to “{tp.name}”", "touchpoints", tp.id
            ),
            [Insert(("touchpoints", tp.id, kind), note, END)],
        )
        return note

    def update_note(self, touchpoint_id: str, kind: str, note_id: str, text: str) -> Note:
        """Change the text of a pain point or opportunity."""
        tp, note = self._note(touchpoint_id, kind, note_id)
        try:
            new = Note(id=note.id, text=text, votes=note.votes)
        except ValidationError as error:
            raise _field_refusal(problems_of(error)) from None
        if new.text != note.text:
            self._run(
                Change(
                    "note",
                    f"Edit {_note_noun(kind)} “{_short(new.text)}” on “{tp.name}”",
                    "touchpoints",
                    tp.id,
                ),
                [
                    Update(
                        ("touchpoints", tp.id, kind),
                        note.id,
                        (FieldChange("text", None, note.text, new.text),),
                    )
                ],
            )
        return new

    def remove_note(self, touchpoint_id: str, kind: str, note_id: str) -> None:
        """Remove a pain point or opportunity (with its votes) from a touchpoint."""
        tp, note = self._note(touchpoint_id, kind, note_id)
        self._run(
            Change(
                "note",
                f"Remove {_note_noun(kind)} “{_short(note.text)}” from “{tp.name}”",
                "touchpoints",
                tp.id,
            ),
            [Delete(("touchpoints", tp.id, kind), note)],
        )

    def vote(self, touchpoint_id: str, kind: str, note_id: str, delta: int = 1) -> int:
        """Add ``delta`` dot votes (may be negative) to a note; return its new tally.

        Votes are kept as additions, so two people voting at once on two boards both count.
        """
        tp, note = self._note(touchpoint_id, kind, note_id)
        what = f"{abs(delta)} dot{'s' if abs(delta) != 1 else ''}"
        verb = "Give" if delta >= 0 else "Take back"
        self._run(
            Change("vote", f"{verb} {what} on “{_short(note.text)}”", "touchpoints", tp.id),
            [Count(("touchpoints", tp.id, kind), note.id, delta)],
        )
        _tp, now = self._note(touchpoint_id, kind, note_id)
        return now.votes

    # -- helpers ----------------------------------------------------------------------------

    def _item(self, collection: str, item_id: str) -> Any:
        items = getattr(self.journey, collection) if collection in COLLECTIONS else _model(collection)
        index = index_of(items, item_id)
        if index is None:
            raise InvalidEdit(f"there is no {_noun(collection)} with the id {item_id!r}")
        return items[index]

    def _note_kind(self, touchpoint_id: str, kind: str) -> Touchpoint:
        if kind not in NOTE_KINDS:
            raise InvalidEdit(f"a note is a pain point or an opportunity, not {kind!r}")
        return self._item("touchpoints", touchpoint_id)

    def _note(self, touchpoint_id: str, kind: str, note_id: str) -> tuple[Touchpoint, Note]:
        tp = self._note_kind(touchpoint_id, kind)
        index = index_of(getattr(tp, kind), note_id)
        if index is None:
            raise InvalidEdit(f"touchpoint {touchpoint_id!r} has no {_note_noun(kind)} {note_id!r}")
        return tp, getattr(tp, kind)[index]

    def _cascade_ops(self, collection: str, item_id: str) -> list[Op]:
        """Operations that remove or detach what refers to the entity, made before it goes."""
        j = self.journey
        if collection in ("stages", "lanes"):
            field_name = collection[:-1]
            doomed = {tp.id for tp in j.touchpoints if getattr(tp, field_name) == item_id}
            ops = self._touchpoint_removal_ops(doomed)
            ops.extend(_deletes(j, "touchpoints", lambda tp: tp.id in doomed))
            if collection == "stages":
                ops.extend(_sets(j, "feedback", lambda f: f.stage == item_id, "stage", None))
            return ops
        if collection == "personas":
            ops = []
            for tp in j.touchpoints:
                if _rates(tp, item_id):
                    changes = []
                    if item_id in tp.personas:
                        changes.append(
                            FieldChange(
                                "personas", None, tp.personas, [p for p in tp.personas if p != item_id]
                            )
                        )
                    for name in ("emotions", "emotions_to_be"):
                        if item_id in getattr(tp, name):
                            changes.append(FieldChange(name, item_id, getattr(tp, name)[item_id], ABSENT))
                    ops.append(Update(("touchpoints",), tp.id, tuple(changes), tp))
            ops.extend(_sets(j, "feedback", lambda f: f.persona == item_id, "persona", None))
            return ops
        if collection == "touchpoints":
            return self._touchpoint_removal_ops({item_id})
        return []

    def _touchpoint_removal_ops(self, doomed: set[str]) -> list[Op]:
        """Remove the handoffs and KPIs of these touchpoints and detach their feedback."""
        j = self.journey
        ops = _deletes(j, "handoffs", lambda h: h.from_touchpoint in doomed or h.to_touchpoint in doomed)
        ops.extend(_deletes(j, "kpis", lambda k: k.touchpoint in doomed))
        ops.extend(_sets(j, "feedback", lambda f: f.touchpoint in doomed, "touchpoint", None))
        return ops

    def _move_ops(self, collection: str, item_id: str, target: str) -> list[Op]:
        """Operations that point what refers to the entity at ``target`` instead."""
        j = self.journey
        if collection in ("stages", "lanes"):
            name = collection[:-1]
            ops = _sets(j, "touchpoints", lambda tp: getattr(tp, name) == item_id, name, target)
            if collection == "stages":
                ops.extend(_sets(j, "feedback", lambda f: f.stage == item_id, "stage", target))
            return ops
        if collection == "touchpoints":
            ops = _sets(j, "handoffs", lambda h: h.from_touchpoint == item_id, "from_touchpoint", target)
            ops.extend(_sets(j, "handoffs", lambda h: h.to_touchpoint == item_id, "to_touchpoint", target))
            ops.extend(_sets(j, "kpis", lambda k: k.touchpoint == item_id, "touchpoint", target))
            ops.extend(_sets(j, "feedback", lambda f: f.touchpoint == item_id, "touchpoint", target))
            return ops
        if collection == "personas":
            ops = _sets(j, "feedback", lambda f: f.persona == item_id, "persona", target)
            for tp in j.touchpoints:
                if _rates(tp, item_id):
                    changes = []
                    if item_id in tp.personas:
                        kept = [target if p == item_id else p for p in tp.personas]
                        changes.append(FieldChange("personas", None, tp.personas, list(dict.fromkeys(kept))))
                    for field_name in ("emotions", "emotions_to_be"):
                        rated = getattr(tp, field_name)
                        if item_id in rated:
                            changes.append(FieldChange(field_name, item_id, rated[item_id], ABSENT))
                            if target not in rated:
                                changes.append(FieldChange(field_name, target, ABSENT, rated[item_id]))
                    ops.append(Update(("touchpoints",), tp.id, tuple(changes), tp))
            return ops
        raise InvalidEdit(f"nothing uses a {_noun(collection)} that could be moved to another one")


# -- building operations ---------------------------------------------------------------------------


def _diff(collection: str, old: Any, new: Any) -> list[Op]:
    """The operations that turn ``old`` into ``new``: field by field, notes one by one."""
    changes: list[FieldChange] = []
    note_ops: list[Op] = []
    names = list(type(old).model_fields) + [
        n for n in (new.model_extra or {}) if n not in type(old).model_fields
    ]
    names += [n for n in (old.model_extra or {}) if n not in names]
    for name in names:
        before, after = _value(old, name), _value(new, name)
        if before == after:
            continue
        if collection == "touchpoints" and name in NOTE_KINDS:
            note_ops.extend(_diff_notes(("touchpoints", old.id, name), before, after))
        elif name in DICT_FIELDS and isinstance(before, dict) and isinstance(after, dict):
            for key in dict.fromkeys([*before, *after]):
                a, b = before.get(key, ABSENT), after.get(key, ABSENT)
                if a != b:
                    changes.append(FieldChange(name, key, a, b))
        else:
            changes.append(FieldChange(name, None, before, after))
    ops: list[Op] = [Update((collection,), old.id, tuple(changes), old)] if changes else []
    return ops + note_ops


def _value(item: Any, name: str) -> Any:
    if name in type(item).model_fields:
        return getattr(item, name)
    return (item.model_extra or {}).get(name, ABSENT)


def _diff_notes(place: Place, old: list[Note], new: list[Note]) -> list[Op]:
    kept = {note.id for note in new}
    before = {note.id: note for note in old}
    ops: list[Op] = [Delete(place, note) for note in old if note.id not in kept]
    for i, note in enumerate(new):
        was = before.get(note.id)
        if was is None:
            after = END if i == len(new) - 1 else (new[i - 1].id if i > 0 else None)
            ops.append(Insert(place, note, after))
            continue
        changes = tuple(
            FieldChange(name, None, _value(was, name), _value(note, name))
            for name in type(note).model_fields
            if name not in ("id", "votes") and _value(was, name) != _value(note, name)
        )
        if changes:
            ops.append(Update(place, note.id, changes, was))
        if note.votes != was.votes:
            ops.append(Count(place, note.id, note.votes - was.votes))
    return ops


def _deletes(journey: Journey, collection: str, match: Callable[[Any], bool]) -> list[Op]:
    return [Delete((collection,), item) for item in getattr(journey, collection) if match(item)]


def _sets(journey: Journey, collection: str, match: Callable[[Any], bool], name: str, value: Any) -> list[Op]:
    return [
        Update((collection,), item.id, (FieldChange(name, None, getattr(item, name), value),), item)
        for item in getattr(journey, collection)
        if match(item) and getattr(item, name) != value
    ]


def _rates(tp: Touchpoint, persona_id: str) -> bool:
    return persona_id in tp.personas or persona_id in tp.emotions or persona_id in tp.emotions_to_be


def _roll_back(journey: Journey, applied: Sequence[Op]) -> None:
    for op in reversed(applied):
        op.inverse().apply(journey)


def _remap(change: Change, renames: Mapping[tuple[str, str], str]) -> Change:
    item_id = change.item_id
    if change.collection is not None and item_id is not None:
        item_id = renames.get((change.collection, item_id), item_id)
    return replace(change, item_id=item_id, ops=tuple(op.remap(renames) for op in change.ops))


def _item_id(op: Op | None) -> str | None:
    if op is None:
        return None
    if len(op.place) == 3:
        return op.place[1]
    item = getattr(op, "item", None)
    return getattr(item, "id", None) or getattr(op, "item_id", None) or None


def _merge_into(target: Journey, source: Journey) -> None:
    """Make ``target`` equal to ``source`` in place, keeping the objects of unchanged items."""
    for name in type(target).model_fields:
        new = getattr(source, name)
        if name in COLLECTIONS:
            current = getattr(target, name)
            by_id = {item.id: item for item in current}
            merged = []
            for item in new:
                old = by_id.get(item.id)
                merged.append(old if old is not None and (old is item or old == item) else item)
            if len(merged) != len(current) or any(a is not b for a, b in zip(merged, current, strict=True)):
                current[:] = merged
        elif getattr(target, name) != new:
            target.__dict__[name] = new
    if target.__pydantic_extra__ != source.__pydantic_extra__:
        target.__pydantic_extra__ = dict(source.__pydantic_extra__ or {})


# -- words --------------------------------------------------------------------------------------


def _model(collection: str) -> Any:
    try:
        return COLLECTIONS[collection]
    except KeyError:
        raise InvalidEdit(f"a journey has no {collection!r}; use one of {', '.join(COLLECTIONS)}") from None


def _build(model: type[Entity], values: dict[str, Any], journey: Journey | None = None) -> Entity:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise _field_refusal(problems_of(error), journey) from None


def _field_refusal(problems: list[str], journey: Journey | None = None) -> InvalidEdit:
    """An entity's own field problems (``"emotions.maya: must be ..."``) in plain words."""
    sentences = []
    first_field = None
    for problem in problems:
        place, _, rest = problem.partition(": ")
        parts = place.split(".")
        name = parts[0]
        key = parts[1] if len(parts) > 1 and name in DICT_FIELDS else None
        first_field = first_field or name
        if key is not None:
            words = field_words(name, key, journey) if journey is not None else place
        else:
            words = field_words(name) if name in _PLAIN_FIELD_NAMES else place
        sentences.append(f"{words}: {rest}" if rest else problem)
    return InvalidEdit(_joined(sentences), first_field)


_PLAIN_FIELD_NAMES = frozenset(
    {"name", "text", "title", "description", "sla_hours", "from_touchpoint", "to_touchpoint", "votes"}
)


def _refusal(journey: Journey, problems: list[str], subject: tuple[str | None, str | None]) -> InvalidEdit:
    """The document's cross-entity problems after an edit, in plain words."""
    plain = [plain_problem(journey, problem, subject) for problem in problems]
    return InvalidEdit(_joined([text for text, _field in plain]), plain[0][1])


def _joined(sentences: list[str]) -> str:
    return sentences[0] if len(sentences) == 1 else f"{len(sentences)} problems: " + "; ".join(sentences)


def count_words(counts: Mapping[str, int]) -> str:
    """``{"handoffs": 1, "KPIs": 2}`` → ``"1 handoff and 2 KPIs"`` (what :meth:`Editor.dependants` counts)."""
    return _listed(dict(counts))


def _listed(counts: dict[str, int]) -> str:
    parts = [f"{n} {what if n != 1 else _SINGULAR.get(what, what)}" for what, n in counts.items()]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


_SINGULAR = {
    "touchpoints": "touchpoint",
    "handoffs": "handoff",
    "KPIs": "KPI",
    "feedback items": "feedback item",
}


def _noun(collection: str) -> str:
    return {"kpis": "KPI", "feedback": "feedback item"}.get(collection, collection[:-1])


def _note_noun(kind: str) -> str:
    return {"pain_points": "pain point", "opportunities": "opportunity"}.get(kind, kind)


def _label(item: Any) -> str:
    return _short(str(getattr(item, "name", None) or getattr(item, "id", "")))


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
