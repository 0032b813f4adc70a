"""One entry per kind of KPI source: how its values are read and how its first rows are previewed.

:data:`READERS` is the only place that goes from a source's kind (``csv``, ``excel``,
``parquet``, ``sql``) to the code that reads it: :func:`cjmkit.metrics.importers.read_kpi_values`
reads values through it, :func:`preview` (the import wizard's first look at a source) shows
rows through it. A new kind of source is one more entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from cjmkit.metrics.aggregate import ImportResult
from cjmkit.metrics.files import (
    Progress,
    Scales,
    find_header,
    read_csv_source,
    read_excel_source,
    read_parquet_source,
)
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.sources import ALIASES, as_url, kind_of, resolve_location
from cjmkit.metrics.textfiles import blank_rows, comment_rows, normalise_name, read_csv_chunks, sniff_csv
from cjmkit.metrics.textfiles import header_rows as header_rows_of
from cjmkit.model import KpiSource


class ValueReader(Protocol):
    """Reads the KPI values of one source (``target``: its resolved path or URL)."""

    def __call__(
        self,
        source: KpiSource,
        target: str,
        /,
        *,
        keys: Sequence[str] | None,
        skip_bad_rows: bool,
        progress: Progress,
        chunk_rows: int,
        scales: Scales | None,
    ) -> ImportResult:
        """Read the KPI values of ``source`` at ``target``."""
        ...


PreviewReader = Callable[[str, "PreviewRequest"], pd.DataFrame]


@dataclass(frozen=True)
class PreviewRequest:
    """What a preview asks of a source: the sheet or table, the query, how many rows, header lines."""

    table: str | None = None
    query: str | None = None
    rows: int = 10
    header_rows: int = 1


@dataclass(frozen=True)
class SourceReader:
    """How one kind of source is read.

    Attributes
    ----------
    values
        Reads its KPI values.
    preview
        Returns its first rows as they are (text), with its header.
    is_file
        Whether the source is a file (checked to be a regular file before it is opened), not a
        database URL.
    """

    values: ValueReader
    preview: PreviewReader
    is_file: bool = True


# -- values -------------------------------------------------------------------------------------


def _sql_values(
    source: KpiSource,
    target: str,
    *,
    keys: Sequence[str] | None,
    skip_bad_rows: bool,
    progress: Progress,
    chunk_rows: int,
    scales: Scales | None,
) -> ImportResult:
    from cjmkit.metrics.sql import read_sql_values  # SQLAlchemy is loaded only for SQL sources

    return read_sql_values(source, target, keys=keys, skip_bad_rows=skip_bad_rows, scales=scales)


# -- previews -----------------------------------------------------------------------------------


def _preview_csv(target: str, ask: PreviewRequest) -> pd.DataFrame:
    layout = sniff_csv(target, subheaders=ask.header_rows <= 1, header_rows=ask.header_rows)
    frame = next(
        iter(read_csv_chunks(layout, None, chunk_rows=ask.rows * 3 + 20)),
        pd.DataFrame(columns=layout.columns),
    )
    keep = ~(blank_rows(frame) | comment_rows(frame) | header_rows_of(frame))
    return frame[keep].head(ask.rows).reset_index(drop=True)


def _preview_excel(target: str, ask: PreviewRequest) -> pd.DataFrame:
    try:
        raw = pd.read_excel(
            target, sheet_name=ask.table or 0, header=None, dtype=object, nrows=ask.rows + 200
        )
    except Exception as error:  # broken workbooks raise many kinds of errors; one sentence for all
        raise ImportProblem(
            f"cannot read {Path(target).name} as an Excel workbook: {error}", path=target
        ) from None
    if raw.empty:
        return pd.DataFrame()
    header = find_header(raw, ())
    frame = raw.iloc[header + 1 : header + 1 + ask.rows].copy()
    frame.columns = [
        ("" if pd.isna(c) else str(c).strip()) or f"column {i + 1}" for i, c in enumerate(raw.iloc[header])
    ]
    return frame.astype(str).reset_index(drop=True)


def _preview_parquet(target: str, ask: PreviewRequest) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        batch = next(pq.ParquetFile(target).iter_batches(batch_size=ask.rows), None)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise ImportProblem(f"cannot read {Path(target).name} as Parquet: {error}", path=target) from None
    return batch.to_pandas() if batch is not None else pd.DataFrame()


def _preview_sql(target: str, ask: PreviewRequest) -> pd.DataFrame:
    from cjmkit.metrics.sql import preview_rows

    return preview_rows(target, table=ask.table, query=ask.query, rows=ask.rows)


READERS: dict[str, SourceReader] = {
    "csv": SourceReader(values=read_csv_source, preview=_preview_csv),
    "excel": SourceReader(values=read_excel_source, preview=_preview_excel),
    "parquet": SourceReader(values=read_parquet_source, preview=_preview_parquet),
    "sql": SourceReader(values=_sql_values, preview=_preview_sql, is_file=False),
}
"""Source kind → its reader (the kinds :class:`cjmkit.model.KpiSource` accepts)."""


def reader_of(kind: str) -> SourceReader:
    """Return the reader of a source kind.

    Raises
    ------
    ImportProblem
        For a kind cjmkit cannot read.
    """
    try:
        return READERS[kind]
    except KeyError:
        raise ImportProblem(f"unknown source kind {kind!r}; cjmkit reads {', '.join(READERS)}") from None


def preview(
    location: str,
    kind: str | None = None,
    map_dir: str | Path | None = None,
    *,
    table: str | None = None,
    query: str | None = None,
    rows: int = 10,
    header_rows: int = 1,
) -> pd.DataFrame:
    """The first rows of a source as they are (text), with its header, to map columns.

    ``header_rows`` (CSV): how many lines the header spans; the columns are then named by their
    cells joined with ``" / "``.

    Raises
    ------
    ImportProblem
        When the source cannot be read.
    """
    kind = kind or kind_of(location)
    target = resolve_location(as_url(location, kind), map_dir)
    ask = PreviewRequest(table=table, query=query, rows=rows, header_rows=header_rows)
    return reader_of(kind).preview(target, ask)


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
