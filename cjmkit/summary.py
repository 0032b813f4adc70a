"""A plain-text summary of a journey: what ``cjmkit info`` prints and notebooks show."""

from __future__ import annotations

from collections import Counter

from cjmkit.model import EMOTION_WORDS, SCHEMA_VERSION, Journey


def counts(journey: Journey) -> str:
    """Return ``"2 personas, 7 stages, ..."`` for a journey."""
    parts = [
        (len(journey.personas), "persona"),
        (len(journey.stages), "stage"),
        (len(journey.lanes), "lane"),
        (len(journey.touchpoints), "touchpoint"),
        (len(journey.handoffs), "handoff"),
        (len(journey.kpis), "KPI"),
        (len(journey.feedback), "feedback item"),
    ]
    return ", ".join(_plural(n, word) for n, word in parts)


def summary(journey: Journey) -> str:
    """Return a readable, plain-text summary of a journey (what ``cjmkit info`` prints)."""
    lines = [journey.title, "=" * len(journey.title)]
    if journey.description:
        lines += [journey.description, ""]
    lines.append(
        f"Revision {journey.revision}, updated {journey.updated:%Y-%m-%d %H:%M} UTC, "
        f"schema {journey.schema_version} (this cjmkit writes {SCHEMA_VERSION})"
    )
    lines.append(counts(journey))
    lines.append("")
    lines.append("Personas:")
    for persona in journey.personas:
        lines.append(f"  - {persona.name}" + (f" ({persona.role})" if persona.role else ""))
    per_stage = Counter(tp.stage for tp in journey.touchpoints)
    lines.append("Stages:")
    for stage in journey.stages:
        phase = f" [{stage.phase}]" if stage.phase else ""
        lines.append(
            f"  {journey.stages.index(stage) + 1}. {stage.name}{phase}: {_plural(per_stage[stage.id], 'touchpoint')}"
        )
    per_lane = Counter(tp.lane for tp in journey.touchpoints)
    lines.append("Lanes:")
    for lane in journey.lanes:
        lines.append(f"  - {lane.name} ({lane.kind}): {_plural(per_lane[lane.id], 'touchpoint')}")
    if journey.handoffs:
        lines.append("Handoffs:")
        for handoff in journey.handoffs:
            start, end = (
                journey.touchpoint(handoff.from_touchpoint),
                journey.touchpoint(handoff.to_touchpoint),
            )
            sla = f", SLA {handoff.sla_hours:g} h" if handoff.sla_hours else ""
            names = [tp.name if tp is not None else "?" for tp in (start, end)]  # a valid map names both
            lines.append(f"  - {names[0]} → {names[1]}{sla}")
    low = _emotional_low_points(journey)
    if low:
        lines.append("Emotional low points:")
        lines += [f"  - {text}" for text in low]
    pains = sorted(
        ((note.votes, note.text, tp.name) for tp in journey.touchpoints for note in tp.pain_points),
        reverse=True,
    )[:5]
    if pains:
        lines.append("Top pain points (dot votes):")
        lines += [f"  - {text} ({votes}) at {where}" for votes, text, where in pains]
    return "\n".join(lines)


def _emotional_low_points(journey: Journey) -> list[str]:
    found = []
    for persona in journey.personas:
        scored = [
            (tp.emotions[persona.id], tp.name) for tp in journey.touchpoints if persona.id in tp.emotions
        ]
        if scored:
            score, name = min(scored)
            found.append(f"{persona.name}: {name} ({EMOTION_WORDS[score]}, {score:+d})")
    return found


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
