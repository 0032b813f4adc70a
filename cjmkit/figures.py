"""The measured figures a map shows: the one contract between :mod:`cjmkit.metrics` and :mod:`cjmkit.render`.

Standard library only, beside the model: :meth:`cjmkit.model.Kpi.judge` returns a :data:`Status`,
:func:`cjmkit.metrics.map_metrics` fills a :class:`MapMetrics`, and the map, its pages and its
exports draw it, each status with the words of :data:`STATUS_WORDS`.

Every part is optional: whatever is missing, the map computes a simple stand-in from the journey
itself (the latest observation of a KPI against its target and warning) or leaves out (handoff
health, which needs ticket data).

Example
-------
>>> MapMetrics(
...     kpi_status={"csat-help": KpiStatus(status="warning", value=76.0, label="CSAT 76 % (target 80)")},
...     handoff_health={"h-resolve-follow": HandoffHealth(within_sla_share=0.62, weak=True,
...                                                       label="62 % within SLA")},
... )  # doctest: +ELLIPSIS
MapMetrics(...)

In a notebook a plain dict of the same shape works too (:func:`as_map_metrics` reads it once):
``{"kpi_status": {kpi_id: {"status": "ok", "value": 81.0, "label": "..."}}, "handoff_health":
{handoff_id: {"within_sla_share": 0.9, "weak": False, "label": "..."}}}``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from cjmkit.errors import CjmError

if TYPE_CHECKING:  # the model imports this module for Status: no import back at run time
    from cjmkit.model import MeasuredJourney

Status = Literal["ok", "warning", "bad", "few", "none"]
"""The traffic light of a KPI value: on target, at its warning level, off target, from too few
answers to judge (a survey score from fewer than ``cjmkit.model.MIN_ANSWERS``), or ``"none"``:
no target to judge against or no value (the one spelling of "no status", in the model, the
metrics tables and the map)."""
STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass(frozen=True)
class StatusWords:
    """How one status is written, never by colour alone.

    Attributes
    ----------
    word
        On a badge and in the tables: ``"OK"``.
    symbol
        Beside the word on a badge: ``"✓"``.
    phrase
        In a sentence: ``"3 on target"``.
    """

    word: str
    symbol: str
    phrase: str


STATUS_WORDS: dict[Status, StatusWords] = {
    "ok": StatusWords("OK", "✓", "on target"),
    "warning": StatusWords("Warning", "!", "warning"),
    "bad": StatusWords("Bad", "✗", "off target"),
    "few": StatusWords("Too few answers", "?", "too few answers"),
    "none": StatusWords("No target", "·", "no target or data"),
}
"""The words of every status: the one table the metrics tables, the map, its pages and its
exports write them from."""


def as_status(value: object, where: str = "status") -> Status:
    """Read a status written by a person or a file (any case).

    Raises
    ------
    CjmError
        Naming ``where`` when ``value`` is not one of :data:`STATUSES`.
    """
    text = str(value).strip().lower()
    for status in STATUSES:
        if text == status:
            return status
    raise CjmError(f"{where} must be one of {', '.join(STATUSES)}, got {value!r}")


@dataclass(frozen=True)
class KpiStatus:
    """The traffic light of one KPI.

    Attributes
    ----------
    status
        One of :data:`STATUSES`.
    value
        The value shown on the badge (usually the latest period), or None.
    label
        Optional text replacing the badge's default wording (value vs target).
    """

    status: Status
    value: float | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            as_status(self.status, "a KPI's status")


@dataclass(frozen=True)
class HandoffHealth:
    """How well one handoff keeps its SLA.

    Attributes
    ----------
    within_sla_share
        Share (0…1) of handoffs that happened within the SLA, or None when unknown.
    weak
        True when the handoff should be highlighted as a problem on the map.
    label
        Optional short text shown under the SLA on the arrow, e.g. ``"62 % within SLA"``.
    resolved
        Resolved tickets counted, or None when unknown.
    fell_through
        Customers never followed up, or None when unknown.
    median_hours
        Median time from resolution to follow-up, in hours, or None.
    """

    within_sla_share: float | None = None
    weak: bool = False
    label: str = ""
    resolved: int | None = None
    fell_through: int | None = None
    median_hours: float | None = None


@dataclass(frozen=True)
class MapMetrics:
    """Measured figures shown on the map, keyed by KPI id and handoff id.

    ``measured`` is the journey as measured from an event log
    (:func:`cjmkit.metrics.measure_journey`); when None, the map's own
    ``journey.event_log.measured`` is drawn, if it has one.
    """

    kpi_status: dict[str, KpiStatus] = field(default_factory=dict)
    handoff_health: dict[str, HandoffHealth] = field(default_factory=dict)
    measured: MeasuredJourney | None = None


def as_map_metrics(metrics: MapMetrics | Mapping[str, Any] | None) -> MapMetrics:
    """Accept a :class:`MapMetrics` (as it is), a dict of the same shape (read once), or None.

    Raises
    ------
    CjmError
        When a status is not one of :data:`STATUSES`, or the shape is wrong.
    """
    if metrics is None:
        return MapMetrics()
    if isinstance(metrics, MapMetrics):
        return metrics
    if not isinstance(metrics, Mapping):
        raise CjmError(f"map metrics must be a MapMetrics or a dict, not a {type(metrics).__name__}")
    kpis = {str(k): _kpi_status(k, v) for k, v in _mapping(metrics, "kpi_status").items()}
    handoffs = {str(k): _handoff_health(k, v) for k, v in _mapping(metrics, "handoff_health").items()}
    return MapMetrics(kpi_status=kpis, handoff_health=handoffs, measured=_measured(metrics.get("measured")))


def _mapping(metrics: Mapping[str, Any], key: str) -> Mapping[Any, Any]:
    part = metrics.get(key) or {}
    if not isinstance(part, Mapping):
        raise CjmError(f"map metrics {key} must be a dict keyed by id, not {part!r}")
    return part


def _kpi_status(kpi_id: object, value: object) -> KpiStatus:
    if isinstance(value, KpiStatus):
        return value
    if not isinstance(value, Mapping):
        raise CjmError(f"map metrics kpi_status[{kpi_id!r}] must be a dict with a status, not {value!r}")
    return KpiStatus(
        status=as_status(value.get("status", "none"), f"map metrics kpi_status[{kpi_id!r}].status"),
        value=_number(value.get("value"), f"map metrics kpi_status[{kpi_id!r}].value"),
        label=str(value.get("label") or ""),
    )


def _handoff_health(handoff_id: object, value: object) -> HandoffHealth:
    if isinstance(value, HandoffHealth):
        return value
    if not isinstance(value, Mapping):
        raise CjmError(f"map metrics handoff_health[{handoff_id!r}] must be a dict, not {value!r}")
    where = f"map metrics handoff_health[{handoff_id!r}]"
    figures = {
        key: _number(value.get(key), f"{where}.{key}")
        for key in ("within_sla_share", "resolved", "fell_through", "median_hours")
    }
    resolved, fell_through = figures["resolved"], figures["fell_through"]
    return HandoffHealth(
        within_sla_share=figures["within_sla_share"],
        weak=bool(value.get("weak", False)),
        label=str(value.get("label") or ""),
        resolved=None if resolved is None else int(resolved),
        fell_through=None if fell_through is None else int(fell_through),
        median_hours=figures["median_hours"],
    )


def _number(value: Any, where: str) -> float | None:
    """A figure, or None when it is missing (None, or NaN from a table)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise CjmError(f"{where} must be a number, not {value!r}") from None
    return number if math.isfinite(number) else None


def _measured(value: object) -> MeasuredJourney | None:
    if value is None:
        return None
    from pydantic import ValidationError

    from cjmkit.model import MeasuredJourney, problems_of

    if isinstance(value, MeasuredJourney):
        return value
    try:
        return MeasuredJourney.model_validate(value)
    except ValidationError as error:
        raise CjmError(f"map metrics measured: {problems_of(error)[0]}") from None
