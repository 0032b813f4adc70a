"""The map's own stand-in for figures nobody measured: a KPI's latest observation against its target.

The measured figures themselves (:class:`~cjmkit.figures.MapMetrics`) are defined beside the
model, in :mod:`cjmkit.figures`, and filled by :func:`cjmkit.metrics.map_metrics`.
"""

from __future__ import annotations

from cjmkit.figures import KpiStatus
from cjmkit.model import Kpi


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
    return KpiStatus(status=status, value=latest.value, label=label)
