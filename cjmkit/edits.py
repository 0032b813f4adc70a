"""The edit API: every change to a journey goes through an :class:`Editor`.

Widgets, importers and the command line all change a map with ``add`` / ``update`` /
``remove`` / ``move`` (plus a few shortcuts for notes and votes). Each edit is validated
before it is kept: an edit that would break the document (an empty name, an emotion out of
range, a reference to nothing, a handoff to itself) raises :class:`~cjmkit.errors.InvalidEdit`
and leaves the journey exactly as it was. Each kept edit can be undone and redone any number
of steps, and subscribers (the autosave of :mod:`cjmkit.store`, the live map) hear about it.

Collections are named as in the document: ``"personas"``, ``"stages"``, ``"lanes"``,
``"touchpoints"``, ``"handoffs"``, ``"kpis"``, ``"feedback"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from cjmkit.errors import InvalidEdit
from cjmkit.model import COLLECTIONS, Entity, Journey, Note, Touchpoint, problems_of, unique_id

# -- the edits themselves ----------------------------------------------------------------------


class _Step:
    """One reversible change of a journey."""

    def apply(self, journey: Journey) -> None:
        raise NotImplementedError

    def revert(self, journey: Journey) -> None:
        raise NotImplementedError


def _index_of(journey: Journey, collection: str, item_id: str) -> int:
    for i, item in enumerate(getattr(journey, collection)):
        if item.id == item_id:
            return i
    noun = collection.rstrip("s") if collection != "feedback" else "feedback item"
    raise InvalidEdit(f"there is no {noun} with the id {item_id!r}")


@dataclass
class _Insert(_Step):
    collection: str
    item: Entity
    index: int

    def apply(self, journey: Journey) -> None:
        getattr(journey, self.collection).insert(self.index, self.item)

    def revert(self, journey: Journey) -> None:
        del getattr(journey, self.collection)[self.index]


@dataclass
class _Delete(_Step):
    collection: str
    index: int
    item: Entity | None = None

    def apply(self, journey: Journey) -> None:
        self.item = getattr(journey, self.collection).pop(self.index)

    def revert(self, journey: Journey) -> None:
        getattr(journey, self.collection).insert(self.index, self.item)


@dataclass
class _Replace(_Step):
    collection: str
    index: int
    new: Entity
    old: Entity | None = None

    def apply(self, journey: Journey) -> None:
        items = getattr(journey, self.collection)
        self.old, items[self.index] = items[self.index], self.new

    def revert(self, journey: Journey) -> None:
        getattr(journey, self.collection)[self.index] = self.old


@dataclass
class _Move(_Step):
    collection: str
    old_index: int
    new_index: int

    def apply(self, journey: Journey) -> None:
        items = getattr(journey, self.collection)
        items.insert(self.new_index, items.pop(self.old_index))

    def revert(self, journey: Journey) -> None:
        items = getattr(journey, self.collection)
        items.insert(self.old_index, items.pop(self.new_index))


@dataclass
class _SetFields(_Step):
    """Change top-level fields of the journey (title, description)."""

    new: dict[str, Any]
    old: dict[str, Any] = field(default_factory=dict)

    def apply(self, journey: Journey) -> None:
        self.old = {name: getattr(journey, name) for name in self.new}
        for name, value in self.new.items():
            setattr(journey, name, value)

    def revert(self, journey: Journey) -> None:
        for name, value in self.old.items():
            setattr(journey, name, value)


@dataclass
class Change:
    """What happened to the journey, as told to subscribers.

    Attributes
    ----------
    action
        ``"add"``, ``"update"``, ``"remove"``, ``"move"``, ``"journey"`` (title etc.),
        ``"batch"``, ``"undo"``, ``"redo"`` or ``"reload"`` (a new document).
    description
        A short human description, e.g. ``"Add touchpoint 'Live chat'"``, for undo buttons.
    collection, item_id
        The collection and id the edit was about, when it was about one entity.
    """

    action: str
    description: str
    collection: str | None = None
    item_id: str | None = None


@dataclass
class _Record:
    change: Change
    steps: list[_Step]


Listener = Callable[[Journey, Change], None]


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
        self._undo: list[_Record] = []
        self._redo: list[_Record] = []
        self._listeners: list[Listener] = []
        self._batch: list[_Record] | None = None

    # -- subscribers ------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(journey, change)`` after every edit, undo and redo.

        Returns a function that unsubscribes it.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, change: Change) -> None:
        # Every subscriber hears every change even if one fails (e.g. the autosave hits a
        # conflict): the map view still updates, and the first error is raised afterwards.
        error: Exception | None = None
        for listener in list(self._listeners):
            try:
                listener(self.journey, change)
            except Exception as exc:
                error = error or exc
        if error is not None:
            raise error

    def replace_journey(self, journey: Journey, description: str = "Reload") -> None:
        """Edit another journey from now on (e.g. the map re-read from disk).

        The undo and redo history is cleared (it described the replaced document) and
        subscribers hear a ``Change("reload", description)``.
        """
        self.journey = journey
        self._undo.clear()
        self._redo.clear()
        self._notify(Change("reload", description))

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
        """What :meth:`undo` would undo, e.g. ``"Add touchpoint 'Live chat'"``."""
        return self._undo[-1].change.description if self._undo else None

    @property
    def redo_description(self) -> str | None:
        """What :meth:`redo` would redo."""
        return self._redo[-1].change.description if self._redo else None

    def undo(self) -> Change:
        """Undo the last edit; raise InvalidEdit when there is nothing to undo."""
        if not self._undo:
            raise InvalidEdit("there is nothing to undo")
        record = self._undo.pop()
        for step in reversed(record.steps):
            step.revert(self.journey)
        self._redo.append(record)
        change = Change(
            "undo", f"Undo: {record.change.description}", record.change.collection, record.change.item_id
        )
        self._notify(change)
        return change

    def redo(self) -> Change:
        """Redo the last undone edit; raise InvalidEdit when there is nothing to redo."""
        if not self._redo:
            raise InvalidEdit("there is nothing to redo")
        record = self._redo.pop()
        for step in record.steps:
            step.apply(self.journey)
        self._undo.append(record)
        change = Change(
            "redo", f"Redo: {record.change.description}", record.change.collection, record.change.item_id
        )
        self._notify(change)
        return change

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
                for step in reversed(record.steps):
                    step.revert(self.journey)
            raise
        records, self._batch = self._batch, None
        if records:
            steps = [step for record in records for step in record.steps]
            self._keep(_Record(Change("batch", description), steps))

    def _run(self, change: Change, steps: list[_Step]) -> None:
        """Apply steps, check the whole document, keep them or roll them back."""
        done: list[_Step] = []
        try:
            for step in steps:
                step.apply(self.journey)
                done.append(step)
            problems = self.journey.problems()
        except BaseException:
            for step in reversed(done):
                step.revert(self.journey)
            raise
        if problems:
            for step in reversed(done):
                step.revert(self.journey)
            raise InvalidEdit(_sentence(problems))
        record = _Record(change, steps)
        if self._batch is not None:
            self._batch.append(record)
        else:
            self._keep(record)

    def _keep(self, record: _Record) -> None:
        self._undo.append(record)
        del self._undo[: -self.history_limit]
        self._redo.clear()
        self._notify(record.change)

    # -- the edits --------------------------------------------------------------------------

    def add(self, collection: str, data: dict[str, Any] | Entity, *, index: int | None = None) -> Entity:
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
        if not values.get("id"):
            label = str(values.get("name") or values.get("text") or "")
            taken = (item.id for item in getattr(self.journey, collection))
            values["id"] = unique_id(label, taken, fallback=collection.rstrip("s") or "item")
        item = _build(model, values)
        items = getattr(self.journey, collection)
        position = len(items) if index is None else max(0, min(index, len(items)))
        self._run(
            Change("add", f"Add {_noun(collection)} {_label(item)!r}", collection, item.id),
            [_Insert(collection, item, position)],
        )
        return item

    def update(self, collection: str, item_id: str, **changes: Any) -> Entity:
        """Change fields of an entity and return the new version of it."""
        index = _index_of(self.journey, collection, item_id)
        old = getattr(self.journey, collection)[index]
        values = old.model_dump()
        values.update(changes)
        new = _build(_model(collection), values)
        if new == old:
            return old
        self._run(
            Change("update", f"Edit {_noun(collection)} {_label(new)!r}", collection, new.id),
            [_Replace(collection, index, new)],
        )
        return new

    def remove(self, collection: str, item_id: str, *, cascade: bool = False) -> None:
        """Remove an entity.

        What still refers to it is never dropped silently: without ``cascade`` the edit is
        refused with a sentence saying what refers to it. With ``cascade=True`` the whole
        removal is one undoable step: touchpoints of a removed stage or lane go too (with their
        handoffs, KPIs and feedback), a removed persona is taken off the touchpoints and
        feedback that name it.
        """
        index = _index_of(self.journey, collection, item_id)
        item = getattr(self.journey, collection)[index]
        dependants = self._dependants(collection, item_id)
        if dependants and not cascade:
            listed = ", ".join(f"{count} {what}" for what, count in dependants.items())
            raise InvalidEdit(
                f"{_noun(collection)} {_label(item)!r} is still used by {listed}: "
                "move or remove them first, or remove it together with them"
            )
        steps = self._cascade_steps(collection, item_id) if dependants else []
        steps.append(_Delete(collection, index))
        self._run(
            Change("remove", f"Remove {_noun(collection)} {_label(item)!r}", collection, item_id), steps
        )

    def move(self, collection: str, item_id: str, index: int) -> None:
        """Move an entity to position ``index`` of its collection (reorders stages, lanes...)."""
        old_index = _index_of(self.journey, collection, item_id)
        size = len(getattr(self.journey, collection))
        new_index = max(0, min(index, size - 1))
        if new_index == old_index:
            return
        item = getattr(self.journey, collection)[old_index]
        self._run(
            Change("move", f"Move {_noun(collection)} {_label(item)!r}", collection, item_id),
            [_Move(collection, old_index, new_index)],
        )

    def set_journey(self, **changes: Any) -> None:
        """Change the journey's own fields, such as ``title`` or ``description``."""
        allowed = {"title", "description"}
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidEdit(f"only {sorted(allowed)} can be changed this way, not {sorted(unknown)}")
        try:
            probe = self.journey.model_copy()
            for name, value in changes.items():
                setattr(probe, name, value)
        except ValidationError as error:
            raise InvalidEdit(_sentence(problems_of(error))) from None
        self._run(Change("journey", "Edit the journey's " + " and ".join(changes)), [_SetFields(changes)])

    # -- shortcuts for notes and votes ------------------------------------------------------

    def add_note(self, touchpoint_id: str, kind: str, text: str) -> Note:
        """Add a pain point (``kind="pain_points"``) or opportunity to a touchpoint."""
        if kind not in ("pain_points", "opportunities"):
            raise InvalidEdit(f"a note is a pain point or an opportunity, not {kind!r}")
        tp = self._touchpoint(touchpoint_id)
        notes = getattr(tp, kind)
        note_id = unique_id(text, (n.id for n in notes), fallback="note")
        try:
            note = Note(id=note_id, text=text)
        except ValidationError as error:
            raise InvalidEdit(_sentence(problems_of(error))) from None
        self.update(
            "touchpoints", touchpoint_id, **{kind: [n.model_dump() for n in notes] + [note.model_dump()]}
        )
        return note

    def vote(self, touchpoint_id: str, kind: str, note_id: str, delta: int = 1) -> int:
        """Add ``delta`` dot votes (may be negative) to a note; return its new tally."""
        tp = self._touchpoint(touchpoint_id)
        notes = [n.model_dump() for n in getattr(tp, kind)]
        for note in notes:
            if note["id"] == note_id:
                note["votes"] = max(0, note["votes"] + delta)
                self.update("touchpoints", touchpoint_id, **{kind: notes})
                return note["votes"]
        raise InvalidEdit(f"touchpoint {touchpoint_id!r} has no {kind[:-1].replace('_', ' ')} {note_id!r}")

    # -- helpers ----------------------------------------------------------------------------

    def _touchpoint(self, touchpoint_id: str) -> Touchpoint:
        return self.journey.touchpoints[_index_of(self.journey, "touchpoints", touchpoint_id)]

    def _dependants(self, collection: str, item_id: str) -> dict[str, int]:
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
            count(
                "touchpoints",
                sum(
                    item_id in tp.personas or item_id in tp.emotions or item_id in tp.emotions_to_be
                    for tp in j.touchpoints
                ),
            )
            count("feedback items", sum(f.persona == item_id for f in j.feedback))
        elif collection == "touchpoints":
            count("handoffs", sum(item_id in (h.from_touchpoint, h.to_touchpoint) for h in j.handoffs))
            count("KPIs", sum(k.touchpoint == item_id for k in j.kpis))
            count("feedback items", sum(f.touchpoint == item_id for f in j.feedback))
        return counts

    def _cascade_steps(self, collection: str, item_id: str) -> list[_Step]:
        """Steps that remove or detach what refers to the entity, applied before it goes."""
        j = self.journey
        if collection in ("stages", "lanes"):
            field_name = collection[:-1]
            doomed = {tp.id for tp in j.touchpoints if getattr(tp, field_name) == item_id}
            steps = self._touchpoint_removal_steps(doomed)
            if collection == "stages":
                steps.extend(_rewrite_steps(j, "feedback", lambda f: f.stage == item_id, stage=None))
            return steps
        if collection == "personas":
            steps: list[_Step] = []
            for i, tp in enumerate(j.touchpoints):
                if item_id in tp.personas or item_id in tp.emotions or item_id in tp.emotions_to_be:
                    new = tp.model_copy(
                        update={
                            "personas": [p for p in tp.personas if p != item_id],
                            "emotions": {p: e for p, e in tp.emotions.items() if p != item_id},
                            "emotions_to_be": {p: e for p, e in tp.emotions_to_be.items() if p != item_id},
                        }
                    )
                    steps.append(_Replace("touchpoints", i, new))
            steps.extend(_rewrite_steps(j, "feedback", lambda f: f.persona == item_id, persona=None))
            return steps
        if collection == "touchpoints":
            return self._touchpoint_removal_steps({item_id}, remove_touchpoints=False)
        return []

    def _touchpoint_removal_steps(self, doomed: set[str], remove_touchpoints: bool = True) -> list[_Step]:
        """Remove the handoffs and KPIs of these touchpoints and detach their feedback."""
        j = self.journey
        steps: list[_Step] = []
        steps.extend(
            _drop_steps(j, "handoffs", lambda h: h.from_touchpoint in doomed or h.to_touchpoint in doomed)
        )
        steps.extend(_drop_steps(j, "kpis", lambda k: k.touchpoint in doomed))
        steps.extend(_rewrite_steps(j, "feedback", lambda f: f.touchpoint in doomed, touchpoint=None))
        if remove_touchpoints:
            steps.extend(_drop_steps(j, "touchpoints", lambda tp: tp.id in doomed))
        return steps


def _drop_steps(journey: Journey, collection: str, match: Callable[[Any], bool]) -> list[_Step]:
    """Delete steps, highest index first, for the items of a collection that match."""
    items = getattr(journey, collection)
    return [_Delete(collection, i) for i in range(len(items) - 1, -1, -1) if match(items[i])]


def _rewrite_steps(
    journey: Journey, collection: str, match: Callable[[Any], bool], **update: Any
) -> list[_Step]:
    return [
        _Replace(collection, i, item.model_copy(update=update))
        for i, item in enumerate(getattr(journey, collection))
        if match(item)
    ]


def _model(collection: str) -> type[Entity]:
    try:
        return COLLECTIONS[collection]
    except KeyError:
        raise InvalidEdit(f"a journey has no {collection!r}; use one of {', '.join(COLLECTIONS)}") from None


def _build(model: type[Entity], values: dict[str, Any]) -> Entity:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise InvalidEdit(_sentence(problems_of(error))) from None


def _noun(collection: str) -> str:
    return {"kpis": "KPI", "feedback": "feedback"}.get(collection, collection[:-1])


def _label(item: Any) -> str:
    return str(getattr(item, "name", None) or getattr(item, "id", ""))


def _sentence(problems: list[str]) -> str:
    return problems[0] if len(problems) == 1 else f"{len(problems)} problems: " + "; ".join(problems)
