"""The journey as measured, on a log small enough to check by hand, with the same numbers on every engine.

The map: signup (customer) → chat, email (support) → call (care) → renew (customer), and a
touchpoint "never" nobody reaches. The log (UTC; B's first event is written with +01:00):

    A maya  signup 01-01 09:00, chat 01-02 09:00, care-call 01-02 21:00, newsletter 01-03 00:00,
            chat 01-05 09:00, renew 01-20 09:00
    B dan   signup 01-01 09:00, email 01-03 09:00, care-call 01-06 09:00
    C maya  signup 01-10 10:00, chat 01-10 12:00, chat 01-10 13:00, care-call 01-11 13:00,
            heartbeat 01-11 13:00
    D dan   signup 02-25 10:00            (the latest event: the data's time, as_of)
    E maya  signup 01-20 09:00

care-call stands for the touchpoint "call", heartbeat is ignored, newsletter is missing from
the map. Inactive for 30 days means dropped: before 01-26 10:00.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjmkit.metrics.journey_log import JourneyLog
from cjmkit.model import EventLog, Journey, Lane, Stage, Touchpoint

ROWS = [
    ("A", "2026-01-01T09:00:00Z", "signup", "maya"),
    ("A", "2026-01-02T09:00:00Z", "chat", "maya"),
    ("A", "2026-01-02T21:00:00Z", "care-call", "maya"),
    ("A", "2026-01-03T00:00:00Z", "newsletter", "maya"),
    ("A", "2026-01-05T09:00:00Z", "chat", "maya"),
    ("A", "2026-01-20T09:00:00Z", "renew", "maya"),
    ("B", "2026-01-01T10:00:00+01:00", "signup", "dan"),
    ("B", "2026-01-03T09:00:00Z", "email", "dan"),
    ("B", "2026-01-06T09:00:00Z", "care-call", "dan"),
    ("C", "2026-01-10T10:00:00Z", "signup", "maya"),
    ("C", "2026-01-10T12:00:00Z", "chat", "maya"),
    ("C", "2026-01-10T13:00:00Z", "chat", "maya"),
    ("C", "2026-01-11T13:00:00Z", "care-call", "maya"),
    ("C", "2026-01-11T13:00:00Z", "heartbeat", "maya"),
    ("D", "2026-02-25T10:00:00Z", "signup", "dan"),
    ("E", "2026-01-20T09:00:00Z", "signup", "maya"),
]


def journey() -> Journey:
    lanes = [Lane(id="c", name="Customer", kind="customer"), Lane(id="sup", name="Support", kind="support"),
             Lane(id="care", name="Care", kind="care")]  # fmt: skip
    placed = [
        ("signup", "c"),
        ("chat", "sup"),
        ("email", "sup"),
        ("call", "care"),
        ("renew", "c"),
        ("never", "c"),
    ]
    return Journey(
        id="hand",
        title="By hand",
        stages=[Stage(id="s", name="S")],
        lanes=lanes,
        touchpoints=[Touchpoint(id=tp, stage="s", lane=lane, name=tp.title()) for tp, lane in placed],
        event_log=EventLog(mapping={"care-call": "call"}, ignore=["heartbeat"]),
    )


def raw() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=["customer_id", "timestamp", "event", "persona"])


ENGINES = ["pandas", "duckdb", "duckdb-csv", "duckdb-parquet", "postgresql"]


@pytest.fixture(scope="module")
def events_in_postgres(request) -> str:
    """The log as a table of a real PostgreSQL (timestamptz), created once for the module."""
    server = request.getfixturevalue("postgres")
    url = server.create_database("journey_events")
    with server.connect("journey_events") as connection:
        connection.execute(
            "CREATE TABLE events (customer_id text, timestamp timestamptz, event text, persona text)"
        )
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO events VALUES (%s, %s, %s, %s)", ROWS)
    return url


@pytest.fixture(params=ENGINES)
def log(request, tmp_path):
    from cjmkit.metrics.events import EventColumns
    from cjmkit.model import EventSource

    columns = EventColumns(segment="persona")
    if request.param == "postgresql":
        url = request.getfixturevalue("events_in_postgres")
        source = EventSource(kind="sql", location=url, table="events", segment_column="persona")
        made = JourneyLog(journey(), source)
        assert made.engine == "database"
    elif request.param == "pandas":
        made = JourneyLog(journey(), raw(), columns=columns)
    elif request.param == "duckdb":
        made = JourneyLog(journey(), raw(), columns=columns, engine="duckdb")
    elif request.param == "duckdb-csv":
        path = tmp_path / "events.csv"
        raw().to_csv(path, index=False)
        made = JourneyLog(journey(), path, columns=columns)
        assert made.engine == "duckdb"
    else:
        path = tmp_path / "events.parquet"
        frame = raw()
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="ISO8601", utc=True)
        frame.to_parquet(path)
        made = JourneyLog(journey(), path, columns=columns)
    yield made
    made.close()


def records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict("records"):
        out.append(
            {k: (round(v, 9) if isinstance(v, float) and not math.isnan(v) else v) for k, v in row.items()}
        )
    return out


def test_transitions(log):
    got = log.transitions().set_index(["from_touchpoint", "to_touchpoint"])
    assert list(got.index) == [
        ("call", "chat"), ("chat", "call"), ("chat", "chat"), ("chat", "renew"), ("email", "call"),
        ("signup", "chat"), ("signup", "email"),
    ]  # fmt: skip
    chat_call = got.loc[("chat", "call")]
    # A 12 h, C 24 h; chat has 4 departures (A→call, A→renew, C→chat, C→call)
    assert (chat_call["transitions"], chat_call["customers"], chat_call["departures"]) == (2, 2, 4)
    assert (
        chat_call["share"] == 0.5
        and chat_call["median_hours"] == 18.0
        and chat_call["p90_hours"] == pytest.approx(22.8)
    )
    signup_chat = got.loc[("signup", "chat")]  # A 24 h, C 2 h, of 3 departures (A, B, C)
    assert signup_chat["share"] == pytest.approx(2 / 3) and signup_chat["median_hours"] == 13.0
    assert got.loc[("chat", "renew"), "median_hours"] == 360.0
    assert got.loc[("chat", "chat"), "median_hours"] == 1.0  # C's repeat chat
    by_segment = log.transitions(by="segment")
    assert set(by_segment.loc[by_segment["segment"] == "dan", "from_touchpoint"]) == {"signup", "email"}
    by_month = log.transitions(by="period")
    assert set(by_month["period"]) == {pd.Timestamp("2026-01-01")} and len(by_month) == 7


def test_paths(log):
    got = log.paths()
    assert records(got) == [
        {"rank": 1, "path": "signup", "steps": 1, "customers": 2, "share": 0.4},
        {"rank": 2, "path": "signup → chat → call", "steps": 3, "customers": 1, "share": 0.2},
        {"rank": 3, "path": "signup → chat → call → chat → renew", "steps": 5, "customers": 1, "share": 0.2},
        {"rank": 4, "path": "signup → email → call", "steps": 3, "customers": 1, "share": 0.2},
    ]
    cut = log.paths(max_steps=3, top=2)
    assert cut["path"].tolist() == ["signup", "signup → chat → call"]
    assert "signup → chat → call → …" in log.paths(max_steps=3)["path"].tolist()
    by_month = log.paths(by="period")
    assert by_month.loc[by_month["period"] == pd.Timestamp("2026-02-01"), "path"].tolist() == ["signup"]


def test_dropoff_with_customers_still_in_progress(log):
    got = log.dropoff().set_index("touchpoint")
    assert records(got.reset_index()) == [
        {"touchpoint": "call", "reached": 3, "continued": 1, "last_here": 2, "in_progress": 0, "dropped": 2,
         "dropoff_share": round(2 / 3, 9)},
        {"touchpoint": "chat", "reached": 2, "continued": 2, "last_here": 0, "in_progress": 0, "dropped": 0,
         "dropoff_share": 0.0},
        {"touchpoint": "email", "reached": 1, "continued": 1, "last_here": 0, "in_progress": 0, "dropped": 0,
         "dropoff_share": 0.0},
        {"touchpoint": "renew", "reached": 1, "continued": 0, "last_here": 1, "in_progress": 0, "dropped": 1,
         "dropoff_share": 1.0},
        # D signed up at the data's time: in progress; E 36 days ago: dropped
        {"touchpoint": "signup", "reached": 5, "continued": 3, "last_here": 2, "in_progress": 1, "dropped": 1,
         "dropoff_share": 0.2},
    ]  # fmt: skip
    later = log.dropoff(as_of=pd.Timestamp("2026-04-01"))
    assert later.set_index("touchpoint").loc["signup", "dropped"] == 2


def test_funnel_with_a_time_window(log):
    got = log.funnel(["signup", "chat", "call"], within_hours=48)
    assert got["touchpoint"].tolist() == ["signup", "chat", "call"]
    # step 2: B never chatted and E not within 48 h: dropped; D's 48 h are not over yet.
    # step 3: A called 12 h after the chat (36 h after signup), C 25 h after its first chat.
    rows = got.set_index("step")
    assert rows["customers"].tolist() == [5, 2, 2]
    assert rows["share_of_start"].tolist() == [1.0, 0.4, 0.4] and rows["share_of_previous"].tolist() == [
        1.0,
        0.4,
        1.0,
    ]
    assert rows["dropped"].tolist() == [0, 2, 0] and rows["in_progress"].tolist() == [0, 1, 0]
    assert math.isnan(rows.loc[1, "median_hours"]) and rows.loc[2, "median_hours"] == 13.0
    assert rows.loc[3, "median_hours"] == 18.5
    tight = log.funnel(["signup", "chat", "call"], within_hours=30).set_index("step")
    assert tight["customers"].tolist() == [5, 2, 1]  # C's call came 27 h after signup, A's 36 h
    open_ended = log.funnel(["signup", "chat"]).set_index("step")
    assert open_ended.loc[2, "dropped"] == 2 and open_ended.loc[2, "in_progress"] == 1  # D is recent
    by_segment = log.funnel(["signup", "chat", "call"], within_hours=48, by="segment")
    assert by_segment.loc[by_segment["segment"] == "dan", "customers"].tolist() == [2, 0, 0]


def test_repeat_contacts_and_loops(log):
    got = log.repeat_contacts()  # the support lanes: chat and email
    assert records(got) == [
        # A back at chat 3 days later after a care call (a loop); C chats again an hour later
        {"touchpoint": "chat", "contacts": 4, "customers": 2, "repeats": 2, "repeat_share": 0.5, "loops": 1,
         "customers_repeating": 2},
        {"touchpoint": "email", "contacts": 1, "customers": 1, "repeats": 0, "repeat_share": 0.0, "loops": 0,
         "customers_repeating": 0},
    ]  # fmt: skip
    assert log.repeat_contacts(within_days=2).set_index("touchpoint").loc["chat", "repeats"] == 1


def test_time_between_counts_customers_still_on_their_way(log):
    got = records(log.time_between("signup", "call"))[0]
    # reached: C 27 h, A 36 h, B 120 h; D (0 h) and E (865 h) not yet
    assert got == {
        "from_touchpoint": "signup", "to_touchpoint": "call", "reached_start": 5, "reached_end": 3, "waiting": 2,
        "median_hours": 36.0, "median_hours_reached": 36.0, "p90_hours_reached": 103.2,
    }  # fmt: skip
    maya = log.time_between("signup", "call", by="segment").set_index("segment").loc["maya"]
    # A 36 h, C 27 h, E still waiting after 865 h: Kaplan-Meier says 36 h, the two who arrived 31.5 h
    assert maya["median_hours"] == 36.0 and maya["median_hours_reached"] == 31.5 and maya["waiting"] == 1


def test_reach_unreached_and_missing_from_the_map(log):
    reach = log.reach().set_index("touchpoint")
    assert reach["customers"].to_dict() == {"call": 3, "chat": 2, "email": 1, "renew": 1, "signup": 5}
    assert reach.loc["chat", "events"] == 4
    assert log.unreached()["touchpoint"].tolist() == ["never"]
    assert records(log.unmapped()) == [{"event": "newsletter", "events": 1, "customers": 1}]
    assert log.as_of() == pd.Timestamp("2026-02-25 10:00")
    assert log.totals() == (5, 16)


def test_all_engines_give_the_same_frames(tmp_path):
    from cjmkit.metrics.events import EventColumns

    columns = EventColumns(segment="persona")
    reference = JourneyLog(journey(), raw(), columns=columns)
    other = JourneyLog(journey(), raw(), columns=columns, engine="duckdb")
    calls = [
        ("transitions", (), {"by": "segment"}),
        ("paths", (), {"by": "period", "period": "week"}),
        ("dropoff", (), {"by": "segment"}),
        ("funnel", (["signup", "chat", "call"],), {"by": "period", "within_hours": 72}),
        ("repeat_contacts", (), {"by": "period", "period": "day"}),
        ("time_between", ("chat", "call"), {"by": "segment"}),
        ("reach", (), {"by": "period"}),
    ]
    for name, args, kwargs in calls:
        pd.testing.assert_frame_equal(
            getattr(reference, name)(*args, **kwargs),
            getattr(other, name)(*args, **kwargs),
            check_exact=False,
            rtol=1e-12,
        )
    other.close()


EVENTS = ["signup", "chat", "email", "care-call", "renew", "newsletter", "heartbeat"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "c", "Ä", "B2"]),  # text order, not numbers or locale
            st.integers(0, 40),  # hours after the start: ties are common
            st.sampled_from(EVENTS),
            st.sampled_from(["maya", "dan"]),
        ),
        max_size=40,
    )
)
def test_pandas_and_duckdb_agree_on_any_log(rows):
    from cjmkit.metrics.events import EventColumns

    start = pd.Timestamp("2026-01-01T00:00:00Z")
    frame = pd.DataFrame(
        [(c, (start + pd.Timedelta(hours=h)).isoformat(), e, p) for c, h, e, p in rows],
        columns=["customer_id", "timestamp", "event", "persona"],
    )
    columns = EventColumns(segment="persona")
    reference = JourneyLog(journey(), frame, columns=columns)
    with JourneyLog(journey(), frame, columns=columns, engine="duckdb") as other:
        for name, args, kwargs in [
            ("transitions", (), {"by": "segment"}),
            ("paths", (), {"max_steps": 3}),
            ("dropoff", (), {}),
            ("funnel", (["signup", "chat", "call"],), {"within_hours": 12}),
            ("repeat_contacts", (), {"within_days": 1}),
            ("time_between", ("chat", "call"), {}),
        ]:
            pd.testing.assert_frame_equal(
                getattr(reference, name)(*args, **kwargs),
                getattr(other, name)(*args, **kwargs),
                check_exact=False,
                rtol=1e-9,
                obj=name,
            )


def test_unknown_touchpoints_and_engines_are_plain_sentences():
    from cjmkit.metrics.problems import ImportProblem

    log = JourneyLog(journey(), raw())
    with pytest.raises(ImportProblem, match="funnel: the map has no touchpoint 'nope'"):
        log.funnel(["signup", "nope"])
    with pytest.raises(ImportProblem, match="engine must be one of"):
        JourneyLog(journey(), raw(), engine="spark")
    with pytest.raises(ImportProblem, match="this map has no event log"):
        JourneyLog(Journey(id="x", title="X"))


def test_a_csv_is_read_by_duckdb_as_by_pandas(tmp_path):
    from cjmkit.metrics.problems import ImportProblem

    path = tmp_path / "events.csv"
    path.write_text("customer_id,timestamp,event\na,2026-01-01T10:00:00Z,signup\nb,2026-07-01 11:00,chat\n")
    for engine in ("duckdb", "pandas"):  # without an offset: a time of the source's zone, UTC unless told
        with JourneyLog(journey(), path, engine=engine) as utc:
            assert utc.as_of() == pd.Timestamp("2026-07-01 11:00")
        with JourneyLog(journey(), path, engine=engine, timezone="Europe/Berlin") as berlin:
            assert berlin.as_of() == pd.Timestamp("2026-07-01 09:00")
    path.write_text(
        "customer_id,timestamp,event\na,2026-01-01T10:00:00Z,signup\nb,2026-02-30T11:00:00Z,chat\n"
    )
    for engine in ("duckdb", "pandas"):
        with pytest.raises(ImportProblem) as caught:
            JourneyLog(journey(), path, engine=engine).reach()
        assert "events.csv: 1 row has a timestamp that cannot be read" in str(caught.value)
        assert "line 3, column 'timestamp'" in str(caught.value)
    path.write_text("customer_id,timestamp,event\na,01/02/2026 10:00,signup\nb,03/04/2026 11:00,chat\n")
    with pytest.raises(ImportProblem, match="day first and month first"), JourneyLog(journey(), path) as log:
        log.reach()  # not ISO 8601: pandas reads it for DuckDB, by the same rules


# -- kept in the map: cjmkit journey source / refresh / show ----------------------------------------


@pytest.fixture
def folder(tmp_path):
    from cjmkit.store import save

    map_path = tmp_path / "hand.cjm.json"
    plain = journey()
    plain.event_log = None
    save(plain, map_path)
    raw().to_csv(tmp_path / "events.csv", index=False)
    (tmp_path / "survey.csv").write_text(
        "response_id,touchpoint,csat\nr1,chat,5\nr2,chat,4\nr3,email,1\nr4,chat,\n", encoding="utf-8"
    )
    return tmp_path


def test_cli_keeps_an_event_log_in_the_map_and_refreshes_it(folder, capsys):
    from cjmkit.cli import main
    from cjmkit.store import load

    map_path = folder / "hand.cjm.json"
    code = main(["journey", "source", str(map_path), str(folder / "events.csv"), "--segment-column", "persona",
                 "--map", "care-call=call", "--ignore", "heartbeat", "--survey", str(folder / "survey.csv")])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "16 events of 5 customers" in out and "nobody reached: never" in out
    kept = load(map_path).event_log
    assert kept.source.location == "events.csv" and kept.survey == "survey.csv"  # relative to the map
    assert kept.mapping == {"care-call": "call"} and kept.ignore == ["heartbeat"]
    flows = {(f.from_touchpoint, f.to_touchpoint): f for f in kept.measured.flows}
    assert ("chat", "chat") not in flows and flows[("chat", "call")].share == 0.5
    assert flows[("chat", "call")].median_hours == 18.0 and flows[("chat", "call")].p90_hours == 22.8
    feelings = {t.touchpoint: (t.emotion, t.answers) for t in kept.measured.touchpoints}
    assert feelings["chat"] == (1.5, 2) and feelings["email"] == (-2.0, 1)  # CSAT 4.5 → +1.5, 1 → −2
    assert [(u.event, u.events) for u in kept.measured.unmapped] == [("newsletter", 1)]
    revision = load(map_path).revision
    assert main(["journey", "refresh", str(map_path)]) == 0
    assert "nothing changed" in capsys.readouterr().out and load(map_path).revision == revision
    assert main(["kpi", "refresh", str(map_path)]) == 0  # a map with only an event log is refreshed too
    assert "Measured the event log" in capsys.readouterr().out


def test_cli_a_new_source_keeps_what_was_said_of_the_events(folder, capsys):
    from cjmkit.cli import main
    from cjmkit.store import load

    map_path = folder / "hand.cjm.json"
    assert main(["journey", "source", str(map_path), str(folder / "events.csv"), "--map", "care-call=call",
                 "--ignore", "heartbeat", "--survey", str(folder / "survey.csv")]) == 0  # fmt: skip
    # the log moved: a new source with one more word about its events keeps the earlier ones
    (folder / "moved.csv").write_bytes((folder / "events.csv").read_bytes())
    assert (
        main(["journey", "source", str(map_path), str(folder / "moved.csv"), "--ignore", "newsletter"]) == 0
    )
    capsys.readouterr()
    kept = load(map_path).event_log
    assert kept.source.location == "moved.csv" and kept.survey == "survey.csv"
    assert kept.mapping == {"care-call": "call"} and kept.ignore == ["heartbeat", "newsletter"]
    assert kept.measured.unmapped == []
    # an event mapped anew leaves the ignored ones, and an event ignored anew leaves the mapping
    assert main(["journey", "source", str(map_path), str(folder / "moved.csv"), "--map", "heartbeat=chat",
                 "--ignore", "care-call"]) == 0  # fmt: skip
    kept = load(map_path).event_log
    assert kept.mapping == {"heartbeat": "chat"} and kept.ignore == ["newsletter", "care-call"]


def test_cli_show_prints_a_measure(folder, capsys):
    from cjmkit.cli import main

    map_path = folder / "hand.cjm.json"
    assert (
        main(["journey", "source", str(map_path), str(folder / "events.csv"), "--map", "care-call=call"]) == 0
    )
    capsys.readouterr()
    assert main(["journey", "show", str(map_path), "funnel", "signup", "chat", "call", "--within", "48"]) == 0
    out = capsys.readouterr().out
    assert "share_of_start" in out and out.count("\n") == 4
    assert (
        main(["journey", "show", str(map_path), "between", "signup", "call", "--csv", str(folder / "t.csv")])
        == 0
    )
    assert (folder / "t.csv").read_text(encoding="utf-8-sig").startswith("from_touchpoint,to_touchpoint")
    assert main(["journey", "show", str(map_path), "unmapped"]) == 0
    assert "newsletter" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["journey", "show", "{map}", "funnel", "--events", "{dir}/events.csv"], "funnel: give its steps"),
        (
            ["journey", "show", "{map}", "between", "signup", "--events", "{dir}/events.csv"],
            "give a start and an end",
        ),
        (["journey", "show", "{map}", "reach"], "this map has no event log"),
        (["journey", "refresh", "{map}"], "this map has no event log to refresh"),
        (["journey", "source", "{map}", "{dir}/nope.csv"], "no such file"),
        (["journey", "source", "{map}", "{dir}/events.csv", "--map", "x=ghost"], "touchpoint 'ghost'"),
        (["journey", "source", "{map}", "{dir}/events.csv", "--map", "oops"], "write EVENT=TOUCHPOINT"),
    ],
)
def test_cli_problems_are_one_sentence_and_exit_2(folder, capsys, args, message):
    from cjmkit.cli import main

    map_path = folder / "hand.cjm.json"
    before = map_path.read_bytes()
    code = main([a.format(map=map_path, dir=folder) for a in args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err and err.count("\n") == 1
    assert map_path.read_bytes() == before


def test_a_source_that_cannot_be_read_leaves_the_map_unchanged(folder, capsys):
    from cjmkit.cli import main

    (folder / "events.csv").write_text("customer_id,timestamp,event\na,yesterday,signup\n", encoding="utf-8")
    map_path = folder / "hand.cjm.json"
    before = map_path.read_bytes()
    assert main(["journey", "source", str(map_path), str(folder / "events.csv")]) == 2
    assert "line 2, column 'timestamp'" in capsys.readouterr().err
    assert map_path.read_bytes() == before


def test_postgres_gives_the_pandas_frames_and_reads_queries_and_zones(events_in_postgres, postgres):
    from cjmkit.metrics.events import EventColumns
    from cjmkit.metrics.problems import ImportProblem
    from cjmkit.model import EventSource

    reference = JourneyLog(journey(), raw(), columns=EventColumns(segment="persona"))
    query = "SELECT customer_id, to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS timestamp, event, persona FROM events"
    sources = [
        EventSource(kind="sql", location=events_in_postgres, table="events", segment_column="persona"),
        EventSource(kind="sql", location=events_in_postgres, query=query, segment_column="persona"),
    ]
    for source in sources:
        with JourneyLog(journey(), source) as other:
            for name, args, kwargs in [
                ("transitions", (), {"by": "segment"}),
                ("paths", (), {"by": "period", "period": "week"}),
                ("dropoff", (), {"by": "segment"}),
                ("funnel", (["signup", "chat", "call"],), {"by": "period", "within_hours": 72}),
                ("repeat_contacts", (), {"by": "period", "period": "day"}),
                ("time_between", ("chat", "call"), {"by": "segment"}),
                ("unmapped", (), {}),
            ]:
                pd.testing.assert_frame_equal(
                    getattr(reference, name)(*args, **kwargs), getattr(other, name)(*args, **kwargs),
                    check_exact=False, rtol=1e-9,
                )  # fmt: skip
    # timestamps without a zone are times of the source's zone, UTC unless told
    with postgres.connect("journey_events") as connection:
        connection.execute("DROP TABLE IF EXISTS naive")
        connection.execute(
            "CREATE TABLE naive AS SELECT customer_id, timestamp AT TIME ZONE 'Europe/Berlin' AS timestamp, event FROM events"
        )
    naive = EventSource(kind="sql", location=events_in_postgres, table="naive")
    with JourneyLog(journey(), naive) as utc:
        assert utc.as_of() == pd.Timestamp("2026-02-25 11:00")  # Berlin's wall clock, taken as UTC
    with JourneyLog(journey(), naive.model_copy(update={"timezone": "Europe/Berlin"})) as zoned:
        assert zoned.as_of() == pd.Timestamp("2026-02-25 10:00")
    # text the database would read by its own day/month order is refused, never guessed
    with postgres.connect("journey_events") as connection:
        connection.execute("DROP TABLE IF EXISTS slashes")
        connection.execute(
            "CREATE TABLE slashes AS SELECT customer_id, to_char(timestamp, 'DD/MM/YYYY HH24:MI') AS timestamp, "
            "event FROM events"
        )
    slashes = EventSource(kind="sql", location=events_in_postgres, table="slashes")
    with pytest.raises(
        ImportProblem, match=r"table 'slashes' .*: \d+ rows have a timestamp that is not ISO 8601"
    ):
        JourneyLog(journey(), slashes).reach()


def test_a_stored_database_source_runs_only_once_trusted_and_only_a_select(events_in_postgres):
    from cjmkit import trust
    from cjmkit.metrics.problems import ImportProblem
    from cjmkit.model import EventSource

    stored = journey()
    stored.event_log.source = EventSource(kind="sql", location=events_in_postgres, table="events")
    with pytest.raises(trust.UntrustedSource, match="the event log: the source runs SQL on"):
        JourneyLog(stored)
    assert [entry.users for entry in trust.stored_sources(stored)] == [["the event log"]]
    trust.trust([stored.event_log.source])
    with JourneyLog(stored) as log:
        assert log.reach()["customers"].sum() == 12
    stored.event_log.source = stored.event_log.source.model_copy(
        update={"table": None, "query": "DELETE FROM events"}
    )
    trust.trust([stored.event_log.source])  # even when trusted, only one read-only SELECT runs
    with pytest.raises(ImportProblem, match="SELECT"), JourneyLog(stored) as log:
        log.reach()


def test_cli_keeps_a_database_event_log_and_measures_it_there(
    events_in_postgres, postgres, tmp_path, capsys, monkeypatch
):
    from cjmkit.cli import main
    from cjmkit.store import load, save

    map_path = tmp_path / "hand.cjm.json"
    plain = journey()
    plain.event_log = None
    save(plain, map_path)
    literal = events_in_postgres
    assert main(["journey", "source", str(map_path), "--url", literal, "--table", "events"]) == 2
    assert "holds a password" in capsys.readouterr().err  # the map is emailed: no password in it
    monkeypatch.setenv("JOURNEY_DB_PASSWORD", postgres.password)
    url = literal.replace(f":{postgres.password}@", ":${JOURNEY_DB_PASSWORD}@")
    code = main(
        ["journey", "source", str(map_path), "--url", url, "--table", "events", "--map", "care-call=call"]
    )
    assert code == 0, capsys.readouterr().err
    assert "16 events of 5 customers" in capsys.readouterr().out
    stored = load(map_path).event_log.source
    assert (
        stored.kind == "sql"
        and "${JOURNEY_DB_PASSWORD}" in stored.location
        and postgres.password not in stored.location
    )
    assert main(["journey", "refresh", str(map_path)]) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_duckdb_says_in_a_sentence_when_a_log_needs_more_room_than_it_may_take(tmp_path, monkeypatch):
    from cjmkit.metrics import journey_log
    from cjmkit.metrics.problems import ImportProblem

    # fifty million events once filled a disk: DuckDB gets a bounded memory and temporary disk
    monkeypatch.setattr(journey_log, "DUCKDB_MEMORY", "1MB")
    monkeypatch.setattr(journey_log, "DUCKDB_DISK", "1KB")
    rng = np.random.default_rng(1)
    many = pd.DataFrame(
        {
            "customer_id": [f"customer-{i:09d}" for i in rng.integers(0, 100_000, 200_000)],
            "timestamp": "2026-01-05T10:00:00Z",
            "event": rng.choice(["signup", "chat", "call"], 200_000),
        }
    )
    path = tmp_path / "many.parquet"
    many.to_parquet(path)
    with (
        pytest.raises(ImportProblem, match=r"too little room .* CJMKIT_DUCKDB_MEMORY and CJMKIT_DUCKDB_DISK"),
        JourneyLog(journey(), path) as log,
    ):
        log.transitions()
