"""The journey map in words: what the picture shows, as plain text and tables.

Pure Python (no Bokeh, no pandas), so the same outline feeds every text form of a map: the
text alternative beside the map in pages (:mod:`cjmkit.render.words`), the printed handout
(:mod:`cjmkit.render.pdf`) and the slides of a deck (:mod:`cjmkit.render.deck`).

:func:`outline` turns a journey and its measured figures into an :class:`Outline`: a summary
sentence (stages, lanes, lowest point, KPIs needing attention, weakest handoff), the stages in
order, each with its touchpoints lane by lane, and the KPI and handoff lists. Every text is the
user's own, unescaped: whoever writes it into HTML, a PDF or a slide escapes it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cjmkit.figures import STATUS_WORDS, HandoffHealth, KpiStatus, MapMetrics, Status, as_map_metrics
from cjmkit.model import EMOTION_WORDS, Journey, Kpi, Touchpoint
from cjmkit.render.metrics_input import simple_kpi_status
from cjmkit.render.style import KIND_STYLES
from cjmkit.render.text import number, sla_text

_ATTENTION = {"bad": "off target", "warning": "at its warning level"}
SUMMARY_KPIS = 3
"""How many KPIs needing attention the summary names (the tables list them all)."""


@dataclass(frozen=True)
class Feeling:
    """How one persona feels at one touchpoint."""

    persona: str
    score: int
    to_be: int | None = None

    @property
    def text(self) -> str:
        """``"Maya: very negative (-2), should be positive (+1)"``."""
        said = f"{self.persona}: {EMOTION_WORDS[self.score]} ({signed(self.score)})"
        if self.to_be is not None:
            said += f", should be {EMOTION_WORDS[self.to_be]} ({signed(self.to_be)})"
        return said


@dataclass(frozen=True)
class KpiLine:
    """One KPI with its status in words."""

    id: str
    name: str
    touchpoint_id: str
    touchpoint: str
    value: str
    target: str
    status: Status
    status_word: str
    symbol: str
    label: str

    @property
    def text(self) -> str:
        """``"CSAT: off target, 62 % (target ≥ 80 %)"``."""
        return f"{self.name}: {self.status_word}, {self.value} ({self.target})"


@dataclass(frozen=True)
class HandoffLine:
    """One support → care handoff with its SLA and, when measured, how well it keeps it."""

    id: str
    source_id: str
    target_id: str
    source: str
    target: str
    source_stage: str
    target_stage: str
    trigger: str
    owners: str
    sla: str
    measured: bool
    on_time: str
    median_delay: str
    fell_through: str
    weak: bool
    share: float | None
    label: str

    @property
    def status_word(self) -> str:
        """``"weak"``, ``"keeps its SLA"`` or ``"not measured"``."""
        if not self.measured:
            return "not measured"
        return "weak" if self.weak else "keeps its SLA"

    @property
    def text(self) -> str:
        """``"Chat → Thank-you call, SLA ≤ 24 h: 62 % on time, 14 fell through (weak)"``."""
        said = f"{self.source} → {self.target}"
        if self.sla:
            said += f", SLA {self.sla}"
        if self.measured:
            said += f": {self.on_time} on time, median delay {self.median_delay}, {self.fell_through} fell through"
        return f"{said} ({self.status_word})"


@dataclass(frozen=True)
class TouchpointLine:
    """One touchpoint, everything its card and tooltip say."""

    id: str
    name: str
    stage: str
    lane: str
    lane_kind: str
    kind_label: str
    channel: str
    owner: str
    description: str
    feelings: tuple[Feeling, ...]
    pain_points: tuple[tuple[str, int], ...]
    ideas: tuple[tuple[str, int], ...]
    kpis: tuple[KpiLine, ...]
    handoffs_out: tuple[HandoffLine, ...]
    handoffs_in: tuple[HandoffLine, ...]

    @property
    def votes(self) -> int:
        """Dot votes on its pain points and ideas."""
        return sum(v for _t, v in self.pain_points) + sum(v for _t, v in self.ideas)


@dataclass(frozen=True)
class LaneLine:
    """A lane (row) of the map, with its kind said in words."""

    id: str
    name: str
    kind: str
    kind_label: str


@dataclass(frozen=True)
class StageLine:
    """A stage (column) of the map and its touchpoints, lane by lane."""

    id: str
    name: str
    phase: str
    goal: str
    cells: tuple[tuple[LaneLine, tuple[TouchpointLine, ...]], ...]

    @property
    def touchpoints(self) -> list[TouchpointLine]:
        """Its touchpoints in lane order."""
        return [tp for _lane, tps in self.cells for tp in tps]


@dataclass(frozen=True)
class PersonaLine:
    """A persona as the map's header shows it."""

    id: str
    name: str
    role: str
    quote: str
    goals: tuple[str, ...]
    frustrations: tuple[str, ...]


@dataclass
class Outline:
    """The whole map in words.

    Attributes
    ----------
    title, description
        The map's.
    summary
        One paragraph: stages and lanes, the lowest point, the KPIs needing attention, the
        weakest handoff.
    personas, stages, lanes, kpis, handoffs
        Everything on the map, in document order.
    unplaced
        Touchpoints whose stage or lane is missing (shown nowhere on the picture).
    """

    title: str
    description: str
    revision: int
    updated: str
    summary: str
    personas: list[PersonaLine] = field(default_factory=list)
    stages: list[StageLine] = field(default_factory=list)
    lanes: list[LaneLine] = field(default_factory=list)
    kpis: list[KpiLine] = field(default_factory=list)
    handoffs: list[HandoffLine] = field(default_factory=list)


def outline(journey: Journey, metrics: MapMetrics | Mapping[str, Any] | None = None) -> Outline:
    """Say what the map shows, in words.

    Parameters
    ----------
    journey
        The map.
    metrics
        Measured KPI status and handoff health (as for :func:`cjmkit.render.journey_map`);
        without them a KPI's status is its latest observation against its target, and handoffs
        are not measured.
    """
    figures = as_map_metrics(metrics)
    stage_names = {s.id: s.name for s in journey.stages}
    lanes = [_lane(lane.id, lane.name, lane.kind) for lane in journey.lanes]
    lane_of = {lane.id: lane for lane in lanes}
    kpis = [
        _kpi(journey, kpi, figures.kpi_status.get(kpi.id) or simple_kpi_status(kpi)) for kpi in journey.kpis
    ]
    handoffs = [_handoff(journey, h, figures.handoff_health.get(h.id), stage_names) for h in journey.handoffs]
    names = {p.id: p.name for p in journey.personas}

    lines: dict[str, TouchpointLine] = {}
    for tp in journey.touchpoints:
        lane = lane_of.get(tp.lane) or _lane(tp.lane, tp.lane, "other")
        lines[tp.id] = _touchpoint(tp, stage_names.get(tp.stage, tp.stage), lane, names, kpis, handoffs)
    stages = []
    for stage in journey.stages:
        cells = tuple(
            (lane, tuple(lines[tp.id] for tp in journey.touchpoints_in(stage=stage.id, lane=lane.id)))
            for lane in lanes
        )
        phase = stage.phase or ""
        stages.append(StageLine(stage.id, stage.name, phase, stage.goal, cells))
    personas = [
        PersonaLine(p.id, p.name, p.role, p.quote, tuple(p.goals), tuple(p.frustrations))
        for p in journey.personas
    ]
    return Outline(
        title=journey.title,
        description=journey.description,
        revision=journey.revision,
        updated=f"{journey.updated:%Y-%m-%d %H:%M} UTC",
        summary=summary_sentence(journey, lines, kpis, handoffs),
        personas=personas,
        stages=stages,
        lanes=lanes,
        kpis=kpis,
        handoffs=handoffs,
    )


def summary_sentence(
    journey: Journey,
    lines: Mapping[str, TouchpointLine],
    kpis: list[KpiLine],
    handoffs: list[HandoffLine],
) -> str:
    """The paragraph a listener hears first: size, lowest point, KPIs needing attention, weakest handoff."""
    said = [
        f"This journey map has {_count(len(journey.stages), 'stage')} "
        + (f"({', '.join(s.name for s in journey.stages)}) " if journey.stages else "")
        + f"across {_count(len(journey.lanes), 'lane')} "
        + (f"({', '.join(lane.name for lane in journey.lanes)}) " if journey.lanes else "")
        + f"with {_count(len(journey.touchpoints), 'touchpoint')}."
    ]
    low = _lowest(journey, lines)
    if low is not None:
        said.append(low)
    attention = sorted((k for k in kpis if k.status in {"bad", "warning"}), key=lambda k: k.status != "bad")
    if attention:
        listed = "; ".join(
            f"{k.name}{' at ' + k.touchpoint if k.touchpoint else ''} is {_ATTENTION[k.status]}"
            for k in attention[:SUMMARY_KPIS]
        )
        more = f"; and {len(attention) - SUMMARY_KPIS} more" if len(attention) > SUMMARY_KPIS else ""
        verb = "needs" if len(attention) == 1 else "need"
        said.append(f"{_count(len(attention), 'KPI')} {verb} attention: {listed}{more}.")
    elif kpis:
        said.append(f"No KPI needs attention ({_count(len(kpis), 'KPI')}).")
    measured = [h for h in handoffs if h.measured and h.share is not None]
    if measured:
        weakest = min(measured, key=lambda h: h.share if h.share is not None else 1.0)
        state = "weak" if weakest.weak else "keeps its SLA"
        said.append(
            f"The weakest handoff is {weakest.source} → {weakest.target}: {weakest.on_time} followed up "
            f"within {weakest.sla or 'its SLA'}, {weakest.fell_through} customers fell through ({state})."
        )
    elif handoffs:
        said.append(f"{_count(len(handoffs), 'handoff')}, not measured (no ticket data).")
    return " ".join(said)


def _lowest(journey: Journey, lines: Mapping[str, TouchpointLine]) -> str | None:
    order = {s.id: i for i, s in enumerate(journey.stages)}
    scored = [
        (score, order.get(tp.stage, len(order)), n, tp, persona)
        for n, tp in enumerate(journey.touchpoints)
        for persona, score in tp.emotions.items()
    ]
    if not scored:
        return None
    score, _order, _n, tp, persona_id = min(scored, key=lambda row: row[:3])
    persona = journey.persona(persona_id)
    line = lines[tp.id]
    who = persona.name if persona else persona_id
    return (
        f"The lowest point is {tp.name} in {line.stage} ({line.lane}), where {who} feels "
        f"{EMOTION_WORDS[score]} ({signed(score)})."
    )


def _lane(lane_id: str, name: str, kind: str) -> LaneLine:
    style = KIND_STYLES.get(kind, KIND_STYLES["other"])
    return LaneLine(lane_id, name, kind, f"{style.symbol} {style.label.lower()}")


def _kpi(journey: Journey, kpi: Kpi, status: KpiStatus) -> KpiLine:
    tp = journey.touchpoint(kpi.touchpoint) if kpi.touchpoint else None
    if kpi.target is None:
        target = "no target"
    else:
        sign = "≥" if kpi.direction == "higher" else "≤"
        target = f"target {sign} {number(kpi.target, kpi.unit)}"
    words = STATUS_WORDS[status.status]
    return KpiLine(
        id=kpi.id,
        name=kpi.name,
        touchpoint_id=kpi.touchpoint or "",
        touchpoint=tp.name if tp else "",
        value=number(status.value, kpi.unit) if status.value is not None else "no data",
        target=target,
        status=status.status,
        status_word=words.phrase,
        symbol=words.symbol,
        label=status.label,
    )


def _handoff(
    journey: Journey, handoff: Any, health: HandoffHealth | None, stage_names: Mapping[str, str]
) -> HandoffLine:
    start, end = journey.touchpoint(handoff.from_touchpoint), journey.touchpoint(handoff.to_touchpoint)
    owners = " → ".join(o for o in (handoff.from_owner, handoff.to_owner) if o)
    share = health.within_sla_share if health is not None else None
    measured = health is not None and share is not None
    return HandoffLine(
        id=handoff.id,
        source_id=handoff.from_touchpoint,
        target_id=handoff.to_touchpoint,
        source=start.name if start else handoff.from_touchpoint,
        target=end.name if end else handoff.to_touchpoint,
        source_stage=stage_names.get(start.stage, "") if start else "",
        target_stage=stage_names.get(end.stage, "") if end else "",
        trigger=handoff.trigger,
        owners=owners,
        sla=sla_text(handoff.sla_hours),
        measured=measured,
        on_time=f"{share * 100:.0f} %" if share is not None else "–",
        median_delay=_hours(health.median_hours) if health is not None else "–",
        fell_through=str(health.fell_through)
        if health is not None and health.fell_through is not None
        else "–",
        weak=bool(health and health.weak),
        share=share,
        label=health.label if health is not None else "",
    )


def _hours(hours: float | None) -> str:
    if hours is None:
        return "–"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours >= 48:
        return f"{hours / 24:.1f} d".replace(".0 d", " d")
    return f"{hours:.1f} h".replace(".0 h", " h")


def _touchpoint(
    tp: Touchpoint,
    stage: str,
    lane: LaneLine,
    persona_names: Mapping[str, str],
    kpis: list[KpiLine],
    handoffs: list[HandoffLine],
) -> TouchpointLine:
    feelings = tuple(
        Feeling(persona_names.get(p, p), score, tp.emotions_to_be.get(p)) for p, score in tp.emotions.items()
    )
    return TouchpointLine(
        id=tp.id,
        name=tp.name,
        stage=stage,
        lane=lane.name,
        lane_kind=lane.kind,
        kind_label=lane.kind_label,
        channel=tp.channel,
        owner=tp.owner,
        description=tp.description,
        feelings=feelings,
        pain_points=tuple((n.text, n.votes) for n in tp.pain_points),
        ideas=tuple((n.text, n.votes) for n in tp.opportunities),
        kpis=tuple(k for k in kpis if k.touchpoint_id == tp.id),
        handoffs_out=tuple(h for h in handoffs if h.source_id == tp.id),
        handoffs_in=tuple(h for h in handoffs if h.target_id == tp.id),
    )


def signed(score: int) -> str:
    """An emotion score as people write it: ``+1``, ``0``, ``-2``."""
    return f"{score:+d}" if score else "0"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
