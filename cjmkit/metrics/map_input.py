"""Fill the map's measured figures (:class:`cjmkit.figures.MapMetrics`) from the metrics frames.

The result is what the map draws, typed once here, so this module needs neither Bokeh nor the
render package::

    from cjmkit.render import journey_map
    journey_map(journey, metrics=map_metrics(journey, handoffs=health))
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cjmkit.figures import HandoffHealth, KpiStatus, MapMetrics, as_status
from cjmkit.metrics.monitoring import kpi_status
from cjmkit.model import Journey


def map_metrics(
    journey: Journey,
    *,
    status: pd.DataFrame | None = None,
    handoffs: pd.DataFrame | None = None,
) -> MapMetrics:
    """The traffic light of every KPI and the health of every measured handoff.

    Parameters
    ----------
    journey
        The map.
    status
        A :func:`cjmkit.metrics.monitoring.kpi_status` frame (computed when not given).
    handoffs
        A :func:`cjmkit.metrics.handoff.handoff_health` frame (no handoff health without it).

    Returns
    -------
    MapMetrics
        A :class:`~cjmkit.figures.KpiStatus` per KPI id (its status, latest value and label) and
        a :class:`~cjmkit.figures.HandoffHealth` per measured handoff id.
    """
    status = kpi_status(journey) if status is None else status
    kpis = {
        str(row["kpi"]): KpiStatus(
            status=as_status(row["status"], f"the status of KPI {row['kpi']!r}"),
            value=_number(row["latest"]),
            label=f"{row['name']}: {row['label']}",
        )
        for _, row in status.iterrows()
    }
    health: dict[str, HandoffHealth] = {}
    if handoffs is not None:
        for _, row in handoffs.iterrows():
            share = _number(row["within_sla_pct"])
            resolved, fell_through = _number(row.get("resolved")), _number(row.get("fell_through"))
            health[str(row["handoff"])] = HandoffHealth(
                within_sla_share=None if share is None else share / 100.0,
                weak=bool(row["weak"]),
                label=str(row["label"]),
                resolved=None if resolved is None else int(resolved),
                fell_through=None if fell_through is None else int(fell_through),
                median_hours=_number(row.get("median_hours")),
            )
    return MapMetrics(kpi_status=kpis, handoff_health=health)


def _number(value: Any) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None
