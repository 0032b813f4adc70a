"""Where KPI values come from: source kinds, locations relative to the map, column roles.

A :class:`~cjmkit.model.KpiSource` names a file (relative to the map's folder, or absolute) or
an SQLAlchemy URL, and the columns to read; the helpers here turn it into something to open and
check it before anything is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cjmkit.metrics.problems import ImportProblem
from cjmkit.model import KpiSource

PERIODS = ("day", "week", "month")
AGGREGATIONS = ("sum", "mean", "count", "rate", "last", "min", "max", "ces")
ALIASES: dict[str, tuple[str, ...]] = {
    "period": ("date", "day", "month", "week", "timestamp", "time", "datum", "period start", "periode"),
    "kpi": ("kpi id", "metric", "measure", "indicator", "kennzahl"),
    "value": ("amount", "val", "wert", "valeur", "score", "result"),
    "touchpoint": ("touchpoint id", "touch point"),
}
"""Column names tried when a source keeps the default name (``period``...) and the file lacks it."""

COLUMN_HINT = "; choose the right column in the mapping (e.g. --period-column, --kpi-column, --value-column)"


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
    """What to store as a source's location.

    Relative to the map's folder when the file is inside it or its parent folder, else
    absolute. SQLAlchemy URLs are kept as they are, except that a
    SQLite file path is treated the same way.

    Raises
    ------
    ImportProblem
        When a URL holds a password: the map (which people email and commit) would keep it.
        Write it as an environment variable instead, ``postgresql://me:${DB_PASSWORD}@host/db``;
        it is filled in when the source is read.
    """
    text = str(path)
    if text.startswith("sqlite:///"):
        return "sqlite:///" + location_for(text[len("sqlite:///") :], map_dir)
    if "://" in text:
        _refuse_password(text)
        return text
    if map_dir is None:
        return text
    # os.path.realpath, unlike Path.resolve, does not raise on a link loop
    absolute = Path(os.path.realpath(Path(text).expanduser()))
    base = Path(os.path.realpath(map_dir))
    for root in (base, base.parent):
        try:
            relative = absolute.relative_to(root)
        except ValueError:
            continue
        return Path(os.path.relpath(absolute, base)).as_posix() if root != base else relative.as_posix()
    return str(absolute)


def expand_variables(location: str) -> str:
    """Fill in ``${NAME}`` and ``$NAME`` from the environment.

    In the user and host part of a URL a value is percent-encoded, so that a password holding
    ``@`` or ``/`` stays a password.

    Raises
    ------
    ImportProblem
        Naming every variable that is not set; nothing is filled in or sent then.
    """
    from urllib.parse import quote

    from cjmkit.trust import VARIABLE

    names = [a or b for a, b in VARIABLE.findall(location)]
    unset = list(dict.fromkeys(n for n in names if n not in os.environ))
    if unset:
        listed = ", ".join(f"${{{n}}}" for n in unset)
        raise ImportProblem(
            f"the source's location uses {listed}, which {'is' if len(unset) == 1 else 'are'} not set in this "
            f"environment, so nothing was sent: set {'it' if len(unset) == 1 else 'them'} "
            f"(e.g. export {unset[0]}=...) and try again"
        )
    scheme_end = location.find("://")
    netloc_end = location.find("/", scheme_end + 3) if scheme_end >= 0 else -1
    if scheme_end >= 0 and netloc_end < 0:
        netloc_end = len(location)

    def fill(match: re.Match[str]) -> str:
        value = os.environ[match.group(1) or match.group(2)]
        in_netloc = scheme_end >= 0 and scheme_end < match.start() < netloc_end
        return quote(value, safe="") if in_netloc else value

    return VARIABLE.sub(fill, location)


def resolve_location(location: str, map_dir: str | Path | None) -> str:
    """The file path or URL to open for a stored location (relative paths: from the map folder).

    Environment variables (``${DB_PASSWORD}``, ``$HOME``) are filled in; an unset one is refused
    (:func:`expand_variables`). A stored source that reads variables runs only once trusted
    (:mod:`cjmkit.trust`).
    """
    location = expand_variables(location)
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


def _refuse_password(url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        return  # not a URL SQLAlchemy reads: reported when it is opened
    if password and not str(password).startswith("${"):
        raise ImportProblem(
            "the database URL holds a password, which the map would keep for everyone who gets "
            "the file: write it as an environment variable, e.g. postgresql://me:${DB_PASSWORD}@host/db"
        )


def as_url(location: str, kind: str) -> str:
    """A SQL source given as a plain file path is a SQLite database."""
    return f"sqlite:///{location}" if kind == "sql" and "://" not in location else location


def display_name(location: str) -> str:
    """A short name of a location for messages: the file name, or the URL without password."""
    if "://" in location:
        try:
            from sqlalchemy.engine import make_url

            return make_url(location).render_as_string(hide_password=True)
        except Exception:  # an unparseable URL is reported by the SQL reader itself
            return location.split("@")[-1]
    return Path(location).name


def check_source(source: KpiSource) -> None:
    """Refuse a source whose columns cannot say which KPI a row is about or what value it holds."""
    if source.aggregation != "count" and source.layout == "long" and not source.value_column:
        raise ImportProblem(
            f"aggregation {source.aggregation!r} needs a value column; only 'count' can count rows without one"
        )
    if source.layout == "long" and not source.kpi_column:
        raise ImportProblem(
            "a long-format source needs a KPI column (kpi_column) saying which KPI a row is about"
        )


def wanted_columns(source: KpiSource, keys: Sequence[str] | None) -> dict[str, str | None]:
    """Return the role → column name a source asks for (``key:NAME`` for the KPI columns of a wide layout)."""
    wanted: dict[str, str | None] = {"period": source.period_column}
    if source.layout == "long":
        wanted["kpi"] = source.kpi_column
        wanted["value"] = source.value_column
    else:
        for key in keys or ([source.key] if source.key else []):
            wanted[f"key:{key}"] = key
    wanted["touchpoint"] = source.touchpoint_column
    return wanted


def resolved_source(source: KpiSource, columns: Mapping[str, str]) -> KpiSource:
    """Return the source with the columns it was actually read from (so a refresh reads them again)."""
    update: dict[str, Any] = {"period_column": columns["period"]}
    if source.layout == "long":
        update["kpi_column"] = columns["kpi"]
        update["value_column"] = columns.get("value")
    if "touchpoint" in columns:
        update["touchpoint_column"] = columns["touchpoint"]
    return source.model_copy(update=update)
