"""Monitoring, KPI library, satisfaction scores and the support → care handoff, hand-computed."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from journeys import monthly

from cjmkit.edits import Editor
from cjmkit.errors import InvalidEdit
from cjmkit.metrics import (
    attach,
    attach_comments,
    comment_to_opportunity,
    fell_through,
    follow_ups,
    handoff_health,
    handoff_trend,
    judge,
    kpi_status,
    load_library,
    map_metrics,
    read_care_contacts,
    read_survey,
    read_tickets,
    save_definition,
    scores,
    stage_scores,
    warnings,
    worsened,
)
from cjmkit.metrics.library import LibraryError
from cjmkit.model import Handoff, Journey, Kpi, Lane, Persona, Stage, Touchpoint


def make_journey() -> Journey:
    return Journey(
        id="j",
        title="Test",
        personas=[Persona(id="p", name="P"), Persona(id="maya", name="Maya"), Persona(id="dan", name="Dan")],
        stages=[Stage(id="help", name="Get help"), Stage(id="after", name="After")],
        lanes=[Lane(id="support", name="Support", kind="support"), Lane(id="care", name="Care", kind="care")],
        touchpoints=[
            Touchpoint(id="chat", stage="help", lane="support", name="Chat", emotions={"p": -2}),
            Touchpoint(id="mail", stage="help", lane="support", name="Mail", emotions={"p": -1}),
            Touchpoint(id="call", stage="after", lane="care", name="Call", emotions={"p": 1}),
        ],
        handoffs=[
            Handoff(id="h-chat", from_touchpoint="chat", to_touchpoint="call", sla_hours=24),
            Handoff(id="h-mail", from_touchpoint="mail", to_touchpoint="call", sla_hours=48),
        ],
        kpis=[
            Kpi(
                id="csat",
                name="CSAT",
                touchpoint="chat",
                unit="%",
                target=80,
                warning=70,
                observations=monthly(85, 75),
            ),
            Kpi(
                id="frt",
                name="First response",
                unit="h",
                direction="lower",
                target=4,
                warning=8,
                observations=monthly(5, 9, 10),
            ),
            Kpi(id="nps", name="NPS", target=30, warning=0, observations=monthly(20, 40)),
            Kpi(id="free", name="No target", observations=monthly(1)),
        ],
    )


# -- monitoring -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [(80, "higher", "ok"), (79.9, "higher", "warning"), (70, "higher", "warning"), (69, "higher", "bad"),
     (4, "lower", "ok"), (8, "lower", "warning"), (8.1, "lower", "bad")],
)  # fmt: skip
def test_judge(value, direction, expected):
    target, warning = (80, 70) if direction == "higher" else (4, 8)
    assert (
        judge(value, Kpi(id="k", name="K", direction=direction, target=target, warning=warning)) == expected
    )


def test_judge_without_warning_or_target():
    assert judge(50, Kpi(id="k", name="K", target=80)) == "bad"
    assert judge(50, Kpi(id="k", name="K")) == "none"


def test_kpi_status_latest_trend_and_worsened():
    status = kpi_status(make_journey()).set_index("kpi")
    assert status.loc["csat", "status"] == "warning" and status.loc["csat", "latest"] == 75
    assert status.loc["csat", "change"] == -10 and bool(status.loc["csat", "worsened"])
    assert status.loc["frt", "status"] == "bad" and status.loc["frt", "trend"] == "worsening"
    assert status.loc["frt", "slope"] == pytest.approx(2.5)  # 5, 9, 10 → least squares slope 2.5
    assert status.loc["nps", "trend"] == "improving" and not status.loc["nps", "worsened"]
    assert status.loc["free", "status"] == "none" and status.loc["free", "status_text"] == "No target"
    assert status.loc["csat", "label"] == "Warning: 75 % (target ≥ 80 %)"
    assert status.loc["csat", "touchpoint_name"] == "Chat" and status.loc["csat", "stage"] == "help"
    assert set(worsened(make_journey())["kpi"]) == {"csat", "frt"}


def test_warnings_most_urgent_first():
    j = make_journey()
    health = pd.DataFrame(
        [{"handoff": "h-chat", "name": "Chat → Call", "within_sla_pct": 30.0, "sla_hours": 24.0,
          "fell_through": 7, "weak": True, "weak_below": 80.0}]
    )  # fmt: skip
    stages = pd.DataFrame([{"stage": "after", "csat": 60.0, "csat_n": 40}])
    listed = warnings(j, handoffs=health, stages=stages)
    assert list(listed["severity"]) == sorted(listed["severity"], key=["bad", "warning"].index)
    assert set(listed["subject"]) == {"frt", "h-chat", "csat", "help", "after"}
    assert listed.iloc[0]["subject"] in {"frt", "h-chat"}
    row = listed.set_index("subject").loc["help"]
    assert row["kind"] == "stage" and "mean emotion -1.5" in row["message"]
    assert "fell through" in listed.set_index("subject").loc["h-chat", "message"]


def test_map_metrics_are_what_render_draws():
    from cjmkit.figures import MapMetrics, as_map_metrics

    j = make_journey()
    health = pd.DataFrame(
        [{"handoff": "h-chat", "within_sla_pct": 62.0, "weak": True, "label": "62 % within SLA"}]
    )
    metrics = map_metrics(j, handoffs=health)
    assert (
        isinstance(metrics, MapMetrics) and as_map_metrics(metrics) is metrics
    )  # typed once, not read again
    assert metrics.kpi_status["csat"].status == "warning" and metrics.kpi_status["free"].status == "none"
    assert metrics.handoff_health["h-chat"].within_sla_share == pytest.approx(0.62)
    assert metrics.handoff_health["h-chat"].weak


# -- library --------------------------------------------------------------------------------------


def test_attach_from_library_is_one_undoable_edit():
    j = make_journey()
    editor = Editor(j)
    kpi = attach(editor, "first_response_time", "chat")
    assert (kpi.id, kpi.unit, kpi.direction, kpi.target, kpi.warning) == (
        "first_response_time-chat",
        "h",
        "lower",
        4,
        8,
    )
    again = attach(editor, "first_response_time", "chat", target=2)
    assert again.id == "first_response_time-chat-2" and again.target == 2
    editor.undo()
    editor.undo()
    assert [k.id for k in j.kpis] == ["csat", "frt", "nps", "free"]
    with pytest.raises(InvalidEdit):
        attach(editor, "csat", "no-such-touchpoint")
    with pytest.raises(LibraryError, match=r"no 'cstat'"):
        attach(editor, "cstat", "chat")


def test_library_has_the_usual_kpis():
    library = load_library()
    for kpi_id in ("csat", "nps", "ces", "first_response_time", "time_to_resolution", "handoff_within_sla",
                   "conversion_rate", "churn_rate", "activation_rate"):  # fmt: skip
        assert kpi_id in library
    assert library["churn_rate"].direction == "lower"


def test_own_definitions_from_config_and_map_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CJMKIT_CONFIG_DIR", str(tmp_path / "config"))
    save_definition(
        {
            "id": "refund_time",
            "name": "Refund time",
            "unit": "days",
            "direction": "lower",
            "target": 3,
            "warning": 5,
        }
    )
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "kpi_library.json").write_text(
        json.dumps([{"id": "csat", "name": "CSAT (ours)", "unit": "%", "target": 90, "warning": 85}])
    )
    library = load_library(maps)
    assert library["refund_time"].unit == "days" and library["csat"].name == "CSAT (ours)"
    (maps / "kpi_library.json").write_text('[{"id": "x", "name": "X", "target": 1, "warning": 5}]')
    with pytest.raises(LibraryError, match=r"kpi_library.json item 1.*'x'"):
        load_library(maps)


# -- satisfaction ---------------------------------------------------------------------------------

SURVEY = """response_id,customer_id,ticket_id,submitted_at,touchpoint,stage,persona,csat,nps,ces,comment
1,c1,t1,2024-01-03T10:00:00Z,chat,,maya,5,10,6,"Great, thanks"
2,c2,t2,2024-01-04,chat,help,maya,4,9,,
3,c3,,2024-01-20,chat,help,dan,2,6,3,Slow =HYPERLINK("x")
4,c4,,2024-02-02,mail,help,dan,3,7,2,
5,c5,t5,2024-02-03,call,after,maya,,0,,Nobody called back
"""


@pytest.fixture
def survey(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY)
    return read_survey(path)


def test_scores_hand_computed(survey):
    overall = scores(survey).iloc[0]
    # CSAT: 5,4,2,3 → 2 of 4 are 4–5 → 50 %; NPS: 10,9,6,7,0 → 2 promoters, 2 detractors of 5 → 0
    assert overall["csat"] == 50.0 and overall["csat_n"] == 4
    assert overall["nps"] == 0.0 and overall["nps_n"] == 5
    assert overall["ces"] == pytest.approx((6 + 3 + 2) / 3) and overall["ces_n"] == 3
    assert bool(overall["low_n"])
    by_tp = scores(survey, "touchpoint").set_index("touchpoint")
    # chat: CSAT 5,4,2 → 66.7 %; NPS 10,9,6 → (2-1)/3 → 33.3
    assert by_tp.loc["chat", "csat"] == pytest.approx(200 / 3) and by_tp.loc["chat", "nps"] == pytest.approx(
        100 / 3
    )
    assert by_tp.loc["call", "responses"] == 1 and math.isnan(by_tp.loc["call", "csat"])


def test_scores_by_persona_and_month(survey):
    frame = scores(survey, "persona", period="month").set_index(["persona", "period"])
    assert frame.loc[("maya", pd.Timestamp("2024-01-01")), "csat"] == 100.0
    assert frame.loc[("maya", pd.Timestamp("2024-02-01")), "nps"] == -100.0
    assert frame.loc[("dan", pd.Timestamp("2024-02-01")), "ces"] == 2.0


def test_stage_scores_fill_stage_from_touchpoint(survey):
    frame = stage_scores(survey, make_journey()).set_index("stage")
    assert frame.loc["help", "responses"] == 4  # response 1 has no stage: taken from its touchpoint
    assert frame.loc["help", "csat"] == 50.0 and frame.loc["help", "name"] == "Get help"


def test_big_groups_are_not_low_n():
    frame = pd.DataFrame(
        {"touchpoint": "chat", "csat": [5.0] * 30, "nps": np.nan, "ces": np.nan, "submitted_at": pd.NaT}
    )
    assert not scores(frame, "touchpoint").iloc[0]["low_n"]
    assert scores(frame.head(29), "touchpoint").iloc[0]["low_n"]


def test_survey_out_of_range_names_line(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("response_id,csat,nps\n1,5,10\n2,6,11\n")
    with pytest.raises(Exception) as caught:
        read_survey(path)
    assert "line 3" in str(caught.value) and "outside" in str(caught.value)


def test_comments_attach_and_become_opportunities(survey):
    j = make_journey()
    editor = Editor(j)
    assert attach_comments(editor, survey) == 3
    assert attach_comments(editor, survey) == 0  # not twice
    item = next(f for f in j.feedback if f.comment == "Nobody called back")
    assert item.touchpoint == "call" and item.nps == 0
    note = comment_to_opportunity(editor, item.id)
    assert note.text == "Nobody called back" and j.touchpoint("call").opportunities[0].id == note.id
    editor.undo()
    assert j.touchpoint("call").opportunities == []


# -- handoff --------------------------------------------------------------------------------------

TICKETS = """ticket_id,customer_id,opened_at,resolved_at,channel,touchpoint
t1,c1,2024-01-01T08:00:00,2024-01-01T10:00:00,chat,chat
t2,c2,2024-01-01T08:00:00,2024-01-01T10:00:00,chat,chat
t3,c3,2024-01-01T08:00:00,2024-01-01T10:00:00,chat,chat
t4,c4,2024-01-01T08:00:00,,chat,chat
t5,c5,2024-01-01T08:00:00,2024-01-02T00:00:00,mail,mail
t6,c6,2024-01-01T08:00:00,2024-01-02T00:00:00,web,nowhere
"""
CONTACTS = """contact_id,customer_id,ticket_id,contacted_at,kind
k1,c1,t1,2024-01-01T14:00:00,call
k2,c2,,2024-01-03T10:00:00,call
k3,c3,t3,2023-12-31T10:00:00,call
k4,c5,t5,2024-01-03T12:00:00,email
"""


@pytest.fixture
def handoff_data(tmp_path):
    (tmp_path / "t.csv").write_text(TICKETS)
    (tmp_path / "c.csv").write_text(CONTACTS)
    return read_tickets(tmp_path / "t.csv"), read_care_contacts(tmp_path / "c.csv")


def test_follow_ups_by_ticket_or_customer(handoff_data):
    ups = follow_ups(*handoff_data).set_index("ticket_id")
    assert ups.loc["t1", "hours"] == 4.0  # linked by ticket
    assert ups.loc["t2", "hours"] == 48.0  # unlinked contact of the same customer
    assert pd.isna(ups.loc["t3", "followed_at"])  # the contact came before resolution
    assert "t4" not in ups.index  # still open


def test_handoff_health_hand_computed(handoff_data, survey):
    tickets, contacts = handoff_data
    health = handoff_health(make_journey(), tickets, contacts, survey).set_index("handoff")
    chat = health.loc["h-chat"]
    # 3 resolved; t1 in 4 h (within 24 h), t2 in 48 h (late), t3 never
    assert (chat["resolved"], chat["followed_up"], chat["within_sla"], chat["fell_through"]) == (3, 2, 1, 1)
    # Kaplan-Meier: t3, never followed up, waits at least 50 h (to the data's last stamp,
    # 2024-01-03 12:00), so half the tickets waited 48 h or more (not 26 h, the median of two)
    assert chat["within_sla_pct"] == pytest.approx(100 / 3) and chat["median_hours"] == 48.0
    assert chat["waiting"] == 0
    assert bool(chat["weak"]) and chat["status"] == "weak"
    # survey: t1 (followed, csat 5, nps 10), t2 (followed, csat 4, nps 9); none for t3
    assert chat["csat_followed"] == 100.0 and chat["nps_followed"] == 100.0 and chat["answers_followed"] == 2
    assert math.isnan(chat["csat_not_followed"])
    mail = health.loc["h-mail"]
    assert mail["within_sla_pct"] == 100.0 and mail["median_hours"] == 36.0 and not mail["weak"]
    assert health.attrs["unmatched_tickets"] == 1
    lost = fell_through(make_journey(), tickets, contacts)
    assert list(lost["ticket_id"]) == ["t3"] and list(lost["customer_id"]) == ["c3"]
    trend = handoff_trend(make_journey(), tickets, contacts)
    assert trend.set_index("handoff").loc["h-chat", "within_sla_pct"] == pytest.approx(100 / 3)


def test_handoff_without_tickets_is_no_data(handoff_data):
    tickets, contacts = handoff_data
    health = handoff_health(make_journey(), tickets.iloc[0:0], contacts)
    assert list(health["status"]) == ["no data", "no data"] and not health["weak"].any()


def test_metrics_layer_needs_no_bokeh_and_no_widgets():
    import subprocess
    import sys

    code = (
        "import sys, cjmkit.metrics, cjmkit.metrics.sql, cjmkit.metrics.tables, cjmkit.commands.kpi, "
        "cjmkit.commands.export; "
        "print(sorted(m for m in ('bokeh', 'ipywidgets', 'jupyter_bokeh') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_survey_row_without_numbers_or_dates_is_data(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("response_id,comment\nR-one,Nice people\nR-two,Slow\n")
    assert list(read_survey(path)["comment"]) == ["Nice people", "Slow"]
