"""Building blocks of ``generate.py``, the script that writes the Acme sample map.

The script is run as a file (``python sample_data/generate.py``), so Python puts this folder on
``sys.path`` and it imports this module as ``authoring``, from any working directory.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cjmkit.model import Journey, Lane, Note, Touchpoint


def notes(prefix: str, items: Iterable[tuple[str, int]]) -> list[Note]:
    """Pain points (prefix ``p``) or opportunities (``o``) with their dot votes."""
    return [Note(id=f"{prefix}{i + 1}", text=text, votes=votes) for i, (text, votes) in enumerate(items)]


def tp(
    id: str,
    stage: str,
    lane: str,
    name: str,
    description: str,
    *,
    channel: str = "",
    owner: str = "",
    feel: dict[str, int] | None = None,
    to_be: dict[str, int] | None = None,
    pains: Iterable[tuple[str, int]] = (),
    opps: Iterable[tuple[str, int]] = (),
    personas: Iterable[str] = (),
) -> Touchpoint:
    """A touchpoint with as-is (``feel``) and to-be emotions per persona."""
    return Touchpoint(
        id=id,
        stage=stage,
        lane=lane,
        name=name,
        description=description,
        channel=channel,
        owner=owner,
        personas=list(personas),
        emotions=feel or {},
        emotions_to_be=to_be or {},
        pain_points=notes("p", pains),
        opportunities=notes("o", opps),
    )


def standard_lanes(*, frontstage: str, backstage: str) -> list[Lane]:
    """The five lanes of every authored map, each of the kind its id names; only two names vary."""
    names = {
        "customer": "Customer actions",
        "frontstage": frontstage,
        "support": "Support",
        "care": "Care",
        "backstage": backstage,
    }
    return [Lane(id=kind, name=name, kind=kind) for kind, name in names.items()]


def store_text(journey: Journey) -> str:
    """The document text exactly as the store writes it."""
    return journey.model_dump_json(indent=2) + "\n"


def write_journey(journey: Journey, path: Path) -> None:
    """Write ``journey`` to ``path`` the way the store does."""
    path.write_text(store_text(journey), encoding="utf-8")
