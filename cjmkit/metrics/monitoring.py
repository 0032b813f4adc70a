"""Judge KPIs against their targets, follow their trends and list what needs attention.

A value is judged with the KPI's ``direction``, ``target`` and ``warning``:

* higher is better: ``value >= target`` → ``ok``; ``value >= warning`` → ``warning``; else ``bad``.
* lower is better: ``value <= target`` → ``ok``; ``value <= warning`` → ``warning``; else ``bad``.
* without a warning level, missing the target is ``bad``; without a target the status is
  ``none`` (nothing to judge against), as it is for a KPI with no observations.

The statuses and their words are those of :mod:`cjmkit.figures`, the map's too.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from cjmkit.figures import STATUS_WORDS, Status
from cjmkit.metrics.intervals import change_words, interval_change
from cjmkit.model import MIN_ANSWERS, Journey, Kpi, Observation

TREND_PERIODS = 3
LOW_STAGE_EMOTION = -1.0
"""A stage whose mean as-is emotion is at or below this is a low-scoring stage."""
LOW_STAGE_CSAT = 70.0
"""A stage whose CSAT (%) is below this is a low-scoring stage (below 50: bad), when the CSAT
comes from at least ``MIN_RESPONSES`` answers (fewer answers are anecdotes, not a warning)."""
MIN_RESPONSES = MIN_ANSWERS
"""Satisfaction scores from fewer answers than this are flagged ``low_n`` (see satisfaction), and a
KPI whose latest value comes from fewer says "too few answers" instead of a status."""


def judge(value: float | None, kpi: Kpi, n: int | None = None) -> Status:
    """Judge a value of this KPI.

    Returns ``"ok"``, ``"warning"``, ``"bad"``, ``"few"`` (from fewer than :data:`MIN_RESPONSES`
    answers) or ``"none"`` (nothing to judge against).
    """
    return kpi.judge(value, n)


def interval_text(
    value: float | None, low: float | None, high: float | None, n: int | None, unit: str = ""
) -> str:
    """``"72 % (95 %: 68 to 75 %, n=140)"``; the value alone when there is no interval."""
    text = format_value(value, unit)
    if low is None or high is None or n is None or not np.isfinite(low) or not np.isfinite(high):
        return text
    bounds = f"{format_value(low)} to {format_value(high, unit)}"
    return f"{text} (95 %: {bounds}, n={n:,})"


def format_value(value: float | None, unit: str = "") -> str:
    """A value as people read it: ``"82.5 %"``, ``"4.2 h"``, ``"1,204"``; ``"–"`` when missing."""
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 1000 or float(value).is_integer() else f"{value:,.1f}"
    if not unit:
        return text
    return f"{text} {unit}"


def _threshold_text(kpi: Kpi) -> str:
    if kpi.target is None:
        return "no target"
    sign = "≥" if kpi.direction == "higher" else "≤"
    return f"target {sign} {format_value(kpi.target, kpi.unit)}"


def observations(journey: Journey) -> pd.DataFrame:
    """Every observation of every KPI, judged.

    Returns
    -------
    DataFrame
        Columns ``kpi``, ``name``, ``touchpoint``, ``unit``, ``period`` (datetime64),
        ``value``, ``status``; ordered by KPI (document order) and period.
    """
    rows = []
    for kpi in journey.kpis:
        for obs in sorted(kpi.observations, key=lambda o: o.period):
            rows.append(
                {
                    "kpi": kpi.id,
                    "name": kpi.name,
                    "touchpoint": kpi.touchpoint,
                    "unit": kpi.unit,
                    "period": pd.Timestamp(obs.period),
                    "value": obs.value,
                    "status": judge(obs.value, kpi),
                }
            )
    columns = ["kpi", "name", "touchpoint", "unit", "period", "value", "status"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["period"] = pd.to_datetime(frame["period"])
    frame["value"] = frame["value"].astype("float64")
    return frame


def _slope(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    x = np.arange(len(values), dtype="float64")
    return float(np.polyfit(x, np.asarray(values, dtype="float64"), 1)[0])


def kpi_status(journey: Journey, trend_periods: int = TREND_PERIODS) -> pd.DataFrame:
    """The latest status of every KPI, with its trend.

    Parameters
    ----------
    journey
        The map.
    trend_periods
        How many of the latest periods the trend is fitted on.

    Returns
    -------
    DataFrame
        One row per KPI, document order, columns:

        ``kpi``, ``name``, ``touchpoint`` (id or None), ``touchpoint_name``, ``stage`` (id or None),
        ``unit``, ``direction``, ``target``, ``warning``, ``observations`` (count),
        ``latest_period`` (datetime64 or NaT), ``latest``, ``previous`` (values or NaN),
        ``latest_low``, ``latest_high``, ``latest_n`` (the latest value's 95 % interval and
        answers, for survey scores; NaN otherwise), ``change`` (latest − previous),
        ``change_p`` (the change's two-sided p-value, for survey scores), ``status`` (ok /
        warning / bad / few: from fewer than :data:`MIN_RESPONSES` answers / none),
        ``status_text`` ("OK", "Warning", "Bad", "Too few answers", "No target"),
        ``trend`` ("improving", "worsening", "steady", or "" with fewer than 2 values; judged
        with the direction; for survey scores "improving" or "worsening" only when the change
        from the previous period is significant at 95 %, else "no clear change", or "too few
        answers"), ``slope`` (change per period over the last ``trend_periods``),
        ``worsened`` (the latest value is worse than the previous one; for survey scores,
        significantly), ``label`` (e.g. ``"Bad: 62 % (95 %: 55 to 69 %, n=180) (target ≥ 80 %)"``).
    """
    rows = []
    for kpi in journey.kpis:
        observed = sorted(kpi.observations, key=lambda o: o.period)
        values = [o.value for o in observed]
        periods = [o.period for o in observed]
        last, before = (observed[-1] if observed else None), (observed[-2] if len(observed) > 1 else None)
        tp = journey.touchpoint(kpi.touchpoint) if kpi.touchpoint else None
        latest = values[-1] if values else np.nan
        previous = values[-2] if len(values) > 1 else np.nan
        answers = last.n if last is not None else None
        status = judge(latest if values else None, kpi, answers)
        last_interval, before_interval = _interval(last), _interval(before)
        sign = 1.0 if kpi.direction == "higher" else -1.0
        slope = _slope(values[-trend_periods:])
        scale = max(abs(np.mean(values[-trend_periods:])) if values else 0.0, 1e-9)
        p_value = np.nan
        if len(values) < 2:
            trend = ""
        elif last_interval is not None and before_interval is not None:
            # survey scores: a change is a change only when it is significant at 95 %
            (low_now, high_now, n_now), (low_before, high_before, n_before) = last_interval, before_interval
            if min(n_now, n_before) < MIN_RESPONSES:
                trend = "too few answers"
            else:
                p_value = float(interval_change(previous, low_before, high_before, latest, low_now, high_now))
                trend = {"better": "improving", "worse": "worsening"}.get(
                    change_words(latest - previous, p_value, kpi.direction), "no clear change"
                )
        elif abs(slope) / scale < 0.005:
            trend = "steady"
        else:
            trend = "improving" if sign * slope > 0 else "worsening"
        if np.isfinite(p_value) or trend == "too few answers":
            worsened = trend == "worsening"
        else:
            worsened = bool(len(values) > 1 and sign * (latest - previous) < 0)
        low, high, n = last_interval if last_interval is not None else (None, None, None)
        shown = interval_text(latest if values else None, low, high, n, kpi.unit)
        if status == "few":
            label = f"{STATUS_WORDS[status].word}: {format_value(latest, kpi.unit)} from {answers} answers ({_threshold_text(kpi)})"
        else:
            label = f"{STATUS_WORDS[status].word}: {shown} ({_threshold_text(kpi)})"
        rows.append(
            {
                "kpi": kpi.id,
                "name": kpi.name,
                "touchpoint": kpi.touchpoint,
                "touchpoint_name": tp.name if tp else None,
                "stage": tp.stage if tp else None,
                "unit": kpi.unit,
                "direction": kpi.direction,
                "target": np.nan if kpi.target is None else kpi.target,
                "warning": np.nan if kpi.warning is None else kpi.warning,
                "observations": len(values),
                "latest_period": pd.Timestamp(periods[-1]) if periods else pd.NaT,
                "latest": latest,
                "latest_low": np.nan if low is None else low,
                "latest_high": np.nan if high is None else high,
                "latest_n": np.nan if n is None else float(n),
                "previous": previous,
                "change": latest - previous if len(values) > 1 else np.nan,
                "change_p": p_value,
                "status": status,
                "status_text": STATUS_WORDS[status].word,
                "trend": trend,
                "slope": slope,
                "worsened": worsened,
                "label": label,
            }
        )
    columns = [
        "kpi", "name", "touchpoint", "touchpoint_name", "stage", "unit", "direction", "target", "warning",
        "observations", "latest_period", "latest", "latest_low", "latest_high", "latest_n", "previous", "change",
        "change_p", "status", "status_text", "trend", "slope", "worsened", "label",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["latest_period"] = pd.to_datetime(frame["latest_period"])
    return frame


def _interval(observation: Observation | None) -> tuple[float, float, int] | None:
    """The 95 % interval and answers of an observation (low, high, n), when it has them."""
    if observation is None or observation.low is None or observation.high is None or observation.n is None:
        return None
    return observation.low, observation.high, observation.n


def worsened(journey: Journey) -> pd.DataFrame:
    """The KPIs whose latest value is worse than the one before (rows of :func:`kpi_status`)."""
    status = kpi_status(journey)
    return status[status["worsened"]].reset_index(drop=True)


_SEVERITY_RANK = {"bad": 0, "warning": 1}


def _gap(kpi_row: pd.Series) -> float:
    """How far a KPI is from its target, relative to the target (bigger is more urgent)."""
    target, latest = kpi_row["target"], kpi_row["latest"]
    if not np.isfinite(target) or not np.isfinite(latest):
        return 0.0
    gap = (target - latest) if kpi_row["direction"] == "higher" else (latest - target)
    return float(gap / max(abs(target), 1e-9))


def warnings(
    journey: Journey,
    *,
    handoffs: pd.DataFrame | None = None,
    stages: pd.DataFrame | None = None,
    status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One list, most urgent first, of everything on the map that needs attention.

    Parameters
    ----------
    journey
        The map.
    handoffs
        The frame of :func:`cjmkit.metrics.handoff.handoff_health` (weak handoffs are listed).
    stages
        The frame of :func:`cjmkit.metrics.satisfaction.stage_scores` (stages with a low CSAT
        are listed); stages whose mean as-is emotion is at or below ``LOW_STAGE_EMOTION`` are
        listed in any case.
    status
        A :func:`kpi_status` frame, if already computed.

    Returns
    -------
    DataFrame
        Columns ``severity`` ("bad" before "warning"), ``kind`` ("kpi", "handoff", "stage"),
        ``subject`` (an id), ``name``, ``message`` (one sentence), ``score`` (bigger is more
        urgent within a severity). Sorted most urgent first.
    """
    rows: list[dict[str, object]] = []
    status = kpi_status(journey) if status is None else status
    for _, row in status.iterrows():
        if row["status"] not in _SEVERITY_RANK:
            continue
        tp_name = row["touchpoint_name"]
        where = f" at {tp_name}" if isinstance(tp_name, str) and tp_name else ""
        trend = f", {row['trend']}" if row["trend"] else ""
        rows.append(
            {
                "severity": row["status"],
                "kind": "kpi",
                "subject": row["kpi"],
                "name": row["name"],
                "message": f"KPI {row['name']}{where} is {row['label']}{trend}",
                "score": 1.0 + _gap(row) + (0.5 if row["worsened"] else 0.0),
            }
        )
    if handoffs is not None and len(handoffs):
        for _, row in handoffs[handoffs["weak"]].iterrows():
            share = row["within_sla_pct"]
            severity = "bad" if np.isfinite(share) and share < row.get("weak_below", 80.0) / 2 else "warning"
            rows.append(
                {
                    "severity": severity,
                    "kind": "handoff",
                    "subject": row["handoff"],
                    "name": row["name"],
                    "message": (
                        f"Handoff {row['name']} is weak: {format_value(share, '%')} of resolved tickets "
                        f"followed up within {format_value(row['sla_hours'], 'h')}, "
                        f"{int(row['fell_through'])} customers fell through"
                    ),
                    "score": 1.0 + (100.0 - (share if np.isfinite(share) else 0.0)) / 100.0,
                }
            )
    rows.extend(_stage_rows(journey, stages))
    frame = pd.DataFrame(rows, columns=["severity", "kind", "subject", "name", "message", "score"])
    if frame.empty:
        return frame.astype({"score": "float64"})
    frame["rank"] = frame["severity"].map(_SEVERITY_RANK)
    frame = frame.sort_values(["rank", "score"], ascending=[True, False], kind="stable")
    return frame.drop(columns="rank").reset_index(drop=True)


_NO_SCORE = pd.Series({"csat": np.nan})
"""The CSAT row of a stage without survey answers."""


def _stage_rows(journey: Journey, stages: pd.DataFrame | None) -> Iterable[dict[str, object]]:
    csat: dict[str, pd.Series] = {}
    if stages is not None and len(stages) and "csat" in stages:
        csat = {row["stage"]: row for _, row in stages.iterrows()}
    for stage in journey.stages:
        emotions = [e for tp in journey.touchpoints_in(stage=stage.id) for e in tp.emotions.values()]
        mean = float(np.mean(emotions)) if emotions else np.nan
        score = csat.get(stage.id, _NO_SCORE)
        low_csat = (
            np.isfinite(score["csat"])
            and score["csat"] < LOW_STAGE_CSAT
            and score.get("csat_n", MIN_RESPONSES) >= MIN_RESPONSES
        )
        low_emotion = np.isfinite(mean) and mean <= LOW_STAGE_EMOTION
        if not (low_csat or low_emotion):
            continue
        parts = []
        if low_csat:
            parts.append(f"CSAT {format_value(score['csat'], '%')} from {int(score['csat_n'])} answers")
        if low_emotion:
            parts.append(f"mean emotion {mean:+.1f}")
        severity = (
            "bad" if (low_csat and score["csat"] < 50) or (np.isfinite(mean) and mean <= -1.5) else "warning"
        )
        yield {
            "severity": severity,
            "kind": "stage",
            "subject": stage.id,
            "name": stage.name,
            "message": f"Stage {stage.name} scores low: " + ", ".join(parts),
            "score": 1.0 + (LOW_STAGE_CSAT - score["csat"]) / 100.0 if low_csat else 1.0 - mean / 10,
        }
