"""Aggregating rows into one value per KPI key, touchpoint and period.

Rows are parsed chunk by chunk (:class:`RowAggregator`) into *partial aggregates* (sum, count,
min, max, last per key, touchpoint and period), which combine across chunks, files and database
rows (:func:`combine_partials`) and give the final value of any aggregation at the end
(:func:`finalise`). Rows that cannot be read are collected by :class:`BadRows` and reported in
one sentence naming file, line, column and count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.metrics.labels import apply_labels
from cjmkit.metrics.labels import describe as describe_labels
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.sources import PERIODS, resolved_source
from cjmkit.metrics.textfiles import (
    AmbiguousDates,
    blank_rows,
    choose_date_format,
    comment_rows,
    header_rows,
    is_empty,
    parse_dates,
    parse_numbers,
)
from cjmkit.model import KpiSource

PARTIAL_COLUMNS = ["key", "touchpoint", "period", "sum", "count", "min", "max", "last"]

ANSWER_RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
"""The answers the survey aggregations read: CSAT 1–5, NPS 0–10, CES 1–7 (other answers are bad rows).

Their values come with n (the answers) and a 95 % interval (:meth:`ImportResult.values`)."""

SCALED = ("mean", "min", "max", "last")
"""Aggregations whose value is on the scale of the rows: rows outside a KPI's scale are bad rows.
(For the others, ``sum``, ``count``, ``rate``, ``csat``, ``nps``, the period values are checked.)"""


def score_answers(answers: np.ndarray, aggregation: str) -> np.ndarray:
    """Per answer, what its mean becomes.

    CSAT 100 for 4–5 else 0 (the top-two-box share, %), NPS +100 for 9–10, −100 for 0–6, else 0
    (promoters minus detractors, points); CES (1–7) the answer itself (the mean answer).
    """
    if aggregation == "csat":
        return np.where(np.isnan(answers), np.nan, np.where(answers >= 4, 100.0, 0.0))
    if aggregation == "nps":
        scored = np.where(answers >= 9, 100.0, np.where(answers <= 6, -100.0, 0.0))
        return np.where(np.isnan(answers), np.nan, scored)
    return answers


def scale_text(low: float | None, high: float | None) -> str:
    """``"1–5"``, ``"≥ 0"`` or ``"≤ 100"``."""
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    return f"≥ {low:g}" if low is not None else f"≤ {high:g}"


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
        """Final values with their n and, for survey scores, their 95 % interval.

        Columns ``key``, ``period`` (datetime64), ``value``, ``n`` (rows), and
        ``low``/``high``, the 95 % interval of survey scores (aggregations ``csat``, ``nps``,
        ``ces``: Wilson, adjusted Wald, t; NaN for the others).

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
        combined = combine_partials(frame.assign(touchpoint=""))
        value = finalise(combined, self.source.aggregation)
        low, high = answer_intervals(combined, self.source.aggregation)
        # combine_partials sorts by key, touchpoint (all "" here) and period
        return pd.DataFrame(
            {
                "key": combined["key"].to_numpy(),
                "period": combined["period"].to_numpy(),
                "value": value,
                "n": combined["count"].to_numpy(dtype="float64").astype("int64"),
                "low": low,
                "high": high,
            }
        )


_LABELS = ["key", "touchpoint", "period"]


def combine_partials(partials: pd.DataFrame) -> pd.DataFrame:
    """Partials combined to one row per key, touchpoint and period, sorted by them."""
    if partials.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in PARTIAL_COLUMNS}).astype(
            {"key": object, "touchpoint": object, "period": "datetime64[s]"}
        )
    # numpy on the (few) partial rows: pandas' groupby costs milliseconds even for a handful of rows
    columns = dict(partials.items())
    labels = [columns[c].array for c in _LABELS]
    numbers = [columns[c].to_numpy() for c in ("sum", "count", "min", "max", "last")]
    if any(pd.isna(label).any() for label in labels) or any(n.dtype.kind not in "iuf" for n in numbers):
        return _combine_with_pandas(partials)
    try:
        codes = [np.unique(np.asarray(label), return_inverse=True)[1].ravel() for label in labels]
    except TypeError:  # labels of mixed types that do not sort
        return _combine_with_pandas(partials)
    order = np.lexsort(codes[::-1])
    rows = len(order)
    changed = np.zeros(rows, dtype=bool)
    changed[0] = True
    for code in codes:
        ordered = code[order]
        changed[1:] |= ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(changed)
    ends = np.append(starts[1:], rows) - 1
    sums, counts, lows, highs, lasts = (n[order] for n in numbers)
    squares = columns["squares"].to_numpy(dtype="float64")[order] if "squares" in columns else None
    # the last value that is not missing, in the partials' order
    lasts = lasts.astype("float64")
    latest = np.maximum.accumulate(np.where(np.isnan(lasts), -1, np.arange(rows)))[ends]
    return pd.DataFrame(
        {
            **{name: label.take(order[starts]) for name, label in zip(_LABELS, labels, strict=True)},
            "sum": np.add.reduceat(_zero_nan(sums), starts),
            "count": np.add.reduceat(_zero_nan(counts), starts),
            "min": np.fmin.reduceat(lows, starts),
            "max": np.fmax.reduceat(highs, starts),
            "last": np.where(latest >= starts, lasts[np.maximum(latest, 0)], np.nan),
            **({"squares": np.add.reduceat(_zero_nan(squares), starts)} if squares is not None else {}),
        }
    )


def _zero_nan(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), 0, values) if values.dtype.kind == "f" else values


def _combine_with_pandas(partials: pd.DataFrame) -> pd.DataFrame:
    grouped = partials.groupby(_LABELS, sort=True, dropna=False)
    extra = {"squares": ("squares", "sum")} if "squares" in partials else {}
    return grouped.agg(
        sum=("sum", "sum"),
        count=("count", "sum"),
        min=("min", "min"),
        max=("max", "max"),
        last=("last", "last"),
        **extra,
    ).reset_index()


def answer_intervals(combined: pd.DataFrame, aggregation: str) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % interval of each period's survey score (NaN for other aggregations).

    CSAT rows were scored 100 (4–5) or 0, so the top-two-box answers are ``sum / 100`` (Wilson);
    NPS rows +100, 0 or −100, so promoters − detractors is ``sum / 100`` and promoters +
    detractors ``squares / 10000`` (adjusted Wald); CES rows are the answers (t-interval).
    """
    from cjmkit.metrics.intervals import nps_interval, t_interval, wilson

    count = combined["count"].to_numpy(dtype="float64")
    total = combined["sum"].to_numpy(dtype="float64")
    nothing = np.full(len(combined), np.nan)
    if aggregation not in ANSWER_RANGES or "squares" not in combined:
        return nothing, nothing
    squares = combined["squares"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        if aggregation == "csat":
            low, high = wilson(total / 100.0, count)
            return 100.0 * low, 100.0 * high
        if aggregation == "nps":
            net, both = total / 100.0, squares / 10000.0
            return nps_interval((both + net) / 2, (both - net) / 2, count)
        mean = total / count
        sd = np.sqrt(np.maximum(squares - count * mean**2, 0.0) / (count - 1))
        return t_interval(mean, sd, count)


def finalise(combined: pd.DataFrame, aggregation: str) -> np.ndarray:
    """Turn combined partial sums of each KPI and period into the aggregated value."""
    count = combined["count"].to_numpy(dtype="float64")
    total = combined["sum"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        if aggregation == "sum":
            return total
        if aggregation in ("mean", "csat", "nps", "ces"):
            return total / count
        if aggregation == "count":
            return count
        if aggregation == "rate":
            return 100.0 * total / count
        return combined[aggregation].to_numpy(dtype="float64")


def empty_partials() -> pd.DataFrame:
    """Return the combined partials of no rows at all (every column present)."""
    return combine_partials(pd.DataFrame(columns=PARTIAL_COLUMNS))


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


class RowAggregator:
    """Parses chunks of raw rows and keeps partial aggregates per key, touchpoint and period."""

    def __init__(
        self,
        source: KpiSource,
        columns: Mapping[str, str],
        keys: Sequence[str] | None,
        bad: BadRows,
        decimal: str = ".",
        scales: Mapping[str, tuple[float | None, float | None]] | None = None,
    ) -> None:
        self.source = source
        self.scales = dict(scales or {})
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
            self.date_format = src.date_format or self.choose_format(raw_period, lines)
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
                values, ok_values = self._values(frame[cols["value"]], lines, cols["value"], key)
            else:
                values, ok_values = np.ones(len(frame)), np.ones(len(frame), dtype=bool)
            ok &= ok_values
            self._add(key[ok], touchpoint[ok], periods[ok], values[ok])
        else:
            ok, periods = self._periods(raw_period, lines)
            for role, column in cols.items():
                if not role.startswith("key:"):
                    continue
                values, ok_values = self._values(frame[column], lines, column, role[4:])
                use = ok & ok_values
                self._add(
                    np.full(int(use.sum()), role[4:], dtype=object),
                    touchpoint[use],
                    periods[use],
                    values[use],
                )

    def choose_format(self, raw: pd.Series, lines: np.ndarray) -> str | None:
        """The date format of a column (see :func:`choose_date_format`), refusals naming the line."""
        try:
            return choose_date_format(raw.astype(str), dayfirst=self.source.dayfirst)
        except AmbiguousDates as error:
            line = int(lines[raw.index.get_loc(error.position)])
            column = self.columns["period"]
            raise ImportProblem(
                f"{self.bad.name}: {error} (first at {self.bad.unit} {line}, column {column!r}); "
                "nothing was imported",
                path=self.bad.name,
                line=line,
                column=column,
            ) from None

    def dates(self, raw: pd.Series, lines: np.ndarray) -> np.ndarray:
        """The wall-clock times (in the source's time zone) of a column of dates, NaT if unreadable."""
        if self.date_format is None and not pd.api.types.is_datetime64_any_dtype(raw):
            self.date_format = self.source.date_format or self.choose_format(raw, lines)
        parsed = parse_dates(raw, self.date_format, timezone=self.source.timezone)
        return parsed.to_numpy(dtype="datetime64[ns]")

    def _periods(self, raw: pd.Series, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        stamps = self.dates(raw, lines)
        missing = np.isnat(stamps)
        if missing.any():
            empty = is_empty(raw) & missing
            unreadable = missing & ~empty
            column = self.columns["period"]
            self.bad.add("no date", column, lines[empty])
            self.bad.add("a date that cannot be read", column, lines[unreadable], raw[unreadable].tolist())
        return ~missing, period_start(stamps, self.source.period)

    def _values(
        self, raw: pd.Series, lines: np.ndarray, column: str, keys: np.ndarray | str
    ) -> tuple[np.ndarray, np.ndarray]:
        src = self.source
        unknown = np.zeros(len(raw), dtype=bool)
        if src.labels:
            original = raw
            raw, unknown = apply_labels(raw, src.labels)
            if unknown.any():
                self.bad.add(
                    f"an answer that is neither a number nor one of the answer labels ({describe_labels(src.labels)})",
                    column,
                    lines[unknown],
                    original[unknown].tolist(),
                )
        values = parse_numbers(raw, self.decimal).to_numpy(dtype="float64")
        missing = np.isnan(values)
        empty = is_empty(raw)
        unreadable = missing & ~empty & ~unknown
        if unreadable.any():
            self.bad.add("a value that is not a number", column, lines[unreadable], raw[unreadable].tolist())
        ok = ~missing
        if src.aggregation == "rate":
            self._outside(
                values,
                ok,
                0,
                1,
                "a value outside 0…1 (a rate needs 0/1 flags or fractions)",
                raw,
                lines,
                column,
            )
        elif src.aggregation in ANSWER_RANGES:
            low, high = ANSWER_RANGES[src.aggregation]
            self._outside(values, ok, low, high, f"an answer outside {low}–{high}", raw, lines, column)
            values = score_answers(values, src.aggregation)
        elif self.scales and not src.allow_out_of_scale and src.aggregation in SCALED:
            for key, (bottom, top) in self.scales.items():
                rows = (
                    ok & (keys == key)
                    if isinstance(keys, np.ndarray)
                    else (ok.copy() if keys == key else None)
                )
                if rows is not None and rows.any():
                    reason = f"a value outside the scale {scale_text(bottom, top)} of the KPI fed by {key!r}"
                    self._outside(values, rows, bottom, top, reason, raw, lines, column, ok)
        return values, ok

    def _outside(
        self,
        values: np.ndarray,
        rows: np.ndarray,
        low: float | None,
        high: float | None,
        reason: str,
        raw: pd.Series,
        lines: np.ndarray,
        column: str,
        ok: np.ndarray | None = None,
    ) -> None:
        """Record rows (of ``rows``) whose value is outside low…high as bad; clear them in ``ok``."""
        with np.errstate(invalid="ignore"):
            below = values < low if low is not None else np.zeros(len(values), dtype=bool)
            above = values > high if high is not None else np.zeros(len(values), dtype=bool)
        outside = rows & (below | above)
        if outside.any():
            self.bad.add(reason, column, lines[outside], raw[outside].tolist())
            (rows if ok is None else ok)[outside] = False

    def _add(self, key: np.ndarray, touchpoint: np.ndarray, period: np.ndarray, value: np.ndarray) -> None:
        if len(key) == 0:
            return
        frame = pd.DataFrame({"key": key, "touchpoint": touchpoint, "period": period, "v": value})
        grouped = frame.groupby(["key", "touchpoint", "period"], sort=False)
        part = grouped["v"].agg(["sum", "count", "min", "max", "last"])
        # the sum of squares gives the answers' spread: the 95 % interval of a survey score
        part["squares"] = (
            (frame["v"] ** 2).groupby([frame["key"], frame["touchpoint"], frame["period"]], sort=False).sum()
        )
        self.parts.append(part.reset_index())

    def add_partials(self, partials: pd.DataFrame) -> None:
        """Add already aggregated partials (from the Arrow fast path or SQL)."""
        self.parts.append(partials)

    def result(self, path: str, skip_bad_rows: bool) -> ImportResult:
        """Return what was read, or raise the bad rows named (unless ``skip_bad_rows``)."""
        if not skip_bad_rows:
            self.bad.raise_if_any(path)
        partials = pd.concat(self.parts, ignore_index=True) if self.parts else empty_partials()
        partials["period"] = partials["period"].astype("datetime64[s]")
        combined = combine_partials(partials)
        return ImportResult(
            source=resolved_source(self.source, self.columns),
            partials=combined,
            rows_read=self.rows_read,
            rows_skipped=self.bad.total,
            skipped=self.bad.sentences(),
            path=path,
        )
