"""Satisfaction from survey answers: CSAT, NPS and CES, and verbatim comments.

Definitions
-----------
CSAT
    Share of 4 and 5 answers on a 1–5 scale, in percent (0…100).
NPS
    Share of promoters (9–10) minus share of detractors (0–6) on a 0–10 scale, × 100
    (−100…+100).
CES
    Mean answer on the 1–7 CES 2.0 scale ("the company made it easy to handle my issue";
    7 = strongly agree, so higher is easier).

Each score comes with its number of answers (``csat_n``, ``nps_n``, ``ces_n``); a group with
fewer than :data:`MIN_RESPONSES` (30) answers to any score it shows is flagged ``low_n``: read
such scores as anecdotes, not measurements.

Responses come from a survey export (:func:`read_survey`, columns ``response_id, customer_id,
ticket_id, submitted_at, touchpoint, stage, persona, csat, nps, ces, comment``) or from the map's
own feedback (:func:`feedback_frame`). Comments can be attached to the map's touchpoints
(:func:`attach_comments`) and turned into opportunities (:func:`comment_to_opportunity`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cjmkit.edits import Editor
from cjmkit.errors import InvalidEdit
from cjmkit.metrics.aggregate import period_start
from cjmkit.metrics.files import read_table
from cjmkit.metrics.monitoring import MIN_RESPONSES
from cjmkit.model import Journey, Note, slugify

SURVEY_COLUMNS = (
    "response_id", "customer_id", "ticket_id", "submitted_at", "touchpoint", "stage", "persona",
    "csat", "nps", "ces", "comment",
)  # fmt: skip
_RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


def read_survey(path: str | Path, *, skip_bad_rows: bool = False) -> pd.DataFrame:
    """Read survey answers (see the module docstring for the columns).

    Only ``response_id`` is required; ``csat`` must be 1–5, ``nps`` 0–10 and ``ces`` 1–7 when
    given. Returns the columns of :data:`SURVEY_COLUMNS`, ``submitted_at`` as datetime64 and
    the scores as float (NaN when not answered).
    """
    return read_table(
        path,
        ["response_id"],
        [c for c in SURVEY_COLUMNS if c != "response_id"],
        dates=["submitted_at"],
        numbers=dict(_RANGES),
        skip_bad_rows=skip_bad_rows,
    )


def feedback_frame(journey: Journey) -> pd.DataFrame:
    """The map's own feedback as a survey frame (columns of :data:`SURVEY_COLUMNS`)."""
    rows = [
        {
            "response_id": f.id,
            "customer_id": "",
            "ticket_id": "",
            "submitted_at": pd.Timestamp(f.received) if f.received else pd.NaT,
            "touchpoint": f.touchpoint or "",
            "stage": f.stage or "",
            "persona": f.persona or "",
            "csat": np.nan if f.csat is None else float(f.csat),
            "nps": np.nan if f.nps is None else float(f.nps),
            "ces": np.nan if f.ces is None else float(f.ces),
            "comment": f.comment,
        }
        for f in journey.feedback
    ]
    frame = pd.DataFrame(rows, columns=list(SURVEY_COLUMNS))
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    for column in ("csat", "nps", "ces"):
        frame[column] = frame[column].astype("float64")
    return frame


def _with_stage(responses: pd.DataFrame, journey: Journey | None) -> pd.DataFrame:
    """Fill an empty stage from the touchpoint's stage on the map."""
    if journey is None or "touchpoint" not in responses:
        return responses
    stage_of = {tp.id: tp.stage for tp in journey.touchpoints}
    stage = (
        responses["stage"].fillna("").astype(str)
        if "stage" in responses
        else pd.Series("", index=responses.index)
    )
    from_tp = responses["touchpoint"].map(stage_of).fillna("")
    return responses.assign(stage=stage.where(stage != "", from_tp))


def scores(
    responses: pd.DataFrame,
    by: str | Sequence[str] = (),
    *,
    period: str | None = None,
    journey: Journey | None = None,
) -> pd.DataFrame:
    """CSAT, NPS and CES per group (and per period).

    Parameters
    ----------
    responses
        A survey frame (:func:`read_survey` or :func:`feedback_frame`).
    by
        Column(s) to group by: ``"touchpoint"``, ``"stage"``, ``"persona"`` (none: overall).
    period
        ``"day"``, ``"week"`` or ``"month"``: also group by the period of ``submitted_at``.
    journey
        When given, an empty stage is taken from the response's touchpoint on the map.

    Returns
    -------
    DataFrame
        The group columns, ``period`` (when asked), ``responses``, ``csat`` (%), ``csat_n``,
        ``nps`` (points), ``nps_n``, ``ces`` (mean), ``ces_n``, ``low_n`` (some score shown
        comes from fewer than :data:`MIN_RESPONSES` answers). Groups with an empty key
        are left out.
    """
    keys = [by] if isinstance(by, str) else list(by)
    frame = _with_stage(responses, journey)
    work = pd.DataFrame(index=frame.index)
    for key in keys:
        work[key] = frame[key].fillna("").astype(str)
    group = list(keys)
    if period is not None:
        work["period"] = period_start(pd.to_datetime(frame["submitted_at"]).to_numpy(), period)
        group.append("period")
    csat, nps, ces = (frame[c].astype("float64") for c in ("csat", "nps", "ces"))
    work["csat_top"] = (csat >= 4).astype("float64").where(csat.notna())
    work["promoter"] = (nps >= 9).astype("float64").where(nps.notna())
    work["detractor"] = (nps <= 6).astype("float64").where(nps.notna())
    work["ces"] = ces
    for key in keys:
        work = work[work[key] != ""]
    if period is not None:
        work = work[work["period"].notna()]
    if not group:
        work["all"] = "all"
        group = ["all"]
    grouped = work.groupby(group, sort=True)
    out = pd.DataFrame(
        {
            "responses": grouped.size(),
            "csat": grouped["csat_top"].mean() * 100.0,
            "csat_n": grouped["csat_top"].count(),
            "nps": (grouped["promoter"].mean() - grouped["detractor"].mean()) * 100.0,
            "nps_n": grouped["promoter"].count(),
            "ces": grouped["ces"].mean(),
            "ces_n": grouped["ces"].count(),
        }
    ).reset_index()
    if group == ["all"]:
        out = out.drop(columns="all")
    counts = out[["csat_n", "nps_n", "ces_n"]].to_numpy()
    shown = counts > 0
    out["low_n"] = ((counts < MIN_RESPONSES) & shown).any(axis=1) | ~shown.any(axis=1)
    for column in ("responses", "csat_n", "nps_n", "ces_n"):
        out[column] = out[column].astype("int64")
    return out


def stage_scores(responses: pd.DataFrame, journey: Journey) -> pd.DataFrame:
    """Scores per stage of the map, in stage order, every stage present (NaN when unanswered).

    Returns the columns of :func:`scores` plus ``name`` (the stage's name).
    """
    found = scores(responses, "stage", journey=journey).set_index("stage")
    rows = []
    for stage in journey.stages:
        row = found.loc[stage.id].to_dict() if stage.id in found.index else {}
        rows.append(
            {
                "stage": stage.id,
                "name": stage.name,
                "responses": int(row.get("responses", 0)),
                "csat": row.get("csat", np.nan),
                "csat_n": int(row.get("csat_n", 0)),
                "nps": row.get("nps", np.nan),
                "nps_n": int(row.get("nps_n", 0)),
                "ces": row.get("ces", np.nan),
                "ces_n": int(row.get("ces_n", 0)),
                "low_n": bool(row.get("low_n", True)),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["stage", "name", "responses", "csat", "csat_n", "nps", "nps_n", "ces", "ces_n", "low_n"],
    )


def comments(responses: pd.DataFrame, touchpoint: str | None = None) -> pd.DataFrame:
    """The verbatim comments, newest first.

    Returns columns ``response_id``, ``touchpoint``, ``stage``, ``persona``, ``submitted_at``,
    ``csat``, ``nps``, ``ces``, ``comment``.
    """
    frame = responses[responses["comment"].fillna("").astype(str).str.strip() != ""]
    if touchpoint is not None:
        frame = frame[frame["touchpoint"] == touchpoint]
    columns = [
        "response_id",
        "touchpoint",
        "stage",
        "persona",
        "submitted_at",
        "csat",
        "nps",
        "ces",
        "comment",
    ]
    return frame.sort_values("submitted_at", ascending=False, na_position="last")[columns].reset_index(
        drop=True
    )


def _feedback_id(response_id: str, taken: set[str]) -> str:
    base = slugify(f"r-{response_id}") or "response"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def attach_comments(editor: Editor, responses: pd.DataFrame, *, source: str = "survey") -> int:
    """Add the responses that carry a comment to the map as feedback, in one undoable step.

    References to touchpoints, stages or personas the map does not have are dropped (the
    comment is kept). A response already on the map (same feedback id) is not added twice.

    Returns
    -------
    int
        How many feedback items were added.
    """
    journey = editor.journey
    tps = {tp.id for tp in journey.touchpoints}
    stages = {s.id for s in journey.stages}
    personas = {p.id for p in journey.personas}
    existing = {f.id for f in journey.feedback}
    taken = set(existing)
    added = 0
    with editor.batch("Attach survey comments"):
        for _, row in comments(responses).iloc[::-1].iterrows():
            base = slugify(f"r-{row['response_id']}") or "response"
            if base in existing:
                continue
            item = {
                "id": _feedback_id(str(row["response_id"]), taken),
                "touchpoint": row["touchpoint"] if row["touchpoint"] in tps else None,
                "stage": row["stage"] if row["stage"] in stages else None,
                "persona": row["persona"] if row["persona"] in personas else None,
                "received": row["submitted_at"].date() if pd.notna(row["submitted_at"]) else None,
                "comment": str(row["comment"]),
                "source": source,
            }
            for score in ("csat", "nps", "ces"):
                item[score] = int(row[score]) if pd.notna(row[score]) else None
            taken.add(item["id"])
            editor.add("feedback", item)
            added += 1
    return added


def comment_to_opportunity(editor: Editor, feedback_id: str, text: str | None = None) -> Note:
    """Turn a feedback comment into an opportunity on its touchpoint (one undoable edit).

    Parameters
    ----------
    feedback_id
        The feedback item on the map.
    text
        The opportunity's wording (default: the comment, shortened to 120 characters).

    Raises
    ------
    cjmkit.errors.InvalidEdit
        When there is no such feedback or it is not linked to a touchpoint.
    """
    item = editor.journey.find("feedback", feedback_id)
    if item is None:
        raise InvalidEdit(f"there is no feedback item with the id {feedback_id!r}")
    if not item.touchpoint:  # type: ignore[attr-defined]
        raise InvalidEdit(
            f"feedback {feedback_id!r} is not linked to a touchpoint, so it cannot become an opportunity there"
        )
    wording = text if text is not None else str(item.comment).strip()  # type: ignore[attr-defined]
    if len(wording) > 120:
        wording = wording[:119].rstrip() + "…"
    return editor.add_note(item.touchpoint, "opportunities", wording)  # type: ignore[attr-defined]
