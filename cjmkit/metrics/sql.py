"""KPI values from SQL databases, aggregated inside the database.

The query is built with SQLAlchemy expressions: ``SELECT period, kpi, SUM(value), COUNT(value),
MIN(value), MAX(value) ... GROUP BY period, kpi`` (one aggregate set per KPI column in wide
layout), so a warehouse with billions of rows sends back one row per period and KPI. The period
is truncated in the database:

================= ===============================================================
SQLite            ``date(col)``, ``date(col, 'weekday 0', '-6 days')``, ``strftime('%Y-%m-01', col)``
                  (dates stored as ISO 8601 text)
MySQL / MariaDB   ``date(col)``, ``subdate(date(col), weekday(col))``, ``date_format(col, '%Y-%m-01')``
anything else     ``date_trunc('day' | 'week' | 'month', col)`` (PostgreSQL, DuckDB, Snowflake,
                  Redshift, ...; weeks start on Monday there)
================= ===============================================================

The ``last`` aggregation (the value of the row with the latest date in each period, e.g. the
ticket backlog at the end of a month) cannot be summed up that way: for it the rows of the wanted
KPIs are read, ordered by their parsed dates in Python, and aggregated like a file's rows. So are
survey answers (``csat``, ``nps``, answer labels) and, on SQLite, dates that need a format, a
day/month order or a time zone. On PostgreSQL the session's time zone is the source's (UTC by
default), so ``timestamptz`` values fall into the calendar days of that zone.

SQLite works out of the box (``sqlite:///path/to/file.db``); other databases need their driver
installed (``postgresql://`` uses psycopg 3 when it is installed, else psycopg2). The URL is
stored in the map, so a password must not be in it: write ``postgresql://me:${DB_PASSWORD}@host/db``
(environment variables are filled in when the source is read; a literal password is refused).

Safety (:mod:`cjmkit.metrics.readonly`): a query is parsed and must be exactly one read-only
SELECT; what runs is the query as the parser read it, wrapped as a subquery; the connection is
read-only with connect and statement timeouts. A source stored in a map runs only once trusted
on this machine (:mod:`cjmkit.trust`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.metrics import readonly
from cjmkit.metrics.aggregate import (
    SCALED,
    BadRows,
    ImportResult,
    RowAggregator,
    combine_partials,
    scale_text,
)
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.sources import ALIASES, COLUMN_HINT, resolved_source, wanted_columns
from cjmkit.metrics.textfiles import resolve_columns
from cjmkit.model import KpiSource


def period_expression(column: Any, period: str, dialect: str) -> Any:
    """A SQLAlchemy expression giving the first day of ``column``'s period in this dialect."""
    from sqlalchemy import func, literal_column

    if dialect == "sqlite":
        if period == "day":
            return func.date(column)
        if period == "week":
            return func.date(column, "weekday 0", "-6 days")
        return func.strftime("%Y-%m-01", column)
    if dialect in ("mysql", "mariadb"):
        if period == "day":
            return func.date(column)
        if period == "week":
            return func.subdate(func.date(column), func.weekday(column))
        return func.date_format(column, "%Y-%m-01")
    return func.date_trunc(literal_column(f"'{period}'"), column)


def _rows_of(source: KpiSource, names: Sequence[str], dialect: str = "postgresql") -> Any:
    """The source's table, or its checked query as a subquery, with the columns ``names``."""
    import sqlalchemy as sa

    if source.query:
        checked = readonly.check_query(source.query, dialect)
        # colons escaped: text() would take ':name' inside the query for a bind parameter
        text = sa.text(checked.replace(":", "\\:"))
        return text.columns(*[sa.column(n) for n in names]).subquery("cjm_source")
    schema, _, table = (source.table or "").rpartition(".")
    return sa.table(table, *[sa.column(n) for n in names], schema=schema or None)


def build_rows_query(
    columns: dict[str, str], source: KpiSource, keys: Sequence[str] | None, dialect: str = "postgresql"
) -> Any:
    """The plain SELECT of the used columns (for ``last``), only the wanted KPIs in long layout."""
    import sqlalchemy as sa

    names = list(dict.fromkeys(columns.values()))
    from_ = _rows_of(source, names, dialect)
    query = sa.select(*[from_.c[n] for n in names]).select_from(from_)
    if source.layout == "long" and keys:
        query = query.where(from_.c[columns["kpi"]].in_(list(keys)))
    return query


def build_query(source: KpiSource, dialect: str, columns: dict[str, str], keys: Sequence[str] | None) -> Any:
    """The aggregating SELECT for a source (``columns``: role → actual column name)."""
    import sqlalchemy as sa

    from_ = _rows_of(source, list(dict.fromkeys(columns.values())), dialect)
    col = from_.c
    period = period_expression(col[columns["period"]], source.period, dialect).label("period")
    group: list[Any] = [period]
    selected: list[Any] = [period]
    if "touchpoint" in columns:
        tp = col[columns["touchpoint"]].label("touchpoint")
        group.append(tp)
        selected.append(tp)
    if source.layout == "long":
        key = col[columns["kpi"]].label("key")
        group.append(key)
        selected.append(key)
        value = col[columns["value"]] if "value" in columns else sa.literal(1.0)
        selected += [
            sa.func.sum(value).label("sum"),
            sa.func.count(value).label("count"),
            sa.func.min(value).label("min"),
            sa.func.max(value).label("max"),
            sa.func.count().label("rows"),
        ]
        query = sa.select(*selected).select_from(from_)
        if keys:
            query = query.where(col[columns["kpi"]].in_(list(keys)))
    else:
        for i, (role, name) in enumerate(columns.items()):
            if role.startswith("key:"):
                value = col[name]
                selected += [
                    sa.func.sum(value).label(f"sum_{i}"),
                    sa.func.count(value).label(f"count_{i}"),
                    sa.func.min(value).label(f"min_{i}"),
                    sa.func.max(value).label(f"max_{i}"),
                ]
        selected.append(sa.func.count().label("rows"))
        query = sa.select(*selected).select_from(from_)
    return query.group_by(*group)


def read_sql_values(
    source: KpiSource,
    url: str,
    *,
    keys: Sequence[str] | None,
    skip_bad_rows: bool,
    scales: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> ImportResult:
    """Run the aggregating query and return an :class:`~cjmkit.metrics.importers.ImportResult`."""
    import sqlalchemy as sa

    name = readonly.display(url)
    if not source.table and not source.query:
        raise ImportProblem(f"{name}: say which table (--table) or query (--query) to read", path=url)
    wanted = wanted_columns(source, keys)
    if source.query:
        readonly.check_query(source.query, readonly.backend(url))  # refused before connecting
    with readonly.connect(url, timezone=source.timezone) as connection:
        dialect = connection.dialect.name
        if source.table:
            inspector = sa.inspect(connection)
            schema, _, table = source.table.rpartition(".")
            if not inspector.has_table(table, schema=schema or None):
                tables = ", ".join(inspector.get_table_names(schema=schema or None)) or "none"
                raise ImportProblem(
                    f"{name} has no table {source.table!r} (its tables are: {tables})", path=url
                )
            have = [c["name"] for c in inspector.get_columns(table, schema=schema or None)]
            columns = resolve_columns(
                have,
                wanted,
                aliases=ALIASES,
                file_name=f"table {source.table!r} of {name}",
                hint=COLUMN_HINT,
            )
        else:
            columns = {role: column for role, column in wanted.items() if column}
        in_python = rows_in_python(source, dialect)
        if in_python:
            rows = connection.execute(build_rows_query(columns, source, keys, dialect))
            raw = pd.DataFrame(rows.fetchall(), columns=list(rows.keys()))
        else:
            query = build_query(source, dialect, columns, keys)
            frame = pd.DataFrame(connection.execute(query).mappings().all())
    if in_python:
        return _values_in_python(source, columns, keys, raw, name, url, skip_bad_rows, scales)
    if frame.empty:
        frame = pd.DataFrame(columns=["period", "rows"])
    rows_read = int(frame["rows"].sum()) if len(frame) else 0
    period = pd.to_datetime(frame["period"], errors="coerce", format="mixed")
    if getattr(period.dt, "tz", None) is not None:
        period = period.dt.tz_localize(None)
    bad_rows = int(frame.loc[period.isna(), "rows"].sum()) if len(frame) else 0
    skipped: list[str] = []
    if bad_rows:
        sentence = (
            f"{name}: {bad_rows} row{'s have' if bad_rows != 1 else ' has'} a date the database cannot read, "
            f"column {columns['period']!r}"
        )
        if not skip_bad_rows:
            raise ImportProblem(
                sentence + "; nothing was imported: fix them, or import with skip_bad_rows=True "
                "(cjmkit kpi import --skip-bad-rows) to leave them out",
                path=url,
                column=columns["period"],
                rows=bad_rows,
            )
        skipped.append(sentence)
    frame = frame.assign(period=period.dt.normalize())[period.notna().to_numpy()]
    tp = frame["touchpoint"].astype(str) if "touchpoint" in frame else pd.Series("", index=frame.index)
    parts = []
    if source.layout == "long":
        parts.append(
            pd.DataFrame(
                {
                    "key": frame.get("key", pd.Series(dtype=object)).astype(str),
                    "touchpoint": tp,
                    "period": frame["period"],
                    "sum": pd.to_numeric(frame.get("sum"), errors="coerce"),
                    "count": pd.to_numeric(frame.get("count"), errors="coerce"),
                    "min": pd.to_numeric(frame.get("min"), errors="coerce"),
                    "max": pd.to_numeric(frame.get("max"), errors="coerce"),
                }
            )
        )
    else:
        for i, role in enumerate(columns):
            if role.startswith("key:"):
                parts.append(
                    pd.DataFrame(
                        {
                            "key": role[4:],
                            "touchpoint": tp,
                            "period": frame["period"],
                            "sum": pd.to_numeric(frame[f"sum_{i}"], errors="coerce"),
                            "count": pd.to_numeric(frame[f"count_{i}"], errors="coerce"),
                            "min": pd.to_numeric(frame[f"min_{i}"], errors="coerce"),
                            "max": pd.to_numeric(frame[f"max_{i}"], errors="coerce"),
                        }
                    )
                )
    partials = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not partials.empty:
        partials = partials[partials["count"] > 0]
    partials = partials.assign(last=np.nan)
    if (
        source.aggregation == "rate"
        and len(partials)
        and ((partials["min"] < 0).any() or (partials["max"] > 1).any())
    ):
        raise ImportProblem(
            f"{name}: some values of the rate column are outside 0…1 (a rate needs 0/1 flags or fractions)",
            path=url,
        )
    if scales and source.aggregation in SCALED and not source.allow_out_of_scale and len(partials):
        _check_scales(partials, scales, name, url)
    if not partials.empty:
        partials["period"] = partials["period"].astype("datetime64[s]")
    return ImportResult(
        source=resolved_source(source, columns),
        partials=combine_partials(partials)
        if not partials.empty
        else combine_partials(partials.reindex(columns=[])),
        rows_read=rows_read,
        rows_skipped=bad_rows if skip_bad_rows else 0,
        skipped=skipped,
        path=url,
    )


def _check_scales(
    partials: pd.DataFrame, scales: Mapping[str, tuple[float | None, float | None]], name: str, url: str
) -> None:
    """Refuse values outside a KPI's scale, named by period (the database sent only the extremes)."""
    for key, (low, high) in scales.items():
        rows = partials[partials["key"] == key]
        outside = np.zeros(len(rows), dtype=bool)
        if low is not None:
            outside |= (rows["min"] < low).to_numpy()
        if high is not None:
            outside |= (rows["max"] > high).to_numpy()
        if outside.any():
            first = rows[outside].sort_values("period").iloc[0]
            raise ImportProblem(
                f"{name}: rows of {key!r} in the period of {pd.Timestamp(first['period']):%Y-%m-%d} have values "
                f"from {first['min']:g} to {first['max']:g}, outside the scale {scale_text(low, high)} of the KPI "
                "they feed; nothing was imported: check the column, or import with --allow-out-of-scale",
                path=url,
            )


def preview_rows(url: str, *, table: str | None, query: str | None, rows: int = 10) -> pd.DataFrame:
    """The first rows of a table or (checked) query, read-only, for the import wizard."""
    import sqlalchemy as sa

    if not table and not query:
        raise ImportProblem(f"{readonly.display(url)}: say which table or query to read", path=url)
    if query:
        readonly.check_query(query, readonly.backend(url))
    with readonly.connect(url) as connection:
        if query:
            from_ = _rows_of(KpiSource(kind="sql", location=url, query=query), [], connection.dialect.name)
        else:
            schema, _, name = (table or "").rpartition(".")
            from_ = sa.table(name, schema=schema or None)
        statement = sa.select(sa.text("*")).select_from(from_).limit(rows)
        return pd.DataFrame(connection.execute(statement).mappings().all())


def rows_in_python(source: KpiSource, dialect: str) -> bool:
    """Whether the rows are read and aggregated in Python instead of grouped in the database.

    So for ``last`` (ordered by parsed dates), for survey answers (``csat``/``nps`` and answer
    labels), and on SQLite for dates it cannot read itself (a format, a day/month order, a
    time zone: SQLite has no time zones).
    """
    if source.aggregation in ("last", "csat", "nps", "ces") or source.labels:
        return True
    return dialect == "sqlite" and bool(source.date_format or source.dayfirst is not None or source.timezone)


def _values_in_python(
    source: KpiSource,
    columns: dict[str, str],
    keys: Sequence[str] | None,
    raw: pd.DataFrame,
    name: str,
    url: str,
    skip_bad_rows: bool,
    scales: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> ImportResult:
    """Aggregate raw rows in Python: fed in date order, so the last row of a period is its latest.

    Rows are numbered as the database returned them, which is how bad rows are named.
    """
    bad = BadRows(name, "row")
    aggregator = RowAggregator(source, columns, keys, bad, scales=scales)
    if raw.empty:
        return aggregator.result(url, skip_bad_rows)
    lines = np.arange(1, len(raw) + 1)
    stamps = aggregator.dates(raw[columns["period"]], lines)
    order = np.argsort(stamps, kind="stable")  # unreadable dates (NaT) last; equal dates keep their order
    aggregator.feed(raw.iloc[order].reset_index(drop=True), lines[order])
    return aggregator.result(url, skip_bad_rows)
