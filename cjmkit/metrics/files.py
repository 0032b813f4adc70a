"""Reading files of KPI values: CSV (messy or clean), Excel and Parquet.

Clean CSV files take a fast path (Arrow's multi-threaded parser, dictionary-encoded dates and
keys, ``np.bincount`` aggregation); anything unusual falls back to the careful path (pandas
chunks of text, every bad row located), so both give the same numbers. CSV files up to
:data:`WHOLE_FILE_BYTES` are parsed at once; larger ones are streamed in blocks of
:data:`ARROW_BLOCK_BYTES` (or read in pandas chunks), so memory stays bounded. Parquet is read
by row groups; Excel workbooks are read whole (they hold at most about a million rows).
The other exports (tickets, care contacts, surveys) are read by :mod:`cjmkit.metrics.records`;
:mod:`cjmkit.metrics.readers` dispatches on a source's kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.metrics.aggregate import (
    PARTIAL_COLUMNS,
    SCALED,
    BadRows,
    ImportResult,
    RowAggregator,
    combine_partials,
    empty_partials,
    period_start,
)
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.sources import (
    ALIASES,
    COLUMN_HINT,
    resolved_source,
    wanted_columns,
)
from cjmkit.metrics.textfiles import (
    EARLIEST,
    LATEST,
    CsvLayout,
    SkippedLines,
    normalise_name,
    read_csv_chunks,
    resolve_columns,
    sniff_csv,
)
from cjmkit.model import KpiSource

Scales = Mapping[str, tuple[float | None, float | None]]
"""KPI key → the (low, high) bounds of the KPI it feeds (None: unbounded on that side)."""

Progress = Callable[[float, str], None]
"""``progress(fraction, message)``: called while a long import runs (fraction 0…1)."""

CHUNK_ROWS = 250_000
WHOLE_FILE_BYTES = 256 << 20
"""Clean CSV files up to this size are parsed at once with all cores; larger ones are streamed."""
ARROW_BLOCK_BYTES = 8 << 20
"""Size of the blocks the streaming Arrow reader parses at a time (memory stays near this)."""
_ISO = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$"


def read_csv_source(
    source: KpiSource,
    path: str,
    *,
    keys: Sequence[str] | None,
    skip_bad_rows: bool,
    progress: Progress,
    chunk_rows: int,
    scales: Scales | None = None,
) -> ImportResult:
    """Read the KPI values of a CSV file (the fast Arrow path when the file allows, else the careful one)."""
    report = progress
    wanted = wanted_columns(source, keys)
    layout = sniff_csv(path, [w for w in wanted.values() if w], subheaders=True)
    try:
        columns = resolve_columns(
            layout.columns, wanted, aliases=ALIASES, file_name=layout.name, hint=COLUMN_HINT
        )
    except ImportProblem as problem:
        problem.path = path
        raise
    fast = _read_csv_arrow(source, layout, columns, keys, report, scales)
    if fast is not None:
        return fast
    bad = BadRows(layout.name, "line")
    aggregator = RowAggregator(source, columns, keys, bad, layout.decimal, scales)
    skipped = SkippedLines()
    position = 0
    first_line = layout.first_data_line
    estimate = max(1.0, layout.size / layout.bytes_per_line)
    # all columns are read, so that rows with a stray separator are caught, not silently cut
    for chunk in read_csv_chunks(layout, None, chunk_rows, skipped, required=list(columns.values())):
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
    scales: Scales | None = None,
) -> ImportResult | None:
    """The fast path for clean files: Arrow's multi-threaded CSV parser and integer group codes.

    Returns None whenever anything looks unusual, so that the careful pandas path reads the file
    and reports bad rows precisely.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if (
        layout.encoding not in ("utf-8", "utf-8-sig")
        or layout.decimal != "."
        or source.aggregation in ("last", "csat", "nps", "ces")
        or source.labels
        or source.date_format
    ):
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
    dates_only = all(len(value) == 10 for value in sample)
    types: dict[str, Any] = {alias["period"]: pa.date32() if dates_only else pa.timestamp("s")}
    for role, name in alias.items():
        if role == "value" or role.startswith("key:"):
            types[name] = pa.float64()
        elif role in ("kpi", "touchpoint"):
            # dictionary-encoded while parsing, on all cores: far cheaper than hashing afterwards
            types[name] = pa.dictionary(pa.int32(), pa.string())
    whole_file = layout.size <= WHOLE_FILE_BYTES
    read_options = pacsv.ReadOptions(
        skip_rows=layout.first_data_line - 1,
        column_names=names,
        # Arrow's default block size (1 MB) spreads a whole file over all cores; streaming reads
        # larger blocks, which bound memory and keep per-batch overhead small
        **({} if whole_file else {"block_size": ARROW_BLOCK_BYTES}),
    )
    parse_options = pacsv.ParseOptions(delimiter=layout.delimiter)
    convert_options = pacsv.ConvertOptions(
        include_columns=list(dict.fromkeys(alias.values())), column_types=types
    )
    parts: list[pd.DataFrame] = []
    rows = 0
    estimate = max(1.0, layout.size / layout.bytes_per_line)
    try:
        if whole_file:
            whole = pacsv.read_csv(
                layout.path,
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
            tables: Iterable[Any] = [whole]
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
            part = _arrow_partials(source, table, alias, keys, scales)
            if part is None:
                return None
            parts.append(part)
            report(min(0.99, rows / estimate), f"Read {rows:,} rows of {layout.name}")
    except (pa.ArrowException, UnicodeDecodeError, ValueError, OSError):
        return None
    partials = pd.concat(parts, ignore_index=True) if parts else empty_partials()
    if (
        source.aggregation == "rate"
        and len(partials)
        and ((partials["min"] < 0).any() or (partials["max"] > 1).any())
    ):
        return None
    return ImportResult(
        source=resolved_source(source, columns),
        partials=combine_partials(partials[PARTIAL_COLUMNS]),
        rows_read=rows,
        path=layout.path,
    )


BATCH_ROWS = 1 << 16
"""Rows aggregated at a time on the fast path: small enough that the temporaries stay in cache."""


def _dictionary(column: Any) -> tuple[Any, np.ndarray]:
    """A text column dictionary-encoded with one dictionary for all chunks, and its values (trimmed)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(column.type):
        column = pa.chunked_array([pc.dictionary_encode(column.combine_chunks())])
    column = column.unify_dictionaries() if column.num_chunks > 1 else column
    dictionary = column.chunk(0).dictionary if column.num_chunks else pa.array([], pa.string())
    values = np.asarray([("" if v is None else str(v).strip()) for v in dictionary.to_pylist()], dtype=object)
    return column, values


def _indices(array: Any) -> np.ndarray:
    """The codes of a dictionary array, -1 for null."""
    indices = array.indices
    return (indices.fill_null(-1) if indices.null_count else indices).to_numpy()


def _bounds(values: np.ndarray, scales: Scales) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest allowed value per key (one more, unbounded, for the null code -1)."""
    low = np.asarray([_or(scales.get(v, (None, None))[0], -np.inf) for v in values] + [-np.inf])
    high = np.asarray([_or(scales.get(v, (None, None))[1], np.inf) for v in values] + [np.inf])
    return low, high


def _or(value: float | None, default: float) -> float:
    return default if value is None else float(value)


def _arrow_partials(
    source: KpiSource,
    table: Any,
    alias: Mapping[str, str],
    keys: Sequence[str] | None,
    scales: Scales | None = None,
) -> pd.DataFrame | None:
    """Partial aggregates of one Arrow table, grouped with integer codes and ``np.bincount``.

    Rows are counted and summed per key, touchpoint and *day* (a small table when there are
    few distinct days), which then folds into periods; with many days, or for min/max, rows are
    grouped by period directly. The table is walked in batches of :data:`BATCH_ROWS` rows, so
    the per-row temporaries stay small.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = table.num_rows
    if rows == 0:
        return empty_partials()
    period = table[alias["period"]]
    if period.null_count:
        return None
    day_column = (period if pa.types.is_date32(period.type) else period.cast(pa.date32())).cast(pa.int32())
    extent = pc.min_max(day_column)
    low, high = extent["min"].as_py(), extent["max"].as_py()
    span = np.arange(low, high + 1).astype("datetime64[D]")
    if high - low > 200_000 or span[0] < EARLIEST.to_datetime64() or span[-1] > LATEST.to_datetime64():
        return None
    # periods are runs of consecutive days: the first day of each, and which period each day is in
    starts = period_start(span, source.period).astype("datetime64[D]").astype(np.int64)
    changes = np.diff(starts, prepend=starts[0] - 1) != 0
    bounds = np.flatnonzero(changes)
    period_days = starts[bounds]
    periods = len(bounds)
    columns: dict[str, Any] = {"day": day_column}
    tp_values = np.asarray([""], dtype=object)
    if "touchpoint" in alias:
        columns["touchpoint"], tp_values = _dictionary(table[alias["touchpoint"]])
        tp_values = np.append(tp_values, "")  # for null touchpoints (code -1 → the last one)
    if source.layout == "long":
        columns["kpi"], key_values = _dictionary(table[alias["kpi"]])
        wanted = set(keys) if keys else None
        # one flag per code, and a last one (False) that the null code -1 picks
        use: np.ndarray | None = np.asarray(
            [*((v in wanted) if wanted else v != "" for v in key_values), False], dtype=bool
        )
        if "value" in alias:
            columns["value"] = table[alias["value"]]
        streams = [("value", key_values)]
    else:
        use = None
        streams = []
        for role, name in alias.items():
            if role.startswith("key:"):
                columns[role] = table[name]
                streams.append((role, np.asarray([role[4:]], dtype=object)))
    check = bool(scales) and source.aggregation in SCALED and not source.allow_out_of_scale
    limits = [_bounds(values, scales or {}) for _, values in streams] if check else []
    extremes = source.aggregation in ("min", "max", "rate")
    key_count = max(len(values) for _, values in streams)
    by_day = not extremes and key_count * len(tp_values) * len(span) <= max(rows, 1 << 16)
    # per row: the day (folded into periods after counting) or directly the period
    units = len(span) if by_day else periods
    unit_of_day = np.arange(len(span)) if by_day else np.cumsum(changes) - 1
    width = len(tp_values) * units
    if key_count * width > 4 * rows + (1 << 20):  # too sparse for counting arrays: the careful path
        return None
    counts = [np.zeros(len(values) * width) for _, values in streams]
    totals = [np.zeros(len(values) * width) for _, values in streams]
    kept: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in streams]
    data = pa.Table.from_arrays(list(columns.values()), names=list(columns))
    buffer, grouped = np.empty((2, min(rows, BATCH_ROWS)), dtype=np.int64)
    for batch in data.to_batches(max_chunksize=BATCH_ROWS):
        n = batch.num_rows
        if n == 0:
            continue
        day = batch.column("day").to_numpy()
        base = buffer[:n]
        if by_day:
            np.subtract(day, low, out=base)
        else:
            np.take(unit_of_day, day - low, out=base)
        if "touchpoint" in columns:
            tp = _indices(batch.column("touchpoint"))
            base += np.where(tp < 0, len(tp_values) - 1, tp) * units
        key_codes = _indices(batch.column("kpi")) if source.layout == "long" else None
        for index, (role, _values) in enumerate(streams):
            value = batch.column(role).to_numpy(zero_copy_only=False) if role in columns else np.ones(n)
            group = base
            if key_codes is not None:
                group = np.multiply(key_codes, width, out=grouped[:n], dtype=np.int64)
                group += base
            keep = np.isnan(value)
            keep = ~keep if keep.any() else None
            if use is not None and key_codes is not None and not (use[:-1].all() and key_codes.min() >= 0):
                keep = use[key_codes] if keep is None else keep & use[key_codes]
            if check:
                floor, ceiling = limits[index]
                if (floor[:-1] == floor[0]).all() and (ceiling[:-1] == ceiling[0]).all():
                    floor, ceiling = floor[0], ceiling[0]  # one scale for every key: no gathering
                elif key_codes is not None:
                    floor, ceiling = floor[key_codes], ceiling[key_codes]
                with np.errstate(invalid="ignore"):
                    outside = (value < floor) | (value > ceiling)
                if (outside if keep is None else outside & keep).any():
                    return None
            weights = value
            if keep is not None:
                group, weights = group[keep], value[keep]
            counts[index] += np.bincount(group, minlength=len(counts[index]))
            totals[index] += np.bincount(group, weights=weights, minlength=len(totals[index]))
            if extremes:
                kept[index].append((group.copy(), weights))
    frames = []
    for index, (_role, key_values) in enumerate(streams):
        count, total = counts[index], totals[index]
        if by_day:
            count = np.add.reduceat(count.reshape(-1, units), bounds, axis=1).ravel()
            total = np.add.reduceat(total.reshape(-1, units), bounds, axis=1).ravel()
        found = np.flatnonzero(count)
        if extremes and kept[index]:
            group = np.concatenate([g for g, _ in kept[index]])
            weights = np.concatenate([w for _, w in kept[index]])
            by_group = pd.Series(weights).groupby(group).agg(["min", "max"]).reindex(found)
            lowest, highest = by_group["min"].to_numpy(), by_group["max"].to_numpy()
        else:
            lowest = highest = np.full(len(found), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "key": key_values[found // (len(tp_values) * periods)],
                    "touchpoint": tp_values[(found // periods) % len(tp_values)],
                    "period": period_days[found % periods].astype("datetime64[D]").astype("datetime64[s]"),
                    "sum": total[found],
                    "count": count[found],
                    "min": lowest,
                    "max": highest,
                    "last": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def find_header(frame: pd.DataFrame, expected: Sequence[str]) -> int:
    """Return the row of a sheet that holds the header: the first naming every expected column, else the fullest."""
    wanted = {normalise_name(e) for e in expected if e}
    for i in range(min(len(frame), 200)):
        cells = {normalise_name(c) for c in frame.iloc[i].tolist() if c is not None and not pd.isna(c)}
        if wanted and wanted <= cells:
            return i
    filled = frame.head(200).notna().sum(axis=1)
    return int(np.argmax(filled.to_numpy() >= filled.max())) if len(filled) else 0


def read_excel_source(
    source: KpiSource,
    path: str,
    *,
    keys: Sequence[str] | None,
    skip_bad_rows: bool,
    progress: Progress,
    chunk_rows: int,
    scales: Scales | None = None,
) -> ImportResult:
    """Read the KPI values of an Excel sheet (read whole: a sheet holds at most about a million rows)."""
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
    wanted = wanted_columns(source, keys)
    if raw.empty:
        raise ImportProblem(f"{name} is empty: it has no header and no rows", path=path)
    header = find_header(raw, [w for w in wanted.values() if w])
    names = [("" if pd.isna(c) else str(c).strip()) for c in raw.iloc[header].tolist()]
    frame = raw.iloc[header + 1 :].copy()
    frame.columns = [n or f"column {i + 1}" for i, n in enumerate(names)]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    columns = resolve_columns(list(frame.columns), wanted, aliases=ALIASES, file_name=name, hint=COLUMN_HINT)
    bad = BadRows(name, "row")
    aggregator = RowAggregator(source, columns, keys, bad, scales=scales)
    lines = np.arange(len(frame)) + header + 2
    aggregator.feed(frame[list(dict.fromkeys(columns.values()))].reset_index(drop=True), lines)
    return aggregator.result(path, skip_bad_rows)


def read_parquet_source(
    source: KpiSource,
    path: str,
    *,
    keys: Sequence[str] | None,
    skip_bad_rows: bool,
    progress: Progress,
    chunk_rows: int,
    scales: Scales | None = None,
) -> ImportResult:
    """Read the KPI values of a Parquet file, row group by row group."""
    report = progress
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
    wanted = wanted_columns(source, keys)
    columns = resolve_columns(schema_names, wanted, aliases=ALIASES, file_name=name, hint=COLUMN_HINT)
    bad = BadRows(name, "row")
    aggregator = RowAggregator(source, columns, keys, bad, scales=scales)
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
