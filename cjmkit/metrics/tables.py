"""A map as tables (touchpoints, handoffs, KPIs, observations, feedback), safe for spreadsheets.

:func:`map_tables` flattens a journey into DataFrames; :func:`write_csv` and :func:`write_xlsx`
write them atomically (a temp file, then a rename: never half a file). Text cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return) get a leading ``'`` (:func:`neutralise`); numbers stay numbers, and text that is just a
number (``"-3"``) is left alone because a spreadsheet reads it as that number, nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from cjmkit.atomic import write_atomic
from cjmkit.metrics.monitoring import judge, kpi_status
from cjmkit.model import Journey

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise_text(value: object) -> object:
    """Prefix ``'`` to a text that a spreadsheet would treat as a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell passed through :func:`neutralise_text`."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.map(neutralise_text).astype(object)
    return out


def _joined(items: list[str]) -> str:
    return "; ".join(items)


def map_tables(journey: Journey) -> dict[str, pd.DataFrame]:
    """The map as tables: ``touchpoints``, ``handoffs``, ``kpis``, ``observations``, ``feedback``.

    Returns
    -------
    dict of str to DataFrame
        ``touchpoints``: id, name, stage, stage_name, lane, lane_name, lane_kind, channel, owner,
        description, personas, emotions ("maya: -1; dan: 0"), pain_points, opportunities
        (texts with votes). ``handoffs``: id, from_touchpoint, to_touchpoint, trigger,
        sla_hours, from_owner, to_owner. ``kpis``: id, name, touchpoint, unit, direction,
        target, warning, frequency, latest_period, latest, status, trend, source.
        ``observations``: kpi, period, value, low, high (its 95 % interval), n (answers), status. ``feedback``: id, touchpoint, stage,
        persona, received, csat, nps, ces, comment, source.
    """
    stages = {s.id: s for s in journey.stages}
    lanes = {lane.id: lane for lane in journey.lanes}
    touchpoints = pd.DataFrame(
        [
            {
                "id": tp.id,
                "name": tp.name,
                "stage": tp.stage,
                "stage_name": stages[tp.stage].name if tp.stage in stages else "",
                "lane": tp.lane,
                "lane_name": lanes[tp.lane].name if tp.lane in lanes else "",
                "lane_kind": lanes[tp.lane].kind if tp.lane in lanes else "",
                "channel": tp.channel,
                "owner": tp.owner,
                "description": tp.description,
                "personas": _joined(tp.personas),
                "emotions": _joined([f"{p}: {e:+d}" for p, e in tp.emotions.items()]),
                "pain_points": _joined([f"{n.text} ({n.votes})" for n in tp.pain_points]),
                "opportunities": _joined([f"{n.text} ({n.votes})" for n in tp.opportunities]),
            }
            for tp in journey.touchpoints
        ],
        columns=[
            "id", "name", "stage", "stage_name", "lane", "lane_name", "lane_kind", "channel", "owner",
            "description", "personas", "emotions", "pain_points", "opportunities",
        ],
    )  # fmt: skip
    handoffs = pd.DataFrame(
        [h.model_dump(include={"id", "from_touchpoint", "to_touchpoint", "trigger", "sla_hours", "from_owner", "to_owner"}) for h in journey.handoffs],
        columns=["id", "from_touchpoint", "to_touchpoint", "trigger", "sla_hours", "from_owner", "to_owner"],
    )  # fmt: skip
    status = kpi_status(journey).set_index("kpi") if journey.kpis else None
    kpis = pd.DataFrame(
        [
            {
                "id": k.id,
                "name": k.name,
                "touchpoint": k.touchpoint or "",
                "unit": k.unit,
                "direction": k.direction,
                "target": np.nan if k.target is None else k.target,
                "warning": np.nan if k.warning is None else k.warning,
                "frequency": k.frequency,
                "latest_period": status.loc[k.id, "latest_period"].date() if status is not None and pd.notna(status.loc[k.id, "latest_period"]) else None,
                "latest": status.loc[k.id, "latest"] if status is not None else np.nan,
                "status": status.loc[k.id, "status"] if status is not None else "",
                "trend": status.loc[k.id, "trend"] if status is not None else "",
                "source": k.source.location if k.source else "",
            }
            for k in journey.kpis
        ],
        columns=["id", "name", "touchpoint", "unit", "direction", "target", "warning", "frequency", "latest_period", "latest", "status", "trend", "source"],
    )  # fmt: skip
    observations = pd.DataFrame(
        [
            {
                "kpi": k.id,
                "period": o.period,
                "value": o.value,
                "low": np.nan if o.low is None else o.low,
                "high": np.nan if o.high is None else o.high,
                "n": o.n,
                "status": judge(o.value, k, o.n),
            }
            for k in journey.kpis
            for o in sorted(k.observations, key=lambda o: o.period)
        ],
        columns=["kpi", "period", "value", "low", "high", "n", "status"],
    )
    feedback = pd.DataFrame(
        [
            {
                "id": f.id,
                "touchpoint": f.touchpoint or "",
                "stage": f.stage or "",
                "persona": f.persona or "",
                "received": f.received,
                "csat": f.csat,
                "nps": f.nps,
                "ces": f.ces,
                "comment": f.comment,
                "source": f.source,
            }
            for f in journey.feedback
        ],
        columns=[
            "id",
            "touchpoint",
            "stage",
            "persona",
            "received",
            "csat",
            "nps",
            "ces",
            "comment",
            "source",
        ],
    )
    for column in ("csat", "nps", "ces"):
        feedback[column] = feedback[column].astype("Int64")
    for frame, column in ((observations, "value"), (kpis, "target"), (kpis, "warning"), (kpis, "latest")):
        frame[column] = frame[column].astype("float64")
    return {
        "touchpoints": touchpoints,
        "handoffs": handoffs,
        "kpis": kpis,
        "observations": observations,
        "feedback": feedback,
    }


def _csv_writer(frame: pd.DataFrame) -> Callable[[BinaryIO], None]:
    def write(file: BinaryIO) -> None:
        frame.to_csv(file, index=False, encoding="utf-8-sig")  # with a BOM, so Excel reads accents

    return write


def write_csv(tables: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write each table as ``NAME.csv`` (UTF-8 with BOM, so Excel reads accents) into ``folder``.

    Raises
    ------
    StorageError
        When the folder cannot be written.
    """
    folder = Path(folder)
    written = []
    for name, frame in tables.items():
        path = folder / f"{name}.csv"
        write_atomic(path, _csv_writer(neutralise(frame)))
        written.append(path)
    return written


def write_xlsx(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write the tables as sheets of one Excel workbook (numbers as numeric cells).

    Raises
    ------
    StorageError
        When the file cannot be written.
    """
    path = Path(path)

    def write(file: BinaryIO) -> None:
        with pd.ExcelWriter(file, engine="openpyxl") as writer:
            for name, frame in tables.items():
                neutralise(frame).to_excel(writer, sheet_name=name[:31], index=False)

    return write_atomic(path, write)
