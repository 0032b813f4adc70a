"""Measure a map's event log with pandas, DuckDB or the database it lives in: :class:`JourneyLog`.

>>> log = JourneyLog(journey, "events.csv")          # doctest: +SKIP
>>> log.transitions()                                # doctest: +SKIP
>>> log.funnel(["h-email-ticket", "c-followup-email"], within_hours=48)   # doctest: +SKIP

Engines
-------
``pandas``
    The log in memory: the default for a DataFrame and for Excel files.
``duckdb``
    An embedded analytical database: the default for CSV and Parquet files. It reads the file
    itself (no pandas copy), runs the measures as SQL and spills to disk beyond its memory limit
    (:data:`DUCKDB_MEMORY`), so logs larger than memory are measured on a laptop.
``database``
    A SQL source (an SQLAlchemy URL with a table or query): the measures run as SQL in that
    database and only their results come back.

Every engine gives the same frames (tested on hand-checkable examples and on PostgreSQL).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.metrics import journeys as J
from cjmkit.metrics.events import (
    EVENT_FRAME_COLUMNS,
    EventColumns,
    Mapping_,
    event_mapping,
    read_events,
    steps,
    tidy_events,
    unmapped,
)
from cjmkit.metrics.problems import ImportProblem
from cjmkit.model import EventSource, Journey

ENGINES = ("auto", "pandas", "duckdb", "database")
DUCKDB_MEMORY = os.environ.get("CJMKIT_DUCKDB_MEMORY", "3GB")
"""DuckDB's memory limit (``$CJMKIT_DUCKDB_MEMORY``); beyond it, DuckDB spills to a temporary folder."""
DUCKDB_DISK = os.environ.get("CJMKIT_DUCKDB_DISK", "20GB")
"""At most this much temporary disk (``$CJMKIT_DUCKDB_DISK``): DuckDB's own limit, 90 % of the free
space, would let one large log fill the disk."""

_ISO = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)?$"


def support_touchpoints(journey: Journey) -> list[str]:
    """The touchpoints in the map's support lanes (where repeat contacts are counted by default)."""
    lanes = {lane.id for lane in journey.lanes_of_kind("support")}
    return [tp.id for tp in journey.touchpoints if tp.lane in lanes]


class JourneyLog:
    """An event log mapped to a map's touchpoints, ready to measure.

    Parameters
    ----------
    journey
        The map.
    events
        A DataFrame (raw rows with ``customer_id``, ``timestamp``, ``event`` columns or their
        ``columns``; or a frame of :func:`cjmkit.metrics.events.tidy_events`), a file path, an
        :class:`~cjmkit.model.EventSource` (e.g. a database table or query), or None to use the
        map's stored event log (``journey.event_log.source``), which is refused while it needs
        trust and has none on this machine (:mod:`cjmkit.trust`).
    map_dir
        The map's folder, for relative file locations.
    mapping, ignore
        Event value → touchpoint id, and event values that are no journey step; default: the
        map's stored ones.
    columns, timezone
        How to read the source (default: the stored source's settings): see
        :mod:`cjmkit.metrics.events`.
    engine
        ``"auto"``, ``"pandas"``, ``"duckdb"`` or ``"database"`` (see the module docstring).
    skip_bad_rows
        Leave out rows that cannot be read instead of failing (pandas engine).
    """

    def __init__(
        self,
        journey: Journey,
        events: pd.DataFrame | EventSource | str | Path | None = None,
        *,
        map_dir: str | Path | None = None,
        mapping: Mapping[str, str] | None = None,
        ignore: Sequence[str] | None = None,
        columns: EventColumns | None = None,
        timezone: str | None = None,
        engine: str = "auto",
        skip_bad_rows: bool = False,
    ) -> None:
        if engine not in ENGINES:
            raise ImportProblem(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.journey = journey
        stored = journey.event_log
        self.mapping: Mapping_ = event_mapping(
            journey,
            mapping if mapping is not None else (stored.mapping if stored else {}),
            ignore if ignore is not None else (stored.ignore if stored else ()),
        )
        self.notes = list(self.mapping.notes)
        self.skip_bad_rows = skip_bad_rows
        self._steps: pd.DataFrame | None = None
        self._events: pd.DataFrame | None = None
        self._sql: Any = None
        self._connection: Any = None
        if isinstance(events, pd.DataFrame):
            self.source = None
            self._events = _tidy(events, columns, timezone)
            self.engine = "pandas" if engine == "auto" else engine
        else:
            source = _source(journey, events, columns, timezone)
            self.source = source
            self.map_dir = Path(map_dir) if map_dir is not None else None
            if engine == "auto":
                engine = {"sql": "database", "excel": "pandas"}.get(source.kind, "duckdb")
            if source.kind == "sql" and engine != "database":
                raise ImportProblem(
                    "an event log in a database is measured in the database (engine='database')"
                )
            if source.kind == "excel" and engine == "duckdb":
                raise ImportProblem("DuckDB does not read Excel workbooks: measure them with engine='pandas'")
            self.engine = engine
            if engine == "pandas":
                self._events = _read(source, self._path(), skip_bad_rows)
        self._stack = contextlib.ExitStack()

    # -- plumbing ----------------------------------------------------------------------------

    def _path(self) -> Path:
        from cjmkit.metrics.sources import resolve_location

        assert self.source is not None
        return Path(resolve_location(self.source.location, self.map_dir))

    @property
    def events(self) -> pd.DataFrame:
        """The tidy event log in memory (pandas engine; DuckDB reads files itself)."""
        if self._events is None:
            raise ImportProblem("this event log is measured in DuckDB and is not read into memory")
        return self._events

    @property
    def steps(self) -> pd.DataFrame:
        """The mapped events (:func:`cjmkit.metrics.events.steps`), by customer, time and place in the map."""
        if self._steps is None:
            # sorted once here: each measure then only checks the order
            self._steps = J._ordered(steps(self.events, self.mapping))
        return self._steps

    @property
    def sql(self) -> Any:
        """The :class:`~cjmkit.metrics.journeys_sql.SqlMeasures` of the DuckDB or database engine."""
        if self._sql is None:
            self._sql = self._database() if self.engine == "database" else self._duckdb()
        return self._sql

    def _database(self) -> Any:
        """The measures pushed down to the source's own database, read-only, with timeouts."""
        from cjmkit.metrics import readonly
        from cjmkit.metrics.journeys_sql import SqlMeasures, sqlalchemy_runner
        from cjmkit.metrics.sources import resolve_location

        assert self.source is not None
        source = self.source
        url = resolve_location(source.location, self.map_dir)
        kind = readonly.backend(url)
        if kind not in ("postgresql", "redshift"):
            raise ImportProblem(
                f"{readonly.display(url)}: journeys are measured inside PostgreSQL (and databases that speak "
                f"its SQL), not {kind or 'this database'}; export the events to Parquet and measure them with DuckDB"
            )
        if not source.table and not source.query:
            raise ImportProblem(f"{readonly.display(url)}: say which table or query holds the events")
        connection = self._stack.enter_context(readonly.connect(url, timezone=source.timezone))
        raw, params = _database_relation(connection, source, url)
        self._connection = connection
        mapping = self.mapping
        return SqlMeasures(
            sqlalchemy_runner(connection), "postgresql", raw, params, mapping.touchpoint_of, mapping.order,
            sorted(mapping.ignore),
        )  # fmt: skip

    def _duckdb(self) -> Any:
        import duckdb

        from cjmkit.metrics.journeys_sql import SqlMeasures, duckdb_runner

        # beyond its memory limit DuckDB spills to this folder (removed when the log is closed or dropped)
        spill = tempfile.mkdtemp(prefix="cjmkit-duckdb-")
        # a database file in that folder: the events loaded from a file are kept compressed there
        connection = duckdb.connect(
            str(Path(spill) / "events.duckdb"),
            config={
                "memory_limit": DUCKDB_MEMORY,
                "temp_directory": spill,
                "max_temp_directory_size": DUCKDB_DISK,
            },
        )
        self._cleanup = weakref.finalize(self, _close, connection, spill)
        connection.execute("SET TimeZone = 'UTC'")
        self._connection = connection
        if self._events is not None:
            connection.register("cjm_events", self._events)
            raw = "SELECT customer, time, event, segment FROM cjm_events"
        else:
            raw = _duckdb_file_relation(connection, self.source, self._path())
        mapping = self.mapping
        return SqlMeasures(
            duckdb_runner(connection),
            "duckdb",
            raw,
            {},
            mapping.touchpoint_of,
            mapping.order,
            sorted(mapping.ignore),
        )

    def close(self) -> None:
        """Close the DuckDB or database connection, if one was opened (DuckDB's spill files go too)."""
        if self._connection is not None:
            if self.engine == "database":
                self._stack.close()
            else:
                self._cleanup()
            self._connection = None
            self._sql = None

    def __enter__(self) -> JourneyLog:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _run(self, name: str, *args: Any, **kwargs: Any) -> pd.DataFrame:
        if self.engine == "pandas":
            return getattr(J, name)(self.steps, *args, **kwargs)
        return getattr(self.sql, name)(*args, **kwargs)

    def _known(self, touchpoints: Sequence[str], what: str) -> None:
        unknown = [tp for tp in touchpoints if self.journey.touchpoint(tp) is None]
        if unknown:
            raise ImportProblem(
                f"{what}: the map has no touchpoint {', '.join(repr(u) for u in unknown)} "
                f"(its touchpoints are: {', '.join(tp.id for tp in self.journey.touchpoints[:30]) or 'none'})"
            )

    # -- measures ------------------------------------------------------------------------------

    def transitions(self, *, by: str | None = None, period: str = "month") -> pd.DataFrame:
        """See :func:`cjmkit.metrics.journeys.transitions`."""
        return self._run("transitions", by=by, period=period)

    def paths(
        self, *, by: str | None = None, period: str = "month", max_steps: int = J.PATH_STEPS, top: int = 20
    ) -> pd.DataFrame:
        """See :func:`cjmkit.metrics.journeys.paths`."""
        return self._run("paths", by=by, period=period, max_steps=max_steps, top=top)

    def dropoff(
        self,
        *,
        by: str | None = None,
        period: str = "month",
        as_of: pd.Timestamp | None = None,
        inactive_after_days: float = J.INACTIVE_AFTER_DAYS,
    ) -> pd.DataFrame:
        """See :func:`cjmkit.metrics.journeys.dropoff`."""
        return self._run(
            "dropoff", by=by, period=period, as_of=as_of, inactive_after_days=inactive_after_days
        )

    def funnel(
        self,
        funnel_steps: Sequence[str],
        *,
        within_hours: float | None = None,
        by: str | None = None,
        period: str = "month",
        as_of: pd.Timestamp | None = None,
        inactive_after_days: float = J.INACTIVE_AFTER_DAYS,
    ) -> pd.DataFrame:
        """See :func:`cjmkit.metrics.journeys.funnel`."""
        if not funnel_steps:
            raise ImportProblem("a funnel needs at least one step (a touchpoint id)")
        self._known(funnel_steps, "funnel")
        return self._run(
            "funnel", list(funnel_steps), within_hours=within_hours, by=by, period=period, as_of=as_of,
            inactive_after_days=inactive_after_days,
        )  # fmt: skip

    def repeat_contacts(
        self,
        touchpoints: Sequence[str] | None = None,
        *,
        within_days: float = J.REPEAT_WITHIN_DAYS,
        by: str | None = None,
        period: str = "month",
    ) -> pd.DataFrame:
        """See :func:`cjmkit.metrics.journeys.repeat_contacts`; default touchpoints: the support lanes'."""
        group = list(touchpoints) if touchpoints is not None else support_touchpoints(self.journey)
        self._known(group, "repeat contacts")
        return self._run("repeat_contacts", group, within_days=within_days, by=by, period=period)

    def time_between(
        self,
        start: str,
        end: str,
        *,
        by: str | None = None,
        period: str = "month",
        as_of: pd.Timestamp | None = None,
    ) -> pd.DataFrame:
        """See :func:`cjmkit.metrics.journeys.time_between`."""
        self._known([start, end], "time between")
        return self._run("time_between", start, end, by=by, period=period, as_of=as_of)

    def reach(self, *, by: str | None = None, period: str = "month") -> pd.DataFrame:
        """See :func:`cjmkit.metrics.journeys.reach`."""
        return self._run("reach", by=by, period=period)

    def unreached(self) -> pd.DataFrame:
        """The map's touchpoints no customer reached: ``touchpoint``, ``name``, ``stage``, ``lane``."""
        reached = set(self.reach()["touchpoint"])
        rows = [
            {"touchpoint": tp.id, "name": tp.name, "stage": tp.stage, "lane": tp.lane}
            for tp in self.journey.touchpoints
            if tp.id not in reached
        ]
        return pd.DataFrame(rows, columns=["touchpoint", "name", "stage", "lane"])

    def unmapped(self) -> pd.DataFrame:
        """Events no touchpoint stands for ("missing from the map"): ``event``, ``events``, ``customers``."""
        if self.engine == "pandas":
            return unmapped(self.events, self.mapping)
        return self.sql.unmapped()

    def as_of(self) -> pd.Timestamp:
        """The time of the data: the latest mapped event."""
        if self.engine == "pandas":
            return J.data_time(self.steps)
        return self.sql.as_of()

    def totals(self) -> tuple[int, int]:
        """(customers, events) in the whole log, mapped or not."""
        if self.engine == "pandas":
            return int(self.events["customer"].nunique()), len(self.events)
        return self.sql.totals()


def _close(connection: Any, spill: str) -> None:
    connection.close()
    shutil.rmtree(spill, ignore_errors=True)


def _tidy(frame: pd.DataFrame, columns: EventColumns | None, timezone: str | None) -> pd.DataFrame:
    if list(frame.columns) == EVENT_FRAME_COLUMNS and pd.api.types.is_datetime64_dtype(frame["time"]):
        return frame
    return tidy_events(frame, columns, timezone=timezone)


def _read(source: EventSource, path: Path, skip_bad_rows: bool = False) -> pd.DataFrame:
    """The event log of a file source, in memory, read by the source's settings."""
    return read_events(
        path, _columns_of(source), kind=source.kind, table=source.table, timezone=source.timezone,
        date_format=source.date_format, dayfirst=source.dayfirst, skip_bad_rows=skip_bad_rows,
    )  # fmt: skip


def _columns_of(source: EventSource) -> EventColumns:
    return EventColumns(
        customer=source.customer_column, time=source.time_column, event=source.event_column,
        segment=source.segment_column,
    )  # fmt: skip


def _source(
    journey: Journey,
    events: EventSource | str | Path | None,
    columns: EventColumns | None,
    timezone: str | None,
) -> EventSource:
    if isinstance(events, EventSource):
        source = events  # given on this machine: trusted as given
    elif events is None:
        if journey.event_log is None or journey.event_log.source is None:
            raise ImportProblem(
                "this map has no event log: give one (a file or DataFrame), or store one with "
                "'cjmkit journey source MAP FILE'"
            )
        source = journey.event_log.source
        # a map comes from someone else: what it stores runs, connects or expands only once trusted here
        from cjmkit import trust

        trust.require_trusted(source, ["the event log"])
    else:
        from cjmkit.metrics.sources import kind_of

        source = EventSource(kind=kind_of(str(events)), location=str(events))  # type: ignore[arg-type]
    update: dict[str, Any] = {}
    if columns is not None:
        update.update(
            customer_column=columns.customer, time_column=columns.time, event_column=columns.event,
            segment_column=columns.segment,
        )  # fmt: skip
    if timezone is not None:
        update["timezone"] = timezone
    return source.model_copy(update=update) if update else source


# -- DuckDB reading files ------------------------------------------------------------------------


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _duckdb_file_relation(connection: Any, source: EventSource | None, path: Path) -> str:
    """Load the file into a DuckDB table ``cjm_raw`` (checked by cjmkit's rules) and return its SELECT."""
    import duckdb

    from cjmkit.metrics.events import resolve_event_columns
    from cjmkit.metrics.journeys_sql import too_little_room

    assert source is not None
    if not path.is_file():
        raise ImportProblem(f"cannot read {path}: no such file", path=str(path))
    name = path.name
    literal = "'" + str(path).replace("'", "''") + "'"
    first_line = 1
    try:
        if source.kind == "csv":
            from cjmkit.metrics.textfiles import sniff_csv

            layout = sniff_csv(path)
            if layout.encoding not in ("utf-8", "utf-8-sig") or not _iso_times(layout, source):
                # DuckDB reads UTF-8 and ISO 8601 times: other files are read (and checked) by pandas
                connection.register("cjm_events", _read(source, path))
                return "SELECT customer, time, event, segment FROM cjm_events"
            names = ", ".join(_literal(c) for c in layout.columns)
            first_line = layout.first_data_line
            relation = (
                f"read_csv({literal}, all_varchar = true, header = false, delim = {_literal(layout.delimiter)}, "
                f"skip = {first_line - 1}, names = [{names}], quote = '\"', escape = '\"')"
            )
        else:
            relation = f"read_parquet({literal})"
        described = connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as error:
        raise too_little_room(error) or ImportProblem(
            f"cannot read {name}: {str(error).splitlines()[0]}", path=str(path)
        ) from None
    types = {row[0]: str(row[1]).upper() for row in described}
    found = resolve_event_columns(list(types), _columns_of(source), name)
    if source.kind == "parquet" and (source.date_format or source.dayfirst is not None):
        connection.register("cjm_events", _read(source, path))  # a layout DuckDB does not read
        return "SELECT customer, time, event, segment FROM cjm_events"
    # timestamps without an offset are times of the source's zone (UTC unless told)
    connection.execute("SET TimeZone = $tz", {"tz": _zone(source.timezone)})
    time_type = types[found["time"]]
    column = _quoted(found["time"])
    text = f"trim(CAST({column} AS VARCHAR))"
    if "WITH TIME ZONE" in time_type:
        time_sql, unreadable = f"timezone('UTC', {column})", "FALSE"
    elif time_type.startswith("TIMESTAMP") or time_type == "DATE":
        time_sql, unreadable = f"timezone('UTC', CAST({column} AS TIMESTAMPTZ))", "FALSE"
    else:
        time_sql = f"timezone('UTC', TRY_CAST(replace({text}, ',', '.') AS TIMESTAMPTZ))"
        unreadable = f"({text} <> '' AND TRY_CAST(replace({text}, ',', '.') AS TIMESTAMPTZ) IS NULL)"
    segment = f"trim(CAST({_quoted(found['segment'])} AS VARCHAR))" if "segment" in found else "''"
    customer = f"trim(CAST({_quoted(found['customer'])} AS VARCHAR))"
    event = f"trim(CAST({_quoted(found['event'])} AS VARCHAR))"
    line = f"row_number() OVER () + {first_line - 1}"
    checks = {
        "a timestamp that cannot be read": (unreadable, found["time"]),
        "no timestamp": (f"({column} IS NULL OR {text} = '')", found["time"]),
        "no customer": (f"coalesce({customer}, '') = ''", found["customer"]),
        "no event": (f"coalesce({event}, '') = ''", found["event"]),
    }
    selects = ", ".join(
        f"count(*) FILTER (WHERE {condition}) AS c{i}, min(CASE WHEN {condition} THEN line END) AS l{i}, "
        f"arg_min(CASE WHEN {condition} THEN {text} END, CASE WHEN {condition} THEN line END) AS v{i}"
        for i, (condition, _column) in enumerate(checks.values())
    )
    try:
        row = connection.execute(
            f"SELECT {selects} FROM (SELECT *, {line} AS line FROM {relation})"
        ).fetchone()
    except duckdb.Error as error:
        raise too_little_room(error) or ImportProblem(
            f"cannot read {name}: {str(error).splitlines()[0]}", path=str(path)
        ) from None
    from cjmkit.metrics.aggregate import BadRows

    bad = BadRows(name, "line" if source.kind == "csv" else "row")
    for i, (reason, (_condition, col)) in enumerate(checks.items()):
        count, first, value = row[3 * i], row[3 * i + 1], row[3 * i + 2]
        if count:
            bad.add(reason, col, np.array([first]), [value or ""])
            bad.kinds[(reason, col)].count = int(count)
    bad.raise_if_any(str(path))
    try:
        # customers become numbers (the measures only tell them apart): sorting and counting fifty
        # million events then moves integers, not text; the rows' order no longer matters (lines are named)
        connection.execute("SET preserve_insertion_order = false")
        connection.execute(
            f"CREATE TABLE cjm_customers AS SELECT customer, CAST(row_number() OVER () AS INTEGER) AS id "
            f"FROM (SELECT DISTINCT {customer} AS customer FROM {relation})"
        )
        connection.execute(
            f"CREATE TABLE cjm_raw AS SELECT c.id AS customer, CAST({time_sql} AS TIMESTAMP) AS time, "
            f"{event} AS event, {segment} AS segment FROM {relation} JOIN cjm_customers c ON c.customer = {customer}"
        )
        connection.execute("DROP TABLE cjm_customers")
    except duckdb.Error as error:
        raise too_little_room(error) or ImportProblem(
            f"cannot read {name}: {str(error).splitlines()[0]}", path=str(path)
        ) from None
    connection.execute("SET TimeZone = 'UTC'")
    return "SELECT customer, time, event, segment FROM cjm_raw"


# -- the user's database ---------------------------------------------------------------------------


def _database_relation(connection: Any, source: EventSource, url: str) -> tuple[str, dict[str, Any]]:
    """The SELECT of the events in the source's database (PostgreSQL), checked by cjmkit's rules."""
    import sqlalchemy as sa

    from cjmkit.metrics import readonly
    from cjmkit.metrics.events import resolve_event_columns

    name = readonly.display(url)
    if source.query:
        checked = readonly.check_query(source.query, readonly.backend(url))
        relation = f"({checked}) AS cjm_source"
    else:
        schema, _, table = str(source.table).rpartition(".")
        inspector = sa.inspect(connection)
        if not inspector.has_table(table, schema=schema or None):
            tables = ", ".join(inspector.get_table_names(schema=schema or None)) or "none"
            raise ImportProblem(f"{name} has no table {source.table!r} (its tables are: {tables})", path=url)
        relation = ".".join(_quoted(part) for part in str(source.table).split("."))
    try:
        probe = connection.execute(sa.text(f"SELECT * FROM {relation} LIMIT 1"))
        have, first = list(probe.keys()), probe.fetchone()
    except sa.exc.SQLAlchemyError as error:
        raise ImportProblem(f"{name}: the query failed: {readonly.describe(error)}", path=url) from None
    where = f"table {source.table!r} of {name}" if source.table else f"the query of {name}"
    found = resolve_event_columns(have, _columns_of(source), where)
    time = _quoted(found["time"])
    sample = first[have.index(found["time"])] if first is not None else None
    params: dict[str, Any] = {}
    if isinstance(sample, str) or sample is None:
        # text (ISO 8601, checked below): an offset is honoured; without one, the session's zone (the source's, UTC unless told)
        time_sql = f"(CAST(trim(CAST({time} AS TEXT)) AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
    elif getattr(sample, "tzinfo", None) is not None:
        time_sql = f"({time} AT TIME ZONE 'UTC')"
    else:  # timestamp without time zone: times of the source's zone
        time_sql = f"(({time} AT TIME ZONE :cjm_zone) AT TIME ZONE 'UTC')"
        params["cjm_zone"] = _zone(source.timezone)
    customer = f"trim(CAST({_quoted(found['customer'])} AS TEXT))"
    event = f"trim(CAST({_quoted(found['event'])} AS TEXT))"
    segment = f"coalesce(trim(CAST({_quoted(found['segment'])} AS TEXT)), '')" if "segment" in found else "''"
    checks = {
        "have no timestamp": f"{time} IS NULL",
        "have no customer": f"coalesce({customer}, '') = ''",
        "have no event": f"coalesce({event}, '') = ''",
    }
    text_times = isinstance(sample, str) or sample is None
    if text_times:
        # the database would read 01/02/2025 by its own DateStyle: day and month are never guessed
        checks[
            "have a timestamp that is not ISO 8601 text such as 2025-02-01T09:30:00+01:00 (convert it in "
            "the query, e.g. with to_timestamp, or store a timestamp)"
        ] = f"{time} IS NOT NULL AND NOT (trim(CAST({time} AS TEXT)) ~ :cjm_iso)"
    check_params = {**params, "cjm_iso": _ISO} if text_times else params
    counts = ", ".join(
        f"COUNT(*) FILTER (WHERE {condition}) AS c{i}" for i, condition in enumerate(checks.values())
    )
    try:
        row = connection.execute(sa.text(f"SELECT {counts} FROM {relation}"), check_params).fetchone()
    except sa.exc.SQLAlchemyError as error:
        raise ImportProblem(f"{name}: the query failed: {readonly.describe(error)}", path=url) from None
    problems = [f"{int(n):,} rows {reason}" for n, reason in zip(row, checks, strict=True) if n]
    if problems:
        raise ImportProblem(f"{where}: " + "; ".join(problems) + "; nothing was measured", path=url)
    raw = (
        f"SELECT {customer} AS customer, CAST({time_sql} AS TIMESTAMP) AS time, {event} AS event, "
        f"{segment} AS segment FROM {relation}"
    )
    return raw, params


def _zone(timezone: str | None) -> str:
    from cjmkit.metrics.textfiles import time_zone

    return time_zone(timezone)


def _iso_times(layout: Any, source: EventSource) -> bool:
    """Whether the file's timestamps (a sample) are ISO 8601, which DuckDB reads as pandas does."""
    import re

    from cjmkit.metrics.events import resolve_event_columns

    if source.date_format or source.dayfirst is not None:
        return False
    try:
        name = resolve_event_columns(layout.columns, _columns_of(source), layout.name)["time"]
    except ImportProblem:
        return True  # DuckDB names the missing column
    column = list(layout.columns).index(name)
    sample = [row[column].strip() for row in layout.sample if len(row) > column and row[column].strip()]
    return all(re.match(_ISO, value) for value in sample)


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"
