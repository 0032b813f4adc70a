"""Reading databases safely: SQL checked before it runs, read-only transactions, timeouts.

Every SQL source goes through here, whether the person on this machine typed it or it came in a
map (which is refused earlier until trusted, see :mod:`cjmkit.trust`):

- :func:`check_query` parses a query with sqlglot (a maintained SQL parser, not regular
  expressions) and accepts exactly one read-only SELECT (``UNION`` and ``WITH`` included): no
  second statement, no ``INSERT``/``UPDATE``/``DELETE``/``COPY``/``SET``..., no data-changing
  ``WITH``, no ``SELECT INTO``, no ``FOR UPDATE``, and only functions known to only compute
  (``nextval``, ``pg_terminate_backend``, ``lo_import``, ``dblink``, ``load_extension`` and any
  function sqlglot does not know are refused), and nothing that reads a file (``read_csv``,
  ``FROM 'file.csv'``). What runs is the query as sqlglot read it, so
  nothing the parser did not see can reach the database.
- :func:`connect` opens the database read-only with a connect and a statement timeout
  (:data:`CONNECT_TIMEOUT`, :data:`STATEMENT_TIMEOUT`):

  ============= ==========================================================================
  PostgreSQL    session ``default_transaction_read_only=on`` and ``statement_timeout``,
                then ``SET TRANSACTION READ ONLY``; libpq ``connect_timeout``; the session's
                time zone is the source's (UTC by default), so periods are its calendar days
  SQLite        the file opened with ``mode=ro`` and ``PRAGMA query_only``; a progress
                handler stops a query running past the statement timeout
  MySQL/MariaDB ``SET SESSION TRANSACTION READ ONLY``, ``max_execution_time`` /
                ``max_statement_time``; the driver's connect and read timeouts
  DuckDB        the file opened ``read_only``, ``enable_external_access`` off (no files,
                extensions or network from a query)
  ============= ==========================================================================

  Other databases are refused: cjmkit reads only where it can open a read-only transaction.
  A missing driver is named with the package to install.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.textfiles import time_zone

CONNECT_TIMEOUT = 10
"""Seconds to wait for a database to accept a connection (and log in)."""

STATEMENT_TIMEOUT = 120
"""Seconds a query may run before the database (or cjmkit, for SQLite) stops it."""

FAMILIES = {
    "postgresql": "postgresql",
    "redshift": "postgresql",
    "sqlite": "sqlite",
    "mysql": "mysql",
    "mariadb": "mysql",
    "duckdb": "duckdb",
}
"""SQLAlchemy backend name → how cjmkit opens it read-only."""

SQLGLOT_DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql", "duckdb": "duckdb"}

DRIVER_PACKAGES = {
    "psycopg": "psycopg[binary]",
    "psycopg2": "psycopg2-binary",
    "pg8000": "pg8000",
    "asyncpg": "asyncpg",
    "mysqldb": "mysqlclient",
    "pymysql": "pymysql",
    "mysqlconnector": "mysql-connector-python",
    "mariadbconnector": "mariadb",
    "duckdb": "duckdb-engine",
    "redshift_connector": "redshift_connector",
}
"""SQLAlchemy driver name → the package that provides it."""

SAFE_FUNCTIONS = frozenset(
    [
        "abs",
        "adddate",
        "age",
        "array_agg",
        "array_length",
        "avg",
        "bool_and",
        "bool_or",
        "btrim",
        "cardinality",
        "cbrt",
        "ceil",
        "ceiling",
        "char_length",
        "coalesce",
        "concat",
        "concat_ws",
        "corr",
        "count",
        "count_if",
        "covar_pop",
        "covar_samp",
        "cume_dist",
        "current_date",
        "current_time",
        "current_timestamp",
        "date",
        "date_add",
        "date_bin",
        "date_diff",
        "date_format",
        "date_part",
        "date_sub",
        "date_trunc",
        "datediff",
        "datetime",
        "day",
        "dayname",
        "dayofmonth",
        "dayofweek",
        "dayofyear",
        "dense_rank",
        "div",
        "epoch",
        "every",
        "exp",
        "extract",
        "first_value",
        "floor",
        "format",
        "from_unixtime",
        "greatest",
        "group_concat",
        "hour",
        "ifnull",
        "iif",
        "initcap",
        "instr",
        "isfinite",
        "json_extract",
        "json_extract_path_text",
        "jsonb_extract_path_text",
        "julianday",
        "justify_days",
        "justify_hours",
        "justify_interval",
        "lag",
        "last_day",
        "last_value",
        "lead",
        "least",
        "left",
        "length",
        "ln",
        "localtime",
        "localtimestamp",
        "log",
        "log10",
        "lower",
        "lpad",
        "ltrim",
        "make_date",
        "make_interval",
        "make_time",
        "make_timestamp",
        "make_timestamptz",
        "max",
        "md5",
        "median",
        "min",
        "minute",
        "mod",
        "mode",
        "month",
        "monthname",
        "now",
        "nth_value",
        "ntile",
        "nullif",
        "octet_length",
        "percent_rank",
        "percentile_cont",
        "percentile_disc",
        "position",
        "pow",
        "power",
        "printf",
        "quarter",
        "rank",
        "regexp_matches",
        "regexp_replace",
        "regexp_substr",
        "replace",
        "right",
        "round",
        "row_number",
        "rpad",
        "rtrim",
        "second",
        "sign",
        "split_part",
        "sqrt",
        "stddev",
        "stddev_pop",
        "stddev_samp",
        "str_to_date",
        "strftime",
        "string_agg",
        "strpos",
        "substr",
        "substring",
        "sum",
        "time",
        "timestampadd",
        "timestampdiff",
        "timezone",
        "to_char",
        "to_date",
        "to_number",
        "to_timestamp",
        "total",
        "trim",
        "trunc",
        "unix_timestamp",
        "unixepoch",
        "upper",
        "var_pop",
        "var_samp",
        "variance",
        "week",
        "weekday",
        "weekofyear",
        "width_bucket",
        "year",
        "yearweek",
    ]
)
"""Functions the sqlglot parser does not type that a checked query may still call (they only compute)."""

_FORBIDDEN_NODES = (
    "Alter", "Analyze", "Attach", "Cache", "Command", "Comment", "Commit", "Copy", "Create",
    "Declare", "Delete", "Describe", "Detach", "Drop", "Execute", "Export", "Grant", "Insert",
    "Install", "Into", "Kill", "LoadData", "Lock", "Merge", "NextValueFor", "Pragma", "Refresh",
    "Rollback", "Set", "Show", "Summarize", "Transaction", "TruncateTable", "Uncache", "Update", "Use",
)  # fmt: skip
_WORDS = {
    "Into": "SELECT … INTO (it creates a table)",
    "Lock": "FOR UPDATE / FOR SHARE (it locks rows)",
    "NextValueFor": "NEXT VALUE FOR (it moves a sequence)",
}


def display(url: str) -> str:
    """A database URL fit for messages: its password hidden."""
    from cjmkit.trust import hide_password

    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: hide what looks like a password
        return hide_password(url)


def backend(url: str) -> str:
    """The kind of database a URL names (``postgresql``, ``sqlite``...; ``""`` when it is no URL)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).get_backend_name()
    except Exception:  # reported when it is opened
        return ""


# -- checking a query --------------------------------------------------------------------------


def check_query(sql: str, dialect: str = "postgresql") -> str:
    """Accept exactly one read-only SELECT and return it as the parser read it (the SQL to run).

    Parameters
    ----------
    sql
        The query as stored or typed.
    dialect
        The SQLAlchemy backend name (``postgresql``, ``sqlite``, ``mysql``...).

    Raises
    ------
    ImportProblem
        One sentence saying what in the query is refused and why.
    """
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    read = SQLGLOT_DIALECTS.get(FAMILIES.get(dialect, dialect))
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except SqlglotError as error:
        detail = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).splitlines()[0]
        raise ImportProblem(f"the query cannot be read as one SQL SELECT: {detail}") from None
    if not statements:
        raise ImportProblem("the query is empty: write one SELECT")
    if len(statements) > 1:
        raise ImportProblem(
            f"the query holds {len(statements)} statements; cjmkit runs exactly one SELECT and nothing else"
        )
    root = statements[0]
    while isinstance(root, exp.Subquery):
        root = root.this
    if not isinstance(root, exp.Select | exp.SetOperation):
        kind = root.key.upper() if hasattr(root, "key") else type(root).__name__
        raise ImportProblem(f"the query is a {kind} statement; cjmkit runs only a read-only SELECT")
    forbidden = tuple(getattr(exp, name) for name in _FORBIDDEN_NODES if hasattr(exp, name))
    for node in root.walk():
        if isinstance(node, forbidden):
            name = type(node).__name__
            what = _WORDS.get(name, name.upper())
            raise ImportProblem(
                f"the query contains {what}, which changes or reaches outside the database; "
                "cjmkit runs only a read-only SELECT"
            )
        if type(node).__name__.startswith("Read") or (isinstance(node, exp.Table) and _file_like(node)):
            raise ImportProblem(
                "the query reads a file (read_csv, read_parquet, FROM 'file'), which cjmkit never lets "
                "a query do; read the file as a CSV or Parquet source instead"
            )
        if isinstance(node, exp.Anonymous) and str(node.name).lower() not in SAFE_FUNCTIONS:
            raise ImportProblem(
                f"the query calls {node.name}(), which cjmkit does not know to only read; "
                "compute it in a view and read the view (--table) instead"
            )
    return root.sql(dialect=read)


_FILE_NAME = re.compile(r"[/\\:]|\.(csv|tsv|txt|json|ndjson|parquet|xlsx?|gz|zst|db|sqlite3?)$", re.I)


def _file_like(table: Any) -> bool:
    """Whether a table name is a file's name (DuckDB reads ``FROM 'data.csv'`` from disk)."""
    from sqlglot import exp

    name = table.this.this if isinstance(table.this, exp.Identifier | exp.Literal) else None
    return isinstance(table.this, exp.Literal) or bool(name and _FILE_NAME.search(str(name)))


# -- connecting read-only ----------------------------------------------------------------------


def _missing_driver(url: str, driver: str, error: BaseException) -> ImportProblem:
    package = DRIVER_PACKAGES.get(driver, driver)
    return ImportProblem(
        f"cannot read {display(url)}: its database driver {driver!r} is not installed "
        f"({error}); install it with: pip install {package}",
        path=url,
    )


def _postgres_driver(parsed: Any) -> Any:
    """``postgresql://`` without a driver: psycopg 3 when installed, else SQLAlchemy's default."""
    if parsed.drivername != "postgresql":
        return parsed
    try:
        importlib.import_module("psycopg")
    except ImportError:
        return parsed
    return parsed.set(drivername="postgresql+psycopg")


def _timezone_sql(timezone: str | None) -> str:
    """A quoted time zone name for ``SET TIME ZONE`` (checked against the tz database)."""
    name = time_zone(timezone)
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        raise ImportProblem(f"{name!r} is not a time zone name such as 'Europe/Berlin' or 'UTC'")
    return f"'{name}'"


def _sqlite_creator(path: str, deadline: list[float]) -> Any:
    def create() -> sqlite3.Connection:
        uri = "file:" + urllib.request.pathname2url(path) + "?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=CONNECT_TIMEOUT, check_same_thread=False)
        connection.execute("PRAGMA query_only = ON")
        # returning non-zero interrupts the statement: a query running past the timeout stops
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline[0]), 10_000)
        return connection

    return create


@contextlib.contextmanager
def connect(
    url: str,
    *,
    timezone: str | None = None,
    connect_timeout: float | None = None,
    statement_timeout: float | None = None,
) -> Iterator[Any]:
    """A read-only SQLAlchemy connection to ``url``, with timeouts; rolled back and closed after.

    Parameters
    ----------
    url
        An SQLAlchemy URL (variables already filled in).
    timezone
        The session's time zone where the database has one (PostgreSQL): periods of
        ``timestamptz`` columns are days of this zone. Default UTC.
    connect_timeout, statement_timeout
        Seconds (default :data:`CONNECT_TIMEOUT`, :data:`STATEMENT_TIMEOUT`).

    Raises
    ------
    ImportProblem
        The URL cannot be read, the database kind cannot be opened read-only, its driver is not
        installed, or the connection fails or times out.
    """
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    connect_s = int(max(2, round(connect_timeout or CONNECT_TIMEOUT)))
    statement_s = float(statement_timeout or STATEMENT_TIMEOUT)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ImportProblem(
            f"{display(url)!r} is not a database URL such as postgresql://me@host/db or sqlite:///kpis.db",
            path=url,
        ) from None
    backend = parsed.get_backend_name()
    family = FAMILIES.get(backend)
    if family is None:
        raise ImportProblem(
            f"cannot read {display(url)}: cjmkit reads only databases it can open read-only "
            f"(PostgreSQL, MySQL/MariaDB, SQLite, DuckDB), not {backend!r}; export the data to CSV or "
            "Parquet instead",
            path=url,
        )
    options: dict[str, Any] = {"poolclass": NullPool}
    deadline = [time.monotonic() + connect_s + statement_s]
    setup: list[str] = []
    if family == "postgresql":
        parsed = _postgres_driver(parsed)
        milliseconds = int(statement_s * 1000)
        if parsed.get_driver_name() in ("psycopg", "psycopg2"):
            options["connect_args"] = {
                "connect_timeout": connect_s,
                "options": f"-c default_transaction_read_only=on -c statement_timeout={milliseconds}",
            }
        elif parsed.get_driver_name() == "pg8000":
            options["connect_args"] = {"timeout": connect_s}
        setup = [
            "SET TRANSACTION READ ONLY",
            f"SET LOCAL statement_timeout = {milliseconds}",
            f"SET LOCAL TIME ZONE {_timezone_sql(timezone)}",
        ]
    elif family == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            path = Path(database)
            if not path.is_file():
                what = "no such file" if not path.exists() else "not a regular file"
                raise ImportProblem(f"cannot read {database}: {what}", path=url)
            options["creator"] = _sqlite_creator(database, deadline)
    elif family == "mysql":
        options["connect_args"] = {"connect_timeout": connect_s, "read_timeout": int(statement_s) + connect_s}
        setup = ["SET SESSION TRANSACTION READ ONLY"]
    elif family == "duckdb":
        # no files, no extensions, no network: only the database's own tables
        options["connect_args"] = {"read_only": True, "config": {"enable_external_access": False}}
    try:
        engine = sa.create_engine(parsed, **options)
    except (ImportError, NoSuchModuleError) as error:
        raise _missing_driver(url, parsed.get_driver_name() or backend, error) from None
    except (ArgumentError, ValueError, TypeError) as error:
        raise ImportProblem(f"cannot open {display(url)}: {error}", path=url) from None
    try:
        with engine.connect() as connection:
            deadline[0] = time.monotonic() + statement_s
            for statement in setup:
                connection.exec_driver_sql(statement)
            if family == "mysql":
                timeout_ms = int(statement_s * 1000)
                for statement in (
                    f"SET SESSION max_execution_time = {timeout_ms}",  # MySQL
                    f"SET SESSION max_statement_time = {statement_s:g}",  # MariaDB
                ):
                    with contextlib.suppress(SQLAlchemyError):
                        connection.exec_driver_sql(statement)
            try:
                yield connection
            finally:
                connection.rollback()
    except ImportProblem:
        raise
    except ImportError as error:  # a driver that is imported only when connecting
        raise _missing_driver(url, parsed.get_driver_name() or backend, error) from None
    except SQLAlchemyError as error:
        raise ImportProblem(f"{display(url)}: {describe(error)}", path=url) from None
    finally:
        engine.dispose()


def describe(error: BaseException) -> str:
    """The database's own words for a failure, in one line (timeouts and refusals made plain)."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    lowered = text.lower()
    if "statement timeout" in lowered or "interrupted" in lowered or "max_execution_time" in lowered:
        return f"the query ran longer than the statement timeout and was stopped ({text})"
    if "timeout expired" in lowered or "timed out" in lowered:
        return f"the database did not answer within the connect timeout ({text})"
    if "read-only" in lowered or "readonly" in lowered or "read only" in lowered:
        return f"the query tried to change the database, which cjmkit never does ({text})"
    return f"the query failed: {text}"
