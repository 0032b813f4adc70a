"""Reading the other exports, tickets, care contacts and surveys, into tidy frames.

:func:`read_table` reads a messy CSV export (its own column names, header lines, date style,
answer labels) into a frame with the columns a reader of :mod:`cjmkit.metrics.handoff` or
:mod:`cjmkit.metrics.satisfaction` names, every bad row located by line and column.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.metrics.aggregate import BadRows
from cjmkit.metrics.labels import apply_labels
from cjmkit.metrics.labels import describe as describe_labels
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.textfiles import (
    ORDER_OF,
    AmbiguousDates,
    SkippedLines,
    blank_rows,
    choose_date_format,
    comment_rows,
    is_empty,
    parse_instants,
    parse_numbers,
    read_csv_chunks,
    resolve_columns,
    sniff_csv,
)
from cjmkit.metrics.textfiles import header_rows as header_rows_of

MAPPING_HINT = "; say which column holds it, e.g. --column resolved_at='Solved at' (or the mapping dropdowns)"


def read_table(
    path: str | Path,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    dates: Sequence[str] = (),
    numbers: dict[str, tuple[float, float] | None] | None = None,
    skip_bad_rows: bool = False,
    columns: Mapping[str, str] | None = None,
    header_rows: int = 1,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    labels: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Read a messy CSV export into a tidy frame with the named columns.

    Columns in ``required`` must exist (matched ignoring case, spaces and underscores),
    ``optional`` ones are filled with empty values when absent. ``dates`` are parsed to UTC
    instants (``datetime64[ns]``; offsets honoured, values without one taken as times of
    ``timezone``, default UTC); ``numbers`` are parsed to float and, when given a
    ``(low, high)`` range, checked against it. Empty cells stay missing. Other columns stay
    (trimmed) text.

    Parameters
    ----------
    columns
        Column role → the export's name for it (``{"resolved_at": "Solved at"}``); roles not
        named are looked for under their own name. A role named here must exist.
    header_rows
        How many lines the header spans (two or three in many survey exports); the columns are
        then known by their cells joined with ``" / "`` or by any cell unique in its line.
    date_format, dayfirst, timezone
        How dates are written (see :func:`cjmkit.metrics.textfiles.parse_utc`); without a
        format, ``01/02/2025`` is refused unless the values or ``dayfirst`` settle the order.
    labels
        Number column → answer labels → scores (:mod:`cjmkit.metrics.labels`).

    Raises
    ------
    ImportProblem
        Naming the file, first line, column and count of unreadable rows (unless
        ``skip_bad_rows``; the count left out is in ``frame.attrs["rows_skipped"]``).
    """
    numbers = numbers or {}
    roles = [*required, *optional]
    mapped = {role: name for role, name in (columns or {}).items() if name}
    unknown = [role for role in mapped if role not in roles]
    if unknown:
        raise ImportProblem(
            f"there is no column role {', '.join(map(repr, unknown))} to map; the roles are: {', '.join(roles)}"
        )
    name_of = {role: mapped.get(role, role) for role in roles}
    layout = sniff_csv(
        path, [name_of[r] for r in required] if header_rows <= 1 else (), header_rows=header_rows
    )
    where: dict[str, Any] = {
        "file_name": layout.name,
        "hint": MAPPING_HINT,
        "alternatives": layout.alternatives,
    }
    present = resolve_columns(layout.columns, {r: name_of[r] for r in required}, **where)
    for role in optional:
        if role in mapped:
            present.update(resolve_columns(layout.columns, {role: name_of[role]}, **where))
        else:
            with contextlib.suppress(ImportProblem):
                present.update(resolve_columns(layout.columns, {role: role}, **where))
    bad = BadRows(layout.name, "line")
    skipped = SkippedLines()
    pieces = []
    position = 0
    formats: dict[str, str | None] = {}
    for chunk in read_csv_chunks(layout, None, skipped=skipped, required=list(present.values())):
        lines = skipped.line_of(np.arange(position, position + len(chunk)), layout.first_data_line)
        position += len(chunk)
        drop = blank_rows(chunk) | comment_rows(chunk) | header_rows_of(chunk)
        chunk, lines = chunk[~drop], lines[~drop]
        out = pd.DataFrame(index=chunk.index)
        ok = np.ones(len(chunk), dtype=bool)
        for name in roles:
            if name not in present:
                out[name] = np.nan if (name in numbers or name in dates) else ""
                continue
            column = present[name]
            raw = chunk[column]
            if name in dates:
                if formats.get(name) is None:
                    formats.update(
                        _date_formats(chunk, present, dates, lines, date_format, dayfirst, layout.name)
                    )
                parsed = parse_instants(raw, formats[name], timezone=timezone)
                broken = parsed.isna().to_numpy() & ~is_empty(raw)
                bad.add("a date that cannot be read", column, lines[broken], raw[broken].tolist())
                out[name] = parsed
            elif name in numbers:
                text = raw
                unlabelled = np.zeros(len(raw), dtype=bool)
                if labels and labels.get(name):
                    text, unlabelled = apply_labels(raw, labels[name])
                    bad.add(
                        f"an answer that is neither a number nor one of the answer labels ({describe_labels(labels[name])})",
                        column,
                        lines[unlabelled],
                        raw[unlabelled].tolist(),
                    )
                parsed = parse_numbers(text)
                broken = parsed.isna().to_numpy() & ~is_empty(raw)
                bad.add(
                    "a value that is not a number",
                    column,
                    lines[broken & ~unlabelled],
                    raw[broken & ~unlabelled].tolist(),
                )
                span = numbers[name]
                if span is not None:
                    outside = parsed.notna().to_numpy() & ~parsed.between(*span).to_numpy()
                    bad.add(
                        f"a value outside {span[0]:g}–{span[1]:g}",
                        column,
                        lines[outside],
                        raw[outside].tolist(),
                    )
                    broken |= outside
                out[name] = parsed
            else:
                out[name] = raw.astype(str).str.strip()
                continue
            ok &= ~broken
        pieces.append(out[ok])
    if skipped.lines:
        bad.add(f"more fields than the header's {skipped.expected}", None, np.asarray(skipped.lines))
    if not skip_bad_rows:
        bad.raise_if_any(str(path))
    frame = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=roles)
    for name in dates:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name in numbers:
        frame[name] = frame[name].astype("float64")
    frame.attrs["rows_skipped"] = bad.total
    frame.attrs["skipped"] = bad.sentences()
    frame.attrs["columns"] = dict(present)
    return frame


def _date_formats(
    chunk: pd.DataFrame,
    present: Mapping[str, str],
    dates: Sequence[str],
    lines: np.ndarray,
    date_format: str | None,
    dayfirst: bool | None,
    file: str,
) -> dict[str, str | None]:
    """The format of each date column.

    Dates of one export share their day/month order: a column whose values settle it
    (13/02/2025) settles it for the others; else the refusal names a line.
    """
    roles = [role for role in dates if role in present]
    if date_format:
        return dict.fromkeys(roles, date_format)
    found: dict[str, str | None] = {}
    unsure: dict[str, AmbiguousDates] = {}
    for role in roles:
        try:
            found[role] = choose_date_format(chunk[present[role]].astype(str), dayfirst=dayfirst)
        except AmbiguousDates as ambiguous:
            unsure[role] = ambiguous
    orders = {ORDER_OF.get(fmt) for fmt in found.values() if fmt} - {None}
    for role, error in unsure.items():
        if len(orders) == 1:
            found[role] = choose_date_format(chunk[present[role]].astype(str), dayfirst=orders == {"day"})
            continue
        raw = chunk[present[role]]
        line = int(lines[raw.index.get_loc(error.position)])
        raise ImportProblem(
            f"{file}: {error} (first at line {line}, column {present[role]!r}); nothing was read",
            path=file,
            line=line,
            column=present[role],
        )
    return found
