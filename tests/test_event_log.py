"""The event log of a map: in the document (format 1.1), read from files and frames, mapped to touchpoints."""

from __future__ import annotations

import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjmkit.metrics.events import EventColumns, event_mapping, read_events, steps, tidy_events, unmapped
from cjmkit.metrics.problems import ImportProblem
from cjmkit.model import (
    SCHEMA_VERSION,
    EventLog,
    EventSource,
    Journey,
    Kpi,
    Lane,
    MeasuredFlow,
    MeasuredJourney,
    Observation,
    Stage,
    Touchpoint,
    journey_from_dict,
)
from cjmkit.store import load, save


def small() -> Journey:
    return Journey(
        id="j",
        title="J",
        stages=[Stage(id="s", name="S")],
        lanes=[
            Lane(id="c", name="Customer", kind="customer"),
            Lane(id="sup", name="Support", kind="support"),
        ],
        touchpoints=[
            Touchpoint(id="signup", stage="s", lane="c", name="Sign up"),
            Touchpoint(id="chat", stage="s", lane="sup", name="Chat"),
        ],
    )


# -- the document ----------------------------------------------------------------------------


def test_a_1_0_map_loads_and_is_saved_as_1_1_without_new_keys(tmp_path):
    data = small().to_dict()
    data["schema_version"] = "1.0"
    path = tmp_path / "old.cjm.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    journey = load(path)
    assert journey.schema_version == SCHEMA_VERSION == "1.1" and journey.event_log is None
    save(journey, path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["schema_version"] == "1.1" and "event_log" not in saved


def test_event_log_and_observation_intervals_round_trip(tmp_path):
    journey = small()
    journey.kpis = [
        Kpi(id="csat", name="CSAT", observations=[
            Observation(period=date(2026, 1, 1), value=72.5, n=140, low=64.6, high=79.3),
            Observation(period=date(2026, 2, 1), value=70.0),
        ])
    ]  # fmt: skip
    journey.event_log = EventLog(
        source=EventSource(
            kind="csv", location="events.csv", segment_column="persona", timezone="Europe/Berlin"
        ),
        mapping={"ticket:chat": "chat"},
        ignore=["heartbeat"],
        measured=MeasuredJourney(
            as_of=datetime(2026, 3, 1, 12, 0),
            customers=3,
            events=9,
            flows=[
                MeasuredFlow(
                    from_touchpoint="signup", to_touchpoint="chat", transitions=2, customers=2, share=1.0
                )
            ],
        ),
    )
    path = tmp_path / "j.cjm.json"
    save(journey, path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert "n" not in raw["kpis"][0]["observations"][1]  # unset figures are not written
    assert raw["kpis"][0]["observations"][0]["n"] == 140
    again = load(path)
    assert again.event_log == journey.event_log and again.kpis == journey.kpis


def test_a_measured_share_outside_0_1_is_refused_with_its_place():
    data = small().to_dict()
    data["event_log"] = {"measured": {"flows": [{"from_touchpoint": "a", "to_touchpoint": "b", "transitions": 1,
                                                  "customers": 1, "share": 1.5}]}}  # fmt: skip
    with pytest.raises(Exception, match=r"event_log\.measured\.flows\[0\]\.share"):
        journey_from_dict(data)


def test_mapping_to_a_removed_touchpoint_does_not_break_the_map():
    journey = small()
    journey.event_log = EventLog(mapping={"x": "gone"})
    assert journey.problems() == []
    mapping = event_mapping(journey, journey.event_log.mapping)
    assert "x" not in mapping.touchpoint_of and "'gone'" in mapping.notes[0]


# -- reading -----------------------------------------------------------------------------------


def test_offsets_are_honoured_and_compared_in_utc(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "customer_id,timestamp,event\n"
        "a,2026-03-29T01:30:00+01:00,signup\n"  # 00:30 UTC
        "a,2026-03-29T00:45:00Z,chat\n"
        "b,2026-03-29 03:30:00.5-02:00,chat\n",
        encoding="utf-8",
    )
    events = read_events(path)
    assert list(events["time"]) == [
        pd.Timestamp("2026-03-29 00:30"),
        pd.Timestamp("2026-03-29 00:45"),
        pd.Timestamp("2026-03-29 05:30:00.5"),
    ]
    assert list(events.columns) == ["customer", "time", "event", "segment"]


def test_timestamps_without_offset_are_times_of_the_named_zone_utc_unless_told(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "user_id;time;action\nu1;2026-07-01 10:00;signup\nu2;2026-07-01 11:00;chat\n", encoding="utf-8"
    )
    assert read_events(path)["time"].tolist() == [
        pd.Timestamp("2026-07-01 10:00"),
        pd.Timestamp("2026-07-01 11:00"),
    ]
    events = read_events(path, timezone="Europe/Berlin")  # summer time: UTC+2
    assert events["time"].tolist() == [pd.Timestamp("2026-07-01 08:00"), pd.Timestamp("2026-07-01 09:00")]
    with pytest.raises(ImportProblem, match="not a time zone"):
        read_events(path, timezone="Mars/Olympus")


def test_day_and_month_are_never_guessed(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("customer_id,timestamp,event\na,01/02/2026 10:00,signup\nb,03/04/2026 11:00,chat\n")
    with pytest.raises(ImportProblem) as caught:
        read_events(path)
    assert "read both day first and month first" in str(caught.value) and "line 2, column 'timestamp'" in str(
        caught.value
    )
    assert read_events(path, dayfirst=True)["time"].tolist() == [
        pd.Timestamp("2026-02-01 10:00"),
        pd.Timestamp("2026-04-03 11:00"),
    ]
    path.write_text("customer_id,timestamp,event\na,01/02/2026 10:00,signup\nb,13/04/2026 11:00,chat\n")
    assert read_events(path)["time"].iloc[0] == pd.Timestamp("2026-02-01 10:00")  # 13/04 settles it


def test_bad_rows_are_named_and_can_be_left_out(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "customer_id,timestamp,event\na,2026-01-01T10:00:00Z,signup\n,2026-01-01T10:00:00Z,chat\n"
        "b,03/04/2026 10:00,chat\nc,2026-01-02T10:00:00Z,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportProblem) as caught:
        read_events(path)
    message = str(caught.value)
    assert (
        message.startswith("events.csv: ")
        and "line 4" in message
        and "timestamp that cannot be read" in message
    )
    assert "3 bad rows in all" in message and "nothing was imported" in message
    events = read_events(path, skip_bad_rows=True)
    assert events["customer"].tolist() == ["a"] and events.attrs["rows_skipped"] == 3


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("who,when,what\na,2026-01-01T10:00:00Z,signup\n", encoding="utf-8")
    with pytest.raises(
        ImportProblem,
        match=r"events.csv has no column 'customer_id' for the customer \(its columns are: 'who', 'when', 'what'\)",
    ):
        read_events(path)
    events = read_events(path, EventColumns(customer="who", time="when", event="what"))
    assert len(events) == 1


@pytest.mark.parametrize("kind", ["parquet", "excel"])
def test_parquet_and_excel(tmp_path, kind):
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "timestamp": pd.to_datetime(["2026-01-01 10:00", "2026-01-02 10:00"]).tz_localize("Europe/Paris"),
            "event": ["signup", "chat"],
            "persona": ["maya", "daniel"],
        }
    )
    if kind == "parquet":
        path = tmp_path / "events.parquet"
        frame.to_parquet(path)
    else:
        path = tmp_path / "events.xlsx"
        frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")).to_excel(
            path, index=False
        )
    events = read_events(path, EventColumns(segment="persona"))
    assert events["time"].tolist() == [pd.Timestamp("2026-01-01 09:00"), pd.Timestamp("2026-01-02 09:00")]
    assert events["segment"].tolist() == ["maya", "daniel"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=6), st.text(max_size=25), st.text(max_size=6)), max_size=8))
def test_any_rows_either_read_or_raise_a_plain_sentence(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "event"])
    try:
        events = tidy_events(frame, name="events.csv")
    except ImportProblem as problem:
        assert str(problem).startswith("events.csv") and "\n" not in str(problem)
    else:
        assert events["time"].notna().all() and len(events) <= len(rows)


# -- mapping -------------------------------------------------------------------------------------


def test_mapping_touchpoint_ids_ignore_and_missing_from_the_map():
    events = tidy_events(
        pd.DataFrame(
            {
                "customer_id": ["a", "a", "a", "b", "b", "b"],
                "timestamp": ["2026-01-01T10:00:00Z"] * 6,
                "event": ["signup", "ticket:chat", "newsletter", "heartbeat", "newsletter", "webinar"],
            }
        )
    )
    mapping = event_mapping(small(), {"ticket:chat": "chat"}, ignore=["heartbeat"])
    found = steps(events, mapping)
    assert found["touchpoint"].tolist() == ["signup", "chat"] and found["order"].tolist() == [0, 1]
    missing = unmapped(events, mapping)
    assert missing.to_dict("records") == [
        {"event": "newsletter", "events": 2, "customers": 2},
        {"event": "webinar", "events": 1, "customers": 1},
    ]
    assert np.issubdtype(found["time"].dtype, np.datetime64)
