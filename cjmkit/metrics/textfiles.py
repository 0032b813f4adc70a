"""Reading messy delimited text files: encoding, delimiter, header and decimal sniffing.

Real exports come as UTF-8 with or without a BOM, UTF-16 (Excel "Unicode text"), cp1252 or
Latin-1; separated by ``,``, ``;``, tab or ``|``; with comment or title lines above the header,
blank lines, repeated header rows and decimal commas. :func:`sniff_csv` works all of that out from
the first few hundred kilobytes, :func:`read_csv_chunks` then reads the file in bounded chunks of
strings, and :func:`parse_dates` / :func:`parse_numbers` turn columns into values, leaving what
they cannot read as missing so that the caller can report the rows.

Line numbers are 1-based and count every physical line of the file, as a text editor does.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cjmkit.metrics.problems import ImportProblem

SAMPLE_BYTES = 256 * 1024
COMMENT_PREFIXES = ("#", "//")
DELIMITERS = (",", ";", "\t", "|")
DATE_FORMATS = (
    "ISO8601",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%Y%m%d",
)
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

    @property
    def first_data_line(self) -> int:
        """1-based line number of the first data row."""
        return self.header_line + 2 + self.subheader_lines

    @property
    def name(self) -> str:
        """The file's name, for messages."""
        return Path(self.path).name


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


def sniff_csv(path: str | Path, expected: Sequence[str] = (), *, subheaders: bool = False) -> CsvLayout:
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

    Raises
    ------
    ImportProblem
        When the file cannot be read, is empty or binary.
    """
    path = str(path)
    name = Path(path).name
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
    skip = 0
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
    )


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
    aliases: dict[str, Sequence[str]] | None = None,
    file_name: str = "the file",
    hint: str = "",
) -> dict[str, str]:
    """Map each role (``"period"``, ``"value"``...) to the file's actual column name.

    Names match when equal after :func:`normalise_name`; when the wanted name is missing and the
    role has ``aliases`` (e.g. ``period`` → ``date``), the first alias present is used.

    Raises
    ------
    ImportProblem
        Naming every missing column and listing the columns the file has.
    """
    by_norm = {normalise_name(c): c for c in reversed(list(layout_columns))}
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
            reader = pd.read_csv(
                layout.path,
                sep=layout.delimiter,
                encoding=layout.encoding,
                encoding_errors="strict",
                skiprows=(
                    list(range(layout.header_line))
                    + list(range(layout.header_line + 1, layout.first_data_line - 1))
                    if layout.subheader_lines
                    else layout.header_line
                ),
                header=0,
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


def choose_date_format(values: pd.Series) -> str | None:
    """The format of :data:`DATE_FORMATS` that reads most of a sample of text dates (None: none)."""
    sample = values[values.astype(str).str.strip() != ""].astype(str).str.strip().head(500)
    if sample.empty:
        return None
    best, best_ok = None, 0
    for fmt in DATE_FORMATS:
        try:
            parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        except (ValueError, TypeError, OverflowError):
            try:  # mixed time zones (some "Z", some none)
                parsed = pd.to_datetime(sample, format=fmt, errors="coerce", utc=True)
            except (ValueError, TypeError, OverflowError):
                continue
        ok = int(parsed.notna().sum())
        if ok > best_ok:
            best, best_ok = fmt, ok
        if ok == len(sample):
            break
    return best


def parse_dates(values: pd.Series, fmt: str | None = None) -> pd.Series:
    """Parse dates/timestamps; what cannot be read becomes NaT. Time zones become wall-clock time.

    Returns a ``datetime64[ns]`` Series without time zone, index as given.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        result = values
    else:
        texts = values.astype(str).str.strip() if _is_text(values) else values
        if fmt is None and _is_text(values):
            fmt = choose_date_format(values)
        if fmt is None and _is_text(values):
            return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        try:
            result = pd.to_datetime(texts, format=fmt, errors="coerce")
        except (ValueError, TypeError, OverflowError):
            try:
                result = pd.to_datetime(texts, format=fmt, errors="coerce", utc=True)
            except (ValueError, TypeError, OverflowError):
                result = pd.Series(
                    [_one_date(v, fmt) for v in texts], index=values.index, dtype="datetime64[ns]"
                )
        if not pd.api.types.is_datetime64_any_dtype(result):
            result = pd.Series([_one_date(v, fmt) for v in texts], index=values.index, dtype="datetime64[ns]")
    if getattr(result.dt, "tz", None) is not None:
        result = result.dt.tz_localize(None)
    # years such as 0000 or 9999 parse, but are typos, not periods (and beyond pandas' ns range)
    result = result.where((result >= EARLIEST) & (result <= LATEST))
    return result.astype("datetime64[ns]")


def _one_date(value: object, fmt: str | None) -> pd.Timestamp:
    try:
        stamp = pd.to_datetime(value, format=fmt)
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return pd.NaT
    if isinstance(stamp, pd.Timestamp) and stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
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
