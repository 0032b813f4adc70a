"""Time is read right: offsets honoured and compared in UTC, naive times in their zone, day/month never guessed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from journeys import help_desk, write

from cjmkit import store
from cjmkit.cli import main
from cjmkit.metrics import ImportProblem, handoff_health, read_care_contacts, read_kpi_values, read_tickets
from cjmkit.metrics.textfiles import parse_dates, parse_instants
from cjmkit.model import Journey, Kpi, KpiSource

# -- offsets ---------------------------------------------------------------------------------------


def test_tickets_with_offsets_against_contacts_in_utc_give_the_true_handoff_figures(tmp_path):
    # T1 resolved 10:00 +0100 = 09:00Z, called 08:30Z next day: 23.5 h, within 24 h
    # T2 resolved 10:00 -0800 = 18:00Z, called 12:00Z next day: 18 h (26 h if the offset were dropped)
    # T3 resolved 23:00 +0100 = 22:00Z, called 23:30Z next day: 25.5 h, late
    tickets = write(
        tmp_path / "t.csv",
        "ticket_id,customer_id,opened_at,resolved_at,touchpoint\n"
        "T1,C1,2024-03-01T08:00:00+0100,2024-03-01T10:00:00+0100,chat\n"
        "T2,C2,2024-03-01 08:00:00-08:00,2024-03-01 10:00:00-08:00,chat\n"
        "T3,C3,2024-03-01T20:00:00+01:00,2024-03-01T23:00:00+01:00,chat\n",
    )
    contacts = write(
        tmp_path / "c.csv",
        "customer_id,ticket_id,contacted_at\n"
        "C1,T1,2024-03-02T08:30:00Z\nC2,T2,2024-03-02T12:00:00Z\nC3,T3,2024-03-02T23:30:00Z\n",
    )
    health = handoff_health(help_desk(care=True), read_tickets(tickets), read_care_contacts(contacts))
    row = health.iloc[0]
    assert (row["resolved"], row["within_sla"]) == (3, 2)
    assert row["within_sla_pct"] == pytest.approx(200 / 3)
    assert row["median_hours"] == pytest.approx(23.5)


def test_the_same_timestamp_reads_the_same_whether_or_not_the_file_mixes_offsets():
    alone = parse_instants(pd.Series(["2024-01-01T10:00:00+0100"]))
    mixed = parse_instants(
        pd.Series(["2024-01-01T10:00:00+0100", "2024-01-01T10:00:00-0800", "2024-01-01T10:00:00Z"])
    )
    assert alone[0] == mixed[0] == pd.Timestamp("2024-01-01T09:00:00")
    assert list(mixed) == [
        pd.Timestamp(t) for t in ("2024-01-01T09:00", "2024-01-01T18:00", "2024-01-01T10:00")
    ]


def test_handoff_health_takes_timezone_aware_columns():
    journey = help_desk(care=True)
    berlin = pd.Series(pd.to_datetime(["2024-03-01T10:00:00"]).tz_localize("Europe/Berlin"))
    tickets = pd.DataFrame(
        {"ticket_id": ["T1"], "customer_id": ["C1"], "touchpoint": ["chat"], "resolved_at": berlin}
    )
    contacts = pd.DataFrame(
        {"customer_id": ["C1"], "ticket_id": ["T1"], "contacted_at": pd.to_datetime(["2024-03-02T08:30:00Z"])}
    )
    row = handoff_health(journey, tickets, contacts, as_of=pd.Timestamp("2024-04-01", tz="UTC")).iloc[0]
    assert row["within_sla"] == 1 and row["median_hours"] == pytest.approx(23.5)


def test_naive_timestamps_take_the_given_time_zone(tmp_path):
    tickets = write(
        tmp_path / "t.csv",
        "ticket_id,customer_id,resolved_at,touchpoint\nT1,C1,2024-07-01 10:00,chat\n",
    )
    contacts = write(tmp_path / "c.csv", "customer_id,ticket_id,contacted_at\nC1,T1,2024-07-02T07:30:00Z\n")
    journey = help_desk(care=True)
    # 10:00 in Berlin (summer) is 08:00Z: 23.5 h; read as UTC it would be 21.5 h
    berlin = read_tickets(tickets, timezone="Europe/Berlin")
    assert berlin["resolved_at"][0] == pd.Timestamp("2024-07-01T08:00:00")
    row = handoff_health(journey, berlin, read_care_contacts(contacts)).iloc[0]
    assert row["median_hours"] == pytest.approx(23.5)
    assert handoff_health(journey, read_tickets(tickets), read_care_contacts(contacts)).iloc[0][
        "median_hours"
    ] == pytest.approx(21.5)


OFFSETS = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
    lambda quarters: timedelta(minutes=15 * quarters)
)


def _stamp(instant: datetime, offset: timedelta, style: int) -> str:
    local = (instant + offset).replace(tzinfo=None)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    zone = [f"{sign}{hours:02d}:{rest:02d}", f"{sign}{hours:02d}{rest:02d}", f" {sign}{hours:02d}{rest:02d}"][
        style
    ]
    return local.strftime("%Y-%m-%dT%H:%M:%S" if style < 2 else "%Y-%m-%d %H:%M:%S") + zone


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60 * 24 * 60),  # resolved, minutes after the start
            st.one_of(st.none(), st.integers(min_value=0, max_value=72 * 60)),  # followed up after
            OFFSETS,
            OFFSETS,
            st.integers(min_value=0, max_value=2),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_random_offsets_give_the_same_handoff_figures_as_the_same_instants_in_utc(tmp_path, data):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ticket_lines, contact_lines, utc_tickets, utc_contacts = [], [], [], []
    for i, (resolved, after, ticket_offset, contact_offset, style) in enumerate(data):
        instant = start + timedelta(minutes=resolved)
        ticket_lines.append(f"T{i},C{i},{_stamp(instant, ticket_offset, style)},chat")
        utc_tickets.append(f"T{i},C{i},{instant:%Y-%m-%dT%H:%M:%SZ},chat")
        if after is not None:
            followed = instant + timedelta(minutes=after)
            contact_lines.append(f"C{i},T{i},{_stamp(followed, contact_offset, (style + 1) % 3)}")
            utc_contacts.append(f"C{i},T{i},{followed:%Y-%m-%dT%H:%M:%SZ}")
    header_t, header_c = (
        "ticket_id,customer_id,resolved_at,touchpoint\n",
        "customer_id,ticket_id,contacted_at\n",
    )
    folder = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    journey = help_desk(care=True)
    as_of = pd.Timestamp("2024-04-01")
    shifted = handoff_health(
        journey,
        read_tickets(write(folder / "t.csv", header_t + "\n".join(ticket_lines) + "\n")),
        read_care_contacts(write(folder / "c.csv", header_c + "\n".join(contact_lines) + "\n")),
        as_of=as_of,
    )
    in_utc = handoff_health(
        journey,
        read_tickets(write(folder / "tu.csv", header_t + "\n".join(utc_tickets) + "\n")),
        read_care_contacts(write(folder / "cu.csv", header_c + "\n".join(utc_contacts) + "\n")),
        as_of=as_of,
    )
    columns = ["resolved", "followed_up", "within_sla", "within_sla_pct", "median_hours", "fell_through"]
    pd.testing.assert_frame_equal(shifted[columns], in_utc[columns])


# -- day and month ---------------------------------------------------------------------------------


US_MONTHLY = "date,kpi,value\n" + "".join(f"{m:02d}/01/2025,nps,{30 + m}\n" for m in range(1, 13))


def test_a_us_monthly_file_is_refused_until_the_order_is_given(tmp_path):
    path = write(tmp_path / "us.csv", US_MONTHLY)
    source = KpiSource(kind="csv", location=str(path), period_column="date")
    with pytest.raises(ImportProblem) as caught:
        read_kpi_values(source)
    message = str(caught.value)
    assert "'01/01/2025'" in message and "line 2" in message and "--dayfirst or --monthfirst" in message
    monthly = read_kpi_values(source.model_copy(update={"dayfirst": False})).values("nps")
    assert len(monthly) == 12 and monthly["value"].tolist() == [31.0 + m for m in range(12)]
    assert (
        read_kpi_values(source.model_copy(update={"date_format": "%m/%d/%Y"})).values("nps").equals(monthly)
    )
    # day first, the same text is twelve days of January: one monthly value
    assert len(read_kpi_values(source.model_copy(update={"dayfirst": True})).values("nps")) == 1


def test_the_values_themselves_settle_the_order_and_contradictions_are_refused(tmp_path):
    settled = write(tmp_path / "eu.csv", "date,kpi,value\n01/02/2025,a,1\n13/02/2025,a,2\n")
    assert read_kpi_values(KpiSource(kind="csv", location=str(settled))).values("a")["period"].tolist() == [
        pd.Timestamp("2025-02-01")
    ]
    both = write(tmp_path / "both.csv", "date,kpi,value\n13/02/2025,a,1\n02/13/2025,a,2\n")
    with pytest.raises(ImportProblem, match=r"both day first and month first.*line 3"):
        read_kpi_values(KpiSource(kind="csv", location=str(both)))


def test_am_pm_times_and_periods_in_the_source_time_zone(tmp_path):
    path = write(
        tmp_path / "k.csv",
        "when,kpi,value\n1/31/2025 11:30 PM,a,1\n2/1/2025 12:15 AM,a,2\n1/31/2025 9:00 am,a,4\n",
    )
    daily = read_kpi_values(KpiSource(kind="csv", location=str(path), period_column="when", period="day"))
    assert dict(zip(daily.values("a")["period"], daily.values("a")["value"], strict=True)) == {
        pd.Timestamp("2025-01-31"): 2.5,
        pd.Timestamp("2025-02-01"): 2.0,
    }
    late = write(tmp_path / "late.csv", "date,kpi,value\n2024-01-31T23:30:00-08:00,a,5\n")
    utc_month = read_kpi_values(KpiSource(kind="csv", location=str(late))).values("a")["period"][0]
    local = KpiSource(kind="csv", location=str(late), timezone="America/Los_Angeles")
    assert utc_month == pd.Timestamp("2024-02-01")  # in UTC it is already February
    assert read_kpi_values(local).values("a")["period"][0] == pd.Timestamp("2024-01-01")


def test_parse_dates_gives_wall_clock_time_of_the_zone():
    values = pd.Series(["2024-07-01T12:00:00Z", "2024-07-01 12:00"])
    assert list(parse_dates(values, timezone="Europe/Berlin")) == [
        pd.Timestamp("2024-07-01T14:00"),
        pd.Timestamp("2024-07-01T12:00"),
    ]
    assert list(parse_instants(values, timezone="Europe/Berlin")) == [
        pd.Timestamp("2024-07-01T12:00"),
        pd.Timestamp("2024-07-01T10:00"),
    ]


def test_the_date_choice_is_remembered_with_the_source(tmp_path, capsys):
    path = tmp_path / "m.cjm.json"
    store.save(Journey(id="m", title="M", kpis=[Kpi(id="nps", name="NPS")]), path)
    write(tmp_path / "us.csv", US_MONTHLY.replace("date,", "when,"))
    args = ["kpi", "import", str(path), str(tmp_path / "us.csv"), "--kpi", "nps", "--period-column", "when"]
    assert main(args) == 2
    assert "--dayfirst or --monthfirst" in capsys.readouterr().err
    assert main([*args, "--monthfirst", "--timezone", "America/New_York"]) == 0
    source = store.load(path).kpis[0].source
    assert (source.dayfirst, source.timezone, source.date_format) == (False, "America/New_York", None)
    capsys.readouterr()
    assert main(["kpi", "refresh", str(path)]) == 0  # no flags needed again
    assert "0 observations added or changed" in capsys.readouterr().out
    assert main([*args, "--timezone", "Mars/Olympus"]) == 2
    assert "'Mars/Olympus' is not a time zone name" in capsys.readouterr().err


def test_timestamps_in_a_database_are_bucketed_in_the_source_time_zone(postgres, tmp_path):
    url = postgres.create_database("tz_buckets")
    with postgres.connect("tz_buckets") as db:
        db.execute("create table events (day timestamptz, metric text, value real)")
        db.execute("insert into events values ('2024-01-31T23:30:00-08:00', 'a', 5)")
    source = KpiSource(kind="sql", location=url, table="events", period_column="day", kpi_column="metric")
    assert read_kpi_values(source).values("a")["period"][0] == pd.Timestamp("2024-02-01")
    local = source.model_copy(update={"timezone": "America/Los_Angeles"})
    assert read_kpi_values(local).values("a")["period"][0] == pd.Timestamp("2024-01-01")
    assert np.isclose(read_kpi_values(local, keys=["a"]).values("a")["value"][0], 5.0)
