"""Hypothesis strategies that build valid journeys (every reference points at something).

Use ``journeys()`` in property tests; every journey it draws passes ``Journey.check()``.
Text is drawn from all of Unicode (emoji, right-to-left scripts, combining marks, control
characters) plus a few hand-picked awkward strings; entities carry unknown extra keys, which a
load/save round trip must keep.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st

from cjmkit.model import (
    LANE_KINDS,
    Feedback,
    Handoff,
    Journey,
    Kpi,
    KpiSource,
    Lane,
    Note,
    Observation,
    Persona,
    Stage,
    Touchpoint,
)

AWKWARD = [
    "😀 Kundenreise – ça marche",
    "👩🏽‍💻 Support → Care",
    "مرحبا بالعالم",
    "日本語のテキスト",
    "e\u0301 combining",
    'quotes " and \\ backslash',
    "<script>alert('x')</script>",
    "line\nbreak\ttab",
    "\u2028\u2029 separators",
    "\x00 nul",
    "=1+2",
]

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,11}", fullmatch=True)
texts = st.one_of(st.text(max_size=30), st.sampled_from(AWKWARD))
names = texts.filter(lambda text: bool(text.strip()))
short_lists = st.lists(texts, max_size=3)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | finite | texts,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=6,
)
extras = st.dictionaries(st.from_regex(r"x_[a-z_]{1,8}", fullmatch=True), json_values, max_size=2)


def _unique_ids(draw: st.DrawFn, max_size: int) -> list[str]:
    return draw(st.lists(ids, max_size=max_size, unique=True))


def _notes(draw: st.DrawFn) -> list[Note]:
    return [
        Note(id=note_id, text=draw(names), votes=draw(st.integers(0, 50)), **draw(extras))
        for note_id in _unique_ids(draw, 3)
    ]


def _maybe(draw: st.DrawFn, choices: list[str]) -> str | None:
    return draw(st.none() | st.sampled_from(choices)) if choices else None


@st.composite
def journeys(draw: st.DrawFn, max_items: int = 5) -> Journey:
    """Draw a valid journey with up to ``max_items`` entities of each kind."""
    personas = [
        Persona(
            id=persona_id,
            name=draw(names),
            role=draw(texts),
            goals=draw(short_lists),
            needs=draw(short_lists),
            frustrations=draw(short_lists),
            quote=draw(texts),
            channels=draw(short_lists),
            **draw(extras),
        )
        for persona_id in _unique_ids(draw, 3)
    ]
    persona_ids = [p.id for p in personas]
    stages = [
        Stage(id=stage_id, name=draw(names), goal=draw(texts), phase=draw(st.none() | texts), **draw(extras))
        for stage_id in _unique_ids(draw, max_items)
    ]
    lanes = [
        Lane(id=lane_id, name=draw(names), kind=draw(st.sampled_from(LANE_KINDS)), **draw(extras))
        for lane_id in _unique_ids(draw, max_items)
    ]
    touchpoints: list[Touchpoint] = []
    if stages and lanes:
        emotion_maps = (
            st.dictionaries(st.sampled_from(persona_ids), st.integers(-2, 2)) if personas else st.just({})
        )
        for tp_id in _unique_ids(draw, max_items * 2):
            touchpoints.append(
                Touchpoint(
                    id=tp_id,
                    stage=draw(st.sampled_from([s.id for s in stages])),
                    lane=draw(st.sampled_from([lane.id for lane in lanes])),
                    name=draw(names),
                    description=draw(texts),
                    channel=draw(texts),
                    owner=draw(texts),
                    personas=draw(st.lists(st.sampled_from(persona_ids), unique=True)) if personas else [],
                    emotions=draw(emotion_maps),
                    emotions_to_be=draw(emotion_maps),
                    pain_points=_notes(draw),
                    opportunities=_notes(draw),
                    **draw(extras),
                )
            )
    tp_ids = [tp.id for tp in touchpoints]
    handoffs: list[Handoff] = []
    if len(tp_ids) >= 2:
        for handoff_id in _unique_ids(draw, max_items):
            ends = draw(st.lists(st.sampled_from(tp_ids), min_size=2, max_size=2, unique=True))
            handoffs.append(
                Handoff(
                    id=handoff_id,
                    from_touchpoint=ends[0],
                    to_touchpoint=ends[1],
                    trigger=draw(texts),
                    sla_hours=draw(st.none() | st.floats(min_value=0.01, max_value=1e6)),
                    from_owner=draw(texts),
                    to_owner=draw(texts),
                    **draw(extras),
                )
            )
    kpis = [_kpi(draw, kpi_id, tp_ids) for kpi_id in _unique_ids(draw, max_items)]
    feedback = [
        Feedback(
            id=feedback_id,
            touchpoint=_maybe(draw, tp_ids),
            stage=_maybe(draw, [s.id for s in stages]),
            persona=_maybe(draw, persona_ids),
            received=draw(st.none() | dates),
            csat=draw(st.none() | st.integers(1, 5)),
            nps=draw(st.none() | st.integers(0, 10)),
            ces=draw(st.none() | st.integers(1, 7)),
            comment=draw(texts),
            source=draw(texts),
            **draw(extras),
        )
        for feedback_id in _unique_ids(draw, max_items)
    ]
    journey = Journey(
        id=draw(ids),
        title=draw(names),
        description=draw(texts),
        created=draw(moments),
        updated=draw(moments),
        revision=draw(st.integers(0, 10_000)),
        personas=personas,
        stages=stages,
        lanes=lanes,
        touchpoints=touchpoints,
        handoffs=handoffs,
        kpis=kpis,
        feedback=feedback,
        **draw(extras),
    )
    assert not journey.problems(), journey.problems()
    return journey


def _kpi(draw: st.DrawFn, kpi_id: str, tp_ids: list[str]) -> Kpi:
    direction = draw(st.sampled_from(["higher", "lower"]))
    target, warning = draw(st.none() | finite), draw(st.none() | finite)
    if target is not None and warning is not None:
        low, high = sorted((target, warning))
        target, warning = (high, low) if direction == "higher" else (low, high)
    source: dict[str, Any] | None = draw(
        st.none()
        | st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["csv", "excel", "parquet", "sql"]),
                "location": texts,
                "layout": st.sampled_from(["long", "wide"]),
                "key": st.none() | texts,
                "period": st.sampled_from(["day", "week", "month"]),
                "aggregation": st.sampled_from(["sum", "mean", "count", "rate", "last", "min", "max"]),
            }
        )
    )
    periods = draw(st.lists(dates, max_size=4, unique=True))
    return Kpi(
        id=kpi_id,
        name=draw(names),
        touchpoint=_maybe(draw, tp_ids),
        unit=draw(texts),
        direction=direction,
        target=target,
        warning=warning,
        frequency=draw(st.sampled_from(["day", "week", "month"])),
        source=KpiSource(**source) if source is not None else None,
        observations=[Observation(period=period, value=draw(finite)) for period in periods],
        **draw(extras),
    )
