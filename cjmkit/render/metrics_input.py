"""What the map accepts as measured figures (the ``metrics`` argument of the map).

Pure Python, so :mod:`cjmkit.metrics` can fill it without knowing Bokeh. Every part is
optional: whatever is missing, the map computes a simple stand-in from the journey itself
(the latest observation of a KPI against its target and warning) or leaves out (handoff
health, which needs ticket data).

Example
-------
>>> MapMetrics(
...     kpi_status={"csat-help": KpiStatus(status="warning", value=76.0, label="CSAT 76 % (target 80)")},
...     handoff_health={"h-resolve-follow": HandoffHealth(within_sla_share=0.62, weak=True,
...                                                       label="62 % within SLA")},
... )  # doctest: +ELLIPSIS
MapMetrics(...)

A plain dict of the same shape works too: ``{"kpi_status": {kpi_id: {"status": "ok",
"value": 81.0, "label": "..."}}, "handoff_health": {handoff_id: {"within_sla_share": 0.9,
"weak": False, "label": "..."}}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cjmkit.errors import CjmError
from cjmkit.model import Kpi, MeasuredJourney

Status = Literal["ok", "warning", "bad", "few", "none"]
STATUSES: tuple[str, ...] = ("ok", "warning", "bad", "few", "none")


@dataclass(frozen=True)
class KpiStatus:
    """The traffic light of one KPI.

    Attributes
    ----------
    status
        ``"ok"``, ``"warning"``, ``"bad"``, ``"few"`` (too few answers to judge), or ``"none"``
        (no target or no data).
    value
        The value shown on the badge (usually the latest period), or None.
    label
        Optional text replacing the badge's default wording (value vs target).
    """

    status: Status
    value: float | None = None
    label: str = ""


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
    """Accept a :class:`MapMetrics`, a dict of the same shape, or None.

    Raises
    ------
    CjmError
        When a status is not one of ok / warning / bad / none, or the shape is wrong.
    """
    if metrics is None:
        return MapMetrics()
    if isinstance(metrics, MapMetrics):
        raw_kpis: Mapping[str, Any] = metrics.kpi_status
        raw_handoffs: Mapping[str, Any] = metrics.handoff_health
        measured: Any = metrics.measured
    elif isinstance(metrics, Mapping):
        raw_kpis = metrics.get("kpi_status") or {}
        raw_handoffs = metrics.get("handoff_health") or {}
        measured = metrics.get("measured")
    else:
        raise CjmError(f"map metrics must be a MapMetrics or a dict, not a {type(metrics).__name__}")
    kpis = {str(k): _kpi_status(k, v) for k, v in raw_kpis.items()}
    handoffs = {str(k): _handoff_health(k, v) for k, v in raw_handoffs.items()}
    if measured is not None and not isinstance(measured, MeasuredJourney):
        from pydantic import ValidationError

        from cjmkit.model import problems_of

        try:
            measured = MeasuredJourney.model_validate(measured)
        except ValidationError as error:
            raise CjmError(f"map metrics measured: {problems_of(error)[0]}") from None
    return MapMetrics(kpi_status=kpis, handoff_health=handoffs, measured=measured)


def _kpi_status(kpi_id: str, value: Any) -> KpiStatus:
    if isinstance(value, KpiStatus):
        status = value
    elif isinstance(value, Mapping):
        number = value.get("value")
        status = KpiStatus(
            status=str(value.get("status", "none")).lower(),  # type: ignore[arg-type]
            value=None if number is None else float(number),
            label=str(value.get("label") or ""),
        )
    else:
        raise CjmError(f"map metrics kpi_status[{kpi_id!r}] must be a dict with a status, not {value!r}")
    if status.status not in STATUSES:
        raise CjmError(
            f"map metrics kpi_status[{kpi_id!r}].status must be one of ok, warning, bad, few, none, "
            f"got {status.status!r}"
        )
    return status


def _handoff_health(handoff_id: str, value: Any) -> HandoffHealth:
    if isinstance(value, HandoffHealth):
        return value
    if isinstance(value, Mapping):
        share = value.get("within_sla_share")
        counts = {key: value.get(key) for key in ("resolved", "fell_through")}
        median = value.get("median_hours")
        return HandoffHealth(
            within_sla_share=None if share is None else float(share),
            weak=bool(value.get("weak", False)),
            label=str(value.get("label") or ""),
            resolved=None if counts["resolved"] is None else int(counts["resolved"]),
            fell_through=None if counts["fell_through"] is None else int(counts["fell_through"]),
            median_hours=None if median is None or median != median else float(median),
        )
    raise CjmError(f"map metrics handoff_health[{handoff_id!r}] must be a dict, not {value!r}")


def simple_kpi_status(kpi: Kpi) -> KpiStatus:
    """The stand-in traffic light used when no metrics are given: latest value vs thresholds.

    Higher-is-better: at or above target ok, at or above warning a warning, else bad (mirrored
    for lower-is-better). Without a warning level anything short of the target is bad. A survey
    score from too few answers is ``"few"``; one with an interval shows it in its label.
    """
    if not kpi.observations:
        return KpiStatus(status="none", value=None)
    latest = max(kpi.observations, key=lambda o: o.period)
    status = kpi.judge(latest.value, latest.n)
    label = ""
    if latest.n is not None and latest.low is not None and latest.high is not None:
        from cjmkit.render.text import number

        unit = kpi.unit if len(kpi.unit) <= 3 else ""
        label = f"{number(latest.value, unit)} (95%: {number(latest.low)} to {number(latest.high, unit)}, n={latest.n:,})"
    return KpiStatus(status="none" if status == "unknown" else status, value=latest.value, label=label)
