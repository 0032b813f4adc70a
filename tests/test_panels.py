"""Metric panels: what they draw, status in words, escaped user text, offline static HTML."""

from __future__ import annotations

from datetime import date

import pandas as pd
from bokeh.models import ColumnDataSource, Div

from cjmkit.metrics import handoff_health, kpi_status, stage_scores, warnings
from cjmkit.model import Handoff, Journey, Kpi, Lane, Observation, Stage, Touchpoint
from cjmkit.render import save_html
from cjmkit.render.panels import (
    handoff_panel,
    kpi_panel,
    metrics_dashboard,
    satisfaction_panel,
    warnings_panel,
)

EVIL = "<img src=x onerror=alert(1)> $$x$$"


def journey() -> Journey:
    return Journey(
        id="j",
        title="Panels",
        stages=[Stage(id="help", name=EVIL), Stage(id="after", name="After")],
        lanes=[Lane(id="support", name="Support", kind="support"), Lane(id="care", name="Care", kind="care")],
        touchpoints=[
            Touchpoint(id="chat", stage="help", lane="support", name=EVIL),
            Touchpoint(id="call", stage="after", lane="care", name="Call"),
        ],
        handoffs=[Handoff(id="h1", from_touchpoint="chat", to_touchpoint="call", sla_hours=24)],
        kpis=[
            Kpi(
                id="csat", name=EVIL, touchpoint="chat", unit="%", target=80, warning=70,
                observations=[Observation(period=date(2024, m, 1), value=v) for m, v in ((1, 85), (2, 60))],
            ),
            Kpi(id="empty", name="No data yet"),
        ],
    )  # fmt: skip


def source(model, name: str) -> ColumnDataSource:
    found = model.select_one({"type": ColumnDataSource, "name": name})
    assert found is not None, name
    return found


def health() -> pd.DataFrame:
    tickets = pd.DataFrame(
        {"ticket_id": ["t1", "t2"], "customer_id": ["a", "b"], "touchpoint": "chat",
         "resolved_at": pd.to_datetime(["2024-01-01 10:00", "2023-12-30 10:00"])}
    )  # fmt: skip
    contacts = pd.DataFrame(
        {"customer_id": ["a"], "ticket_id": ["t1"], "contacted_at": pd.to_datetime(["2024-01-01 12:00"])}
    )
    return handoff_health(journey(), tickets, contacts)


def test_kpi_panel_traffic_lights_with_words_and_sparklines():
    fig = kpi_panel(journey())
    rows = source(fig, "kpi-rows").data
    assert rows["badge"] == ["✗ Bad", "· No target"]
    assert rows["value"][0] == "60 %" and rows["target"][0] == "target ≥ 80 %"
    lines = source(fig, "kpi-sparklines").data
    assert len(lines["xs"]) == 1 and len(lines["ys"][0]) == 2
    bands = source(fig, "kpi-bands").data
    # the band spans warning (70) to target (80) inside the row; the latest value (60) is below it
    assert bands["bottom"][0] < source(fig, "kpi-latest").data["y"][0]
    assert "$$" not in rows["name"][0] and "<img" in rows["name"][0]  # Text glyphs: no HTML, no math


def test_satisfaction_panel_marks_few_answers():
    responses = pd.DataFrame(
        {"touchpoint": ["chat", "chat", "call"], "stage": "", "csat": [5.0, 2.0, 4.0], "nps": [10.0, 0.0, 9.0],
         "ces": [6.0, 2.0, 5.0], "submitted_at": pd.NaT}
    )  # fmt: skip
    fig = satisfaction_panel(stage_scores(responses, journey()))
    data = source(fig, "satisfaction").data
    assert data["csat"] == [50.0, 100.0]
    assert data["label"][0] == "50 % (n=2) · few answers"


def test_handoff_panel_shows_weak_in_words():
    fig = handoff_panel(health())
    data = source(fig, "handoffs").data
    assert data["badge"] == ["! Weak"] and data["share"] == ["50 % within 24 h"]
    assert data["detail"] == ["1 fell through · median 2.0 h"]


def test_warnings_panel_escapes_user_text():
    j = journey()
    listed = warnings(j, handoffs=health())
    div = warnings_panel(listed)
    assert isinstance(div, Div) and div.disable_math
    assert "<img" not in div.text and "&lt;img src=x onerror=alert(1)&gt;" in div.text
    assert "$$" not in div.text
    assert "✗ Bad" in div.text


def test_dashboard_is_a_self_contained_offline_page(tmp_path):
    j = journey()
    h = health()
    layout = metrics_dashboard(j, status=kpi_status(j), health=h, listed=warnings(j, handoffs=h))
    page = save_html(layout, tmp_path / "panels.html", title="Panels").read_text(encoding="utf-8")
    assert "cdn.bokeh.org" not in page and "<img src=x" not in page
    assert "Bokeh" in page
