"""The Acme Cloud sample map and raw files: complete, consistent, telling their story, reproducible."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cjmkit.cli import main
from cjmkit.model import journey_from_dict

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "sample_data"
FILES = ["acme.cjm.json", "kpi_daily.csv", "tickets.csv", "care_contacts.csv", "survey.csv", "events.csv"]
COLUMNS = {
    "kpi_daily.csv": ["date", "kpi", "touchpoint", "value"],
    "events.csv": ["customer_id", "timestamp", "event", "persona"],
    "tickets.csv": ["ticket_id", "customer_id", "opened_at", "resolved_at", "channel", "touchpoint"],
    "care_contacts.csv": ["contact_id", "customer_id", "ticket_id", "contacted_at", "kind"],
    "survey.csv": [
        "response_id",
        "customer_id",
        "ticket_id",
        "submitted_at",
        "touchpoint",
        "stage",
        "persona",
        "csat",
        "nps",
        "ces",
        "comment",
    ],
}
MONTHS = [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 12)]


@pytest.fixture(scope="module")
def acme():
    path = DATA / "acme.cjm.json"
    return journey_from_dict(json.loads(path.read_text(encoding="utf-8")), source=str(path))


def read(name: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")
    for column in ("opened_at", "resolved_at", "contacted_at", "submitted_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column].replace("", None), format="ISO8601", utc=True)
    return frame


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return read("tickets.csv")


@pytest.fixture(scope="module")
def contacts() -> pd.DataFrame:
    return read("care_contacts.csv")


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    frame = read("survey.csv")
    for column in ("csat", "nps", "ces"):
        frame[column] = pd.to_numeric(frame[column].replace("", None))
    return frame


def kind_of(journey) -> dict[str, str]:
    lane_kind = {lane.id: lane.kind for lane in journey.lanes}
    return {tp.id: lane_kind[tp.lane] for tp in journey.touchpoints}


# -- the map -----------------------------------------------------------------------------------


def test_acme_is_written_like_the_store_writes_it(acme):
    assert (DATA / "acme.cjm.json").read_text(encoding="utf-8") == acme.model_dump_json(indent=2) + "\n"


def test_acme_has_the_promised_size_and_shape(acme):
    assert len(acme.personas) == 2
    assert all(p.goals and p.needs and p.frustrations and p.quote and p.channels for p in acme.personas)
    assert len(acme.stages) >= 6
    assert [lane.kind for lane in acme.lanes] == ["customer", "frontstage", "support", "care", "backstage"]
    assert len(acme.touchpoints) >= 25
    for lane in acme.lanes:
        assert len(acme.touchpoints_in(lane=lane.id)) >= 3, lane.id
    for stage in acme.stages:
        assert acme.touchpoints_in(stage=stage.id), stage.id
    personas = {p.id for p in acme.personas}
    both = [tp for tp in acme.touchpoints if set(tp.emotions) == personas]
    assert len(both) >= 15
    assert sum(bool(tp.emotions_to_be) for tp in acme.touchpoints) >= 5
    votes = [note.votes for tp in acme.touchpoints for note in tp.pain_points + tp.opportunities]
    assert len(votes) >= 30 and sum(votes) > 100


def test_acme_support_to_care_handoffs_have_slas(acme):
    kinds = kind_of(acme)
    handoffs = [
        h for h in acme.handoffs if (kinds[h.from_touchpoint], kinds[h.to_touchpoint]) == ("support", "care")
    ]
    assert len(handoffs) >= 3
    assert all(h.sla_hours and h.trigger and h.from_owner and h.to_owner for h in handoffs)


def test_acme_kpis_have_thresholds_and_a_year_of_observations(acme):
    assert len(acme.kpis) >= 8
    names = " ".join(k.name for k in acme.kpis).lower()
    for word in ("csat", "net promoter", "ces", "first response", "resolution", "sla", "activation", "churn"):
        assert word in names, word
    for kpi in acme.kpis:
        assert kpi.unit and kpi.target is not None and kpi.warning is not None
        assert [o.period for o in kpi.observations] == MONTHS, kpi.id
    sourced = [k for k in acme.kpis if k.source]
    assert len(sourced) >= 4
    for kpi in sourced:
        s = kpi.source
        assert (s.kind, s.location, s.layout, s.period_column, s.kpi_column, s.value_column) == (
            "csv",
            "kpi_daily.csv",
            "long",
            "date",
            "kpi",
            "value",
        )
        assert (s.key, s.period, s.aggregation) == (kpi.id, "month", "mean")


def test_acme_feedback_comes_with_comments(acme):
    assert 25 <= len(acme.feedback) <= 40
    assert all(f.comment and f.received and (f.touchpoint or f.stage) for f in acme.feedback)
    text = " ".join(f.comment for f in acme.feedback)
    assert "Müller" in text and "🙏" in text


def test_the_emotion_low_point_is_getting_help(acme):
    stage_mean = {}
    for stage in acme.stages:
        values = [v for tp in acme.touchpoints_in(stage=stage.id) for v in tp.emotions.values()]
        stage_mean[stage.id] = sum(values) / len(values)
    assert min(stage_mean, key=stage_mean.get) == "get-help"
    assert stage_mean["follow-up"] > stage_mean["get-help"]


# -- raw files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_raw_file_has_exactly_the_agreed_columns(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == COLUMNS[name]


def test_sample_data_stays_small():
    # 2 MB without the event log (a year of 1,400 customers' events, 1.2 MB) that measures the journey
    assert sum((DATA / name).stat().st_size for name in FILES) < 2_500_000


def test_kpi_daily_covers_the_year_and_matches_the_map(acme):
    daily = read("kpi_daily.csv")
    daily["value"] = daily["value"].astype(float)
    days = pd.to_datetime(daily["date"], format="%Y-%m-%d")
    assert days.min() == pd.Timestamp("2025-12-01") and days.max() == pd.Timestamp("2026-11-30")
    assert days.dt.date.nunique() == 365
    sourced = {k.id: k for k in acme.kpis if k.source}
    assert set(daily["kpi"]) == set(sourced)
    for kpi_id, rows in daily.groupby("kpi"):
        kpi = sourced[kpi_id]
        assert len(rows) >= 360
        assert set(rows["touchpoint"]) == {kpi.touchpoint or ""}
        means = rows.groupby(days[rows.index].dt.to_period("M"))["value"].mean()
        assert list(means) == pytest.approx([o.value for o in kpi.observations], rel=1e-9)


def test_refreshing_the_sample_map_changes_nothing(acme, tmp_path, capsys):
    folder = tmp_path / "sample"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    map_path = folder / "acme.cjm.json"
    assert main(["kpi", "refresh", str(map_path)]) == 0
    sourced = sum(1 for k in acme.kpis if k.source)
    out = capsys.readouterr().out
    assert f"{sourced} KPIs, 0 observations added or changed" in out
    assert "Measured the event log" in out and "nothing changed" in out
    assert main(["journey", "refresh", str(map_path), "--engine", "pandas"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    # nothing changed, so nothing was saved: not even the revision moved
    assert map_path.read_bytes() == (DATA / "acme.cjm.json").read_bytes()


def test_tickets_are_plausible(acme, tickets):
    assert 4500 <= len(tickets) <= 5500
    assert tickets["ticket_id"].is_unique
    assert set(tickets["channel"]) == {"email", "chat", "phone", "web"}
    kinds = kind_of(acme)
    assert {kinds[t] for t in tickets["touchpoint"]} == {"support"}
    open_tickets = tickets["resolved_at"].isna().sum()
    assert 0 < open_tickets < 0.02 * len(tickets)
    resolved = tickets.dropna(subset=["resolved_at"])
    assert (resolved["resolved_at"] > resolved["opened_at"]).all()
    assert tickets["opened_at"].min() >= pd.Timestamp("2025-12-01", tz="UTC")
    assert tickets["opened_at"].max() < pd.Timestamp("2026-12-01", tz="UTC")


def test_care_contacts_follow_resolved_tickets(tickets, contacts):
    joined = contacts.merge(tickets, on="ticket_id", suffixes=("", "_ticket"), validate="one_to_one")
    assert len(joined) == len(contacts)
    assert (joined["customer_id"] == joined["customer_id_ticket"]).all()
    assert (joined["contacted_at"] > joined["resolved_at"]).all()
    assert set(contacts["kind"]) == {"call", "email", "check-in"}
    resolved = tickets["resolved_at"].notna().sum()
    assert 0.3 * resolved < len(contacts) < 0.9 * resolved  # not every resolved ticket gets one
    hours = (joined["contacted_at"] - joined["resolved_at"]).dt.total_seconds() / 3600
    assert (hours <= 24).mean() > 0.6  # most within a day
    assert (hours > 48).sum() > 50  # some late


def test_one_handoff_is_weaker_than_the_others(acme, tickets, contacts):
    joined = tickets.dropna(subset=["resolved_at"]).merge(contacts, on="ticket_id", how="left")
    hours = (joined["contacted_at"] - joined["resolved_at"]).dt.total_seconds() / 3600
    rate = {}
    for handoff in acme.handoffs:
        mine = joined["touchpoint"] == handoff.from_touchpoint
        rate[handoff.id] = float((hours[mine] <= handoff.sla_hours).mean())
    weakest = min(rate, key=rate.get)
    assert weakest == "ho-email-followup"
    assert all(rate[h] > rate[weakest] + 0.25 for h in rate if h != weakest)


def test_survey_answers_are_plausible(acme, tickets, survey):
    assert 1800 <= len(survey) <= 2300
    assert survey["response_id"].is_unique
    assert survey["csat"].dropna().between(1, 5).all()
    assert survey["nps"].dropna().between(0, 10).all()
    assert survey["ces"].dropna().between(1, 7).all()
    for column in ("csat", "nps", "ces"):
        assert 0 < survey[column].isna().sum() < len(survey) / 2
    assert survey[["csat", "nps", "ces"]].notna().any(axis=1).all()
    with_ticket = survey[survey["ticket_id"] != ""]
    assert 0 < len(with_ticket) < len(survey)
    joined = with_ticket.merge(tickets, on="ticket_id", suffixes=("", "_ticket"), validate="many_to_one")
    assert (joined["customer_id"] == joined["customer_id_ticket"]).all()
    assert (joined["touchpoint"] == joined["touchpoint_ticket"]).all()
    assert (joined["submitted_at"] > joined["resolved_at"]).all()
    stage_of = {tp.id: tp.stage for tp in acme.touchpoints}
    assert (survey["touchpoint"].map(stage_of) == survey["stage"]).all()
    assert set(survey["persona"]) == {p.id for p in acme.personas}


def test_survey_comments_are_realistic_text():
    comments = read("survey.csv")["comment"]
    assert (comments != "").mean() > 0.25
    assert comments.str.contains(",").any()
    assert comments.str.contains('"').any()
    assert comments.str.contains("Müller").any()
    assert comments.str.contains("🙏").any()
    assert not comments.str.contains("lorem", case=False).any()


def test_care_follow_up_visibly_lifts_satisfaction(survey, contacts):
    answers = survey[survey["ticket_id"] != ""]
    followed = answers["ticket_id"].isin(set(contacts["ticket_id"]))
    assert answers.loc[followed, "csat"].mean() >= answers.loc[~followed, "csat"].mean() + 0.4
    assert answers.loc[followed, "nps"].mean() > answers.loc[~followed, "nps"].mean() + 1


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(DATA / "generate.py"), "--out", str(tmp_path)],
        check=True,
        cwd=tmp_path,
        timeout=120,
    )
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), (
            f"{name} differs from a fresh run"
        )


def test_the_event_log_tells_the_story_of_the_map(acme):
    measured = acme.event_log.measured
    assert measured.customers > 1350 and measured.events > 20_000  # 3 of 1,400 customers did nothing logged
    flows = {(f.from_touchpoint, f.to_touchpoint): f for f in measured.flows}
    # resolved tickets reach care: the follow-up call comes sooner than the follow-up email
    call, email = flows[("h-resolution", "c-followup-call")], flows[("h-resolution", "c-followup-email")]
    assert call.customers > email.customers and call.median_hours < email.median_hours
    # customers use the status page and the community forum, which the workshop did not draw
    assert [u.event for u in measured.unmapped] == ["status-page:visit", "community:post"]
    reached = {t.touchpoint for t in measured.touchpoints if t.customers}
    assert "r-advocacy" not in reached and "h-chat" in reached
    # the measured feeling is lowest at the email ticket and the escalation among support touchpoints
    feeling = {t.touchpoint: t.emotion for t in measured.touchpoints if t.emotion is not None}
    support = {tp: feeling[tp] for tp in ("h-chat", "h-phone", "h-email-ticket", "h-escalation")}
    assert min(support, key=support.get) in ("h-email-ticket", "h-escalation")
