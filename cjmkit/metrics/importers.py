"""Import KPI values from CSV, Excel, Parquet and SQL into a journey's KPIs.

How it works
------------
A :class:`~cjmkit.model.KpiSource` says where the values are and how to read them:

* ``layout="long"``: one row per measurement, with a period column (a date or timestamp), a KPI
  column (``kpi_column``; which KPI the row is about) and a value column.
* ``layout="wide"``: a period column and one column per KPI; ``key`` names a KPI's column.

Rows are bucketed into periods (``day``; ``week``: starting on Monday; ``month``: starting on the
1st) and aggregated per KPI and period with ``aggregation``:

========== =========================================================================
sum        the sum of the values
mean       the arithmetic mean
count      the number of rows with a value (with no value column: the number of rows)
rate       100 × the mean of values that are 0/1 flags (or fractions 0…1): the share of
           rows where the thing happened, as a percentage. Values outside 0…1 are bad rows.
last       the value of the last row of the period in file order (in a database: the row
           with the latest date)
min / max  the smallest / largest value
========== =========================================================================

Files are read in chunks, so memory stays bounded for files larger than memory (CSV through a
streaming Arrow reader or pandas chunks, Parquet by row groups; CSV files up to
``WHOLE_FILE_BYTES``, 256 MB, are parsed at once on all cores). Excel workbooks are read whole:
they hold at most about a million rows. For SQL sources the bucketing
and aggregation run **in the database**: only one row per period and KPI comes back. Period
truncation uses ``strftime``/``date`` on SQLite, ``date_format``/``subdate`` on MySQL/MariaDB and
``date_trunc`` on every other dialect (PostgreSQL, DuckDB, Snowflake, Redshift, ...); dates in
SQLite must be ISO 8601 text.

Nothing is half-imported: :func:`import_kpis` reads and aggregates everything first and then
changes the journey in one :meth:`~cjmkit.edits.Editor.batch` (one undo step), or raises
:class:`~cjmkit.metrics.problems.ImportProblem` and changes nothing. :func:`refresh` tries every
stored source: those that fail leave their KPIs unchanged and are reported, the others are
applied in one undo step. Stored SQL, database URLs and ``${VAR}`` locations run only once
trusted on this machine (:mod:`cjmkit.trust`). Bad rows (dates or
numbers that cannot be read, wrong number of fields) fail the import with a sentence naming the
file, first line, column and count, unless ``skip_bad_rows=True``: then they are left out and
counted in the report. Observations are keyed by period, so importing the same data twice
changes nothing.

The source is stored on each KPI (``Kpi.source``, with its ``key``; file locations relative to
the map's folder when the file is inside it or its parent folder), so :func:`refresh` can re-read
every source without asking anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjmkit import trust
from cjmkit.edits import Editor
from cjmkit.errors import CjmError
from cjmkit.metrics.aggregate import SCALED, BadRows, ImportResult, period_start, scale_text
from cjmkit.metrics.files import CHUNK_ROWS, Progress, Scales
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.readers import guess_columns, preview, reader_of
from cjmkit.metrics.sources import (
    AGGREGATIONS,
    ALIASES,
    PERIODS,
    as_url,
    check_source,
    display_name,
    kind_of,
    location_for,
    resolve_location,
)
from cjmkit.metrics.textfiles import require_regular
from cjmkit.model import Journey, Kpi, KpiSource

__all__ = [
    "AGGREGATIONS",
    "ALIASES",
    "PERIODS",
    "BadRows",
    "ImportReport",
    "ImportResult",
    "Progress",
    "SourceOutcome",
    "guess_columns",
    "import_kpis",
    "kind_of",
    "location_for",
    "period_start",
    "preview",
    "read_kpi_values",
    "refresh",
    "resolve_location",
]


def read_kpi_values(
    source: KpiSource,
    map_dir: str | Path | None = None,
    *,
    keys: Sequence[str] | None = None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    scales: Scales | None = None,
) -> ImportResult:
    """Read and aggregate a source without touching any journey.

    Parameters
    ----------
    source
        Where and how to read (``key`` is ignored; pass ``keys``).
    map_dir
        The folder relative file locations are resolved from.
    keys
        The KPI keys wanted (values of the KPI column in long layout, column names in wide
        layout). In long layout, rows of other keys are ignored, even bad ones. Default: all
        keys (long) or ``[source.key]`` (wide).
    skip_bad_rows
        Leave out rows that cannot be read (and count them) instead of failing.
    progress
        Called with ``(fraction, message)`` while reading.
    chunk_rows
        Rows per chunk (memory stays bounded by it).
    scales
        KPI key → ``(low, high)``: the scale of the KPI it feeds. For aggregations whose value
        is on the rows' scale (mean, min, max, last) a row outside it is a bad row (unless
        ``source.allow_out_of_scale``).

    Raises
    ------
    ImportProblem
        When the source cannot be read, lacks columns or has bad rows (and ``skip_bad_rows`` is
        false). The sentence names the file, first line, column and how many rows.
    """
    check_source(source)
    skip_bad_rows = skip_bad_rows or source.skip_bad_rows
    if source.layout == "wide" and not (keys or source.key):
        raise ImportProblem("a wide-format source needs the KPI columns to read (keys)")
    target = resolve_location(as_url(source.location, source.kind), map_dir)
    reader = reader_of(source.kind)
    if reader.is_file:
        require_regular(target)
    report = progress or (lambda fraction, message: None)
    report(0.0, f"Reading {display_name(target)}")
    result = reader.values(
        source,
        target,
        keys=keys,
        skip_bad_rows=skip_bad_rows,
        progress=report,
        chunk_rows=chunk_rows,
        scales=scales,
    )
    report(1.0, f"Read {result.rows_read:,} rows from {display_name(target)}")
    return result


# -- applying to a journey ---------------------------------------------------------------------


@dataclass
class SourceOutcome:
    """How one stored source fared in a refresh.

    Attributes
    ----------
    location
        Where it reads (file name, or URL without password).
    kpis
        The KPI ids it feeds.
    error
        The sentence saying why it failed (None: it was read and applied).
    changed, rows_read
        Observations added or changed, rows read (0 when it failed).
    """

    location: str
    kpis: list[str]
    error: str | None = None
    changed: int = 0
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        """Whether the source was read and its KPIs updated."""
        return self.error is None

    def line(self) -> str:
        """One line for a report: ``"ok  kpi_daily.csv → csat, nps: 3 observations ..."``."""
        target = f"{self.location} → {', '.join(self.kpis)}"
        if self.error is not None:
            return f"FAILED  {target}: {self.error}"
        noun = "observation" if self.changed == 1 else "observations"
        return f"ok      {target}: {self.changed} {noun} added or changed from {self.rows_read:,} rows"


@dataclass
class ImportReport:
    """What an import or refresh did.

    Attributes
    ----------
    kpis
        KPI id → how many observations were added or changed.
    rows_read, rows_skipped
        Rows read and bad rows left out, over all sources.
    skipped
        Sentences about the rows left out.
    notes
        Other things worth telling (e.g. a KPI that got no rows).
    sources
        For a refresh: how each stored source fared, in map order.
    """

    kpis: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0
    rows_skipped: int = 0
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[SourceOutcome] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """How many observations were added or changed in all."""
        return sum(self.kpis.values())

    @property
    def failed(self) -> list[SourceOutcome]:
        """The sources that could not be read (their KPIs are unchanged)."""
        return [outcome for outcome in self.sources if not outcome.ok]

    def summary(self) -> str:
        """A short human sentence, e.g. ``"2 KPIs, 24 observations changed from 365 rows"``."""
        parts = [
            f"{len(self.kpis)} KPI{'s' if len(self.kpis) != 1 else ''}",
            f"{self.changed} observation{'s' if self.changed != 1 else ''} added or changed",
            f"from {self.rows_read:,} rows",
        ]
        text = ", ".join(parts)
        if self.rows_skipped:
            text += f"; {self.rows_skipped} bad row{'s' if self.rows_skipped != 1 else ''} left out"
        if self.failed:
            text += f"; {len(self.failed)} of {len(self.sources)} sources failed"
        return text


def _round(value: float) -> float:
    return float(f"{value:.12g}")


def _merged(kpi: Kpi, values: pd.DataFrame, replace: bool) -> tuple[list[dict[str, Any]], int]:
    """The KPI's observations with ``values`` merged in, and how many were added or changed.

    Survey scores (values with a ``low``/``high`` interval) keep their n and interval; other
    values are stored alone. Observations of other periods are kept as they were.
    """
    before = {o.period: o.model_dump(mode="python", exclude_none=True) for o in kpi.observations}
    new = {} if replace else dict(before)
    changed = 0
    has_interval = "low" in values and "high" in values
    for row in values.to_dict("records"):
        value = row["value"]
        if value is None or not np.isfinite(value):
            continue
        day = pd.Timestamp(row["period"]).date()
        item: dict[str, Any] = {"period": day, "value": _round(float(value))}
        if has_interval and np.isfinite(row["low"]) and np.isfinite(row["high"]):
            item.update(n=int(row["n"]), low=round(float(row["low"]), 4), high=round(float(row["high"]), 4))
        if before.get(day) != item:
            changed += 1
        new[day] = item
    if replace:
        changed += sum(1 for o in kpi.observations if o.period not in new)
    return [new[d] for d in sorted(new)], changed


def _kpi_mapping(journey: Journey, kpis: Mapping[str, str] | Sequence[str] | str) -> dict[str, str]:
    if isinstance(kpis, str):
        mapping = {kpis: kpis}
    elif isinstance(kpis, Mapping):
        mapping = {str(k): str(v) for k, v in kpis.items()}
    else:
        mapping = {str(k): str(k) for k in kpis}
    if not mapping:
        raise ImportProblem("say which KPIs to import (e.g. --kpi csat)")
    known = {k.id for k in journey.kpis}
    unknown = [k for k in mapping if k not in known]
    if unknown:
        have = ", ".join(sorted(known)) or "none"
        raise ImportProblem(
            f"the map has no KPI {', '.join(repr(u) for u in unknown)} (its KPIs are: {have}); "
            "add it first, e.g. from the KPI library"
        )
    return mapping


PERIOD_ORDER = {"day": 0, "week": 1, "month": 2}
OPTION_FIELDS = frozenset({"key", "skip_bad_rows", "allow_out_of_scale"})
"""Fields of a stored source that are options of reading it, not which data it is."""


def scales_of(journey: Journey, mapping: Mapping[str, str]) -> dict[str, tuple[float | None, float | None]]:
    """Source key → the scale of the KPI it feeds (the narrower one when a key feeds several)."""
    scales: dict[str, tuple[float | None, float | None]] = {}
    for kpi in journey.kpis:
        if kpi.id not in mapping or (kpi.scale_min is None and kpi.scale_max is None):
            continue
        low, high = scales.get(mapping[kpi.id], (None, None))
        if kpi.scale_min is not None:
            low = kpi.scale_min if low is None else max(low, kpi.scale_min)
        if kpi.scale_max is not None:
            high = kpi.scale_max if high is None else min(high, kpi.scale_max)
        scales[mapping[kpi.id]] = (low, high)
    return scales


def same_data(old: KpiSource, new: KpiSource) -> bool:
    """Whether two stored sources read the same data the same way (options aside)."""
    return old.model_dump(mode="json", exclude=set(OPTION_FIELDS)) == new.model_dump(
        mode="json", exclude=set(OPTION_FIELDS)
    )


def _differences(old: KpiSource, new: KpiSource) -> str:
    """What differs between two sources, in words: ``"period and aggregation"``."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    names = [k.replace("_", " ") for k in after if k not in OPTION_FIELDS and before.get(k) != after.get(k)]
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names) or "mapping"


def _check_period(kpi: Kpi, period: str, replace: bool, allow_finer: bool) -> None:
    old = kpi.frequency
    if PERIOD_ORDER[period] < PERIOD_ORDER[old] and not allow_finer:
        raise ImportProblem(
            f"KPI {kpi.id!r} is measured per {old}, but this import makes one value per {period}: import "
            f"with --period {old} (its rows are then aggregated per {old}), or with --allow-finer-period "
            f"to measure it per {period} from now on"
        )
    if period != old and kpi.observations and not replace:
        periods = sorted(o.period for o in kpi.observations)
        raise ImportProblem(
            f"KPI {kpi.id!r} already has values per {old} ({periods[0]} … {periods[-1]}); values per "
            f"{period} would be mixed with them: import with --period {old}, or with --replace to drop them"
        )


def _check_scale(kpi: Kpi, values: pd.DataFrame, source: KpiSource, name: str) -> None:
    """Period values outside the KPI's scale (rows were checked already for mean, min, max, last)."""
    low, high = kpi.scale_min, kpi.scale_max
    if source.allow_out_of_scale or (low is None and high is None) or source.aggregation in SCALED:
        return
    value = values["value"].to_numpy(dtype="float64")
    outside = np.zeros(len(value), dtype=bool)
    if low is not None:
        outside |= value < low
    if high is not None:
        outside |= value > high
    if outside.any():
        first = values[outside].iloc[0]
        count = int(outside.sum())
        raise ImportProblem(
            f"{name}: KPI {kpi.id!r} would get {first['value']:g} for the {source.period} of "
            f"{pd.Timestamp(first['period']):%Y-%m-%d} ({source.aggregation} of its rows), outside its scale "
            f"{scale_text(low, high)}{f' ({count} periods in all)' if count > 1 else ''}; nothing was imported: "
            "check the column and --aggregation, or import with --allow-out-of-scale"
        )


def _plan(
    journey: Journey,
    result: ImportResult,
    mapping: Mapping[str, str],
    replace: bool,
    report: ImportReport,
    store_source: bool,
    allow_finer_period: bool = False,
) -> dict[str, dict[str, Any]]:
    changes: dict[str, dict[str, Any]] = {}
    found = set(result.keys)
    missing = [key for key in mapping.values() if key not in found]
    if missing and result.source.layout == "long":
        # the read was limited to the wanted keys: read the keys the source has, to name them
        try:
            everything = result.source.model_copy(update={"location": result.path})
            found = set(read_kpi_values(everything, skip_bad_rows=True).keys)
        except ImportProblem:
            pass
    if missing:
        have = ", ".join(repr(k) for k in sorted(found)[:20]) or "none"
        column = result.source.kpi_column if result.source.layout == "long" else None
        where = f" in column {column!r}" if column else ""
        raise ImportProblem(
            f"{display_name(result.path)} has no rows for KPI {', '.join(repr(m) for m in missing)}{where} "
            f"(it has: {have}); map each KPI to a value the file has, e.g. --kpi csat=CSAT",
            path=result.path,
            column=column,
        )
    for kpi_id, key in mapping.items():
        kpi = next(k for k in journey.kpis if k.id == kpi_id)
        stored = result.source.model_copy(update={"key": key})
        if store_source and kpi.source is not None and not replace and not same_data(kpi.source, stored):
            differs = _differences(kpi.source, stored)
            raise ImportProblem(
                f"KPI {kpi_id!r} already reads its values from {trust.hide_password(display_name(kpi.source.location))}"
                f"{f' with another {differs}' if kpi.source.location == stored.location else ''}: import with "
                "--replace (in the import wizard: tick Replace) to read it this way instead (its values are then replaced)"
            )
        _check_period(kpi, result.source.period, replace, allow_finer_period)
        touchpoint = kpi.touchpoint if result.source.touchpoint_column and kpi.touchpoint else None
        values = result.values(key, touchpoint)
        _check_scale(kpi, values, result.source, display_name(result.path))
        if values.empty:
            report.notes.append(
                f"no rows of {key!r} are for touchpoint {touchpoint!r}, so KPI {kpi_id!r} got no values"
            )
        observations, changed = _merged(kpi, values, replace)
        update: dict[str, Any] = {"observations": observations}
        if store_source:
            update["source"] = stored.model_dump()
            update["frequency"] = result.source.period
        changes[kpi_id] = update
        report.kpis[kpi_id] = report.kpis.get(kpi_id, 0) + changed
    return changes


def _apply(editor: Editor, changes: Mapping[str, dict[str, Any]], description: str) -> None:
    with editor.batch(description):
        for kpi_id, update in changes.items():
            editor.update("kpis", kpi_id, **update)


def import_kpis(
    editor: Editor,
    source: KpiSource,
    kpis: Mapping[str, str] | Sequence[str] | str,
    *,
    map_dir: str | Path | None = None,
    skip_bad_rows: bool = False,
    replace: bool = False,
    progress: Progress | None = None,
    store_source: bool = True,
    allow_out_of_scale: bool = False,
    allow_finer_period: bool = False,
) -> ImportReport:
    """Import a source's values into KPIs of the editor's journey, as one undoable step.

    Checks before anything changes: a value outside a KPI's scale (``scale_min`` …
    ``scale_max``) is refused with its row (or, for sums, counts, rates and survey scores, its
    period) named; so is an import whose period is finer than the KPI's frequency, one that
    would mix periods in a KPI, and one that would replace the source a KPI already has.

    Parameters
    ----------
    editor
        The journey's editor (a :class:`~cjmkit.store.MapSession`'s editor autosaves).
    source
        Where and how to read; ``location`` relative to ``map_dir`` or absolute (see
        :func:`location_for`).
    kpis
        Which KPIs get which key: ``{"csat": "CSAT score"}``, or KPI ids that are their own key.
    map_dir
        The map's folder.
    skip_bad_rows
        Leave out unreadable rows (counted in the report) instead of failing; remembered with
        the source, so that refresh does the same.
    replace
        Let this source replace the one a KPI has, and the KPI's observations (those the source
        does not have are dropped; default: keep them, the source's periods are added or
        overwrite, and a KPI with another source is refused).
    progress
        ``progress(fraction, message)`` while reading.
    store_source
        Remember the source on each KPI for :func:`refresh` (default True).
    allow_out_of_scale
        Import values outside the KPI's scale (remembered with the source).
    allow_finer_period
        Import per ``source.period`` although the KPI is measured per a longer period (the KPI's
        frequency becomes the new one).

    Raises
    ------
    ImportProblem
        The journey is unchanged.
    """
    mapping = _kpi_mapping(editor.journey, kpis)
    source = source.model_copy(
        update={
            "skip_bad_rows": skip_bad_rows or source.skip_bad_rows,
            "allow_out_of_scale": allow_out_of_scale or source.allow_out_of_scale,
        }
    )
    result = read_kpi_values(
        source,
        map_dir,
        keys=sorted(set(mapping.values())),
        progress=progress,
        scales=scales_of(editor.journey, mapping),
    )
    report = ImportReport(
        rows_read=result.rows_read, rows_skipped=result.rows_skipped, skipped=result.skipped
    )
    changes = _plan(editor.journey, result, mapping, replace, report, store_source, allow_finer_period)
    if store_source:
        # the person on this machine gave this source: what is stored is trusted here as it is
        trust.trust([c["source"] for c in changes.values()], where=str(map_dir or ""))
    _apply(editor, changes, f"Import KPI values from {display_name(source.location)}")
    return report


def _source_group(source: KpiSource) -> str:
    return json.dumps(source.model_dump(mode="json", exclude={"key"}), sort_keys=True)


def refresh(
    target: Editor | Journey,
    map_dir: str | Path | None,
    *,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    map_name: str = "MAP",
) -> ImportReport:
    """Re-import every KPI that has a stored source, without asking anything.

    KPIs sharing a source (same file and mapping) are read together, once. Every source is
    tried; one that fails (unreadable, bad rows, a database that does not answer, not trusted on
    this machine) leaves its KPIs unchanged and is reported in ``report.sources`` with its
    sentence, while the others are applied. All changes are one undoable step. Refreshing twice
    changes nothing the second time.

    A source that runs SQL, connects to a database or reads environment variables runs only
    when it was trusted on this machine (:mod:`cjmkit.trust`); until then nothing is sent.

    Parameters
    ----------
    target
        An :class:`~cjmkit.edits.Editor` (e.g. ``session.editor``, autosaved) or a bare journey
        (changed in place).
    map_dir
        The map's folder, from which relative source locations are resolved.
    skip_bad_rows
        Leave out unreadable rows of every source.
    progress
        ``progress(fraction, message)`` while reading.
    map_name
        How to name the map in the advice to trust a source (``cjmkit kpi trust MAP``).

    Returns
    -------
    ImportReport
        With one :class:`SourceOutcome` per source; ``report.failed`` lists those that failed.
    """
    editor = target if isinstance(target, Editor) else Editor(target)
    groups: dict[str, tuple[KpiSource, dict[str, str]]] = {}
    for kpi in editor.journey.kpis:
        if kpi.source is None:
            continue
        key = kpi.source.key or kpi.id
        group = groups.setdefault(_source_group(kpi.source), (kpi.source, {}))
        group[1][kpi.id] = key
    report = ImportReport()
    changes: dict[str, dict[str, Any]] = {}
    for index, (source, mapping) in enumerate(groups.values()):
        step = None
        if progress is not None:

            def step(fraction: float, message: str, index: int = index) -> None:
                progress((index + fraction) / len(groups), message)

        outcome = SourceOutcome(trust.hide_password(display_name(source.location)), list(mapping))
        report.sources.append(outcome)
        planned = ImportReport()
        try:
            trust.require_trusted(source, [f"KPI {k}" for k in mapping], map_name)
            result = read_kpi_values(
                source,
                map_dir,
                keys=sorted(set(mapping.values())),
                skip_bad_rows=skip_bad_rows,
                progress=step,
                scales=scales_of(editor.journey, mapping),
            )
            planned_changes = _plan(editor.journey, result, mapping, False, planned, store_source=False)
        except CjmError as error:
            outcome.error = str(error)
            continue
        outcome.rows_read, outcome.changed = result.rows_read, planned.changed
        report.rows_read += result.rows_read
        report.rows_skipped += result.rows_skipped
        report.skipped.extend(result.skipped)
        report.notes.extend(planned.notes)
        for kpi_id, count in planned.kpis.items():
            report.kpis[kpi_id] = report.kpis.get(kpi_id, 0) + count
        changes.update(planned_changes)
    if changes:
        _apply(editor, changes, "Refresh KPI values")
    return report


def observations_of(kpi: Kpi) -> list[tuple[date, float]]:
    """A KPI's observations as ``(period, value)`` pairs, oldest first."""
    return sorted((o.period, o.value) for o in kpi.observations)
