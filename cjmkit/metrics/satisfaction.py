"""Satisfaction from survey answers: CSAT, NPS and CES, and verbatim comments.

Definitions
-----------
CSAT
    By default the **top-two-box** share: answers of 4 and 5 on a 1–5 scale, in percent
    (0…100), with a Wilson 95 % interval. ``csat="mean"`` gives the mean answer (1…5) with a
    t-interval instead.
NPS
    Share of promoters (9–10) minus share of detractors (0–6) on a 0–10 scale, × 100
    (−100…+100), with an adjusted-Wald 95 % interval.
CES
    Mean answer on the 1–7 CES 2.0 scale ("the company made it easy to handle my issue";
    7 = strongly agree, so higher is easier), with a t-interval.

Each score comes with its number of answers (``csat_n``, ``nps_n``, ``ces_n``) and its 95 %
interval (``csat_low``/``csat_high``, ...; see :mod:`cjmkit.metrics.intervals`); a group with
fewer than :data:`MIN_RESPONSES` (30) answers to any score it shows is flagged ``low_n``: read
such scores as anecdotes, not measurements. :func:`score_changes` says, period by period,
whether a score changed significantly (95 %) or shows "no clear change".

Responses come from a survey export (:func:`read_survey`, columns ``response_id, customer_id,
ticket_id, submitted_at, touchpoint, stage, persona, csat, nps, ces, comment``) or from the map's
own feedback (:func:`feedback_frame`). Comments can be attached to the map's touchpoints
(:func:`attach_comments`) and turned into opportunities (:func:`comment_to_opportunity`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.edits import Editor
from cjmkit.errors import InvalidEdit
from cjmkit.metrics.aggregate import period_start
from cjmkit.metrics.intervals import (
    change_words,
    mean_change,
    nps_change,
    nps_interval,
    proportion_change,
    t_interval,
    wilson,
)
from cjmkit.metrics.labels import label_map
from cjmkit.metrics.monitoring import MIN_RESPONSES
from cjmkit.metrics.records import read_table
from cjmkit.model import Journey, Note, slugify

SURVEY_COLUMNS = (
    "response_id", "customer_id", "ticket_id", "submitted_at", "touchpoint", "stage", "persona",
    "csat", "nps", "ces", "comment",
)  # fmt: skip
_RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


def read_survey(
    path: str | Path,
    *,
    skip_bad_rows: bool = False,
    labels: Mapping[str, str | Mapping[str, float]] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Read survey answers (see the module docstring for the columns).

    Only ``response_id`` is required; ``csat`` must be 1–5, ``nps`` 0–10 and ``ces`` 1–7 when
    given. Returns the columns of :data:`SURVEY_COLUMNS`, ``submitted_at`` as a UTC datetime64
    and the scores as float (NaN when not answered).

    Parameters
    ----------
    labels
        Score column → answer labels, for answers exported as words: a ready map's name
        (``{"csat": "satisfaction-5", "ces": "agreement-7", "nps": "nps"}``, see
        :mod:`cjmkit.metrics.labels`) or a mapping ``{"Very satisfied": 5, ...}``.
    options
        For :func:`cjmkit.metrics.records.read_table`: ``columns`` (role → the export's name, e.g.
        ``{"csat": "How satisfied were you?"}``), ``header_rows`` (2 or 3 in many survey tools'
        exports), ``date_format``, ``dayfirst``, ``timezone``.
    """
    maps = {role: label_map(spec) for role, spec in (labels or {}).items()}
    return read_table(
        path,
        ["response_id"],
        [c for c in SURVEY_COLUMNS if c != "response_id"],
        dates=["submitted_at"],
        numbers=dict(_RANGES),
        skip_bad_rows=skip_bad_rows,
        labels=maps,
        **options,
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


CSAT_DEFINITIONS = ("top2", "mean")
"""``top2``: share of 4–5 answers in % (the default); ``mean``: mean answer 1–5."""

SCORE_COLUMNS = [
    "responses", "csat", "csat_low", "csat_high", "csat_n", "nps", "nps_low", "nps_high", "nps_n",
    "ces", "ces_low", "ces_high", "ces_n", "low_n",
]  # fmt: skip
"""The columns :func:`scores` adds after the group columns (and ``period``)."""


def _answer_sums(
    responses: pd.DataFrame, keys: list[str], period: str | None, journey: Journey | None
) -> pd.DataFrame:
    """Per group: counts and sums of the answers, from which every score and interval follows."""
    frame = _with_stage(responses, journey)
    work = pd.DataFrame(index=frame.index)
    for key in keys:
        work[key] = frame[key].fillna("").astype(str)
    group = list(keys)
    if period is not None:
        work["period"] = period_start(pd.to_datetime(frame["submitted_at"]).to_numpy(), period)
        group.append("period")
    csat, nps, ces = (frame[c].astype("float64") for c in ("csat", "nps", "ces"))
    work["csat"] = csat
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
    sums = pd.DataFrame(
        {
            "responses": grouped.size(),
            "csat_top": grouped["csat_top"].sum(),
            "csat_mean": grouped["csat"].mean(),
            "csat_sd": grouped["csat"].std(ddof=1),
            "csat_n": grouped["csat"].count(),
            "promoters": grouped["promoter"].sum(),
            "detractors": grouped["detractor"].sum(),
            "nps_n": grouped["promoter"].count(),
            "ces": grouped["ces"].mean(),
            "ces_sd": grouped["ces"].std(ddof=1),
            "ces_n": grouped["ces"].count(),
        }
    ).reset_index()
    if group == ["all"]:
        sums = sums.drop(columns="all")
    return sums


def _scored(sums: pd.DataFrame, csat: str) -> pd.DataFrame:
    """The scores and their 95 % intervals from :func:`_answer_sums`."""
    out = sums.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        if csat == "mean":
            out["csat"] = out["csat_mean"]
            out["csat_low"], out["csat_high"] = t_interval(out["csat"], out["csat_sd"], out["csat_n"])
        else:
            out["csat"] = 100.0 * out["csat_top"] / out["csat_n"]
            low, high = wilson(out["csat_top"], out["csat_n"])
            out["csat_low"], out["csat_high"] = 100.0 * low, 100.0 * high
        out["nps"] = 100.0 * (out["promoters"] - out["detractors"]) / out["nps_n"]
        out["nps_low"], out["nps_high"] = nps_interval(out["promoters"], out["detractors"], out["nps_n"])
        out["ces_low"], out["ces_high"] = t_interval(out["ces"], out["ces_sd"], out["ces_n"])
    counts = out[["csat_n", "nps_n", "ces_n"]].to_numpy()
    shown = counts > 0
    out["low_n"] = ((counts < MIN_RESPONSES) & shown).any(axis=1) | ~shown.any(axis=1)
    for column in ("responses", "csat_n", "nps_n", "ces_n"):
        out[column] = out[column].astype("int64")
    return out


def _check_csat(csat: str) -> None:
    if csat not in CSAT_DEFINITIONS:
        raise InvalidEdit(f"csat must be one of {', '.join(CSAT_DEFINITIONS)}, not {csat!r}")


def scores(
    responses: pd.DataFrame,
    by: str | Sequence[str] = (),
    *,
    period: str | None = None,
    journey: Journey | None = None,
    csat: str = "top2",
) -> pd.DataFrame:
    """CSAT, NPS and CES per group (and per period), each with its n and 95 % interval.

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
    csat
        ``"top2"`` (default): CSAT is the share of 4–5 answers in % with a Wilson interval;
        ``"mean"``: the mean answer 1–5 with a t-interval.

    Returns
    -------
    DataFrame
        The group columns, ``period`` (when asked), ``responses``, ``csat``, ``csat_low``,
        ``csat_high`` (the 95 % interval), ``csat_n``, ``nps`` (points), ``nps_low``,
        ``nps_high``, ``nps_n``, ``ces`` (mean), ``ces_low``, ``ces_high``, ``ces_n``,
        ``low_n`` (some score shown comes from fewer than :data:`MIN_RESPONSES` answers).
        Intervals are NaN where they cannot be computed (no answers; a mean from one answer).
        Groups with an empty key are left out.
    """
    _check_csat(csat)
    keys = [by] if isinstance(by, str) else list(by)
    sums = _answer_sums(responses, keys, period, journey)
    group = [*keys, *(["period"] if period is not None else [])]
    return _scored(sums, csat)[[*group, *SCORE_COLUMNS]]


def score_changes(
    responses: pd.DataFrame,
    by: str | Sequence[str] = (),
    *,
    period: str = "month",
    journey: Journey | None = None,
    csat: str = "top2",
) -> pd.DataFrame:
    """How each score moved from one period to the next, and whether that is a real change.

    A change is called ``"better"`` or ``"worse"`` only when it is significant at 95 % (see
    :mod:`cjmkit.metrics.intervals`); otherwise it is ``"no clear change"``.

    Returns
    -------
    DataFrame
        The columns of :func:`scores` (by group and period, oldest first) plus, for each of
        ``csat``, ``nps`` and ``ces``: ``{score}_change`` (this period minus the previous one
        of the same group), ``{score}_p`` (two-sided p-value) and ``{score}_trend`` (``"better"``,
        ``"worse"``, ``"no clear change"``, ``"too few answers"`` when either period has fewer than
        :data:`MIN_RESPONSES`, or ``""`` for a group's first period).
    """
    _check_csat(csat)
    keys = [by] if isinstance(by, str) else list(by)
    sums = _answer_sums(responses, keys, period, journey)
    out = _scored(sums, csat)
    previous = out.groupby(keys, sort=False).shift(1) if keys else out.shift(1)
    out["csat_change"] = out["csat"] - previous["csat"]
    if csat == "mean":
        out["csat_p"] = mean_change(
            previous["csat"],
            previous["csat_sd"],
            previous["csat_n"],
            out["csat"],
            out["csat_sd"],
            out["csat_n"],
        )
    else:
        out["csat_p"] = proportion_change(
            previous["csat_top"], previous["csat_n"], out["csat_top"], out["csat_n"]
        )
    out["nps_change"] = out["nps"] - previous["nps"]
    out["nps_p"] = nps_change(
        previous["promoters"], previous["detractors"], previous["nps_n"],
        out["promoters"], out["detractors"], out["nps_n"],
    )  # fmt: skip
    out["ces_change"] = out["ces"] - previous["ces"]
    out["ces_p"] = mean_change(
        previous["ces"], previous["ces_sd"], previous["ces_n"], out["ces"], out["ces_sd"], out["ces_n"]
    )
    for score in ("csat", "nps", "ces"):
        few = (out[f"{score}_n"] < MIN_RESPONSES) | (previous[f"{score}_n"] < MIN_RESPONSES)
        words = [change_words(c, p) for c, p in zip(out[f"{score}_change"], out[f"{score}_p"], strict=True)]
        out[f"{score}_trend"] = np.where(few & previous[f"{score}_n"].notna(), "too few answers", words)
    extra = [f"{score}_{part}" for score in ("csat", "nps", "ces") for part in ("change", "p", "trend")]
    return out[[*keys, "period", *SCORE_COLUMNS, *extra]].reset_index(drop=True)


def stage_scores(responses: pd.DataFrame, journey: Journey, *, csat: str = "top2") -> pd.DataFrame:
    """Scores per stage of the map, in stage order, every stage present (NaN when unanswered).

    Returns the columns of :func:`scores` plus ``name`` (the stage's name).
    """
    found = scores(responses, "stage", journey=journey, csat=csat).set_index("stage")
    rows = []
    for stage in journey.stages:
        row = found.loc[stage.id].to_dict() if stage.id in found.index else {}
        values = {column: row.get(column, np.nan) for column in SCORE_COLUMNS}
        for column in ("responses", "csat_n", "nps_n", "ces_n"):
            values[column] = int(row.get(column, 0))
        values["low_n"] = bool(row.get("low_n", True))
        rows.append({"stage": stage.id, "name": stage.name, **values})
    return pd.DataFrame(rows, columns=["stage", "name", *SCORE_COLUMNS])


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
            taken.add(str(item["id"]))
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
