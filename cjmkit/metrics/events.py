"""Event logs: who did what when, read from files or frames and mapped to the map's touchpoints.

An event log is rows of (customer id, timestamp, event): ticket channels, care contacts, page
views, survey answers... A **mapping** says which touchpoint of the map each event value stands
for (``{"ticket:chat": "h-chat"}``); an event value that is itself a touchpoint id stands for
that touchpoint; values listed in ``ignore`` are known and deliberately not journey steps.
Every other value is an event **missing from the map**: something customers do that the map
does not show (:func:`unmapped`).

Timestamps follow cjmkit's rules for time (those of every import): a timestamp with a UTC
offset (``Z``, ``+02:00``) is converted to UTC; a timestamp without one is a time of the
``timezone`` the source names (``"Europe/Berlin"``; UTC unless told); ``01/02/2025`` is never
guessed (``dayfirst`` or ``date_format`` say it, or the refusal names a line). Everything is
compared in UTC.

The columns read are, by default, ``customer_id``, ``timestamp`` and ``event`` (and an optional
``segment``, e.g. the persona); :class:`EventColumns` names others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.metrics.aggregate import BadRows
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.textfiles import AmbiguousDates, normalise_name, parse_instants
from cjmkit.model import Journey

EVENT_FRAME_COLUMNS = ["customer", "time", "event", "segment"]
"""The columns of a read event log: ``customer`` (text), ``time`` (UTC, datetime64[ns] without
time zone), ``event`` (text), ``segment`` (text, "" when the log has none)."""


@dataclass(frozen=True)
class EventColumns:
    """Which columns of a source hold the customer, the time, the event and the segment."""

    customer: str = "customer_id"
    time: str = "timestamp"
    event: str = "event"
    segment: str | None = None


ALIASES = {
    "customer": ("customer", "customer id", "user id", "user", "client id", "account id"),
    "time": ("time", "timestamp", "event time", "occurred at", "created at", "date", "ts"),
    "event": ("event", "event name", "action", "activity", "type", "step"),
}


def _find(have: Sequence[str], wanted: str, role: str, name: str, aliases: bool) -> str:
    by_norm = {normalise_name(c): c for c in reversed(list(have))}
    if normalise_name(wanted) in by_norm:
        return by_norm[normalise_name(wanted)]
    if aliases:
        for alias in ALIASES.get(role, ()):
            if normalise_name(alias) in by_norm:
                return by_norm[normalise_name(alias)]
    listed = ", ".join(repr(c) for c in list(have)[:20]) or "none"
    raise ImportProblem(
        f"{name} has no column {wanted!r} for the {role} (its columns are: {listed}); name the right one",
        path=name,
        column=wanted,
    )


def resolve_event_columns(have: Sequence[str], columns: EventColumns, name: str) -> dict[str, str]:
    """Role → the source's column; default names fall back to common aliases (``user_id``...)."""
    defaults = EventColumns()
    found = {
        "customer": _find(have, columns.customer, "customer", name, columns.customer == defaults.customer),
        "time": _find(have, columns.time, "time", name, columns.time == defaults.time),
        "event": _find(have, columns.event, "event", name, columns.event == defaults.event),
    }
    if columns.segment:
        found["segment"] = _find(have, columns.segment, "segment", name, False)
    return found


# -- time --------------------------------------------------------------------------------------


def utc_times(
    values: pd.Series,
    timezone: str | None,
    bad: BadRows,
    column: str,
    lines: np.ndarray,
    *,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.Series:
    """Timestamps as UTC instants (datetime64[ns], no time zone), by cjmkit's rules for time.

    Those of every import (:func:`cjmkit.metrics.textfiles.parse_instants`): an offset is
    honoured; a value without one is a time of ``timezone`` (UTC unless told); ``01/02/2025``
    is never guessed (the values, ``dayfirst`` or ``date_format`` settle it, or the sentence
    names a line). Unreadable values become NaT and are reported in ``bad``.
    """
    values = values.reset_index(drop=True)
    texts = values if pd.api.types.is_datetime64_any_dtype(values) else values.astype("string").str.strip()
    try:
        parsed = parse_instants(texts.astype(object) if not pd.api.types.is_datetime64_any_dtype(texts) else texts,
                                date_format, dayfirst=dayfirst, timezone=timezone)  # fmt: skip
    except AmbiguousDates as error:
        line = int(lines[values.index.get_loc(error.position)])
        raise ImportProblem(
            f"{bad.name}: {error} (first at {bad.unit} {line}, column {column!r}); nothing was read",
            path=bad.name,
            line=line,
            column=column,
        ) from None
    if pd.api.types.is_datetime64_any_dtype(values):
        empty = values.isna().to_numpy()
    else:
        empty = (texts.isna() | (texts == "")).to_numpy()
    unreadable = parsed.isna().to_numpy() & ~empty
    shown = values.astype(str)
    bad.add("a timestamp that cannot be read", column, lines[unreadable], shown[unreadable].tolist())
    bad.add("no timestamp", column, lines[empty])
    return parsed


# -- reading -------------------------------------------------------------------------------------


def tidy_events(
    frame: pd.DataFrame,
    columns: EventColumns | None = None,
    *,
    timezone: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    name: str = "the event log",
    lines: np.ndarray | None = None,
    unit: str = "row",
    skip_bad_rows: bool = False,
) -> pd.DataFrame:
    """Turn raw rows into an event log (:data:`EVENT_FRAME_COLUMNS`), rows with problems named.

    Parameters
    ----------
    frame
        Raw rows (e.g. straight from a CSV file, all text).
    columns
        Which columns to read (default: ``customer_id``, ``timestamp``, ``event``; common
        aliases such as ``user_id`` are found too).
    timezone, date_format, dayfirst
        The time zone of timestamps that carry no UTC offset (default UTC), their format, and
        whether ``01/02/2025`` is day first (see :mod:`cjmkit.metrics.textfiles`).
    lines
        The file line (or row) number of each row, for messages (default: 1, 2, ...).

    Raises
    ------
    ImportProblem
        Naming the file, the first bad line, the column and how many rows, unless
        ``skip_bad_rows`` (then they are left out and counted in ``attrs["rows_skipped"]``).
    """
    columns = columns or EventColumns()
    found = resolve_event_columns(list(frame.columns), columns, name)
    lines = np.arange(1, len(frame) + 1) if lines is None else np.asarray(lines)
    bad = BadRows(name, unit)
    customer = _text(frame[found["customer"]])
    event = _text(frame[found["event"]])
    time = utc_times(
        frame[found["time"]], timezone, bad, found["time"], lines, date_format=date_format, dayfirst=dayfirst
    )
    for role, values in (("customer", customer), ("event", event)):
        missing = (values == "").to_numpy()
        bad.add(f"no {role}", found[role], lines[missing])
    segment = _text(frame[found["segment"]]) if "segment" in found else pd.Series("", index=frame.index)
    out = pd.DataFrame(
        {
            "customer": customer.to_numpy(dtype=object),
            "time": time.to_numpy(dtype="datetime64[ns]"),
            "event": event.to_numpy(dtype=object),
            "segment": segment.to_numpy(dtype=object),
        }
    )
    keep = out["time"].notna() & (out["customer"] != "") & (out["event"] != "")
    if not skip_bad_rows:
        bad.raise_if_any(name)
    out = out[keep.to_numpy()].reset_index(drop=True)
    out.attrs["rows_read"] = len(frame)
    out.attrs["rows_skipped"] = int((~keep).sum())
    out.attrs["skipped"] = bad.sentences()
    return out


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().fillna("")
    return text.astype(object)


def read_events(
    path: str | Path,
    columns: EventColumns | None = None,
    *,
    kind: str | None = None,
    table: str | None = None,
    timezone: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    skip_bad_rows: bool = False,
) -> pd.DataFrame:
    """Read an event log from a CSV, Excel or Parquet file into memory (see :func:`tidy_events`).

    CSV files are read by Arrow's parser (UTF-8, any of ``,;|`` or tab; all cells as text, so
    nothing is guessed); line numbers in messages are the file's.
    """
    from cjmkit.metrics.sources import kind_of

    path = Path(path)
    kind = kind or kind_of(path)
    name = path.name
    if not path.is_file():
        raise ImportProblem(f"cannot read {path}: no such file", path=str(path))
    if kind == "csv":
        raw, lines = _read_csv_text(path)
        unit = "line"
    elif kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            raw = pq.read_table(path).to_pandas()
        except (pa.ArrowException, OSError, ValueError) as error:
            raise ImportProblem(f"cannot read {name} as Parquet: {error}", path=str(path)) from None
        lines, unit = np.arange(1, len(raw) + 1), "row"
    elif kind == "excel":
        try:
            raw = pd.read_excel(path, sheet_name=table or 0, dtype=object, engine="openpyxl")
        except Exception as error:  # broken workbooks raise many kinds of errors: one sentence for all
            raise ImportProblem(f"cannot read {name} as an Excel workbook: {error}", path=str(path)) from None
        lines, unit = np.arange(2, len(raw) + 2), "row"
    else:
        raise ImportProblem(f"{name}: an event log is read from CSV, Excel or Parquet here, not {kind!r}")
    return tidy_events(
        raw, columns, timezone=timezone, date_format=date_format, dayfirst=dayfirst, name=name, lines=lines,
        unit=unit, skip_bad_rows=skip_bad_rows,
    )  # fmt: skip


def _read_csv_text(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """All cells of a CSV file as text, and each row's line number (header on line 1)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from cjmkit.metrics.textfiles import sniff_csv

    layout = sniff_csv(path)
    if layout.encoding not in ("utf-8", "utf-8-sig") or layout.first_data_line != 2 or layout.subheader_lines:
        return _read_csv_careful(layout)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=layout.columns, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=layout.delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in layout.columns}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
        return _read_csv_careful(layout)
    frame = table.to_pandas()
    return frame, np.arange(2, len(frame) + 2)


def _read_csv_careful(layout: Any) -> tuple[pd.DataFrame, np.ndarray]:
    from cjmkit.metrics.textfiles import SkippedLines, blank_rows, comment_rows, header_rows, read_csv_chunks

    skipped = SkippedLines()
    pieces, numbers, position = [], [], 0
    for chunk in read_csv_chunks(layout, None, skipped=skipped, required=list(layout.columns)):
        lines = skipped.line_of(np.arange(position, position + len(chunk)), layout.first_data_line)
        position += len(chunk)
        drop = (blank_rows(chunk) | comment_rows(chunk) | header_rows(chunk)).to_numpy()
        pieces.append(chunk[~drop])
        numbers.append(lines[~drop])
    if skipped.lines:
        raise ImportProblem(
            f"{layout.name}: {len(skipped.lines)} rows have more fields than the header's {skipped.expected}, "
            f"first at line {skipped.lines[0]} (a stray separator?)",
            path=str(layout.path),
            line=skipped.lines[0],
            rows=len(skipped.lines),
        )
    frame = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=layout.columns)
    return frame, (np.concatenate(numbers) if numbers else np.arange(0))


# -- mapping to touchpoints ----------------------------------------------------------------------


@dataclass
class Mapping_:
    """How event values become touchpoints (see :func:`event_mapping`)."""

    touchpoint_of: dict[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    order: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def event_mapping(
    journey: Journey, mapping: Mapping[str, str] | None = None, ignore: Sequence[str] = ()
) -> Mapping_:
    """Which touchpoint each event value stands for: ``mapping``, then touchpoint ids as themselves.

    Entries naming a touchpoint the map does not have are dropped (their events count as
    missing from the map) and said in ``notes``.
    """
    order = {tp.id: i for i, tp in enumerate(journey.touchpoints)}
    touchpoint_of = {tp: tp for tp in order}
    notes = []
    for event, touchpoint in (mapping or {}).items():
        if touchpoint in order:
            touchpoint_of[str(event)] = touchpoint
        else:
            notes.append(
                f"the mapping sends event {event!r} to touchpoint {touchpoint!r}, which the map does not have"
            )
    return Mapping_(touchpoint_of=touchpoint_of, ignore=frozenset(ignore), order=order, notes=notes)


def steps(events: pd.DataFrame, mapping: Mapping_) -> pd.DataFrame:
    """The events that stand for touchpoints, as journey steps.

    Returns columns ``customer``, ``time``, ``touchpoint``, ``order`` (the touchpoint's place
    in the map), ``segment``, in the log's order.
    """
    # a log has millions of events but a few dozen event names: look each name up once
    codes, names = pd.factorize(events["event"].to_numpy(dtype=object))
    touchpoint_of = np.array([mapping.touchpoint_of.get(name) for name in names] + [None], dtype=object)
    order_of = np.array([mapping.order.get(tp, -1) if tp else -1 for tp in touchpoint_of], dtype="int64")
    touchpoint = touchpoint_of[codes]
    mapped = touchpoint != None  # noqa: E711 (elementwise on an object array)
    return pd.DataFrame(
        {
            "customer": events["customer"].to_numpy(dtype=object)[mapped],
            "time": events["time"].to_numpy(dtype="datetime64[ns]")[mapped],
            "touchpoint": touchpoint[mapped],
            "order": order_of[codes][mapped],
            "segment": events["segment"].to_numpy(dtype=object)[mapped],
        }
    )


UNMAPPED_COLUMNS = ["event", "events", "customers"]


def unmapped(events: pd.DataFrame, mapping: Mapping_) -> pd.DataFrame:
    """Events no touchpoint stands for ("missing from the map"), most frequent first.

    Returns columns ``event``, ``events``, ``customers`` (ties: event text).
    """
    known = events["event"].isin(list(mapping.touchpoint_of)) | events["event"].isin(list(mapping.ignore))
    rest = events[~known.to_numpy()]
    grouped = rest.groupby("event", sort=True)
    out = pd.DataFrame({"events": grouped.size(), "customers": grouped["customer"].nunique()}).reset_index()
    out = out.sort_values(["events", "event"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out.astype({"event": object, "events": "int64", "customers": "int64"})[UNMAPPED_COLUMNS]
