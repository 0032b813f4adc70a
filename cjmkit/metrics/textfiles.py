"""Reading messy delimited text files: encoding, delimiter, header and decimal sniffing.

Real exports come as UTF-8 with or without a BOM, UTF-16 (Excel "Unicode text"), cp1252 or
Latin-1; separated by ``,``, ``;``, tab or ``|``; with comment or title lines above the header,
blank lines, repeated header rows and decimal commas. :func:`sniff_csv` works all of that out from
the first few hundred kilobytes, :func:`read_csv_chunks` then reads the file in bounded chunks of
strings, and :func:`parse_dates` / :func:`parse_instants` / :func:`parse_numbers` turn columns into
values, leaving what they cannot read as missing so that the caller can report the rows.

Time is read right: an offset written with a timestamp is honoured (mixed offsets too), a
timestamp without one is a wall-clock time of the source's time zone (UTC unless told), and
``01/02/2025`` is never guessed: the day/month order comes from the values themselves
(``13/02/2025`` settles it), from ``dayfirst``, or from an explicit format, else
:class:`AmbiguousDates` names an example. AM/PM times are read.

Line numbers are 1-based and count every physical line of the file, as a text editor does.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import stat
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cjmkit.metrics.problems import ImportProblem

SAMPLE_BYTES = 256 * 1024
COMMENT_PREFIXES = ("#", "//")
DELIMITERS = (",", ";", "\t", "|")
_DATE_PARTS: tuple[tuple[str, str | None], ...] = (
    ("%Y/%m/%d", None),
    ("%d.%m.%Y", None),
    ("%d/%m/%Y", "day"),
    ("%m/%d/%Y", "month"),
    ("%d-%m-%Y", "day"),
    ("%m-%d-%Y", "month"),
    ("%d.%m.%y", None),
    ("%d/%m/%y", "day"),
    ("%m/%d/%y", "month"),
    ("%Y%m%d", None),
)
"""Date layouts besides ISO 8601, and which of them puts the day or the month first."""
_TIME_PARTS = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", " %I:%M%p")
DATE_FORMATS = (
    "ISO8601",
    *(
        date + time + zone
        for date, _ in _DATE_PARTS
        for time in _TIME_PARTS
        for zone in ("", " %z")
        if time or not zone
    ),
)
"""Formats tried, in order, when a column's dates have no given format (ISO 8601 first)."""
ORDER_OF = {
    date + time + zone: order for date, order in _DATE_PARTS for time in _TIME_PARTS for zone in ("", " %z")
}
_MIRROR = {"%d/%m/": "%m/%d/", "%m/%d/": "%d/%m/", "%d-%m-": "%m-%d-", "%m-%d-": "%d-%m-"}
_OFFSET = re.compile(r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?|\s(?:UTC|GMT))\s*$")
_AM_PM = re.compile(r"\d\s*[AaPp]\.?[Mm]\.?\s*$|\d\s*[AaPp]\.?[Mm]\.?\s*[+-]\d")
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}\b")
EARLIEST, LATEST = pd.Timestamp("1700-01-01"), pd.Timestamp("2200-12-31")
"""Dates outside this span are treated as unreadable (typos), not as periods."""
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d{1,3}(?:\.\d{3})*,\d+\s*%?\s*$|^\s*[-+]?\d+,\d+\s*%?\s*$")
_THOUSANDS_COMMA = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_SKIPPED = re.compile(r"Skipping line (\d+): expected (\d+) fields?, saw (\d+)")


def normalise_name(name: object) -> str:
    """Column name as compared: trimmed, lower case, runs of spaces/underscores/dashes as one space."""
    text = str(name).replace("\ufeff", "").strip().strip('"').strip()
    return re.sub(r"[\s_\-]+", " ", text.lower()).strip()


@dataclass(frozen=True)
class CsvLayout:
    """What :func:`sniff_csv` found out about a delimited text file.

    Attributes
    ----------
    path
        The file.
    encoding
        A Python codec name (``"utf-8-sig"``, ``"utf-8"``, ``"utf-16"``, ``"cp1252"``, ``"latin-1"``).
    delimiter
        The field separator.
    header_line
        0-based index of the header line (lines above it are comments or titles).
    subheader_lines
        How many lines right under the header hold no values (units, descriptions): skipped.
    columns
        The header's column names, trimmed.
    decimal
        ``","`` when numbers are written with a decimal comma, else ``"."``.
    size
        File size in bytes.
    bytes_per_line
        Average line length in the sample (to estimate progress).
    header_rows
        How many lines the header spans (survey exports often have two or three: question,
        answer, an id). The columns are then named by their cells joined with ``" / "``.
    alternatives
        ``(name, column)``: other names a column answers to (a cell of a many-line header that
        is unique in its line, e.g. ``"Q1"`` for ``"Q1 / How satisfied were you?"``).
    """

    path: str
    encoding: str
    delimiter: str
    header_line: int
    columns: tuple[str, ...]
    decimal: str = "."
    subheader_lines: int = 0
    size: int = 0
    bytes_per_line: float = 40.0
    sample: tuple[tuple[str, ...], ...] = field(default=(), repr=False)
    header_rows: int = 1
    alternatives: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def first_data_line(self) -> int:
        """1-based line number of the first data row."""
        return self.header_line + 2 + self.subheader_lines

    @property
    def name(self) -> str:
        """The file's name, for messages."""
        return Path(self.path).name


def require_regular(path: str | Path) -> None:
    """Refuse anything but a regular file (a named pipe would hang the read, a device never end).

    A missing file is left to the reader, which names it.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        kind = (
            "a folder" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device"
        )  # fmt: skip
        raise ImportProblem(f"cannot read {path}: it is {kind}, not a regular file", path=str(path))


def _decode_head(raw: bytes, path: str, complete: bool) -> tuple[str, str]:
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        cut = raw if complete or len(raw) % 2 == 0 else raw[:-1]
        return "utf-16", cut.decode("utf-16", errors="replace")
    if b"\x00" in raw:
        raise ImportProblem(
            f"{Path(path).name} looks like a binary file, not a text (CSV) file: "
            "export it as CSV, or use an .xlsx or .parquet file",
            path=path,
        )
    try:
        return "utf-8", raw.decode("utf-8")
    except UnicodeDecodeError as error:
        if not complete and error.start >= len(raw) - 4:
            return "utf-8", raw[: error.start].decode("utf-8")
    try:
        return "cp1252", raw.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1", raw.decode("latin-1")


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith(COMMENT_PREFIXES)


def _fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def _is_blank(fields: list[str]) -> bool:
    return all(not f.strip() for f in fields)


def sniff_csv(
    path: str | Path, expected: Sequence[str] = (), *, subheaders: bool = False, header_rows: int = 1
) -> CsvLayout:
    """Work out the encoding, delimiter, header line and decimal mark of a delimited file.

    Parameters
    ----------
    path
        The file.
    expected
        Column names the header should contain (compared with :func:`normalise_name`). When
        given, the header is the first line containing all of them; otherwise it is the first
        line with as many fields as most lines have.
    subheaders
        Skip up to 3 lines right under the header that hold no number and no date (units,
        descriptions). Only for files whose every data row has a date, such as KPI values:
        elsewhere such a line may be data.
    header_rows
        How many lines the header spans (see :attr:`CsvLayout.header_rows`).

    Raises
    ------
    ImportProblem
        When the file cannot be read, is empty or binary.
    """
    path = str(path)
    name = Path(path).name
    require_regular(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(SAMPLE_BYTES + 1)
            size = handle.seek(0, 2)
    except OSError as error:
        raise ImportProblem(f"cannot read {path}: {error.strerror or error}", path=path) from None
    complete = len(raw) <= SAMPLE_BYTES
    raw = raw[:SAMPLE_BYTES]
    encoding, text = _decode_head(raw, path, complete)
    lines = _LINE_BREAK.split(text)
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut in the middle
    lines = lines[:2000]
    if not any(line.strip() for line in lines):
        raise ImportProblem(f"{name} is empty: it has no header and no rows", path=path)
    candidates = [(i, line) for i, line in enumerate(lines) if line.strip() and not _is_comment(line)]
    if not candidates:
        raise ImportProblem(f"{name} has only comment lines, no header and no rows", path=path)
    wanted = {normalise_name(e) for e in expected if e}
    delimiter, header = None, None
    if wanted:
        for d in DELIMITERS:
            for i, line in candidates[:200]:
                if wanted <= {normalise_name(f) for f in _fields(line, d)}:
                    delimiter, header = d, i
                    break
            if delimiter:
                break
    if delimiter is None:
        delimiter, header = _guess_delimiter(candidates)
    assert header is not None
    columns = tuple(f.replace("\ufeff", "").strip() for f in _fields(lines[header], delimiter))
    alternatives: tuple[tuple[str, str], ...] = ()
    skip = 0
    if header_rows > 1:
        if header + header_rows > len(lines):
            raise ImportProblem(f"{name} has no {header_rows}-line header: it ends before", path=path)
        columns, alternatives = _joined_header(
            [_fields(line, delimiter) for line in lines[header : header + header_rows]]
        )
        skip = header_rows - 1
        subheaders = False
    for line in lines[header + 1 : header + 4] if subheaders else ():
        fields = _fields(line, delimiter)
        if _is_blank(fields) or _is_comment(line) or any(_looks_like_value(f) for f in fields):
            break
        skip += 1  # e.g. a row of units under the column names
    first = header + 1 + skip
    rows = [_fields(line, delimiter) for line in lines[first : first + 400]]
    rows = [r for r in rows if not _is_blank(r) and not (r and _is_comment(r[0]))]
    decimal = "."
    if delimiter != ",":
        cells = [c for r in rows for c in r[1:]]
        if any(_DECIMAL_COMMA.match(c) for c in cells):
            decimal = ","
    used = sum(len(line) + 1 for line in lines) or 1
    return CsvLayout(
        path=path,
        encoding=encoding,
        delimiter=delimiter,
        header_line=header,
        columns=columns,
        subheader_lines=skip,
        decimal=decimal,
        size=size,
        bytes_per_line=max(1.0, used / max(1, len(lines))),
        sample=tuple(tuple(r) for r in rows[:50]),
        header_rows=max(1, header_rows),
        alternatives=alternatives,
    )


def _joined_header(rows: list[list[str]]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Column names of a header spanning several lines, and the other names each answers to.

    An empty cell in the first line continues the one to its left (a question spread over
    several answer columns); a column's name joins its distinct cells with ``" / "``.
    """
    width = max(len(r) for r in rows)
    cells = [[c.replace("\ufeff", "").strip() for c in r] + [""] * (width - len(r)) for r in rows]
    top = list(cells[0])
    for i in range(1, width):
        if not top[i] and any(r[i] for r in cells[1:]):
            top[i] = top[i - 1]
    names: list[str] = []
    for i in range(width):
        parts = list(dict.fromkeys(p for p in [top[i], *(r[i] for r in cells[1:])] if p))
        name = " / ".join(parts) or f"column {i + 1}"
        candidate, n = name, 2
        while candidate in names:
            candidate, n = f"{name} ({n})", n + 1
        names.append(candidate)
    alternatives = []
    for r in cells:
        counts = Counter(normalise_name(c) for c in r if c)
        for i, c in enumerate(r):
            if c and counts[normalise_name(c)] == 1 and c != names[i]:
                alternatives.append((c, names[i]))
    return tuple(names), tuple(alternatives)


_VALUE_LIKE = re.compile(r"^[-+]?[\d.,'\s]*\d[\d.,'\s]*%?$|\d{1,4}[-./]\d{1,2}[-./]\d{1,4}|^\d{4}-\d{2}")


def _looks_like_value(field: str) -> bool:
    """Whether a cell looks like a number or a date (data), as opposed to a label or a unit."""
    return bool(_VALUE_LIKE.search(field.strip()))


def _guess_delimiter(candidates: list[tuple[int, str]]) -> tuple[str, int]:
    best: tuple[int, int] = (-1, -1)
    choice = (",", candidates[0][0])
    for d in DELIMITERS:
        counts = [len(_fields(line, d)) for _, line in candidates[:400]]
        values, freq = np.unique(counts, return_counts=True)
        mode = int(values[np.argmax(freq)])
        if mode < 2:
            continue
        score = (int(freq.max()), mode)
        if score > best:
            best = score
            first = next(i for (i, _), n in zip(candidates, counts, strict=False) if n == mode)
            choice = (d, first)
    return choice


def resolve_columns(
    layout_columns: Sequence[str],
    wanted: dict[str, str | None],
    *,
    aliases: Mapping[str, Sequence[str]] | None = None,
    file_name: str = "the file",
    hint: str = "",
    alternatives: Sequence[tuple[str, str]] = (),
) -> dict[str, str]:
    """Map each role (``"period"``, ``"value"``...) to the file's actual column name.

    Names match when equal after :func:`normalise_name`; when the wanted name is missing and the
    role has ``aliases`` (e.g. ``period`` → ``date``), the first alias present is used. A
    column also answers to its ``alternatives`` (see :attr:`CsvLayout.alternatives`).

    Raises
    ------
    ImportProblem
        Naming every missing column and listing the columns the file has.
    """
    by_norm = {normalise_name(c): c for c in reversed(list(layout_columns))}
    for other, column in alternatives:
        by_norm.setdefault(normalise_name(other), column)
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for role, name in wanted.items():
        if name is None:
            continue
        actual = by_norm.get(normalise_name(name))
        if actual is None:
            for alias in (aliases or {}).get(role, ()):
                if normalise_name(name) == normalise_name(role) and normalise_name(alias) in by_norm:
                    actual = by_norm[normalise_name(alias)]
                    break
        if actual is None:
            missing.append(name)
        else:
            resolved[role] = actual
    if missing:
        have = ", ".join(repr(c) for c in layout_columns) or "none"
        which = ", ".join(repr(m) for m in missing)
        noun = "column" if len(missing) == 1 else "columns"
        raise ImportProblem(
            f"{file_name} has no {noun} {which} (its columns are {have}){hint}",
            column=missing[0],
        )
    return resolved


@dataclass
class SkippedLines:
    """Lines the CSV parser left out because they had the wrong number of fields."""

    lines: list[int] = field(default_factory=list)
    found: list[int] = field(default_factory=list)
    expected: int = 0

    def line_of(self, positions: np.ndarray, first_line: int) -> np.ndarray:
        """File line numbers of data rows at ``positions`` (0-based among kept rows)."""
        lines = first_line + np.asarray(positions, dtype=np.int64)
        for skipped in sorted(self.lines):
            lines = lines + (lines >= skipped)
        return lines


def read_csv_chunks(
    layout: CsvLayout,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 250_000,
    skipped: SkippedLines | None = None,
    required: Sequence[str] = (),
) -> Iterator[pd.DataFrame]:
    """Yield the data rows of a sniffed file as DataFrames of strings, ``chunk_rows`` at a time.

    Blank lines are kept (as rows of empty strings) so that positions map to line numbers;
    rows with too many fields are left out and recorded in ``skipped``. Column names are trimmed;
    ``required`` names must be among them.

    Raises
    ------
    ImportProblem
        When the file cannot be parsed at all.
    """
    wanted = {c.strip() for c in columns} if columns is not None else None
    usecols = (lambda c: c.replace("\ufeff", "").strip() in wanted) if wanted is not None else None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            joined = layout.header_rows > 1
            reader = pd.read_csv(
                layout.path,
                sep=layout.delimiter,
                encoding=layout.encoding,
                encoding_errors="strict",
                skiprows=(
                    layout.first_data_line - 1
                    if joined
                    else list(range(layout.header_line))
                    + list(range(layout.header_line + 1, layout.first_data_line - 1))
                    if layout.subheader_lines
                    else layout.header_line
                ),
                header=None if joined else 0,
                names=list(layout.columns) if joined else None,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
                usecols=usecols,
                chunksize=chunk_rows,
                on_bad_lines="warn",
                engine="c",
                low_memory=True,
            )
            with reader:
                for chunk in reader:
                    _note_skipped(caught, skipped, len(layout.columns))
                    chunk.columns = [str(c).replace("\ufeff", "").strip() for c in chunk.columns]
                    chunk = chunk.loc[:, ~chunk.columns.duplicated()]  # a repeated name: the first wins
                    lost = [c for c in required if c not in chunk.columns]
                    if lost:
                        raise ImportProblem(
                            f"{layout.name}: the header line cannot be read as columns "
                            f"(no {lost[0]!r} where it was found; an unbalanced quote near line "
                            f"{layout.header_line + 1}?)",
                            path=layout.path,
                            line=layout.header_line + 1,
                        )
                    yield chunk.fillna("")
            _note_skipped(caught, skipped, len(layout.columns))
    except pd.errors.EmptyDataError:
        return
    except UnicodeDecodeError as error:
        raise ImportProblem(
            f"{layout.name} is not valid {layout.encoding} text (byte {error.start} of a chunk): "
            "save it as UTF-8",
            path=layout.path,
        ) from None
    except (pd.errors.ParserError, ValueError, csv.Error, OverflowError, IndexError) as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ImportProblem(f"{layout.name} cannot be read as CSV: {detail}", path=layout.path) from None


def _note_skipped(caught: list[warnings.WarningMessage], skipped: SkippedLines | None, expected: int) -> None:
    if skipped is None:
        caught.clear()
        return
    for warning in caught:
        for line, want, saw in _SKIPPED.findall(str(warning.message)):
            skipped.lines.append(int(line))
            skipped.found.append(int(saw))
            skipped.expected = int(want)
    caught.clear()


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask of rows whose cells are all empty (blank lines, ``;;;`` lines)."""
    if frame.empty or frame.shape[1] == 0:
        return np.ones(len(frame), dtype=bool)
    mask = np.ones(len(frame), dtype=bool)
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            mask &= (values.astype(str).str.strip() == "").to_numpy() | values.isna().to_numpy()
        else:
            mask &= values.isna().to_numpy()
    return mask


def comment_rows(frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask of rows whose first cell starts with a comment prefix (``#``, ``//``)."""
    if frame.empty or frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=bool)
    first = frame.iloc[:, 0]
    if not (first.dtype == object or pd.api.types.is_string_dtype(first)):
        return np.zeros(len(frame), dtype=bool)
    return first.astype(str).str.lstrip().str.startswith(COMMENT_PREFIXES).to_numpy()


def header_rows(frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask of rows that repeat the header (files concatenated from several exports)."""
    mask = np.ones(len(frame), dtype=bool)
    for i, column in enumerate(frame.columns):
        values = frame.iloc[:, i]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            return np.zeros(len(frame), dtype=bool)
        wanted = str(column).replace("\ufeff", "").strip().lower()
        mask &= (values.astype(str).str.strip().str.lower() == wanted).to_numpy()
        if not mask.any():
            break
    return mask


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values)


class AmbiguousDates(ImportProblem):
    """Dates such as ``01/02/2025`` that read both day first and month first; nothing is guessed.

    ``position`` is the index label of an example value, so that the caller can name its line.
    """

    def __init__(self, message: str, example: str, position: object) -> None:
        super().__init__(message)
        self.example = example
        self.position = position


def _candidates(sample: pd.Series) -> list[str]:
    """The formats worth trying on a sample: with times only if it has times, and so on."""
    has_time = bool(sample.str.contains(":", regex=False).any())
    has_ampm = bool(sample.str.contains(_AM_PM).any())
    has_zone = bool(sample.str.contains(_OFFSET).any())
    wanted = []
    for fmt in DATE_FORMATS:
        if fmt == "ISO8601":
            wanted.append(fmt)
            continue
        timed, ampm, zoned = "%H" in fmt or "%I" in fmt, "%p" in fmt, "%z" in fmt
        if timed == has_time and (not timed or ampm == has_ampm) and (zoned == has_zone or not timed):
            wanted.append(fmt)
    return wanted


def _day_or_month_first(values: pd.Series) -> tuple[str | None, object, str]:
    """Which order every ``NN/NN/YYYY`` value allows, and an example.

    ``"day"``, ``"month"``, ``"both"`` (the values contradict each other) or None (every one
    reads both ways).
    """
    parts = values.str.extract(_DAY_MONTH)
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    day_first, month_first = first > 12, second > 12
    if day_first.any() and month_first.any():
        return "both", month_first.idxmax(), str(values[month_first.idxmax()])
    if day_first.any():
        return "day", day_first.idxmax(), str(values[day_first.idxmax()])
    if month_first.any():
        return "month", month_first.idxmax(), str(values[month_first.idxmax()])
    found = first.notna()
    position = found.idxmax() if found.any() else values.index[0]
    return None, position, str(values[position])


def choose_date_format(values: pd.Series, *, dayfirst: bool | None = None) -> str | None:
    """The format of :data:`DATE_FORMATS` that reads most of the values (None: none reads any).

    ``01/02/2025`` reads as 1 February or as January 2: the order is taken from the values when
    some of them settle it (``13/02/2025``), from ``dayfirst`` when given, and is never guessed.

    Raises
    ------
    AmbiguousDates
        When every value reads both ways and ``dayfirst`` is None, or when some values are day
        first and others month first; the sentence names an example.
    """
    texts = values[values.astype(str).str.strip() != ""].astype(str).str.strip()
    sample = texts.head(500)
    if sample.empty:
        return None
    best, best_ok = None, 0
    for fmt in _candidates(sample):
        parsed = _to_datetime(sample, fmt)
        ok = int(parsed.notna().sum())
        if ok > best_ok:
            best, best_ok = fmt, ok
        if ok == len(sample):
            break
    if best is None or ORDER_OF.get(best) is None:
        return best
    order, position, example = _day_or_month_first(texts)
    if order == "both":
        raise AmbiguousDates(
            f"dates are written both day first and month first (e.g. {example!r} can only be month "
            "first, while others can only be day first): fix the file, or give --date-format",
            example,
            position,
        )
    if order is None and dayfirst is None:
        raise AmbiguousDates(
            f"dates such as {example!r} read both day first and month first: say which with --dayfirst "
            "or --monthfirst (or give --date-format, e.g. '%m/%d/%Y'); nothing is guessed",
            example,
            position,
        )
    wanted = order or ("day" if dayfirst else "month")
    if ORDER_OF[best] != wanted:
        for old, new in _MIRROR.items():
            if best.startswith(old):
                return new + best[len(old) :]
    return best


def _to_datetime(texts: pd.Series, fmt: str | None) -> pd.Series:
    """Parse text to UTC instants (offsets honoured, values without one taken as UTC); NaT if unreadable."""
    try:
        return pd.to_datetime(texts, format=fmt, errors="coerce", utc=True)
    except (ValueError, TypeError, OverflowError):
        return pd.Series([_one_date(v, fmt) for v in texts], index=texts.index, dtype="datetime64[ns, UTC]")


def time_zone(timezone: str | None) -> str:
    """The name of a time zone, checked against the tz database (None or empty: ``"UTC"``).

    Raises
    ------
    ImportProblem
        When it is not a time zone name.
    """
    if not timezone:
        return "UTC"
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportProblem(
            f"{timezone!r} is not a time zone name such as 'Europe/Berlin', 'America/New_York' or 'UTC'"
        ) from None
    return timezone


def parse_utc(
    values: pd.Series,
    fmt: str | None = None,
    *,
    dayfirst: bool | None = None,
    timezone: str | None = None,
) -> pd.Series:
    """Parse dates and timestamps to instants (``datetime64[ns, UTC]``); unreadable ones are NaT.

    An offset written with a value (``Z``, ``+0100``, ``-08:00``) is honoured, also when the
    values mix offsets; a value without one is a wall-clock time of ``timezone`` (default UTC).
    Already parsed columns are taken the same way (naive ones as times of ``timezone``).

    Raises
    ------
    AmbiguousDates
        See :func:`choose_date_format` (only when ``fmt`` is None).
    ImportProblem
        When ``timezone`` is not a time zone name.
    """
    zone = time_zone(timezone)
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            result = values.dt.tz_convert("UTC")
        else:
            result = _localize(values, zone)
    else:
        texts = values.astype(str).str.strip() if _is_text(values) else values.astype(str)
        if fmt is None:
            fmt = choose_date_format(texts, dayfirst=dayfirst)
        if fmt is None:
            return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
        offset = texts.str.contains(_OFFSET)
        if zone == "UTC" or offset.all():
            result = _to_datetime(texts, fmt)
        else:
            result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
            if offset.any():
                result[offset] = _to_datetime(texts[offset], fmt)
            local = _to_datetime(texts[~offset], fmt).dt.tz_localize(None)
            result[~offset] = _localize(local, zone)
    # years such as 0000 or 9999 parse, but are typos, not periods (and beyond pandas' ns range)
    naive = result.dt.tz_localize(None)
    result = result.where((naive >= EARLIEST) & (naive <= LATEST))
    return result.astype("datetime64[ns, UTC]")


def _localize(values: pd.Series, zone: str) -> pd.Series:
    """Naive wall-clock times of ``zone`` as UTC instants (a repeated hour: its first time)."""
    if zone == "UTC":
        return values.dt.tz_localize("UTC")
    first = np.ones(len(values), dtype=bool)  # when clocks go back, the first (summer) time
    return values.dt.tz_localize(zone, ambiguous=first, nonexistent="shift_forward").dt.tz_convert("UTC")


def parse_dates(
    values: pd.Series,
    fmt: str | None = None,
    *,
    dayfirst: bool | None = None,
    timezone: str | None = None,
) -> pd.Series:
    """Parse dates/timestamps to the wall-clock time of ``timezone`` (default UTC); NaT if unreadable.

    This is what periods are made of: a KPI's day is a calendar day of its source's time zone.
    Offsets are honoured (``2024-01-31T23:30:00-08:00`` is 1 February in UTC); values without
    an offset are already times of ``timezone``. Returns a ``datetime64[ns]`` Series without
    time zone, index as given. See :func:`parse_utc` for the arguments.
    """
    instants = parse_utc(values, fmt, dayfirst=dayfirst, timezone=timezone)
    return instants.dt.tz_convert(time_zone(timezone)).dt.tz_localize(None).astype("datetime64[ns]")


def parse_instants(
    values: pd.Series,
    fmt: str | None = None,
    *,
    dayfirst: bool | None = None,
    timezone: str | None = None,
) -> pd.Series:
    """Parse timestamps to UTC instants without a time zone attached (``datetime64[ns]``, UTC).

    What handoff times are compared in: tickets written in ``+0100`` and contacts in ``Z`` give
    the hours that really passed. See :func:`parse_utc` for the arguments.
    """
    instants = parse_utc(values, fmt, dayfirst=dayfirst, timezone=timezone)
    return instants.dt.tz_localize(None).astype("datetime64[ns]")


def _one_date(value: object, fmt: str | None) -> pd.Timestamp:
    try:
        stamp = pd.to_datetime(value, format=fmt, utc=True)
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return pd.NaT
    return stamp if isinstance(stamp, pd.Timestamp) else pd.NaT


def parse_numbers(values: pd.Series, decimal: str = ".") -> pd.Series:
    """Parse numbers written by people: ``1,5`` (with ``decimal=","``), ``1 234``, ``82 %``.

    What cannot be read, and infinities, become NaN. Returns a float64 Series.
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(values):
        result = values.astype("float64")
    else:
        texts = values.astype(str).str.strip()
        texts = texts.str.replace("\u00a0", "", regex=False).str.replace("\u202f", "", regex=False)
        texts = texts.str.replace(" ", "", regex=False).str.replace("'", "", regex=False)
        texts = texts.str.removesuffix("%")
        if decimal == ",":
            texts = texts.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            thousands = texts.str.match(_THOUSANDS_COMMA)
            if thousands.any():
                texts = texts.where(~thousands, texts.str.replace(",", "", regex=False))
        lowered = texts.str.lower()
        texts = texts.where(~lowered.isin({"true", "yes"}), "1").where(~lowered.isin({"false", "no"}), "0")
        result = pd.to_numeric(texts, errors="coerce").astype("float64")
    return result.where(np.isfinite(result.to_numpy(dtype="float64", na_value=np.nan)))


def is_empty(values: pd.Series) -> np.ndarray:
    """Boolean mask of empty cells (NaN/None, or text that is only spaces)."""
    if _is_text(values):
        return (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
    return values.isna().to_numpy()
