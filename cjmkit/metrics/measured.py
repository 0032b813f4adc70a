"""The journey as measured, kept in the map: what the viewer, published pages and exports draw.

:func:`measure_journey` turns an event log (and survey answers) into a
:class:`~cjmkit.model.MeasuredJourney`: the flows between touchpoints, how many customers reached
each touchpoint and left from it, the measured feeling there, and the events missing from the
map. :func:`refresh_event_log` re-reads the map's stored event log and keeps the result in the map
as one undoable edit (nothing when nothing changed: refreshing twice is refreshing once), so
every page shows the measured journey without access to the raw data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.edits import Editor
from cjmkit.metrics.journey_log import JourneyLog
from cjmkit.metrics.problems import ImportProblem
from cjmkit.model import Journey, MeasuredFlow, MeasuredJourney, MeasuredTouchpoint, UnmappedEvent

UNMAPPED_KEPT = 30
"""How many of the events missing from the map are kept in it (the most frequent)."""
FLOW_MIN_SHARE = 0.05
"""Flows kept in the map take at least this share of the customers' departures from a touchpoint..."""
FLOWS_KEPT = 60
"""... and at most this many of them are kept, the most travelled first (the rest: ``cjmkit journey show``)."""


def _figure(value: Any, digits: int = 4) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return None
    # first to 9 places: engines that differ in the 12th place must not round a half the other way
    return round(round(float(value), 9), digits)


def measured_emotions(survey: pd.DataFrame | None) -> pd.DataFrame:
    """The measured feeling per touchpoint from survey answers: mean CSAT (1–5) minus 3, on −2…+2.

    Returns columns ``touchpoint``, ``emotion``, ``emotion_low``, ``emotion_high`` (95 %,
    t-interval) and ``answers``.
    """
    from cjmkit.metrics.satisfaction import scores

    columns = ["touchpoint", "emotion", "emotion_low", "emotion_high", "answers"]
    if survey is None or survey.empty:
        return pd.DataFrame(columns=columns)
    found = scores(survey, "touchpoint", csat="mean")
    found = found[found["csat_n"] > 0]
    return pd.DataFrame(
        {
            "touchpoint": found["touchpoint"],
            "emotion": found["csat"] - 3.0,
            "emotion_low": (found["csat_low"] - 3.0).clip(-2.0, 2.0),
            "emotion_high": (found["csat_high"] - 3.0).clip(-2.0, 2.0),
            "answers": found["csat_n"],
        }
    )[columns].reset_index(drop=True)


def measure_journey(log: JourneyLog, survey: pd.DataFrame | None = None) -> MeasuredJourney:
    """What the map shows "as measured", from an event log and (optionally) survey answers.

    Flows are the transitions between two different touchpoints (repeats at one touchpoint are
    in the repeat-contact measure) that take at least :data:`FLOW_MIN_SHARE` of the departures
    from the first touchpoint (``share``), at most :data:`FLOWS_KEPT`, most travelled first. Touchpoints carry their reach, the customers who dropped off there, and the
    measured feeling from the survey's CSAT answers there (:func:`measured_emotions`).
    """
    moves = log.transitions()
    moves = moves[(moves["from_touchpoint"] != moves["to_touchpoint"]) & (moves["share"] >= FLOW_MIN_SHARE)]
    moves = moves.sort_values(
        ["transitions", "from_touchpoint", "to_touchpoint"], ascending=[False, True, True], kind="stable"
    ).head(FLOWS_KEPT)
    flows = [
        MeasuredFlow(
            from_touchpoint=row["from_touchpoint"],
            to_touchpoint=row["to_touchpoint"],
            transitions=int(row["transitions"]),
            customers=int(row["customers"]),
            share=min(1.0, max(0.0, _figure(row["share"]) or 0.0)),
            median_hours=_figure(row["median_hours"], 2),
            p90_hours=_figure(row["p90_hours"], 2),
        )
        for row in moves.to_dict("records")
    ]
    reach = log.reach().set_index("touchpoint")
    drops = log.dropoff().set_index("touchpoint")
    feelings = measured_emotions(survey).set_index("touchpoint")
    touchpoints = []
    for tp in log.journey.touchpoints:
        if tp.id not in reach.index and tp.id not in feelings.index:
            continue
        feeling = feelings.loc[tp.id] if tp.id in feelings.index else None
        touchpoints.append(
            MeasuredTouchpoint(
                touchpoint=tp.id,
                customers=int(reach["customers"].get(tp.id, 0)),
                events=int(reach["events"].get(tp.id, 0)),
                dropped=int(drops["dropped"].get(tp.id, 0)) if len(drops) else 0,
                emotion=_figure(feeling["emotion"], 3) if feeling is not None else None,
                emotion_low=_figure(feeling["emotion_low"], 3) if feeling is not None else None,
                emotion_high=_figure(feeling["emotion_high"], 3) if feeling is not None else None,
                answers=int(feeling["answers"]) if feeling is not None else 0,
            )
        )
    missing = log.unmapped().head(UNMAPPED_KEPT)
    customers, events = log.totals()
    as_of = log.as_of()
    return MeasuredJourney(
        as_of=None if pd.isna(as_of) else pd.Timestamp(as_of).to_pydatetime().replace(microsecond=0),
        customers=customers,
        events=events,
        flows=flows,
        touchpoints=touchpoints,
        unmapped=[
            UnmappedEvent(event=str(row["event"]), events=int(row["events"]), customers=int(row["customers"]))
            for row in missing.to_dict("records")
        ],
    )


@dataclass
class RefreshReport:
    """What :func:`refresh_event_log` did."""

    changed: bool = False
    customers: int = 0
    events: int = 0
    flows: int = 0
    unmapped: int = 0
    unreached: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence: what was measured and whether the map changed."""
        what = (
            f"{_count(self.events, 'event')} of {_count(self.customers, 'customer')}, "
            f"{_count(self.flows, 'flow')} between touchpoints, "
            f"{_count(self.unmapped, 'kind', 'kinds')} of events missing from the map, "
            f"{_count(len(self.unreached), 'touchpoint')} nobody reached"
        )
        return what + ("" if self.changed else "; nothing changed")


def survey_for(journey: Journey, map_dir: str | Path | None) -> pd.DataFrame | None:
    """The survey answers for the measured feeling: the event log's ``survey`` file, else the map's feedback."""
    from cjmkit.metrics.satisfaction import feedback_frame, read_survey
    from cjmkit.metrics.sources import resolve_location

    stored = journey.event_log.survey if journey.event_log else None
    if stored:
        return read_survey(resolve_location(stored, map_dir))
    frame = feedback_frame(journey)
    return frame if frame["csat"].notna().any() else None


def refresh_event_log(
    editor: Editor, map_dir: str | Path | None, *, engine: str = "auto", map_name: str = "MAP"
) -> RefreshReport:
    """Measure the map's stored event log again and keep the result in the map (one undoable edit).

    A stored source that runs SQL, connects to a database or reads environment variables is
    refused until the person on this machine trusted it (:mod:`cjmkit.trust`; ``map_name`` is
    named in the sentence that says how).

    Raises
    ------
    ImportProblem
        When the map has no event log source, or it cannot be read; the map is unchanged.
    cjmkit.trust.UntrustedSource
        When the source needs trust and has none here; nothing was read.
    """
    from cjmkit import trust

    journey = editor.journey
    if journey.event_log is None or journey.event_log.source is None:
        raise ImportProblem(
            "this map has no event log to refresh: add one with 'cjmkit journey source MAP FILE'"
        )
    trust.require_trusted(journey.event_log.source, ["the event log"], map_name)
    with JourneyLog(journey, map_dir=map_dir, engine=engine) as log:
        measured = measure_journey(log, survey_for(journey, map_dir))
        unreached = log.unreached()["touchpoint"].tolist()
        notes = list(log.notes)
    report = RefreshReport(
        customers=measured.customers,
        events=measured.events,
        flows=len(measured.flows),
        unmapped=len(measured.unmapped),
        unreached=unreached,
        notes=notes,
    )
    if journey.event_log.measured != measured:
        editor.set_journey(event_log=journey.event_log.model_copy(update={"measured": measured}))
        report.changed = True
    return report


def flows_frame(measured: MeasuredJourney | None) -> pd.DataFrame:
    """The stored flows as a table (for exports): from, to, transitions, customers, share, times."""
    columns = [
        "from_touchpoint",
        "to_touchpoint",
        "transitions",
        "customers",
        "share",
        "median_hours",
        "p90_hours",
    ]
    rows = [flow.model_dump(include=set(columns)) for flow in (measured.flows if measured else [])]
    frame = pd.DataFrame(rows, columns=columns)
    return (
        frame.astype({"median_hours": "float64", "p90_hours": "float64"}).replace({np.nan: None})
        if rows
        else frame
    )


def _count(number: int, one: str, many: str | None = None) -> str:
    """``1 flow``, ``2 flows``, ``1,397 customers``."""
    return f"{number:,} {one if number == 1 else many or one + 's'}"
