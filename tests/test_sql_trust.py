"""A map cannot touch your database: stored SQL is checked, trusted here first, run read-only.

Every attack runs as a person would meet it: a map file with a stored source, then
``cjmkit kpi refresh`` against a real PostgreSQL (a throwaway cluster, superuser login, the worst
case) and SQLite. Each is refused, exit code 2, and the database is unchanged: table checksums,
the sequence's value, the other backends and the file system are compared before and after.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from journeys import help_desk, save_map

from cjmkit import store, trust
from cjmkit.cli import main
from cjmkit.metrics import ImportProblem, readonly
from cjmkit.model import Journey, Kpi, KpiSource

PASSWORD_VARIABLE = "CJM_TEST_PG_PASSWORD"


def make_map(folder: Path, source: dict, *, kpis: tuple[str, ...] = ("csat",)) -> Path:
    measured = [Kpi(id=k, name=k.upper(), source=KpiSource(**{**source, "key": k})) for k in kpis]
    return save_map(help_desk(kpis=measured), folder, "shared", force=True)


# -- PostgreSQL: a database worth protecting ------------------------------------------------------


class Victim:
    """A fresh PostgreSQL database with KPI rows, a secret table and a sequence."""

    def __init__(self, postgres, name: str) -> None:
        self.server = postgres
        self.name = name
        postgres.create_database(name)
        # the map keeps no password: it names the variable, as cjmkit asks people to do
        self.url = f"postgresql+psycopg://postgres:${{{PASSWORD_VARIABLE}}}@127.0.0.1:{postgres.port}/{name}"
        with postgres.connect(name) as db:
            db.execute("create table kpi_events (day timestamptz, metric text, value real, tp text)")
            db.execute(
                "insert into kpi_events values "
                "('2024-01-03T10:00:00Z', 'csat', 80, 'chat'), ('2024-01-20T10:00:00Z', 'csat', 90, 'chat'), "
                "('2024-02-03T10:00:00Z', 'csat', 70, 'chat'), ('2024-01-05T10:00:00Z', 'nps', 12, 'chat')"
            )
            db.execute("create table secrets (day timestamptz, metric text, value real)")
            db.execute("insert into secrets values ('2024-01-01', 'csat', 4242)")
            db.execute("create sequence ticket_seq")
            db.execute("select nextval('ticket_seq'), nextval('ticket_seq')")

    def fingerprint(self) -> dict[str, object]:
        """What must not change: every table's checksum, the sequence, the list of tables and roles."""
        with self.server.connect(self.name) as db:
            tables = [
                r[0]
                for r in db.execute("select tablename from pg_tables where schemaname = 'public' order by 1")
            ]
            sums = {
                t: db.execute(f'select md5(coalesce(string_agg(x::text, \'|\' order by x::text), \'\')) from "{t}" x').fetchone()[0]
                for t in tables
            }  # fmt: skip
            sequence = db.execute("select last_value, is_called from ticket_seq").fetchone()
            roles = [r[0] for r in db.execute("select rolname from pg_roles order by 1")]
        return {"tables": tables, "sums": sums, "sequence": sequence, "roles": roles}


@pytest.fixture(scope="module")
def victim_database(postgres) -> Victim:
    """One database for the module: every test checks that it leaves it exactly as it was."""
    return Victim(postgres, "victim")


@pytest.fixture
def victim(victim_database, monkeypatch) -> Victim:
    monkeypatch.setenv(PASSWORD_VARIABLE, victim_database.server.password)
    return victim_database


def refresh(map_path: Path, capsys) -> tuple[int, str]:
    code = main(["kpi", "refresh", str(map_path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


LONG = {"kind": "sql", "period_column": "day", "kpi_column": "metric", "value_column": "value"}
WIDE = {"kind": "sql", "layout": "wide", "period_column": "day", "kpi_column": None, "value_column": None}

ATTACKS = {
    # the injection that got through before: close the subquery cjmkit wraps a query in
    "closes the subquery (long)": (LONG, "select * from kpi_events) as x; drop table kpi_events; --"),
    "closes the subquery (wide)": (
        WIDE,
        "select day, value as csat from kpi_events) as cjm_source group by 1; drop table kpi_events; --",
    ),
    "two statements": (LONG, "select * from kpi_events; delete from kpi_events"),
    "delete hidden in a WITH": (LONG, "with gone as (delete from kpi_events returning *) select * from gone"),
    "SELECT INTO makes a table": (LONG, "select * into stolen from kpi_events"),
    "FOR UPDATE locks rows": (LONG, "select * from kpi_events for update"),
    "nextval moves a sequence": (
        LONG,
        "select now() as day, 'csat' as metric, nextval('ticket_seq')::real as value",
    ),
    "pg_terminate_backend": (
        LONG,
        "select now() as day, 'csat' as metric, 1.0 as value from pg_stat_activity "
        "where pg_terminate_backend(pid) and pid <> pg_backend_pid()",
    ),
    "set_config turns read-only off": (
        LONG,
        "select now() as day, 'csat' as metric, 1.0 as value, "
        "set_config('default_transaction_read_only', 'off', false) as x",
    ),
    "pg_read_file": (LONG, "select now() as day, pg_read_file('/etc/passwd') as metric, 1.0 as value"),
    "quoted function name": (
        LONG,
        "select now() as day, 'csat' as metric, \"nextval\"('ticket_seq') as value",
    ),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_stored_sql_attacks_are_refused_even_when_trusted(name, victim, tmp_path, capsys):
    layout, query = ATTACKS[name]
    path = make_map(tmp_path, {**layout, "location": victim.url, "query": query})
    # the worst case: someone trusted the map without reading it
    trust.trust(k.source for k in store.load(path).kpis)
    bystander = victim.server.connect(victim.name)
    before = victim.fingerprint()
    file_before = path.read_bytes()
    code, out = refresh(path, capsys)
    assert code == 2, out
    assert "FAILED" in out and "Traceback" not in out
    assert victim.fingerprint() == before
    assert bystander.execute("select 1").fetchone() == (1,)  # nobody was disconnected
    bystander.close()
    assert path.read_bytes() == file_before


TRICKS = {
    "a comment hides the rest": "select * from kpi_events /* ) x; drop table kpi_events; -- */",
    "dollar quotes": "select $$ ) x; drop table kpi_events; -- $$ as day, 'csat' as metric, 1 as value",
    "a string holds the rest": "select ') x; drop table kpi_events; --' as metric, day, value from kpi_events",
    "an escaped quote": "select E'\\' ) x; drop table kpi_events; --' as metric, day, value from kpi_events",
}


@pytest.mark.parametrize("name", list(TRICKS))
def test_text_the_parser_might_read_otherwise_still_changes_nothing(name, victim, tmp_path, capsys):
    """Whatever the parser makes of them, what runs is what it read, in a read-only transaction."""
    path = make_map(tmp_path, {**LONG, "location": victim.url, "query": TRICKS[name]})
    trust.trust(k.source for k in store.load(path).kpis)
    before = victim.fingerprint()
    code, out = refresh(path, capsys)
    assert code in (0, 2) and "Traceback" not in out and "unexpected error" not in out, out
    assert victim.fingerprint() == before


def test_copy_to_program_never_runs(victim, tmp_path, capsys):
    marker = Path(tmp_path) / "pwned"
    for query in (
        f"copy (select 1) to program 'touch {marker}'",
        f"select * from kpi_events; copy (select 1) to program 'touch {marker}'",
        f"select * from kpi_events) x; copy (select 1) to program 'touch {marker}'; --",
    ):
        path = make_map(tmp_path, {**LONG, "location": victim.url, "query": query})
        trust.trust(k.source for k in store.load(path).kpis)
        code, out = refresh(path, capsys)
        assert code == 2 and "FAILED" in out, out
    assert not marker.exists()
    assert victim.fingerprint()["tables"] == ["kpi_events", "secrets"]


def test_identifiers_from_the_map_are_quoted_not_run(victim, tmp_path, capsys):
    before = victim.fingerprint()
    for source in (
        {**LONG, "table": 'kpi_events"; drop table kpi_events; --'},
        {**LONG, "query": "select * from kpi_events", "period_column": 'day" from kpi_events; drop table kpi_events; --'},
    ):  # fmt: skip
        path = make_map(tmp_path, {**source, "location": victim.url})
        trust.trust(k.source for k in store.load(path).kpis)
        code, out = refresh(path, capsys)
        assert code == 2, out
    assert victim.fingerprint() == before


def test_a_query_reading_another_table_is_refused_before_trust(victim, tmp_path, capsys):
    path = make_map(
        tmp_path,
        {**LONG, "location": victim.url, "query": "select day, metric, value from secrets"},
    )
    before = victim.fingerprint()
    code, out = refresh(path, capsys)
    assert code == 2
    assert "nobody trusted it on this machine" in out and f"cjmkit kpi trust {path}" in out
    assert PASSWORD_VARIABLE in out and victim.server.password not in out
    assert victim.fingerprint() == before
    assert store.load(path).kpis[0].observations == []  # nothing of the secret table came in


def test_trust_shows_everything_then_refresh_runs_and_an_edit_needs_trust_again(victim, tmp_path, capsys):
    query = "select day, metric, value\nfrom kpi_events\nwhere tp = 'chat'"
    path = make_map(tmp_path, {**LONG, "location": victim.url, "query": query}, kpis=("csat", "nps"))

    # without a terminal and without --yes nothing is trusted, but everything is shown
    assert main(["kpi", "trust", str(path)]) == 2
    shown = capsys.readouterr()
    assert "KPI csat, KPI nps" in shown.out
    assert (
        f"postgresql+psycopg://postgres:${{{PASSWORD_VARIABLE}}}@127.0.0.1:{victim.server.port}" in shown.out
    )
    assert "where tp = 'chat'" in shown.out and f"{PASSWORD_VARIABLE} (set)" in shown.out
    assert "--yes" in shown.err
    assert victim.server.password not in shown.out + shown.err

    assert main(["kpi", "trust", str(path), "--yes"]) == 0
    assert "Trusted 1 source" in capsys.readouterr().out
    record = (trust.trust_dir() / trust.TRUST_FILE).read_text()
    assert "kpi_events" not in record and victim.server.password not in record  # digests, not queries

    code, out = refresh(path, capsys)
    assert code == 0, out
    journey = store.load(path)
    assert [(str(o.period), o.value) for o in journey.kpis[0].observations] == [
        ("2024-01-01", 85.0),
        ("2024-02-01", 70.0),
    ]

    # someone edits the query in the file: it is another source, untrusted again
    data = json.loads(path.read_text())
    data["kpis"][0]["source"]["query"] = query + " or true"
    path.write_text(json.dumps(data))
    code, out = refresh(path, capsys)
    assert code == 2 and "nobody trusted it" in out and "KPI csat" in out
    assert "ok      postgresql" in out  # the unchanged nps source still ran

    assert main(["kpi", "trust", str(path), "--revoke"]) == 0
    assert "1 source no longer trusted" in capsys.readouterr().out  # the edited one never was


def test_info_and_validate_list_every_stored_source(victim, tmp_path, capsys):
    path = make_map(tmp_path, {**LONG, "location": victim.url, "query": "select *\nfrom secrets"})
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Stored sources (1" in out and "from secrets" in out and "NO: refused until trusted" in out
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "from secrets" in out and "kpis[0].source" in out


def test_the_connection_itself_is_read_only_with_a_statement_timeout(victim):
    url = victim.url.replace(f"${{{PASSWORD_VARIABLE}}}", victim.server.password)
    before = victim.fingerprint()
    with (
        pytest.raises(ImportProblem, match=r"tried to change the database"),
        readonly.connect(url) as connection,
    ):
        connection.exec_driver_sql("insert into kpi_events values (now(), 'x', 1, 'x')")
    with (
        pytest.raises(ImportProblem, match=r"ran longer than the statement timeout"),
        readonly.connect(url, statement_timeout=1) as connection,
    ):
        connection.exec_driver_sql("select pg_sleep(5)")
    assert victim.fingerprint() == before


# -- SQLite ----------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_db(tmp_path) -> Path:
    path = tmp_path / "kpis.db"
    with sqlite3.connect(path) as db:
        db.execute("create table kpi_events (day text, metric text, value real)")
        db.execute("insert into kpi_events values ('2024-01-03', 'csat', 80), ('2024-02-03', 'csat', 70)")
        db.execute("create table secrets (day text, metric text, value real)")
    db.close()
    return path


@pytest.mark.parametrize(
    "query",
    [
        "select * from kpi_events) as x; drop table kpi_events; --",
        "select * from kpi_events; delete from kpi_events",
        "attach database 'other.db' as o",
        "select load_extension('/tmp/evil.so') as day, 'csat' as metric, 1 as value",
        "pragma writable_schema = on",
        "with gone as (delete from kpi_events returning *) select * from gone",
        "insert into secrets select * from kpi_events",
    ],
)
def test_sqlite_attacks_are_refused(sqlite_db, tmp_path, query, capsys):
    before = sqlite_db.read_bytes()
    path = make_map(tmp_path, {**LONG, "location": f"sqlite:///{sqlite_db}", "query": query})
    trust.trust(k.source for k in store.load(path).kpis)
    code, out = refresh(path, capsys)
    assert code == 2 and "FAILED" in out, out
    assert sqlite_db.read_bytes() == before
    assert not (tmp_path / "other.db").exists()


def test_sqlite_is_opened_read_only_and_never_created(sqlite_db, tmp_path):
    with (
        pytest.raises(ImportProblem, match=r"tried to change the database"),
        readonly.connect(f"sqlite:///{sqlite_db}") as connection,
    ):
        connection.exec_driver_sql("delete from kpi_events")
    with (
        pytest.raises(ImportProblem, match=r"no such file"),
        readonly.connect(f"sqlite:///{tmp_path / 'missing.db'}"),
    ):
        pass
    assert not (tmp_path / "missing.db").exists()


def test_sqlite_source_needs_trust_too(sqlite_db, tmp_path, capsys):
    path = make_map(tmp_path, {**LONG, "location": f"sqlite:///{sqlite_db}", "table": "kpi_events"})
    code, out = refresh(path, capsys)
    assert code == 2 and "nobody trusted it" in out
    assert main(["kpi", "trust", str(path), "--yes"]) == 0
    capsys.readouterr()
    code, out = refresh(path, capsys)
    assert code == 0, out
    assert [o.value for o in store.load(path).kpis[0].observations] == [80.0, 70.0]


# -- variables, drivers, servers that never answer ---------------------------------------------------


@contextmanager
def silent_server() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP server on 127.0.0.1 that accepts connections, records what arrives and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    received: list[bytes] = []
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            connection.settimeout(0.2)
            accepted.append(connection)
            received.append(b"")
        # nothing is ever sent back

    def drain() -> None:
        while not stop.is_set():
            for i, connection in enumerate(list(accepted)):
                with suppress(OSError):
                    received[i] += connection.recv(4096)
            time.sleep(0.05)

    threads = [threading.Thread(target=serve, daemon=True), threading.Thread(target=drain, daemon=True)]
    for thread in threads:
        thread.start()
    try:
        yield listener.getsockname()[1], received
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()


def test_environment_secrets_are_not_sent_to_an_untrusted_url(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-very-secret")
    with silent_server() as (port, received):
        path = make_map(
            tmp_path,
            {
                **LONG,
                "location": f"postgresql://me:${{AWS_SECRET_ACCESS_KEY}}@127.0.0.1:{port}/db",
                "table": "t",
            },
        )
        code, out = refresh(path, capsys)
        time.sleep(0.3)
        assert code == 2 and "AWS_SECRET_ACCESS_KEY" in out and "nobody trusted it" in out
        assert received == []  # no connection was even made
        assert "very-secret" not in out


def test_an_unset_variable_is_named_and_nothing_is_sent(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CJM_UNSET_PASSWORD", raising=False)
    with silent_server() as (port, received):
        path = make_map(
            tmp_path,
            {
                **LONG,
                "location": f"postgresql://me:${{CJM_UNSET_PASSWORD}}@127.0.0.1:{port}/db",
                "table": "t",
            },
        )
        assert main(["kpi", "trust", str(path), "--yes"]) == 0
        assert "CJM_UNSET_PASSWORD (not set)" in capsys.readouterr().out
        code, out = refresh(path, capsys)
        assert code == 2 and "${CJM_UNSET_PASSWORD}" in out and "not set" in out and "nothing was sent" in out
        time.sleep(0.3)
        assert received == []


def test_refresh_never_hangs_on_a_server_that_never_answers(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(readonly, "CONNECT_TIMEOUT", 2)
    (tmp_path / "k.csv").write_text("date,kpi,value\n2024-01-01,nps,10\n")
    with silent_server() as (port, received):
        journey = Journey(
            id="j",
            title="Hang",
            kpis=[
                Kpi(id="csat", name="CSAT", source=KpiSource(
                    **LONG, location=f"postgresql+psycopg://me@127.0.0.1:{port}/db", table="t", key="csat")),
                Kpi(id="nps", name="NPS", source=KpiSource(kind="csv", location="k.csv", key="nps")),
            ],
        )  # fmt: skip
        path = tmp_path / "hang.cjm.json"
        store.save(journey, path)
        trust.trust([journey.kpis[0].source])
        start = time.monotonic()
        code, out = refresh(path, capsys)
        elapsed = time.monotonic() - start
        assert received, "the client never connected"
    assert code == 2, out
    assert "did not answer within the connect timeout" in out
    assert elapsed < 30  # bounded by the connect timeout, not for ever
    assert "ok      k.csv → nps" in out  # the other source was refreshed all the same
    assert store.load(path).kpis[1].observations[0].value == 10.0


def test_a_missing_driver_names_the_package_and_exits_2(tmp_path, capsys):
    import importlib.util

    if importlib.util.find_spec("pymysql") is not None:
        pytest.skip("pymysql is installed here")
    path = make_map(tmp_path, {**LONG, "location": "mysql+pymysql://me@127.0.0.1:1/db", "table": "t"})
    trust.trust(k.source for k in store.load(path).kpis)
    code, out = refresh(path, capsys)
    assert code == 2 and "pip install pymysql" in out and "unexpected error" not in out
    # kpi import says the same, with exit 2 (1 means "a KPI is bad")
    assert main(["kpi", "import", str(path), "--url", "mysql+pymysql://me@127.0.0.1:1/db", "--table", "t",
                 "--kpi", "csat"]) == 2  # fmt: skip
    assert "pip install pymysql" in capsys.readouterr().err


def test_databases_that_cannot_be_opened_read_only_are_refused(tmp_path):
    with (
        pytest.raises(ImportProblem, match=r"reads only databases it can open read-only"),
        readonly.connect("mssql+pyodbc://me@host/db"),
    ):
        pass


# -- the parser's verdicts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "select date_trunc('month', day) as day, metric, avg(value) as value from kpi_events group by 1, 2",
        "with recent as (select * from kpi_events where day > now() - interval '90 days') select * from recent",
        "select day, 'csat' as metric, value from kpi_events union all select day, 'nps', value from secrets",
        "select day, metric, coalesce(value, 0)::real as value from kpi_events where metric in ('csat', 'nps')",
        "select to_char(day, 'YYYY-MM-DD') as day, metric, percentile_cont(0.5) within group (order by value) "
        "as value from kpi_events group by 1, 2",
        "select day, metric, value from kpi_events where day::time > '10:30' order by day limit 100;",
    ],
)
def test_ordinary_analytics_queries_pass(query):
    checked = readonly.check_query(query, "postgresql")
    assert checked.upper().startswith(("SELECT", "WITH"))


@pytest.mark.parametrize(
    ("query", "dialect"),
    [
        ("select * from read_csv('/etc/passwd')", "duckdb"),
        ("select * from read_parquet('x.parquet')", "duckdb"),
        ("select * from '/etc/passwd'", "duckdb"),
        ("select getenv('AWS_SECRET_ACCESS_KEY')", "duckdb"),
        ("select load_file('/etc/passwd')", "mysql"),
        ("select readfile('/etc/passwd')", "sqlite"),
        ("select current_setting('data_directory')", "postgresql"),
    ],
)
def test_queries_that_read_files_or_settings_are_refused(query, dialect):
    with pytest.raises(ImportProblem):
        readonly.check_query(query, dialect)


def test_sqlite_time_functions_pass():
    assert (
        "STRFTIME"
        in readonly.check_query(
            "select strftime('%Y-%m-01', day) as day, metric, value from kpi_events", "sqlite"
        ).upper()
    )


# -- files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("location", ["/etc/passwd", "~/.netrc", "../../secret.csv", "data/../../x.csv"])
def test_a_file_outside_the_maps_folder_needs_trust(tmp_path, location, capsys):
    path = make_map(tmp_path, {"kind": "csv", "location": location, "period_column": "date"})
    code, out = refresh(path, capsys)
    assert code == 2 and "nobody trusted it" in out and location in out
    assert not trust.needs_trust(KpiSource(kind="csv", location="data/kpis.csv"))


def test_a_source_that_is_a_named_pipe_never_hangs_a_refresh(tmp_path, capsys):
    import os

    os.mkfifo(tmp_path / "kpis.csv")
    path = make_map(tmp_path, {"kind": "csv", "location": "kpis.csv", "period_column": "date"})
    code, out = refresh(path, capsys)
    assert code == 2 and "it is a named pipe, not a regular file" in out
    write = tmp_path / "export.csv"
    os.mkfifo(write)
    assert main(["data", "tickets", str(path), str(write)]) == 2
    assert "named pipe" in capsys.readouterr().err


def _trust_at_a_terminal(path: Path, answer: str) -> tuple[int, str]:
    """Run ``cjmkit kpi trust MAP`` as a person at a terminal would: stdin is a real tty, ``answer`` typed."""
    import os
    import pty
    import select
    import subprocess
    import sys

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "cjmkit.cli", "kpi", "trust", str(path)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    while b"[y/N]" not in seen and time.monotonic() < deadline:  # the question comes after the sources
        if select.select([leader], [], [], 1)[0]:
            with suppress(OSError):
                seen += os.read(leader, 4096)
    os.write(leader, answer.encode() + b"\n")
    code = process.wait(timeout=60)
    with suppress(OSError):  # the terminal reads EIO once the process is gone
        while select.select([leader], [], [], 1)[0] and (chunk := os.read(leader, 4096)):
            seen += chunk
    os.close(leader)
    return code, seen.decode("utf-8", "replace")


def test_trust_asks_at_a_terminal_and_only_yes_trusts(sqlite_db, tmp_path, capsys):
    path = make_map(tmp_path, {**LONG, "location": f"sqlite:///{sqlite_db}", "table": "kpi_events"})

    code, shown = _trust_at_a_terminal(path, "")  # Enter alone: the default is no
    assert code == 2 and "kpi_events" in shown and "Nothing was trusted." in shown, shown
    code, out = refresh(path, capsys)
    assert code == 2 and "nobody trusted it" in out

    code, shown = _trust_at_a_terminal(path, "y")
    assert code == 0 and "Trusted 1 source on this machine" in shown, shown
    code, out = refresh(path, capsys)
    assert code == 0, out
