"""Build the ``metrics`` argument of the journey map from the metrics frames.

The result is a plain dict in the shape :func:`cjmkit.render.metrics_input.as_map_metrics`
accepts (``{"kpi_status": {...}, "handoff_health": {...}}``), so this module needs neither
Bokeh nor the render package::

    from cjmkit.render import journey_map
    journey_map(journey, metrics=map_metrics(journey, handoffs=health))
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cjmkit.metrics.monitoring import kpi_status
from cjmkit.model import Journey

_RENDER_STATUS = {"ok": "ok", "warning": "warning", "bad": "bad", "few": "few", "unknown": "none"}


def map_metrics(
    journey: Journey,
    *,
    status: pd.DataFrame | None = None,
    handoffs: pd.DataFrame | None = None,
) -> dict[str, Any]:
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
    dict
        ``{"kpi_status": {kpi_id: {"status", "value", "label"}}, "handoff_health":
        {handoff_id: {"within_sla_share" (0…1 or None), "weak", "label", "resolved",
        "fell_through", "median_hours" (or None)}}}``.
    """
    status = kpi_status(journey) if status is None else status
    kpis: dict[str, dict[str, Any]] = {}
    for _, row in status.iterrows():
        latest = row["latest"]
        kpis[str(row["kpi"])] = {
            "status": _RENDER_STATUS[str(row["status"])],
            "value": float(latest) if np.isfinite(latest) else None,
            "label": f"{row['name']}: {row['label']}",
        }
    health: dict[str, dict[str, Any]] = {}
    if handoffs is not None:
        for _, row in handoffs.iterrows():
            share = row["within_sla_pct"]
            health[str(row["handoff"])] = {
                "within_sla_share": float(share) / 100.0 if np.isfinite(share) else None,
                "weak": bool(row["weak"]),
                "label": str(row["label"]),
                "resolved": _count(row.get("resolved")),
                "fell_through": _count(row.get("fell_through")),
                "median_hours": _number(row.get("median_hours")),
            }
    return {"kpi_status": kpis, "handoff_health": health}


def _count(value: Any) -> int | None:
    return int(value) if value is not None and np.isfinite(value) else None


def _number(value: Any) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None
