"""Generated journeys of any size, for benchmarks and tests.

:func:`synthetic_journey` builds a plausible, valid map with a chosen number of touchpoints,
deterministically from a seed, using only the document model.
"""

from __future__ import annotations

import random
from datetime import date

from cjmkit.model import Handoff, Journey, Kpi, Lane, LaneKind, Note, Observation, Persona, Stage, Touchpoint

_STAGES = ["Aware", "Consider", "Buy", "Onboard", "Use", "Get help", "Follow-up", "Renew"]
_LANES: list[tuple[str, LaneKind]] = [
    ("Customer actions", "customer"),
    ("Frontstage", "frontstage"),
    ("Support", "support"),
    ("Care", "care"),
    ("Backstage", "backstage"),
]
_CHANNELS = ["web", "email", "phone", "chat", "app", "in person"]
_WORDS = [
    "account",
    "invoice",
    "setup",
    "call",
    "chat",
    "reply",
    "ticket",
    "guide",
    "welcome",
    "renewal",
    "survey",
    "demo",
    "trial",
    "order",
]


def synthetic_journey(touchpoints: int, seed: int = 0, personas: int = 2, kpi_every: int = 5) -> Journey:
    """Return a valid journey with ``touchpoints`` touchpoints spread over 8 stages and 5 lanes.

    Parameters
    ----------
    touchpoints
        How many touchpoints to generate.
    seed
        Random seed: the same arguments always give the same journey.
    personas
        How many personas; every touchpoint has an as-is emotion for each.
    kpi_every
        One KPI (with 12 monthly observations) on every ``kpi_every``-th touchpoint.
    """
    rng = random.Random(seed)
    persona_list = [
        Persona(id=f"persona-{i + 1}", name=f"Persona {i + 1}", role="Customer") for i in range(personas)
    ]
    stages = [Stage(id=f"s{i + 1}", name=name, phase=None) for i, name in enumerate(_STAGES)]
    lanes = [Lane(id=kind, name=name, kind=kind) for name, kind in _LANES]
    tps: list[Touchpoint] = []
    for i in range(touchpoints):
        stage = stages[i * len(stages) // max(touchpoints, 1)]
        lane = lanes[rng.randrange(len(lanes))]
        name = f"{rng.choice(_WORDS).capitalize()} {rng.choice(_WORDS)} {i + 1}"
        tps.append(
            Touchpoint(
                id=f"tp{i + 1}",
                stage=stage.id,
                lane=lane.id,
                name=name,
                description=f"Generated touchpoint number {i + 1}.",
                channel=rng.choice(_CHANNELS),
                owner=f"Team {lane.name}",
                emotions={p.id: rng.randint(-2, 2) for p in persona_list},
                pain_points=[Note(id="p1", text="Takes too long", votes=rng.randint(0, 5))]
                if i % 3 == 0
                else [],
                opportunities=[Note(id="o1", text="Proactive update", votes=rng.randint(0, 5))]
                if i % 4 == 0
                else [],
            )
        )
    support = [tp for tp in tps if tp.lane == "support"]
    care = [tp for tp in tps if tp.lane == "care"]
    handoffs = [
        Handoff(
            id=f"h{i + 1}", from_touchpoint=s.id, to_touchpoint=c.id, trigger="Ticket resolved", sla_hours=24
        )
        for i, (s, c) in enumerate(zip(support, care, strict=False))
    ]
    kpis = [
        Kpi(
            id=f"kpi-{tp.id}",
            name=f"CSAT {tp.name}",
            touchpoint=tp.id,
            unit="%",
            direction="higher",
            target=80,
            warning=70,
            observations=[
                Observation(period=date(2026, m, 1), value=round(rng.uniform(55, 95), 1))
                for m in range(1, 13)
            ],
        )
        for tp in tps[::kpi_every]
    ]
    return Journey(
        id=f"synthetic-{touchpoints}",
        title=f"Synthetic journey ({touchpoints} touchpoints)",
        description="Generated for benchmarks and tests.",
        personas=persona_list,
        stages=stages,
        lanes=lanes,
        touchpoints=tps,
        handoffs=handoffs,
        kpis=kpis,
    )
