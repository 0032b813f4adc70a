"""The map "as drawn" and "as measured": flows, touchpoints nobody reached, the measured feeling, the switch."""

from __future__ import annotations

import io
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from support import SAMPLE_MAP, cjmkit_command

from cjmkit.errors import CjmError
from cjmkit.model import (
    EventLog,
    Handoff,
    Journey,
    Lane,
    MeasuredFlow,
    MeasuredJourney,
    MeasuredTouchpoint,
    Persona,
    Stage,
    Touchpoint,
    UnmappedEvent,
)
from cjmkit.render import JourneyMapView, journey_map
from cjmkit.render.as_measured import MEASURED_COLOUR, hours_text

XSS = "<img src=x onerror=alert(1)>"


def measured() -> MeasuredJourney:
    return MeasuredJourney(
        as_of=datetime(2026, 3, 1, 12, 0),
        customers=120,
        events=900,
        flows=[
            MeasuredFlow(
                from_touchpoint="signup",
                to_touchpoint="chat",
                transitions=90,
                customers=80,
                share=0.75,
                median_hours=2.5,
                p90_hours=30,
            ),
            MeasuredFlow(
                from_touchpoint="chat",
                to_touchpoint="call",
                transitions=20,
                customers=20,
                share=0.25,
                median_hours=50,
                p90_hours=120,
            ),
            MeasuredFlow(
                from_touchpoint="call", to_touchpoint="signup", transitions=5, customers=5, share=1.0
            ),
        ],
        touchpoints=[
            MeasuredTouchpoint(touchpoint="signup", customers=120, events=130),
            MeasuredTouchpoint(
                touchpoint="chat",
                customers=80,
                events=95,
                emotion=-1.2,
                emotion_low=-1.6,
                emotion_high=-0.8,
                answers=40,
            ),
            MeasuredTouchpoint(touchpoint="call", customers=20, events=20, emotion=1.0, answers=12),
        ],
        unmapped=[
            UnmappedEvent(event=XSS, events=12, customers=9),
            UnmappedEvent(event="forum", events=3, customers=3),
        ],
    )


def journey(with_measured: bool = True) -> Journey:
    return Journey(
        id="m",
        title="Measured",
        personas=[Persona(id="maya", name="Maya")],
        stages=[
            Stage(id="start", name="Start"),
            Stage(id="help", name="Help"),
            Stage(id="after", name="After"),
        ],
        lanes=[
            Lane(id="c", name="Customer", kind="customer"),
            Lane(id="sup", name="Support", kind="support"),
            Lane(id="care", name="Care", kind="care"),
            Lane(id="back", name="Backstage", kind="backstage"),
        ],
        touchpoints=[
            Touchpoint(id="signup", stage="start", lane="c", name="Sign up", emotions={"maya": 1}),
            Touchpoint(id="chat", stage="help", lane="sup", name="Chat", emotions={"maya": -2}),
            Touchpoint(id="call", stage="after", lane="care", name="Call", emotions={"maya": 1}),
            Touchpoint(id="review", stage="after", lane="c", name="Writes a review"),
            Touchpoint(id="crm", stage="after", lane="back", name="CRM sync"),
        ],
        handoffs=[Handoff(id="h", from_touchpoint="chat", to_touchpoint="call", sla_hours=24)],
        event_log=EventLog(measured=measured()) if with_measured else None,
    )


def visible(view: JourneyMapView, name: str) -> bool:
    return view.figure.select_one({"name": name}).visible


def test_the_measured_layer_is_drawn_from_the_map_and_hidden_until_switched_on():
    view = JourneyMapView(journey(), persona="maya")
    assert view.switch.visible and view.switch.labels == ["As drawn", "As measured"] and view.view == "drawn"
    flows = view.sources["flows"].data
    assert len(flows["xs"]) == 3 and all(len(xs) == 13 for xs in flows["xs"])
    widths = dict(zip(flows["t_to"], flows["line_width"], strict=True))
    assert widths["Chat"] == 12.0 and widths["Call"] < widths["Chat"] and widths["Sign up"] >= 1.5
    assert "75 % · 2.5 h" in flows["label"] and "25 % · 2.1 d" in flows["label"]
    # a customer-facing touchpoint nobody reached is marked; backstage work is not
    assert view.sources["unreached"].data["tp_name"] == ["Writes a review"]
    feeling = view.sources["measured_emotion"].data
    assert feeling["tp_id"] == ["signup", "chat", "call"][1:] and feeling["y_low"][0] < feeling["y"][0]
    assert feeling["word"][0] == "negative (-1.2; 95 %: -1.6 to -0.8)"
    assert not visible(view, "cjm-measured-flows") and visible(view, "cjm-handoff-arrows")
    view.set_view("measured")
    assert view.view == "measured" and view.switch.active == 1 and view.measured_note.visible
    assert visible(view, "cjm-measured-flows") and visible(view, "cjm-measured-feeling")
    assert not visible(view, "cjm-handoff-arrows")
    view.set_view("drawn")
    assert not visible(view, "cjm-measured-flows") and visible(view, "cjm-handoff-arrows")
    callback = view.switch.js_property_callbacks["change:active"][0]
    assert "r.visible = m" in callback.code and len(callback.args["measured"]) == 7


def test_missing_from_the_map_is_listed_escaped():
    view = JourneyMapView(journey())
    note = view.measured_note.text
    assert "Missing from the map" in note and "&lt;img src=x onerror=alert(1)&gt;" in note and XSS not in note
    assert (
        "900 events of 120 customers up to 2026-03-01 12:00 UTC" in note and view.measured_note.disable_math
    )


def test_a_map_without_measured_journey_has_no_switch():
    view = JourneyMapView(journey(with_measured=False))
    assert not view.switch.visible and view.sources["flows"].data["xs"] == []
    with pytest.raises(CjmError, match="no journey as measured"):
        view.set_view("measured")
    with pytest.raises(CjmError, match="'drawn' or 'measured'"):
        view.set_view("sideways")


def test_update_follows_edits_and_metrics_can_bring_their_own_measured_journey():
    plain = journey(with_measured=False)
    view = JourneyMapView(plain)
    view.set_metrics({"measured": measured().model_dump(mode="json")})
    assert view.switch.visible and len(view.sources["flows"].data["xs"]) == 3
    plain.touchpoints[1].name = "Live chat"
    view.update(plain)
    assert "Live chat" in view.sources["flows"].data["t_to"]
    with pytest.raises(
        CjmError, match=r"map metrics measured: flows\[0\]\.share: must be less than or equal to 1"
    ):
        view.set_metrics({"measured": {"flows": [{"from_touchpoint": "a", "to_touchpoint": "b", "transitions": 1,
                                                  "customers": 1, "share": 2}]}})  # fmt: skip
    view.set_metrics(None)  # back to the map's own: none
    assert not view.switch.visible and view.view == "drawn"


def test_journey_map_can_open_as_measured_and_hours_read_well():
    layout = journey_map(journey(), view="measured")
    assert layout.select_one({"name": "cjm-view"}).active == 1
    assert [hours_text(h) for h in (0.25, 3.14, 50, None)] == ["15 min", "3.1 h", "2.1 d", "–"]


# -- in a browser, at the sizes people use -------------------------------------------------------

PAINTED = """() => document.readyState === 'complete' && window.Bokeh && Object.keys(Bokeh.index).length > 0
    && Object.values(Bokeh.index).every(view => view.has_finished())"""
SHOWN = "() => Bokeh.documents[0].get_model_by_name('cjm-measured-flows').visible"


def _teal_pixels(png: bytes) -> int:
    from PIL import Image

    picture = Image.open(io.BytesIO(png)).convert("RGB")
    target = tuple(int(MEASURED_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        count
        for count, colour in picture.getcolors(maxcolors=1 << 24)
        if sum(abs(a - b) for a, b in zip(colour, target, strict=True)) < 40
    )


def test_an_exported_page_switches_with_its_own_button_outside_the_picture(tmp_path: Path) -> None:
    from cjmkit.render import save_html

    view = JourneyMapView(journey())
    text = save_html(view, tmp_path / "m.html").read_text(encoding="utf-8")
    # the page's button sits before the picture (role="img"), whose own Bokeh buttons are hidden
    assert text.index('id="cjm-view-switch"') < text.index('id="cjm-picture"')
    assert view.switch.visible  # the view itself keeps its buttons (notebooks, the viewer)
    assert (
        'id="cjm-view-switch"'
        not in save_html(JourneyMapView(journey(False)), tmp_path / "d.html").read_text()
    )


@pytest.mark.browser
def test_the_switch_shows_the_measured_journey_in_a_static_page(browser, tmp_path: Path) -> None:
    out = tmp_path / "acme.html"
    subprocess.run(cjmkit_command("render", str(SAMPLE_MAP), "--html", str(out)), check=True, timeout=180)
    for width, height in ((1024, 768), (1280, 800), (1920, 1080)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.goto(out.as_uri())
        page.wait_for_function(PAINTED, timeout=60_000)
        button = page.get_by_role("button", name="As measured")
        box = button.bounding_box()
        # the switch is on screen without scrolling: at the top, inside the window
        assert (
            box is not None
            and box["x"] >= 0
            and box["x"] + box["width"] <= width
            and box["y"] + box["height"] <= height
        )
        before = _teal_pixels(page.screenshot(full_page=True))
        button.click()
        page.wait_for_function(SHOWN, timeout=30_000)
        page.wait_for_function(PAINTED, timeout=30_000)
        note = page.get_by_text("Missing from the map", exact=False)
        note.wait_for(state="visible", timeout=30_000)
        after = _teal_pixels(page.screenshot(full_page=True))
        assert after > before + 500, (width, before, after)  # the flows are drawn, not only "visible"
        canvas = page.locator(".bk-Canvas").first.bounding_box()
        assert canvas["x"] >= 0 and canvas["width"] >= 1000  # the whole map, scrolled to when narrower
        assert button.get_attribute("aria-pressed") == "true"
        button.click()  # and back to the journey as drawn
        page.wait_for_function(f"() => !({SHOWN})()", timeout=30_000)
        assert errors == []
        context.close()
