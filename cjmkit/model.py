"""The journey document: validated data, schema version and migrations.

Pure Python and pydantic: nothing here knows about files, Jupyter, Bokeh or pandas.

A map is one :class:`Journey`. Entities refer to each other by id (``Touchpoint.stage`` is a
stage id, ``Handoff.from_touchpoint`` a touchpoint id, ...). Field-level rules (an emotion in
-2…+2, a non-empty name) are checked by pydantic; rules that span entities (a reference to a
stage that does not exist, duplicate ids, a handoff to itself) are listed by
:meth:`Journey.problems`. :func:`journey_from_dict` runs both and raises
:class:`~cjmkit.errors.InvalidJourney` naming every problem and its place.

Unknown keys are kept (``extra="allow"``) so that a file written by a newer minor version of
cjmkit, or enriched by another tool, survives a load/save round trip.
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)

from cjmkit.errors import InvalidJourney, SchemaVersionError
from cjmkit.figures import Status

SCHEMA_VERSION = "1.1"
"""Version of the document format this cjmkit writes (``MAJOR.MINOR``).

1.1 added how a source reads dates, import options and answer labels, the ``csat``/``nps``
aggregations and a KPI's scale; the event log (``Journey.event_log``); and the n and 95 %
interval of an observation (``Observation.n``, ``low``, ``high``). A 1.0 map is a valid 1.1 map."""

EMOTION_MIN, EMOTION_MAX = -2, 2
EMOTION_WORDS = {
    -2: "very negative",
    -1: "negative",
    0: "neutral",
    1: "positive",
    2: "very positive",
}

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

LaneKind = Literal["customer", "support", "care", "frontstage", "backstage", "other"]
LANE_KINDS: tuple[str, ...] = LaneKind.__args__  # type: ignore[attr-defined]
Direction = Literal["higher", "lower"]
Frequency = Literal["day", "week", "month"]
Aggregation = Literal["sum", "mean", "count", "rate", "last", "min", "max", "csat", "nps", "ces"]
MIN_ANSWERS = 30
"""A score from fewer answers than this is an anecdote: a KPI says "too few answers" instead of a status."""


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone name such as 'Europe/Berlin' or 'UTC'") from None
    return value


Name = Annotated[str, AfterValidator(_not_blank)]
TimeZoneName = Annotated[str, AfterValidator(_time_zone)]
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=120)]
Emotion = Annotated[int, Field(ge=EMOTION_MIN, le=EMOTION_MAX)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


def utc_now() -> datetime:
    """Return the current time in UTC, to the second (what documents record)."""
    return datetime.now(UTC).replace(microsecond=0)


class Entity(BaseModel):
    """Base of every document part: unknown keys are kept, assignment is validated."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)


class Persona(Entity):
    """Someone the journey is mapped for."""

    id: Id
    name: Name
    role: str = ""
    goals: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)
    frustrations: list[str] = Field(default_factory=list)
    quote: str = ""
    channels: list[str] = Field(default_factory=list)


class Stage(Entity):
    """A column of the map; ``phase`` is an optional label such as See / Think / Do / Care."""

    id: Id
    name: Name
    goal: str = ""
    phase: str | None = None


class Lane(Entity):
    """A row of the map. ``kind`` tells the code which rows are support and which are care."""

    id: Id
    name: Name
    kind: LaneKind = "other"


class Note(Entity):
    """A pain point or an opportunity on a touchpoint, with its dot votes."""

    id: Id
    text: Name
    votes: int = Field(default=0, ge=0)


class Touchpoint(Entity):
    """A moment of contact between the customer and the company, in one stage × lane cell.

    ``personas`` lists the personas it applies to (empty: all). ``emotions`` maps a persona id
    to how that persona feels here today (as-is, -2…+2); ``emotions_to_be`` to how they should
    feel in the intended journey.
    """

    id: Id
    stage: Id
    lane: Id
    name: Name
    description: str = ""
    channel: str = ""
    owner: str = ""
    personas: list[Id] = Field(default_factory=list)
    emotions: dict[str, Emotion] = Field(default_factory=dict)
    emotions_to_be: dict[str, Emotion] = Field(default_factory=dict)
    pain_points: list[Note] = Field(default_factory=list)
    opportunities: list[Note] = Field(default_factory=list)


class Handoff(Entity):
    """The customer passed from one touchpoint to another, typically support → care."""

    id: Id
    from_touchpoint: Id
    to_touchpoint: Id
    trigger: str = ""
    sla_hours: FiniteFloat | None = Field(default=None, gt=0)
    from_owner: str = ""
    to_owner: str = ""


class KpiSource(Entity):
    """Where a KPI's values come from, so that they can be re-imported without asking.

    ``location`` is a file path (relative to the map's folder, or absolute) or, for
    ``kind="sql"``, an SQLAlchemy URL. ``key`` is how this KPI is named in the source: the
    value of ``kpi_column`` in long format, or the column name in wide format.

    How dates are read is remembered: ``date_format`` (a strptime format such as
    ``"%m/%d/%Y %I:%M %p"``), else ``dayfirst`` (``True``: 01/02 is 1 February; ``False``:
    January 2; ``None``: only when the values settle it), and ``timezone``, the zone of
    timestamps written without an offset and of the calendar days periods are made of (None:
    UTC). So are the import's options: ``skip_bad_rows``, ``allow_out_of_scale``, and
    ``labels``, answer wordings → scores (``{"very satisfied": 5, ...}``) for survey exports.
    """

    kind: Literal["csv", "excel", "parquet", "sql"]
    location: str
    table: str | None = None
    query: str | None = None
    layout: Literal["long", "wide"] = "long"
    period_column: str = "period"
    kpi_column: str | None = "kpi"
    value_column: str | None = "value"
    key: str | None = None
    touchpoint_column: str | None = None
    period: Frequency = "month"
    aggregation: Aggregation = "mean"
    date_format: str | None = None
    dayfirst: bool | None = None
    timezone: TimeZoneName | None = None
    labels: dict[str, FiniteFloat] | None = None
    skip_bad_rows: bool = False
    allow_out_of_scale: bool = False


def _absent(value: Any) -> bool:
    return value is None


def when_set() -> Any:
    """A field that defaults to None and is written to the file only when it has a value.

    Fields added in a minor version use it, so documents that do not use them stay as they were.
    """
    return Field(default=None, exclude_if=_absent)


class Observation(Entity):
    """One measured value of a KPI for the period starting on ``period``.

    ``n`` is how many answers (or rows) the value comes from and ``low``/``high`` its 95 %
    interval, when the source knows them (survey scores do): a KPI whose latest value rests on
    too few answers says so instead of a status, and a change is called a change only when it
    is significant.
    """

    period: date
    value: FiniteFloat
    n: Annotated[int, Field(ge=0)] | None = when_set()
    low: FiniteFloat | None = when_set()
    high: FiniteFloat | None = when_set()


class Kpi(Entity):
    """A measure on a touchpoint (or on the whole journey when ``touchpoint`` is None).

    With ``direction="higher"`` a value at or above ``target`` is ok, at or above ``warning``
    a warning, below it bad; with ``direction="lower"`` the other way round.

    ``scale_min`` and ``scale_max`` bound the values the KPI can take (a 1–5 score, a share in
    0–100 %); an import refuses values outside them unless told otherwise.
    """

    id: Id
    name: Name
    touchpoint: Id | None = None
    unit: str = ""
    direction: Direction = "higher"
    target: FiniteFloat | None = None
    warning: FiniteFloat | None = None
    frequency: Frequency = "month"
    scale_min: FiniteFloat | None = None
    scale_max: FiniteFloat | None = None
    source: KpiSource | None = None
    observations: list[Observation] = Field(default_factory=list)

    def judge(self, value: float | None, n: int | None = None) -> Status:
        """Judge a value against this KPI's target, warning level and direction.

        Parameters
        ----------
        value
            The value to judge.
        n
            How many answers it comes from, when known: fewer than :data:`MIN_ANSWERS` is
            ``"few"`` (too few answers to judge), whatever the value.

        Returns
        -------
        Status
            ``"ok"``, ``"warning"``, ``"bad"``, ``"few"``, or ``"none"`` when there is no value
            or no target. Without a warning level anything short of the target is bad.
        """
        if value is not None and n is not None and n < MIN_ANSWERS:
            return "few"
        if value is None or self.target is None or not math.isfinite(value):
            return "none"
        sign = 1 if self.direction == "higher" else -1
        if sign * value >= sign * self.target:
            return "ok"
        if self.warning is not None and sign * value >= sign * self.warning:
            return "warning"
        return "bad"


class EventSource(Entity):
    """Where a map's event log comes from: one row per event, with customer, time and event.

    ``location`` is a file path (relative to the map's folder, or absolute) or, for
    ``kind="sql"``, an SQLAlchemy URL with ``table`` or ``query``. Timestamps are read as every
    import reads them: an offset is honoured; ``timezone`` names the zone of timestamps without
    one (UTC unless told); ``date_format`` and ``dayfirst`` settle layouts such as ``01/02/2025``.
    """

    kind: Literal["csv", "excel", "parquet", "sql"]
    location: str
    table: str | None = None
    query: str | None = None
    customer_column: str = "customer_id"
    time_column: str = "timestamp"
    event_column: str = "event"
    segment_column: str | None = None
    timezone: TimeZoneName | None = None
    date_format: str | None = when_set()
    dayfirst: bool | None = when_set()


class MeasuredFlow(Entity):
    """Customers moving from one touchpoint to the next, as measured from the event log."""

    from_touchpoint: Id
    to_touchpoint: Id
    transitions: int = Field(ge=0)
    customers: int = Field(ge=0)
    share: FiniteFloat = Field(ge=0, le=1)
    median_hours: FiniteFloat | None = None
    p90_hours: FiniteFloat | None = None


class MeasuredTouchpoint(Entity):
    """What the event log and the survey say about one touchpoint.

    ``emotion`` is the measured feeling on the map's −2…+2 scale: the mean CSAT answer minus 3
    (1 → −2, 5 → +2), with its 95 % interval and the number of answers.
    """

    touchpoint: Id
    customers: int = Field(default=0, ge=0)
    events: int = Field(default=0, ge=0)
    dropped: int = Field(default=0, ge=0)
    emotion: FiniteFloat | None = when_set()
    emotion_low: FiniteFloat | None = when_set()
    emotion_high: FiniteFloat | None = when_set()
    answers: int = Field(default=0, ge=0)


class UnmappedEvent(Entity):
    """An event in the log that no touchpoint of the map stands for ("missing from the map")."""

    event: str
    events: int = Field(ge=0)
    customers: int = Field(ge=0)


class MeasuredJourney(Entity):
    """The journey as measured, kept in the map so that every page can show it without the data.

    Written by ``cjmkit journey refresh`` (and ``cjmkit kpi refresh``) from the event log.
    """

    as_of: datetime | None = None
    customers: int = Field(default=0, ge=0)
    events: int = Field(default=0, ge=0)
    flows: list[MeasuredFlow] = Field(default_factory=list)
    touchpoints: list[MeasuredTouchpoint] = Field(default_factory=list)
    unmapped: list[UnmappedEvent] = Field(default_factory=list)


class EventLog(Entity):
    """A map's event log: where it is, which touchpoint each event stands for, what it showed.

    ``mapping`` sends event values to touchpoint ids (an event value that is a touchpoint id
    needs no entry); events in ``ignore`` are known and not journey steps; every other event is
    "missing from the map". ``survey`` is an optional survey export (relative to the map's
    folder) for the measured emotion curve. Mapping entries that name a touchpoint the map no
    longer has are reported when the log is measured, not refused here, so removing a touchpoint
    never breaks the map.
    """

    source: EventSource | None = None
    mapping: dict[str, Id] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list)
    survey: str | None = None
    measured: MeasuredJourney | None = None


class Feedback(Entity):
    """A survey answer or verbatim, linked to a touchpoint, a stage and/or a persona."""

    id: Id
    touchpoint: Id | None = None
    stage: Id | None = None
    persona: Id | None = None
    received: date | None = None
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    ces: int | None = Field(default=None, ge=1, le=7)
    comment: str = ""
    source: str = ""


class Journey(Entity):
    """One journey map: the whole document saved as ``NAME.cjm.json``."""

    schema_version: str = SCHEMA_VERSION
    id: Id
    title: Name
    description: str = ""
    created: datetime = Field(default_factory=utc_now)
    updated: datetime = Field(default_factory=utc_now)
    revision: int = Field(default=0, ge=0)
    personas: list[Persona] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list)
    lanes: list[Lane] = Field(default_factory=list)
    touchpoints: list[Touchpoint] = Field(default_factory=list)
    handoffs: list[Handoff] = Field(default_factory=list)
    kpis: list[Kpi] = Field(default_factory=list)
    feedback: list[Feedback] = Field(default_factory=list)
    event_log: EventLog | None = when_set()

    # -- lookups ----------------------------------------------------------------------------

    def find(self, collection: str, item_id: str) -> Entity | None:
        """Return the entity with ``item_id`` in ``collection`` (e.g. ``"stages"``), or None."""
        for item in getattr(self, collection):
            if item.id == item_id:
                return item
        return None

    def persona(self, item_id: str) -> Persona | None:
        """Return the persona with this id, or None."""
        return self.find("personas", item_id)  # type: ignore[return-value]

    def stage(self, item_id: str) -> Stage | None:
        """Return the stage with this id, or None."""
        return self.find("stages", item_id)  # type: ignore[return-value]

    def lane(self, item_id: str) -> Lane | None:
        """Return the lane with this id, or None."""
        return self.find("lanes", item_id)  # type: ignore[return-value]

    def touchpoint(self, item_id: str) -> Touchpoint | None:
        """Return the touchpoint with this id, or None."""
        return self.find("touchpoints", item_id)  # type: ignore[return-value]

    def touchpoints_in(self, *, stage: str | None = None, lane: str | None = None) -> list[Touchpoint]:
        """Return the touchpoints of a stage and/or a lane, in document order."""
        return [
            tp
            for tp in self.touchpoints
            if (stage is None or tp.stage == stage) and (lane is None or tp.lane == lane)
        ]

    def lanes_of_kind(self, kind: str) -> list[Lane]:
        """Return the lanes of one kind (``"support"``, ``"care"``, ...)."""
        return [lane for lane in self.lanes if lane.kind == kind]

    # -- cross-entity rules -----------------------------------------------------------------

    def problems(self) -> list[str]:
        """List every rule that spans entities and is broken, each starting with its place.

        Returns
        -------
        list of str
            Empty when the document is consistent, e.g.
            ``["touchpoints[3].stage: no stage has the id 'onbaording'"]``.
        """
        found: list[str] = []
        ids: dict[str, set[str]] = {}
        for collection in ("personas", "stages", "lanes", "touchpoints", "handoffs", "kpis", "feedback"):
            ids[collection] = _unique_ids(collection, getattr(self, collection), found)

        def ref(place: str, field: str, value: str | None, collection: str) -> None:
            if value is not None and value not in ids[collection]:
                noun = _NOUNS[collection]
                found.append(f"{place}.{field}: no {noun} has the id {value!r}")

        for i, tp in enumerate(self.touchpoints):
            place = f"touchpoints[{i}]"
            ref(place, "stage", tp.stage, "stages")
            ref(place, "lane", tp.lane, "lanes")
            for j, persona in enumerate(tp.personas):
                ref(place, f"personas[{j}]", persona, "personas")
            for field in ("emotions", "emotions_to_be"):
                for persona in getattr(tp, field):
                    if persona not in ids["personas"]:
                        found.append(f"{place}.{field}.{persona}: no persona has the id {persona!r}")
            for field in ("pain_points", "opportunities"):
                _unique_ids(f"{place}.{field}", getattr(tp, field), found)
        for i, handoff in enumerate(self.handoffs):
            place = f"handoffs[{i}]"
            ref(place, "from_touchpoint", handoff.from_touchpoint, "touchpoints")
            ref(place, "to_touchpoint", handoff.to_touchpoint, "touchpoints")
            if handoff.from_touchpoint == handoff.to_touchpoint:
                found.append(
                    f"{place}.to_touchpoint: a handoff must lead to another touchpoint, "
                    f"but both ends are {handoff.from_touchpoint!r}"
                )
        for i, kpi in enumerate(self.kpis):
            place = f"kpis[{i}]"
            ref(place, "touchpoint", kpi.touchpoint, "touchpoints")
            found.extend(_threshold_problems(place, kpi))
            if kpi.scale_min is not None and kpi.scale_max is not None and kpi.scale_min > kpi.scale_max:
                found.append(
                    f"{place}.scale_max: the scale's top ({kpi.scale_max:g}) is below its bottom ({kpi.scale_min:g})"
                )
            seen: dict[date, int] = {}
            for j, obs in enumerate(kpi.observations):
                if obs.period in seen:
                    found.append(
                        f"{place}.observations[{j}].period: {obs.period.isoformat()} is already "
                        f"observed at observations[{seen[obs.period]}]"
                    )
                seen.setdefault(obs.period, j)
        for i, item in enumerate(self.feedback):
            place = f"feedback[{i}]"
            ref(place, "touchpoint", item.touchpoint, "touchpoints")
            ref(place, "stage", item.stage, "stages")
            ref(place, "persona", item.persona, "personas")
        return found

    def check(self, source: str | None = None) -> None:
        """Raise :class:`InvalidJourney` listing every cross-entity problem, if any."""
        found = self.problems()
        if found:
            raise InvalidJourney(found, source)

    # -- serialisation ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the document as plain JSON-ready data, keys in a stable order."""
        return self.model_dump(mode="json")


_NOUNS = {
    "personas": "persona",
    "stages": "stage",
    "lanes": "lane",
    "touchpoints": "touchpoint",
    "handoffs": "handoff",
    "kpis": "KPI",
    "feedback": "feedback item",
}

COLLECTIONS: dict[str, type[Entity]] = {
    "personas": Persona,
    "stages": Stage,
    "lanes": Lane,
    "touchpoints": Touchpoint,
    "handoffs": Handoff,
    "kpis": Kpi,
    "feedback": Feedback,
}
"""The journey's lists of entities and the model of their items."""


def _unique_ids(place: str, items: Iterable[Any], found: list[str]) -> set[str]:
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in first:
            found.append(f"{place}[{i}].id: {item.id!r} is already used by {place}[{first[item.id]}]")
        else:
            first[item.id] = i
    return set(first)


def _threshold_problems(place: str, kpi: Kpi) -> list[str]:
    if kpi.target is None or kpi.warning is None:
        return []
    if kpi.direction == "higher" and kpi.warning > kpi.target:
        return [
            f"{place}.warning: when higher is better the warning level ({kpi.warning:g}) "
            f"must not be above the target ({kpi.target:g})"
        ]
    if kpi.direction == "lower" and kpi.warning < kpi.target:
        return [
            f"{place}.warning: when lower is better the warning level ({kpi.warning:g}) "
            f"must not be below the target ({kpi.target:g})"
        ]
    return []


# -- reading documents -------------------------------------------------------------------------


def place_of(loc: Iterable[str | int]) -> str:
    """Turn a pydantic error location into a readable place: ``touchpoints[3].emotions.maya``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "document"


def _describe(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    loc = error["loc"]
    if kind == "missing":
        return "is required"
    if kind in {"less_than_equal", "greater_than_equal"} and "emotions" in "".join(map(str, loc)):
        return f"must be between {EMOTION_MIN} and {EMOTION_MAX}, got {given!r}"
    if kind == "string_pattern_mismatch":
        return f"{given!r} is not a valid id (start with a letter or digit; then letters, digits, '-', '_' or '.')"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {given!r}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    message = error["msg"]
    message = message[0].lower() + message[1:] if message else "is not valid"
    message = message.replace("input should be", "must be")
    if kind not in {"model_type", "dict_type", "list_type"} and not isinstance(given, (dict, list)):
        message += f", got {given!r}"
    return message


def problems_of(error: ValidationError) -> list[str]:
    """Turn a pydantic ``ValidationError`` into one plain sentence per problem."""
    return [f"{place_of(e['loc'])}: {_describe(e)}" for e in error.errors(include_url=False)]


def parse_version(text: Any) -> tuple[int, int]:
    """Parse ``"MAJOR.MINOR"`` (or ``"MAJOR"``); raise SchemaVersionError when it is not one."""
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?", str(text).strip())
    if not match:
        raise SchemaVersionError(f"schema_version {text!r} is not a version number like {SCHEMA_VERSION!r}")
    return int(match.group(1)), int(match.group(2) or 0)


def _migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """Migrate the pre-1.0 shape (cjmkit 0.x prototypes) to 1.0.

    In 0.x a map had ``name`` instead of ``title``, lanes were plain names, touchpoints named
    their stage and lane by name and had one ``emotion`` shared by every persona, and a
    handoff's SLA was a string such as ``"24h"`` or ``"2d"``.
    """
    data = copy.deepcopy(data)
    data.pop("version", None)
    if "title" not in data and "name" in data:
        data["title"] = data.pop("name")
    data.setdefault("id", slugify(str(data.get("title", "journey"))) or "journey")

    stage_ids: dict[str, str] = {}
    for stage in data.get("stages", []):
        if isinstance(stage, str):
            stage = {"name": stage}
        stage.setdefault("id", unique_id(stage.get("name", "stage"), stage_ids.values()))
        stage_ids[stage.get("name", stage["id"])] = stage["id"]
    data["stages"] = [
        (s if isinstance(s, dict) else {"id": stage_ids[s], "name": s}) for s in data.get("stages", [])
    ]

    lanes: list[dict[str, Any]] = []
    lane_ids: dict[str, str] = {}
    for lane in data.get("lanes", []):
        lane = {"name": lane} if isinstance(lane, str) else dict(lane)
        lane.setdefault("id", unique_id(lane["name"], lane_ids.values()))
        lane.setdefault("kind", guess_lane_kind(lane["name"]))
        lane_ids[lane["name"]] = lane["id"]
        lanes.append(lane)
    data["lanes"] = lanes

    persona_ids = [p.get("id") for p in data.get("personas", []) if isinstance(p, dict)]
    for tp in data.get("touchpoints", []):
        if "stage" in tp:
            tp["stage"] = stage_ids.get(tp["stage"], tp["stage"])
        if "lane" in tp:
            tp["lane"] = lane_ids.get(tp["lane"], tp["lane"])
        if "emotion" in tp:
            emotion = tp.pop("emotion")
            targets = tp.get("personas") or persona_ids
            tp.setdefault("emotions", {p: emotion for p in targets if p})
        for field in ("pain_points", "opportunities"):
            notes = tp.get(field, [])
            tp[field] = [
                {"id": f"{field[0]}{n + 1}", "text": note} if isinstance(note, str) else note
                for n, note in enumerate(notes)
            ]
    for handoff in data.get("handoffs", []):
        if "sla" in handoff:
            handoff["sla_hours"] = _hours(handoff.pop("sla"))
    data["schema_version"] = "1.0"
    return data


def _hours(text: Any) -> Any:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([hd]?)\s*", str(text))
    if not match:
        return text  # leave it to validation to report
    value = float(match.group(1))
    return value * 24 if match.group(2) == "d" else value


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_0_to_1}
"""Major version → function migrating a document of that major version to the next one."""


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring raw document data up to the current schema version.

    Documents without ``schema_version`` are taken as 0.x prototypes. A document with a newer
    major version is refused; a newer minor version is read as is (its unknown keys are kept).
    An older minor version of the current major one needs no change but its version: its new
    fields take their defaults (1.0 → 1.1 adds how a source reads dates, its remembered import
    options and answer labels, the ``csat``/``nps`` aggregations, a KPI's scale, the event log and an observation's n and interval).

    Raises
    ------
    SchemaVersionError
        When the document comes from a newer major version of cjmkit.
    """
    current = parse_version(SCHEMA_VERSION)
    raw = data.get("schema_version", data.get("version", "0"))
    major, _minor = parse_version(raw)
    if major > current[0]:
        raise SchemaVersionError(
            f"this map uses schema version {raw}, but this cjmkit reads up to version "
            f"{SCHEMA_VERSION}: upgrade cjmkit to open it"
        )
    while major < current[0]:
        data = MIGRATIONS[major](data)
        major, _minor = parse_version(data["schema_version"])
    if (major, _minor) < current:
        data = {**data, "schema_version": SCHEMA_VERSION}
    return data


def journey_from_dict(data: Any, source: str | None = None) -> Journey:
    """Migrate and validate raw document data (e.g. parsed JSON) into a :class:`Journey`.

    Parameters
    ----------
    data
        The parsed document.
    source
        Where it came from (a path), used in error messages.

    Raises
    ------
    InvalidJourney
        Listing every problem found, each with its place.
    SchemaVersionError
        When the document comes from a newer major version of cjmkit.
    """
    if not isinstance(data, dict):
        raise InvalidJourney(
            [f"a journey map is a JSON object with a title and stages, not a {type(data).__name__}"],
            source,
        )
    if not any(key in data for key in ("schema_version", "stages", "touchpoints", "title", "name")):
        raise InvalidJourney(
            ["this is JSON but not a journey map (no schema_version, title, stages or touchpoints)"],
            source,
        )
    data = migrate(data)
    try:
        journey = Journey.model_validate(data)
    except ValidationError as error:
        raise InvalidJourney(problems_of(error), source) from None
    journey.check(source)
    return journey


# -- ids ---------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """Make a readable id from a name: ``"Contact support!"`` → ``"contact-support"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def unique_id(name: str, taken: Iterable[str], fallback: str = "item") -> str:
    """Return a slug of ``name`` that is not in ``taken`` (adding ``-2``, ``-3``, ...)."""
    taken = set(taken)
    base = slugify(name) or fallback
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def guess_lane_kind(name: str) -> str:
    """Guess a lane's kind from its name (used when migrating maps that had no kinds)."""
    lowered = name.lower()
    for word, kind in (
        ("support", "support"),
        ("help", "support"),
        ("care", "care"),
        ("success", "care"),
        ("backstage", "backstage"),
        ("system", "backstage"),
        ("customer", "customer"),
        ("action", "customer"),
        ("frontstage", "frontstage"),
        ("sales", "frontstage"),
    ):
        if word in lowered:
            return kind
    return "other"


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the journey document, generated from the model."""
    schema = Journey.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"urn:cjmkit:journey:{SCHEMA_VERSION}"
    return schema
