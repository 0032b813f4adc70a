"""``cjmkit workshop`` in a real Chromium: an edit made with the form is on the map and stays."""

from __future__ import annotations

import pytest
from support import cjmkit_command, free_port, running_server

from cjmkit.store import load

TOKEN = "test-token-for-the-board"

# True once the live map's card source (in any Bokeh document of the page) has a card named so.
HAS_CARD = """(name) => {
  for (const doc of (window.Bokeh && window.Bokeh.documents) || []) {
    const cards = doc.get_model_by_name('cjm-cards');
    const names = cards ? (cards.data.get ? cards.data.get('t_name') : cards.data['t_name']) : null;
    if (names && Array.from(names).includes(name)) return true;
  }
  return false;
}"""

# What a tap on a card does in BokehJS: select its row of the card source, and the tap tool's
# callback names the tapped touchpoint in the tool's tags.
TAP_CARD = """(name) => {
  for (const doc of (window.Bokeh && window.Bokeh.documents) || []) {
    const cards = doc.get_model_by_name('cjm-cards');
    const tap = doc.get_model_by_name('cjm-tap');
    if (!cards || !tap) continue;
    const column = (key) => Array.from(cards.data.get ? cards.data.get(key) : cards.data[key]);
    const i = column('t_name').indexOf(name);
    cards.selected.indices = [i];
    tap.tags = [column('tp_id')[i], Date.now()];
    return true;
  }
  return false;
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_touchpoint_added_with_the_form_shows_on_the_map_and_survives_a_reload(page, sample_map):
    port = free_port()
    journey = load(sample_map)
    name = "Callback from the workshop"
    command = cjmkit_command("workshop", str(sample_map), "--port", str(port))
    with running_server(command, port, env={"CJMKIT_TOKEN": TOKEN}) as base:
        page.goto(f"{base}/?token={TOKEN}")  # the address the workshop prints; a cookie keeps the token
        assert page.url == base + "/" and page.title() == "cjmkit workshop"
        page.wait_for_selector(".cjm-touchpoint-editor", state="attached", timeout=90_000)
        page.wait_for_function(HAS_CARD, arg=journey.touchpoints[0].name, timeout=60_000)
        assert page.locator("text=Saved ✓ revision").count() == 1
        assert "Traceback" not in page.content() and "workshop_app" not in page.content()  # no code shown

        page.locator(".cjm-tab", has_text="Touchpoint").click()
        form = page.locator(".cjm-touchpoint-editor")
        form.locator("input[placeholder='e.g. Live chat with support']").fill(name)
        form.locator("textarea").first.fill("Care calls back the next day")
        form.get_by_role("button", name="Add touchpoint").click()

        page.wait_for_function(HAS_CARD, arg=name, timeout=30_000)
        page.wait_for_selector(f"text=Saved ✓ revision {journey.revision + 1}", timeout=30_000)
        assert any(tp.name == name for tp in load(sample_map).touchpoints)

        page.reload()
        page.wait_for_function(HAS_CARD, arg=name, timeout=90_000)

        # tapping a card on the map opens it in the touchpoint editor
        other = journey.touchpoints[2]
        assert page.evaluate(TAP_CARD, other.name)
        name_field = page.locator(".cjm-touchpoint-editor input[placeholder='e.g. Live chat with support']")
        page.wait_for_function(
            "([el, want]) => el.value === want", arg=[name_field.element_handle(), other.name], timeout=30_000
        )

        # a second tab (a co-facilitator) saves: the first one takes it in by itself
        second = page.context.new_page()
        second.goto(base + "/")
        second.wait_for_selector(".cjm-quick-text input", timeout=90_000)
        second.fill(".cjm-quick-text input", "From the second tab")
        second.press(".cjm-quick-text input", "Enter")
        second.wait_for_selector("text=Added touchpoint", timeout=30_000)
        page.wait_for_function(HAS_CARD, arg="From the second tab", timeout=30_000)
