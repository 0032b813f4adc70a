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
last       the value of the last row of the period in file order (not for SQL)
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

Nothing is half-imported: :func:`import_kpis` and :func:`refresh` read and aggregate everything
first and then change the journey in one :meth:`~cjmkit.edits.Editor.batch` (one undo step),
or raise :class:`~cjmkit.metrics.problems.ImportProblem` and change nothing. Bad rows (dates or
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
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.edits import Editor
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.textfiles import (
    EARLIEST,
    LATEST,
    CsvLayout,
    SkippedLines,
    blank_rows,
    choose_date_format,
    comment_rows,
    header_rows,
    is_empty,
    normalise_name,
    parse_dates,
    parse_numbers,
    read_csv_chunks,
    resolve_columns,
    sniff_csv,
)
from cjmkit.model import Journey, Kpi, KpiSource

Progress = Callable[[float, str], None]
"""``progress(fraction, message)``: called while a long import runs (fraction 0…1)."""

PERIODS = ("day", "week", "month")
AGGREGATIONS = ("sum", "mean", "count", "rate", "last", "min", "max")
ALIASES: dict[str, tuple[str, ...]] = {
    "period": ("date", "day", "month", "week", "timestamp", "time", "datum", "period start", "periode"),
    "kpi": ("kpi id", "metric", "measure", "indicator", "kennzahl"),
    "value": ("amount", "val", "wert", "valeur", "score", "result"),
    "touchpoint": ("touchpoint id", "touch point"),
}
"""Column names tried when a source keeps the default name (``period``...) and the file lacks it."""

CHUNK_ROWS = 250_000
WHOLE_FILE_BYTES = 256 << 20
"""Clean CSV files up to this size are parsed at once with all cores; larger ones are streamed."""
ARROW_BLOCK_BYTES = 8 << 20
"""Size of the blocks the streaming Arrow reader parses at a time (memory stays near this)."""
_ISO = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$"
_PARTIAL_COLUMNS = ["key", "touchpoint", "period", "sum", "count", "min", "max", "last"]


def kind_of(path: str | Path) -> str:
    """Guess a source kind from a file name: ``csv``, ``excel``, ``parquet`` or ``sql`` (SQLite)."""
    text = str(path)
    if "://" in text:
        return "sql"
    suffix = Path(text).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "excel"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".db", ".sqlite", ".sqlite3"):
        return "sql"
    return "csv"


def location_for(path: str | Path, map_dir: str | Path | None) -> str:
    """What to store as a source's location: relative to the map's folder when the file is inside
    it or its parent folder, else absolute. SQLAlchemy URLs are kept as they are, except that a
    SQLite file path is treated the same way."""
    text = str(path)
    if text.startswith("sqlite:///"):
        return "sqlite:///" + location_for(text[len("sqlite:///") :], map_dir)
    if "://" in text or map_dir is None:
        return text
    absolute = Path(text).expanduser().resolve()
    base = Path(map_dir).resolve()
    for root in (base, base.parent):
        try:
            relative = absolute.relative_to(root)
        except ValueError:
            continue
        return Path(os.path.relpath(absolute, base)).as_posix() if root != base else relative.as_posix()
    return str(absolute)


def resolve_location(location: str, map_dir: str | Path | None) -> str:
    """The file path or URL to open for a stored location (relative paths: from the map folder)."""
    if location.startswith("sqlite:///"):
        inner = location[len("sqlite:///") :]
        if inner and inner != ":memory:":
            return "sqlite:///" + resolve_location(inner, map_dir)
        return location
    if "://" in location:
        return location
    path = Path(location).expanduser()
    if not path.is_absolute() and map_dir is not None:
        path = Path(map_dir) / path
    return str(path)


def _as_url(location: str, kind: str) -> str:
    """A SQL source given as a plain file path is a SQLite database."""
    return f"sqlite:///{location}" if kind == "sql" and "://" not in location else location


def _display(location: str) -> str:
    if "://" in location:
        try:
            from sqlalchemy.engine import make_url

            return make_url(location).render_as_string(hide_password=True)
        except Exception:  # an unparseable URL is reported by the SQL reader itself
            return location.split("@")[-1]
    return Path(location).name


# -- bad rows ----------------------------------------------------------------------------------


@dataclass
class _Bad:
    reason: str
    column: str | None
    lines: list[int] = field(default_factory=list)
    example: str = ""
    count: int = 0


class BadRows:
    """Collects rows that could not be read, by kind, to report them in one sentence."""

    def __init__(self, name: str, unit: str = "line") -> None:
        self.name = name
        self.unit = unit
        self.kinds: dict[tuple[str, str | None], _Bad] = {}

    def add(self, reason: str, column: str | None, lines: np.ndarray, examples: Iterable[Any] = ()) -> None:
        """Record rows at ``lines`` (file line numbers) that have this problem in ``column``."""
        if len(lines) == 0:
            return
        bad = self.kinds.setdefault((reason, column), _Bad(reason, column))
        if not bad.lines:
            bad.lines = [int(x) for x in np.sort(np.asarray(lines))[:5]]
            first = next(iter(examples), "")
            bad.example = str(first)[:40]
        else:
            bad.lines = sorted([*bad.lines, *(int(x) for x in np.asarray(lines)[:5])])[:5]
        bad.count += len(lines)

    @property
    def total(self) -> int:
        """How many bad rows in all."""
        return sum(b.count for b in self.kinds.values())

    def sentences(self) -> list[str]:
        """One sentence per kind of problem, most frequent first."""
        out = []
        for bad in sorted(self.kinds.values(), key=lambda b: (-b.count, b.lines[:1])):
            rows = "1 row has" if bad.count == 1 else f"{bad.count} rows have"
            where = f"{self.unit} {bad.lines[0]}"
            column = f", column {bad.column!r}" if bad.column else ""
            example = f" ({bad.example!r})" if bad.example else ""
            out.append(f"{self.name}: {rows} {bad.reason}, first at {where}{column}{example}")
        return out

    def raise_if_any(self, path: str) -> None:
        """Raise :class:`ImportProblem` describing the bad rows, if there are any."""
        if not self.kinds:
            return
        sentences = self.sentences()
        first = min(self.kinds.values(), key=lambda b: (-b.count, b.lines[:1]))
        total = self.total
        more = f" ({total} bad rows in all: " + "; ".join(s.split(": ", 1)[1] for s in sentences[1:]) + ")"
        message = (
            sentences[0]
            + (more if len(sentences) > 1 else "")
            + "; nothing was imported: fix the file, or import with skip_bad_rows=True "
            "(cjmkit kpi import --skip-bad-rows) to leave these rows out"
        )
        raise ImportProblem(message, path=path, line=first.lines[0], column=first.column, rows=total)


# -- the result of reading a source -------------------------------------------------------------


@dataclass
class ImportResult:
    """What a source holds, aggregated per KPI key, touchpoint and period.

    Attributes
    ----------
    source
        The source as read, with column names as they are in the file (store this one).
    partials
        Columns ``key``, ``touchpoint`` ("" without a touchpoint column), ``period``
        (datetime64, the period's first day), ``sum``, ``count``, ``min``, ``max``, ``last``.
    rows_read
        Data rows read (blank, comment and repeated header lines not counted).
    rows_skipped
        Bad rows left out (only with ``skip_bad_rows=True``).
    skipped
        One sentence per kind of bad row left out.
    path
        The file or URL read (for messages).
    """

    source: KpiSource
    partials: pd.DataFrame
    rows_read: int = 0
    rows_skipped: int = 0
    skipped: list[str] = field(default_factory=list)
    path: str = ""

    @property
    def keys(self) -> list[str]:
        """The KPI keys found (values of the KPI column, or value columns in wide layout)."""
        return sorted(self.partials["key"].unique().tolist())

    def values(self, key: str | None = None, touchpoint: str | None = None) -> pd.DataFrame:
        """Final values: columns ``key``, ``period`` (datetime64), ``value``, ``n`` (rows).

        Parameters
        ----------
        key
            Only this KPI key (default: all).
        touchpoint
            Only rows of this touchpoint (when the source has a touchpoint column).
        """
        frame = self.partials
        if key is not None:
            frame = frame[frame["key"] == key]
        if touchpoint is not None:
            frame = frame[frame["touchpoint"] == touchpoint]
        combined = _combine(frame.drop(columns="touchpoint").assign(touchpoint=""))
        value = _finalise(combined, self.source.aggregation)
        out = pd.DataFrame(
            {
                "key": combined["key"].to_numpy(),
                "period": combined["period"].to_numpy(),
                "value": value,
                "n": combined["count"].to_numpy(dtype="float64").astype("int64"),
            }
        )
        return out.sort_values(["key", "period"], ignore_index=True)


def _combine(partials: pd.DataFrame) -> pd.DataFrame:
    if partials.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in _PARTIAL_COLUMNS}).astype(
            {"key": object, "touchpoint": object, "period": "datetime64[s]"}
        )
    grouped = partials.groupby(["key", "touchpoint", "period"], sort=True, dropna=False)
    return grouped.agg(
        sum=("sum", "sum"),
        count=("count", "sum"),
        min=("min", "min"),
        max=("max", "max"),
        last=("last", "last"),
    ).reset_index()


def _finalise(combined: pd.DataFrame, aggregation: str) -> np.ndarray:
    count = combined["count"].to_numpy(dtype="float64")
    total = combined["sum"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        if aggregation == "sum":
            return total
        if aggregation == "mean":
            return total / count
        if aggregation == "count":
            return count
        if aggregation == "rate":
            return 100.0 * total / count
        return combined[aggregation].to_numpy(dtype="float64")


def _empty_partials() -> pd.DataFrame:
    return _combine(pd.DataFrame(columns=_PARTIAL_COLUMNS))


def period_start(stamps: pd.Series | np.ndarray, period: str) -> np.ndarray:
    """The first day of the period each timestamp falls in (weeks start on Monday).

    Returns ``datetime64[s]`` values (NaT stays NaT).
    """
    days = np.asarray(stamps, dtype="datetime64[ns]").astype("datetime64[D]")
    if period == "month":
        days = days.astype("datetime64[M]").astype("datetime64[D]")
    elif period == "week":
        valid = ~np.isnat(days)
        numbers = days.astype("int64")
        shift = np.where(valid, (numbers + 3) % 7, 0)
        days = days - shift.astype("timedelta64[D]")
    elif period != "day":
        raise ImportProblem(f"a period is one of {', '.join(PERIODS)}, not {period!r}")
    return days.astype("datetime64[s]")


# -- checking a source -------------------------------------------------------------------------


def _check_source(source: KpiSource) -> None:
    if source.aggregation != "count" and source.layout == "long" and not source.value_column:
        raise ImportProblem(
            f"aggregation {source.aggregation!r} needs a value column; only 'count' can count rows without one"
        )
    if source.layout == "long" and not source.kpi_column:
        raise ImportProblem(
            "a long-format source needs a KPI column (kpi_column) saying which KPI a row is about"
        )


def _wanted(source: KpiSource, keys: Sequence[str] | None) -> dict[str, str | None]:
    wanted: dict[str, str | None] = {"period": source.period_column}
    if source.layout == "long":
        wanted["kpi"] = source.kpi_column
        wanted["value"] = source.value_column
    else:
        for key in keys or ([source.key] if source.key else []):
            wanted[f"key:{key}"] = key
    wanted["touchpoint"] = source.touchpoint_column
    return wanted


def _resolved_source(source: KpiSource, columns: Mapping[str, str]) -> KpiSource:
    update: dict[str, Any] = {"period_column": columns["period"]}
    if source.layout == "long":
        update["kpi_column"] = columns["kpi"]
        update["value_column"] = columns.get("value")
    if "touchpoint" in columns:
        update["touchpoint_column"] = columns["touchpoint"]
    return source.model_copy(update=update)


_HINT = "; choose the right column in the mapping (e.g. --period-column, --kpi-column, --value-column)"


# -- reading -----------------------------------------------------------------------------------


def read_kpi_values(
    source: KpiSource,
    map_dir: str | Path | None = None,
    *,
    keys: Sequence[str] | None = None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
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

    Raises
    ------
    ImportProblem
        When the source cannot be read, lacks columns or has bad rows (and ``skip_bad_rows`` is
        false). The sentence names the file, first line, column and how many rows.
    """
    _check_source(source)
    if source.layout == "wide" and not (keys or source.key):
        raise ImportProblem("a wide-format source needs the KPI columns to read (keys)")
    target = resolve_location(_as_url(source.location, source.kind), map_dir)
    report = progress or (lambda fraction, message: None)
    report(0.0, f"Reading {_display(target)}")
    if source.kind == "sql":
        from cjmkit.metrics.sql import read_sql_values

        result = read_sql_values(source, target, keys=keys, skip_bad_rows=skip_bad_rows)
    elif source.kind == "csv":
        result = _read_csv(source, target, keys, skip_bad_rows, report, chunk_rows)
    elif source.kind == "excel":
        result = _read_excel(source, target, keys, skip_bad_rows)
    elif source.kind == "parquet":
        result = _read_parquet(source, target, keys, skip_bad_rows, report, chunk_rows)
    else:  # pragma: no cover - KpiSource validates kind
        raise ImportProblem(f"unknown source kind {source.kind!r}")
    report(1.0, f"Read {result.rows_read:,} rows from {_display(target)}")
    return result


class _Aggregator:
    """Parses chunks of raw rows and keeps partial aggregates per key, touchpoint and period."""

    def __init__(
        self,
        source: KpiSource,
        columns: Mapping[str, str],
        keys: Sequence[str] | None,
        bad: BadRows,
        decimal: str = ".",
    ) -> None:
        self.source = source
        self.columns = columns
        self.keys = set(keys) if keys else None
        self.bad = bad
        self.decimal = decimal
        self.date_format: str | None = None
        self.parts: list[pd.DataFrame] = []
        self.rows_read = 0

    def feed(self, frame: pd.DataFrame, lines: np.ndarray) -> None:
        """Parse one chunk; ``lines`` are the file line (or row) numbers of its rows."""
        drop = blank_rows(frame) | comment_rows(frame) | header_rows(frame)
        if drop.any():
            frame, lines = frame[~drop], lines[~drop]
        self.rows_read += len(frame)
        if frame.empty:
            return
        cols = self.columns
        src = self.source
        raw_period = frame[cols["period"]]
        if self.date_format is None and not pd.api.types.is_datetime64_any_dtype(raw_period):
            self.date_format = choose_date_format(raw_period.astype(str))
        touchpoint = (
            frame[cols["touchpoint"]].astype(str).str.strip().to_numpy(dtype=object)
            if "touchpoint" in cols
            else np.full(len(frame), "", dtype=object)
        )
        if src.layout == "long":
            key = frame[cols["kpi"]].astype(str).str.strip().to_numpy(dtype=object)
            keep = np.isin(key, list(self.keys)) if self.keys is not None else key != ""
            if not keep.all():
                frame, lines, key, touchpoint = frame[keep], lines[keep], key[keep], touchpoint[keep]
                raw_period = frame[cols["period"]]
            if frame.empty:
                return
            ok, periods = self._periods(raw_period, lines)
            if "value" in cols:
                values, ok_values = self._values(frame[cols["value"]], lines, cols["value"])
            else:
                values, ok_values = np.ones(len(frame)), np.ones(len(frame), dtype=bool)
            ok &= ok_values
            self._add(key[ok], touchpoint[ok], periods[ok], values[ok])
        else:
            ok, periods = self._periods(raw_period, lines)
            for role, column in cols.items():
                if not role.startswith("key:"):
                    continue
                values, ok_values = self._values(frame[column], lines, column)
                use = ok & ok_values
                self._add(
                    np.full(int(use.sum()), role[4:], dtype=object),
                    touchpoint[use],
                    periods[use],
                    values[use],
                )

    def _periods(self, raw: pd.Series, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        parsed = parse_dates(raw, self.date_format)
        stamps = parsed.to_numpy(dtype="datetime64[ns]")
        missing = np.isnat(stamps)
        if missing.any():
            empty = is_empty(raw) & missing
            unreadable = missing & ~empty
            column = self.columns["period"]
            self.bad.add("no date", column, lines[empty])
            self.bad.add("a date that cannot be read", column, lines[unreadable], raw[unreadable].tolist())
        return ~missing, period_start(stamps, self.source.period)

    def _values(self, raw: pd.Series, lines: np.ndarray, column: str) -> tuple[np.ndarray, np.ndarray]:
        values = parse_numbers(raw, self.decimal).to_numpy(dtype="float64")
        missing = np.isnan(values)
        empty = is_empty(raw)
        unreadable = missing & ~empty
        if unreadable.any():
            self.bad.add("a value that is not a number", column, lines[unreadable], raw[unreadable].tolist())
        ok = ~missing
        if self.source.aggregation == "rate":
            outside = ok & ((values < 0) | (values > 1))
            if outside.any():
                self.bad.add(
                    "a value outside 0…1 (a rate needs 0/1 flags or fractions)",
                    column,
                    lines[outside],
                    raw[outside].tolist(),
                )
                ok &= ~outside
        return values, ok

    def _add(self, key: np.ndarray, touchpoint: np.ndarray, period: np.ndarray, value: np.ndarray) -> None:
        if len(key) == 0:
            return
        frame = pd.DataFrame({"key": key, "touchpoint": touchpoint, "period": period, "v": value})
        grouped = frame.groupby(["key", "touchpoint", "period"], sort=False)
        part = grouped["v"].agg(["sum", "count", "min", "max", "last"]).reset_index()
        self.parts.append(part)

    def add_partials(self, partials: pd.DataFrame) -> None:
        """Add already aggregated partials (from the Arrow fast path or SQL)."""
        self.parts.append(partials)

    def result(self, path: str, skip_bad_rows: bool) -> ImportResult:
        if not skip_bad_rows:
            self.bad.raise_if_any(path)
        partials = pd.concat(self.parts, ignore_index=True) if self.parts else _empty_partials()
        partials["period"] = partials["period"].astype("datetime64[s]")
        combined = _combine(partials)
        return ImportResult(
            source=_resolved_source(self.source, self.columns),
            partials=combined,
            rows_read=self.rows_read,
            rows_skipped=self.bad.total,
            skipped=self.bad.sentences(),
            path=path,
        )


def _read_csv(
    source: KpiSource,
    path: str,
    keys: Sequence[str] | None,
    skip_bad_rows: bool,
    report: Progress,
    chunk_rows: int,
) -> ImportResult:
    wanted = _wanted(source, keys)
    layout = sniff_csv(path, [w for w in wanted.values() if w])
    try:
        columns = resolve_columns(layout.columns, wanted, aliases=ALIASES, file_name=layout.name, hint=_HINT)
    except ImportProblem as problem:
        problem.path = path
        raise
    fast = _read_csv_arrow(source, layout, columns, keys, report)
    if fast is not None:
        return fast
    bad = BadRows(layout.name, "line")
    aggregator = _Aggregator(source, columns, keys, bad, layout.decimal)
    skipped = SkippedLines()
    position = 0
    first_line = layout.header_line + 2
    estimate = max(1.0, layout.size / layout.bytes_per_line)
    # all columns are read, so that rows with a stray separator are caught, not silently cut
    for chunk in read_csv_chunks(layout, None, chunk_rows, skipped):
        lines = skipped.line_of(np.arange(position, position + len(chunk)), first_line)
        position += len(chunk)
        aggregator.feed(chunk, lines)
        report(min(0.99, position / estimate), f"Read {position:,} rows of {layout.name}")
    if skipped.lines:
        found = np.asarray(skipped.found)
        bad.add(
            f"more fields than the header's {skipped.expected} (a stray separator?)",
            None,
            np.asarray(skipped.lines),
            [f"{found[0]} fields"],
        )
        aggregator.rows_read += len(skipped.lines)
    return aggregator.result(path, skip_bad_rows)


def _read_csv_arrow(
    source: KpiSource,
    layout: CsvLayout,
    columns: Mapping[str, str],
    keys: Sequence[str] | None,
    report: Progress,
) -> ImportResult | None:
    """The fast path for clean files: Arrow's multi-threaded CSV parser and integer group codes.

    Returns None whenever anything looks unusual, so that the careful pandas path reads the file
    and reports bad rows precisely.
    """
    import re

    import pyarrow as pa
    import pyarrow.csv as pacsv

    if layout.encoding not in ("utf-8", "utf-8-sig") or layout.decimal != "." or source.aggregation == "last":
        return None
    index = {c: i for i, c in enumerate(layout.columns)}
    if len(index) != len(layout.columns) or any(not c for c in layout.columns):
        return None
    period_index = index[columns["period"]]
    sample = [row[period_index].strip() for row in layout.sample if len(row) == len(layout.columns)]
    if not sample or not all(re.match(_ISO, s) for s in sample):
        return None
    names = [f"c{i}" for i in range(len(layout.columns))]
    alias = {role: f"c{index[col]}" for role, col in columns.items()}
    text = pa.dictionary(pa.int32(), pa.string())
    # dates are read as dictionary-encoded text: a year of daily rows has 365 distinct dates, so
    # parsing the distinct ones only is much cheaper than parsing every row
    types: dict[str, Any] = {alias["period"]: text}
    for role, name in alias.items():
        if role == "value" or role.startswith("key:"):
            types[name] = pa.float64()
        elif role in ("kpi", "touchpoint"):
            types[name] = text
    read_options = pacsv.ReadOptions(
        skip_rows=layout.header_line + 1, column_names=names, block_size=ARROW_BLOCK_BYTES
    )
    parse_options = pacsv.ParseOptions(delimiter=layout.delimiter)
    convert_options = pacsv.ConvertOptions(
        include_columns=list(dict.fromkeys(alias.values())), column_types=types
    )
    parts: list[pd.DataFrame] = []
    rows = 0
    estimate = max(1.0, layout.size / layout.bytes_per_line)
    try:
        if layout.size <= WHOLE_FILE_BYTES:
            whole = pacsv.read_csv(
                layout.path,
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
            tables: Iterable[Any] = [whole.unify_dictionaries().combine_chunks()]
        else:
            reader = pacsv.open_csv(
                layout.path,
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
            tables = (pa.Table.from_batches([batch]) for batch in reader)
        for table in tables:
            rows += table.num_rows
            part = _arrow_partials(source, table, alias, keys)
            if part is None:
                return None
            parts.append(part)
            report(min(0.99, rows / estimate), f"Read {rows:,} rows of {layout.name}")
    except (pa.ArrowException, UnicodeDecodeError, ValueError, OSError):
        return None
    partials = pd.concat(parts, ignore_index=True) if parts else _empty_partials()
    if (
        source.aggregation == "rate"
        and len(partials)
        and ((partials["min"] < 0).any() or (partials["max"] > 1).any())
    ):
        return None
    return ImportResult(
        source=_resolved_source(source, columns),
        partials=_combine(partials[_PARTIAL_COLUMNS]),
        rows_read=rows,
        path=layout.path,
    )


def _codes(column: Any) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for null) and the distinct values of a dictionary-encoded Arrow column."""
    import pyarrow as pa

    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if array.num_chunks if isinstance(array, pa.ChunkedArray) else False:  # pragma: no cover
        array = array.chunk(0)
    codes = array.indices.to_numpy(zero_copy_only=False)
    codes = (
        np.where(np.isnan(codes), -1, codes).astype(np.int64)
        if codes.dtype.kind == "f"
        else codes.astype(np.int64)
    )
    values = np.asarray(
        [("" if v is None else str(v).strip()) for v in array.dictionary.to_pylist()], dtype=object
    )
    return codes, values


def _arrow_partials(
    source: KpiSource, table: Any, alias: Mapping[str, str], keys: Sequence[str] | None
) -> pd.DataFrame | None:
    """Partial aggregates of one Arrow table, grouped with integer codes and ``np.bincount``."""
    if table.num_rows == 0:
        return _empty_partials()
    period_codes_raw, period_texts = _codes(table[alias["period"]])
    if (period_codes_raw < 0).any():
        return None
    parsed = pd.to_datetime(pd.Series(period_texts, dtype=object), format="ISO8601", errors="coerce")
    if parsed.isna().any() or getattr(parsed.dt, "tz", None) is not None:
        return None
    if ((parsed < EARLIEST) | (parsed > LATEST)).any():
        return None
    starts = period_start(parsed.to_numpy(), source.period).astype("datetime64[D]").astype(np.int64)
    day_numbers = starts[period_codes_raw]
    first = int(day_numbers.min())
    period_codes = day_numbers - first
    periods = int(period_codes.max()) + 1
    if "touchpoint" in alias:
        tp_codes, tp_values = _codes(table[alias["touchpoint"]])
        tp_codes = np.where(tp_codes < 0, len(tp_values), tp_codes)
        tp_values = np.append(tp_values, "")
    else:
        tp_codes, tp_values = np.zeros(table.num_rows, dtype=np.int64), np.asarray([""], dtype=object)
    if source.layout == "long":
        key_codes, key_values = _codes(table[alias["kpi"]])
        wanted = np.asarray([(v in set(keys)) if keys else v != "" for v in key_values], dtype=bool)
        use = (key_codes >= 0) & wanted[np.clip(key_codes, 0, None)]
        value = table[alias["value"]].to_numpy() if "value" in alias else np.ones(table.num_rows)
        streams = [(key_codes, key_values, value, use)]
    else:
        streams = []
        for role, name in alias.items():
            if role.startswith("key:"):
                value = table[name].to_numpy()
                codes = np.zeros(table.num_rows, dtype=np.int64)
                streams.append(
                    (codes, np.asarray([role[4:]], dtype=object), value, np.ones(table.num_rows, dtype=bool))
                )
    frames = []
    for key_codes, key_values, value, use in streams:
        present = use & ~np.isnan(value)
        group = (key_codes * len(tp_values) + tp_codes) * periods + period_codes
        group, weights = group[present], value[present]
        size = len(key_values) * len(tp_values) * periods
        count = np.bincount(group, minlength=size)
        found = np.flatnonzero(count)
        total = np.bincount(group, weights=weights, minlength=size)[found]
        if source.aggregation in ("min", "max", "rate"):
            extremes = pd.Series(weights).groupby(group).agg(["min", "max"]).reindex(found)
            low, high = extremes["min"].to_numpy(), extremes["max"].to_numpy()
        else:
            low = high = np.full(len(found), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "key": key_values[found // (len(tp_values) * periods)],
                    "touchpoint": tp_values[(found // periods) % len(tp_values)],
                    "period": (first + found % periods).astype("datetime64[D]").astype("datetime64[s]"),
                    "sum": total,
                    "count": count[found].astype("float64"),
                    "min": low,
                    "max": high,
                    "last": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else _empty_partials()


def _find_header(frame: pd.DataFrame, expected: Sequence[str]) -> int:
    wanted = {normalise_name(e) for e in expected if e}
    for i in range(min(len(frame), 200)):
        cells = {normalise_name(c) for c in frame.iloc[i].tolist() if c is not None and not pd.isna(c)}
        if wanted and wanted <= cells:
            return i
    filled = frame.head(200).notna().sum(axis=1)
    return int(np.argmax(filled.to_numpy() >= filled.max())) if len(filled) else 0


def _read_excel(
    source: KpiSource, path: str, keys: Sequence[str] | None, skip_bad_rows: bool
) -> ImportResult:
    name = Path(path).name
    try:
        raw = pd.read_excel(path, sheet_name=source.table or 0, header=None, dtype=object, engine="openpyxl")
    except FileNotFoundError:
        raise ImportProblem(f"cannot read {path}: no such file", path=path) from None
    except (ValueError, KeyError, OSError, TypeError, IndexError) as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if source.table and "not found" in detail.lower():
            detail = f"it has no sheet {source.table!r}"
        raise ImportProblem(f"cannot read {name} as an Excel workbook: {detail}", path=path) from None
    except Exception as error:  # zipfile.BadZipFile and openpyxl's own errors on broken files
        raise ImportProblem(
            f"cannot read {name} as an Excel workbook ({type(error).__name__}): save it as .xlsx", path=path
        ) from None
    wanted = _wanted(source, keys)
    if raw.empty:
        raise ImportProblem(f"{name} is empty: it has no header and no rows", path=path)
    header = _find_header(raw, [w for w in wanted.values() if w])
    names = [("" if pd.isna(c) else str(c).strip()) for c in raw.iloc[header].tolist()]
    frame = raw.iloc[header + 1 :].copy()
    frame.columns = [n or f"column {i + 1}" for i, n in enumerate(names)]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    columns = resolve_columns(list(frame.columns), wanted, aliases=ALIASES, file_name=name, hint=_HINT)
    bad = BadRows(name, "row")
    aggregator = _Aggregator(source, columns, keys, bad)
    lines = np.arange(len(frame)) + header + 2
    aggregator.feed(frame[list(dict.fromkeys(columns.values()))].reset_index(drop=True), lines)
    return aggregator.result(path, skip_bad_rows)


def _read_parquet(
    source: KpiSource,
    path: str,
    keys: Sequence[str] | None,
    skip_bad_rows: bool,
    report: Progress,
    chunk_rows: int,
) -> ImportResult:
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = Path(path).name
    try:
        parquet = pq.ParquetFile(path)
        schema_names = list(parquet.schema_arrow.names)
    except FileNotFoundError:
        raise ImportProblem(f"cannot read {path}: no such file", path=path) from None
    except (pa.ArrowException, OSError, ValueError) as error:
        raise ImportProblem(f"cannot read {name} as Parquet: {error}", path=path) from None
    wanted = _wanted(source, keys)
    columns = resolve_columns(schema_names, wanted, aliases=ALIASES, file_name=name, hint=_HINT)
    bad = BadRows(name, "row")
    aggregator = _Aggregator(source, columns, keys, bad)
    total = max(1, parquet.metadata.num_rows)
    position = 0
    try:
        for batch in parquet.iter_batches(
            batch_size=chunk_rows, columns=list(dict.fromkeys(columns.values()))
        ):
            frame = batch.to_pandas()
            aggregator.feed(frame, np.arange(position, position + len(frame)) + 1)
            position += len(frame)
            report(min(0.99, position / total), f"Read {position:,} rows of {name}")
    except (pa.ArrowException, OSError, ValueError) as error:
        raise ImportProblem(f"cannot read {name} as Parquet: {error}", path=path) from None
    return aggregator.result(path, skip_bad_rows)


# -- applying to a journey ---------------------------------------------------------------------


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
    """

    kpis: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0
    rows_skipped: int = 0
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """How many observations were added or changed in all."""
        return sum(self.kpis.values())

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
        return text


def _round(value: float) -> float:
    return float(f"{value:.12g}")


def _merged(kpi: Kpi, values: pd.DataFrame, replace: bool) -> tuple[list[dict[str, Any]], int]:
    before = {o.period: o.value for o in kpi.observations}
    new = {} if replace else dict(before)
    changed = 0
    for period, value in zip(values["period"], values["value"], strict=True):
        if value is None or not np.isfinite(value):
            continue
        day = pd.Timestamp(period).date()
        value = _round(float(value))
        if before.get(day) != value:
            changed += 1
        new[day] = value
    if replace:
        changed += sum(1 for o in kpi.observations if o.period not in new)
    return [{"period": d, "value": new[d]} for d in sorted(new)], changed


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


def _plan(
    journey: Journey,
    result: ImportResult,
    mapping: Mapping[str, str],
    replace: bool,
    report: ImportReport,
    store_source: bool,
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
            f"{_display(result.path)} has no rows for KPI {', '.join(repr(m) for m in missing)}{where} "
            f"(it has: {have}); map each KPI to a value the file has, e.g. --kpi csat=CSAT",
            path=result.path,
            column=column,
        )
    for kpi_id, key in mapping.items():
        kpi = next(k for k in journey.kpis if k.id == kpi_id)
        touchpoint = kpi.touchpoint if result.source.touchpoint_column and kpi.touchpoint else None
        values = result.values(key, touchpoint)
        if values.empty:
            report.notes.append(
                f"no rows of {key!r} are for touchpoint {touchpoint!r}, so KPI {kpi_id!r} got no values"
            )
        observations, changed = _merged(kpi, values, replace)
        update: dict[str, Any] = {"observations": observations}
        if store_source:
            update["source"] = result.source.model_copy(update={"key": key}).model_dump()
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
) -> ImportReport:
    """Import a source's values into KPIs of the editor's journey, as one undoable step.

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
        Leave out unreadable rows (counted in the report) instead of failing.
    replace
        Drop a KPI's observations that the source does not have (default: keep them; the
        source's periods are added or overwrite).
    progress
        ``progress(fraction, message)`` while reading.
    store_source
        Remember the source on each KPI for :func:`refresh` (default True).

    Raises
    ------
    ImportProblem
        The journey is unchanged.
    """
    mapping = _kpi_mapping(editor.journey, kpis)
    result = read_kpi_values(
        source,
        map_dir,
        keys=sorted(set(mapping.values())),
        skip_bad_rows=skip_bad_rows,
        progress=progress,
    )
    report = ImportReport(
        rows_read=result.rows_read, rows_skipped=result.rows_skipped, skipped=result.skipped
    )
    changes = _plan(editor.journey, result, mapping, replace, report, store_source)
    _apply(editor, changes, f"Import KPI values from {_display(source.location)}")
    return report


def _source_group(source: KpiSource) -> str:
    return json.dumps(source.model_dump(mode="json", exclude={"key"}), sort_keys=True)


def refresh(
    target: Editor | Journey,
    map_dir: str | Path | None,
    *,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Re-import every KPI that has a stored source, without asking anything.

    KPIs sharing a source (same file and mapping) are read together, once. Everything is read
    first; then all KPIs change in one undoable step, or nothing changes if any source fails.
    Refreshing twice changes nothing the second time.

    Parameters
    ----------
    target
        An :class:`~cjmkit.edits.Editor` (e.g. ``session.editor``, autosaved) or a bare journey
        (changed in place).
    map_dir
        The map's folder, from which relative source locations are resolved.

    Raises
    ------
    ImportProblem
        Naming the source that failed; the journey is unchanged.
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

        result = read_kpi_values(
            source, map_dir, keys=sorted(set(mapping.values())), skip_bad_rows=skip_bad_rows, progress=step
        )
        report.rows_read += result.rows_read
        report.rows_skipped += result.rows_skipped
        report.skipped.extend(result.skipped)
        changes.update(_plan(editor.journey, result, mapping, False, report, store_source=False))
    if changes:
        _apply(editor, changes, "Refresh KPI values")
    return report


def observations_of(kpi: Kpi) -> list[tuple[date, float]]:
    """A KPI's observations as ``(period, value)`` pairs, oldest first."""
    return sorted((o.period, o.value) for o in kpi.observations)


# -- previews (for the import wizard) ----------------------------------------------------------


def preview(
    location: str,
    kind: str | None = None,
    map_dir: str | Path | None = None,
    *,
    table: str | None = None,
    query: str | None = None,
    rows: int = 10,
) -> pd.DataFrame:
    """The first rows of a source as they are (text), with its header, to map columns.

    Raises
    ------
    ImportProblem
        When the source cannot be read.
    """
    kind = kind or kind_of(location)
    target = resolve_location(_as_url(location, kind), map_dir)
    if kind == "csv":
        layout = sniff_csv(target)
        frame = next(
            iter(read_csv_chunks(layout, None, chunk_rows=rows * 3 + 20)),
            pd.DataFrame(columns=layout.columns),
        )
        keep = ~(blank_rows(frame) | comment_rows(frame) | header_rows(frame))
        return frame[keep].head(rows).reset_index(drop=True)
    if kind == "excel":
        try:
            raw = pd.read_excel(target, sheet_name=table or 0, header=None, dtype=object, nrows=rows + 200)
        except Exception as error:  # broken workbooks raise many kinds of errors; one sentence for all
            raise ImportProblem(
                f"cannot read {Path(target).name} as an Excel workbook: {error}", path=target
            ) from None
        if raw.empty:
            return pd.DataFrame()
        header = _find_header(raw, ())
        frame = raw.iloc[header + 1 : header + 1 + rows].copy()
        frame.columns = [
            ("" if pd.isna(c) else str(c).strip()) or f"column {i + 1}"
            for i, c in enumerate(raw.iloc[header])
        ]
        return frame.astype(str).reset_index(drop=True)
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            batch = next(pq.ParquetFile(target).iter_batches(batch_size=rows), None)
        except (pa.ArrowException, OSError, ValueError) as error:
            raise ImportProblem(f"cannot read {Path(target).name} as Parquet: {error}", path=target) from None
        return batch.to_pandas() if batch is not None else pd.DataFrame()
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    if not table and not query:
        raise ImportProblem(f"{_display(target)}: say which table or query to read", path=target)
    try:
        engine = sa.create_engine(target)
        with engine.connect() as connection:
            if query:
                statement = (
                    sa.select(sa.text("*")).select_from(sa.text(f"({query}) AS cjm_preview")).limit(rows)
                )
            else:
                schema, _, name = table.rpartition(".")
                statement = (
                    sa.select(sa.text("*")).select_from(sa.table(name, schema=schema or None)).limit(rows)
                )
            return pd.DataFrame(connection.execute(statement).mappings().all())
    except (SQLAlchemyError, ValueError) as error:
        detail = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise ImportProblem(f"{_display(target)}: cannot read a preview: {detail}", path=target) from None


def guess_columns(columns: Sequence[str]) -> dict[str, str | None]:
    """Guess which column is the period, the KPI, the value and the touchpoint (None: none found)."""
    by_norm = {normalise_name(c): c for c in reversed(list(columns))}
    guessed: dict[str, str | None] = {}
    for role in ("period", "kpi", "value", "touchpoint"):
        names = (role, *ALIASES.get(role, ()))
        guessed[role] = next(
            (by_norm[normalise_name(n)] for n in names if normalise_name(n) in by_norm), None
        )
    return guessed
