"""Small journey maps and files the tests build on, written once for the whole suite.

Tests that need a particular map (many personas, hostile text, a layout to measure) still build
their own; the help desk here is the one most metrics, import and trust tests share.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from cjmkit import store
from cjmkit.model import Feedback, Handoff, Journey, Kpi, Lane, Observation, Stage, Touchpoint


def help_desk(
    *,
    kpis: Iterable[Kpi] = (),
    care: bool = False,
    feedback: Iterable[Feedback] = (),
    title: str = "Help desk",
    chat_name: str = "Chat",
) -> Journey:
    """Return the smallest map a KPI, ticket or survey needs.

    One stage ``help`` whose support lane holds the touchpoint ``chat``; with ``care``, also a
    care lane whose touchpoint ``call`` follows ``chat`` through the handoff ``h`` (SLA 24 h).
    """
    lanes = [Lane(id="support", name="Support", kind="support")]
    touchpoints = [Touchpoint(id="chat", stage="help", lane="support", name=chat_name)]
    handoffs = []
    if care:
        lanes.append(Lane(id="care", name="Care", kind="care"))
        touchpoints.append(Touchpoint(id="call", stage="help", lane="care", name="Thank-you call"))
        handoffs.append(Handoff(id="h", from_touchpoint="chat", to_touchpoint="call", sla_hours=24))
    return Journey(
        id="j",
        title=title,
        stages=[Stage(id="help", name="Help")],
        lanes=lanes,
        touchpoints=touchpoints,
        handoffs=handoffs,
        kpis=list(kpis),
        feedback=list(feedback),
    )


def named_kpis(*ids: str, **fields: object) -> list[Kpi]:
    """Return one KPI per id, named after it in capitals (``csat`` → ``CSAT``), all with ``fields``."""
    return [Kpi(id=kpi_id, name=kpi_id.upper(), **fields) for kpi_id in ids]  # type: ignore[arg-type]


def monthly(*values: float, year: int = 2024) -> list[Observation]:
    """Return observations of consecutive months from January of ``year``, one per value."""
    return [Observation(period=date(year, month, 1), value=value) for month, value in enumerate(values, 1)]


def save_map(journey: Journey, folder: Path, name: str = "map", *, force: bool = False) -> Path:
    """Save ``journey`` as ``folder/NAME.cjm.json`` and return the path."""
    path = folder / f"{name}{store.SUFFIX}"
    store.save(journey, path, force=force)
    return path


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``text`` (encoded as ``encoding``) or ``bytes`` to ``path`` and return the path."""
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path
