"""A library of ready KPI definitions, attachable to a touchpoint in one step.

Built-in definitions cover satisfaction (CSAT, NPS, CES), support (first response time, time to
resolution, first contact resolution, backlog), the support → care handoff (handoff within SLA
rate, follow-up time) and the business (conversion, activation, churn, retention...).

Your own definitions
--------------------
Put a JSON file named ``kpi_library.json`` either in your cjmkit config folder
(``$CJMKIT_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/cjmkit``, else ``~/.config/cjmkit``) or beside
your maps (the map's folder). It holds a list of definitions, with the fields of
:class:`KpiDefinition`::

    [
      {"id": "refund_time", "name": "Refund time", "unit": "days", "direction": "lower",
       "target": 3, "warning": 5, "description": "Days from refund request to money back"}
    ]

Later sources override earlier ones with the same id: built-ins, then the config folder, then
the map's folder. :func:`save_definition` adds or replaces one definition in such a file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from cjmkit.atomic import write_atomic
from cjmkit.edits import Editor
from cjmkit.errors import CjmError
from cjmkit.model import Kpi

LIBRARY_FILE = "kpi_library.json"


class LibraryError(CjmError):
    """A KPI library file or definition is not usable."""


@dataclass(frozen=True)
class KpiDefinition:
    """A reusable KPI: what it measures and what good looks like.

    Attributes
    ----------
    id
        The library id, also the default KPI id on the map (``"csat"``).
    name
        Display name.
    unit
        ``"%"``, ``"h"``, ``"points"``...
    direction
        ``"higher"`` or ``"lower"`` is better.
    target, warning
        Default thresholds (see :func:`cjmkit.metrics.monitoring.judge`).
    frequency
        Default period of observations.
    aggregation
        How raw rows become a period value when imported (``mean``, ``rate``...).
    description
        One sentence: how it is computed.
    scale_min, scale_max
        The values it can take (None: unbounded on that side); imports refuse others.
    """

    id: str
    name: str
    unit: str = ""
    direction: str = "higher"
    target: float | None = None
    warning: float | None = None
    frequency: str = "month"
    aggregation: str = "mean"
    description: str = ""
    scale_min: float | None = None
    scale_max: float | None = None


_PERCENT: dict[str, Any] = {"scale_min": 0, "scale_max": 100}
_HOURS: dict[str, Any] = {"scale_min": 0}

BUILTIN: tuple[KpiDefinition, ...] = (
    KpiDefinition("csat", "CSAT", "%", "higher", 80, 70, aggregation="csat", description="Share of 4–5 answers on a 1–5 satisfaction scale.", **_PERCENT),
    KpiDefinition("csat_score", "CSAT score", "points", "higher", 4.2, 3.8, description="Mean answer on the 1–5 satisfaction scale.", scale_min=1, scale_max=5),
    KpiDefinition("nps", "NPS", "points", "higher", 30, 0, aggregation="nps", description="Share of promoters (9–10) minus share of detractors (0–6), ×100.", scale_min=-100, scale_max=100),
    KpiDefinition("ces", "Customer effort (CES)", "points", "higher", 5.5, 4.8, description="Mean answer on the 1–7 CES 2.0 scale ('it was easy', 7 = strongly agree).", scale_min=1, scale_max=7),
    KpiDefinition("first_response_time", "First response time", "h", "lower", 4, 8, description="Median hours from ticket opened to first reply.", **_HOURS),
    KpiDefinition("time_to_resolution", "Time to resolution", "h", "lower", 24, 48, description="Median hours from ticket opened to resolved.", **_HOURS),
    KpiDefinition("first_contact_resolution", "First contact resolution", "%", "higher", 70, 60, aggregation="rate", description="Share of tickets solved in the first contact.", **_PERCENT),
    KpiDefinition("ticket_backlog", "Open tickets", "tickets", "lower", 50, 100, aggregation="last", description="Tickets open at the end of the period.", scale_min=0),
    KpiDefinition("handoff_within_sla", "Handoff within SLA", "%", "higher", 90, 80, aggregation="rate", description="Share of resolved tickets followed up by care within the handoff's SLA.", **_PERCENT),
    KpiDefinition("follow_up_time", "Time to care follow-up", "h", "lower", 24, 48, description="Median hours from ticket resolved to care's follow-up.", **_HOURS),
    KpiDefinition("conversion_rate", "Conversion rate", "%", "higher", 3, 2, aggregation="rate", description="Share of visitors or trials that buy.", **_PERCENT),
    KpiDefinition("activation_rate", "Activation rate", "%", "higher", 60, 45, aggregation="rate", description="Share of new customers reaching the first value moment.", **_PERCENT),
    KpiDefinition("churn_rate", "Churn rate", "%", "lower", 2, 4, aggregation="rate", description="Share of customers lost in the period.", **_PERCENT),
    KpiDefinition("retention_rate", "Retention rate", "%", "higher", 90, 85, aggregation="rate", description="Share of customers kept over the period.", **_PERCENT),
    KpiDefinition("renewal_rate", "Renewal rate", "%", "higher", 85, 75, aggregation="rate", description="Share of contracts renewed.", **_PERCENT),
    KpiDefinition("onboarding_completion", "Onboarding completion", "%", "higher", 80, 65, aggregation="rate", description="Share of customers finishing onboarding.", **_PERCENT),
    KpiDefinition("response_rate", "Survey response rate", "%", "higher", 20, 10, aggregation="rate", description="Share of surveyed customers who answered.", **_PERCENT),
)  # fmt: skip


def config_dir() -> Path:
    """The user's cjmkit config folder (``$CJMKIT_CONFIG_DIR``, ``$XDG_CONFIG_HOME/cjmkit``, ``~/.config/cjmkit``)."""
    if os.environ.get("CJMKIT_CONFIG_DIR"):
        return Path(os.environ["CJMKIT_CONFIG_DIR"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "cjmkit"


def _definition(data: Any, place: str) -> KpiDefinition:
    if not isinstance(data, Mapping):
        raise LibraryError(f"{place}: a KPI definition is a JSON object, not {type(data).__name__}")
    known = {f.name for f in fields(KpiDefinition)}
    values = {k: v for k, v in data.items() if k in known}
    for required in ("id", "name"):
        if not str(values.get(required) or "").strip():
            raise LibraryError(f"{place}: a KPI definition needs {required!r}")
    definition = KpiDefinition(**values)
    target, warning = definition.target, definition.warning
    if (
        target is not None
        and warning is not None
        and ((definition.direction == "higher") == (warning > target))
        and warning != target
    ):
        raise LibraryError(
            f"{place}: KPI definition {definition.id!r} has its warning level ({warning:g}) on the "
            f"good side of its target ({target:g}) for {definition.direction!r} is better"
        )
    try:
        _kpi(definition, definition.id, None)
    except Exception as error:  # pydantic's ValidationError, reported as a sentence
        from pydantic import ValidationError

        from cjmkit.model import problems_of

        detail = "; ".join(problems_of(error)) if isinstance(error, ValidationError) else str(error)
        raise LibraryError(f"{place}: KPI definition {definition.id!r} is not valid: {detail}") from None
    return definition


def read_library_file(path: str | Path) -> list[KpiDefinition]:
    """Read a ``kpi_library.json`` file (a list of definitions).

    Raises
    ------
    LibraryError
        Naming the file and the definition at fault.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LibraryError(f"cannot read {path}: {error.strerror or error}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise LibraryError(f"{path} is not valid JSON: {error}") from None
    if isinstance(data, Mapping):
        data = data.get("kpis", [])
    if not isinstance(data, list):
        raise LibraryError(f"{path}: a KPI library is a JSON list of definitions")
    return [_definition(item, f"{path} item {i + 1}") for i, item in enumerate(data)]


def load_library(map_dir: str | Path | None = None) -> dict[str, KpiDefinition]:
    """All definitions: built-ins, then the config folder's file, then the one beside the maps.

    Returns
    -------
    dict
        Library id → :class:`KpiDefinition`, built-ins first.
    """
    library = {d.id: d for d in BUILTIN}
    files = [config_dir() / LIBRARY_FILE]
    if map_dir is not None:
        files.append(Path(map_dir) / LIBRARY_FILE)
    for path in files:
        if path.is_file():
            library.update({d.id: d for d in read_library_file(path)})
    return library


def save_definition(definition: KpiDefinition | Mapping[str, Any], path: str | Path | None = None) -> Path:
    """Add (or replace, by id) a definition in a library file; return the file's path.

    ``path`` defaults to the config folder's ``kpi_library.json``. The file is written atomically.

    Raises
    ------
    StorageError
        When the file is read-only or cannot be written.
    """
    target = Path(path) if path is not None else config_dir() / LIBRARY_FILE
    if target.is_dir():
        target = target / LIBRARY_FILE
    item = definition if isinstance(definition, KpiDefinition) else _definition(definition, str(target))
    existing = read_library_file(target) if target.is_file() else []
    kept = [d for d in existing if d.id != item.id] + [item]
    return write_atomic(target, json.dumps([asdict(d) for d in kept], indent=2, ensure_ascii=False) + "\n")


def _kpi(definition: KpiDefinition, kpi_id: str, touchpoint: str | None, **overrides: Any) -> Kpi:
    values = {
        "id": kpi_id,
        "name": definition.name,
        "touchpoint": touchpoint,
        "unit": definition.unit,
        "direction": definition.direction,
        "target": definition.target,
        "warning": definition.warning,
        "frequency": definition.frequency,
        "scale_min": definition.scale_min,
        "scale_max": definition.scale_max,
    }
    values.update(overrides)
    return Kpi.model_validate(values)


def attach(
    editor: Editor,
    definition: str | KpiDefinition,
    touchpoint: str | None,
    *,
    kpi_id: str | None = None,
    library: Mapping[str, KpiDefinition] | None = None,
    **overrides: Any,
) -> Kpi:
    """Add a KPI from the library to a touchpoint, in one undoable edit.

    Parameters
    ----------
    editor
        The journey's editor.
    definition
        A library id (``"csat"``) or a definition.
    touchpoint
        The touchpoint id (None: a journey-wide KPI).
    kpi_id
        The new KPI's id; default: the library id, made unique (``csat-2``...) on the map.
    library
        Definitions to look ids up in (default: :func:`load_library`).
    overrides
        Fields to change, e.g. ``target=85``.

    Raises
    ------
    LibraryError
        When the id is not in the library.
    cjmkit.errors.InvalidEdit
        When the touchpoint does not exist or a threshold is inconsistent.
    """
    if isinstance(definition, str):
        library = load_library() if library is None else library
        if definition not in library:
            raise LibraryError(f"the KPI library has no {definition!r}; it has: {', '.join(sorted(library))}")
        definition = library[definition]
    taken = [k.id for k in editor.journey.kpis]
    wanted = kpi_id or (definition.id if touchpoint is None else f"{definition.id}-{touchpoint}")
    new_id, n = wanted, 2
    while not kpi_id and new_id in taken:
        new_id, n = f"{wanted}-{n}", n + 1
    values = _kpi(definition, new_id, touchpoint).model_dump()
    values.update(overrides)
    return editor.add("kpis", values)  # type: ignore[return-value]
