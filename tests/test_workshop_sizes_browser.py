"""The workshop board at the screen sizes of a real room, in a real Chromium.

What a facilitator sees and reaches: the whole map can be scrolled to (the last card of the last
lane is clicked with the mouse and opens in the editor), every tab title is readable, and
presentation mode shows the map alone, zooms, and gives the editors back on Esc.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from support import cjmkit_command, free_port, running_server

from cjmkit.store import load

TOKEN = "test-token-for-the-board"
SIZES = [(1024, 768), (1280, 800), (1920, 1080)]

# Where a card is on the page: Bokeh's own scales map the card's centre to the canvas.
CARD_ON_PAGE = """(tpId) => {
  function find(view) {
    if (view.model && view.model.name === 'cjm-figure') return view;
    for (const child of (view.child_views || [])) { const hit = find(child); if (hit) return hit; }
    return null;
  }
  for (const root of Object.values(window.Bokeh.index)) {
    const figure = find(root);
    if (!figure) continue;
    const cards = figure.model.document.get_model_by_name('cjm-cards').data;
    const get = (name) => Array.from(cards.get ? cards.get(name) : cards[name]);
    const i = get('tp_id').indexOf(tpId);
    if (i < 0) return null;
    const canvas = figure.canvas_view.el.getBoundingClientRect();
    return {
      x: canvas.left + figure.frame.x_scale.compute(get('x')[i]),
      y: canvas.top + figure.frame.y_scale.compute(get('y')[i]),
    };
  }
  return null;
}"""

BOX = """() => { const r = document.querySelector('.cjm-map-box').getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }"""

MAP_READY = """() => { const b = document.querySelector('.cjm-map-box');
  return b && b.scrollHeight > b.clientHeight && window.Bokeh && Object.keys(window.Bokeh.index).length > 0; }"""


@pytest.fixture(scope="module")
def board_server(tmp_path_factory):
    from shutil import copyfile

    from support import SAMPLE_MAP

    folder = tmp_path_factory.mktemp("board-sizes")
    target = folder / "acme.cjm.json"
    copyfile(SAMPLE_MAP, target)
    port = free_port()
    command = cjmkit_command("workshop", str(target), "--port", str(port), "--room-port", str(free_port()))
    with running_server(command, port, env={"CJMKIT_TOKEN": TOKEN}) as base:
        yield base, target


@contextlib.contextmanager
def board_page(browser, base: str, size: tuple[int, int]) -> Iterator[object]:
    """A fresh browser context at ``size`` with the board open and ready for input."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()
        page.goto(f"{base}/?token={TOKEN}")
        page.wait_for_selector(".cjm-quick-text input", timeout=120_000)
        yield page
    finally:
        context.close()


def _visible(page, selector: str) -> bool:
    return page.locator(selector).first.is_visible()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_whole_map_is_reachable_and_presentation_mode_comes_and_goes(browser, board_server, size):
    base, path = board_server
    journey = load(path)
    last_lane = journey.lanes[-1].id
    in_lane = [tp for tp in journey.touchpoints if tp.lane == last_lane]
    stage_order = {s.id: i for i, s in enumerate(journey.stages)}
    target = max(in_lane, key=lambda tp: (stage_order[tp.stage], in_lane.index(tp)))

    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        page.goto(f"{base}/?token={TOKEN}")
        page.wait_for_selector(".cjm-map-box", timeout=120_000)
        page.wait_for_function(MAP_READY, timeout=120_000)

        # the page itself does not scroll: the board fits the window, the map scrolls in its box
        assert page.evaluate("document.documentElement.scrollHeight") <= size[1] + 1
        # every tab title is whole and on the screen
        for tab in page.locator(".cjm-tab").all():
            assert tab.is_visible()
            assert tab.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), tab.inner_text()
            box = tab.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= size[0]

        # scroll the map with the mouse wheel until the last card of the last lane is in view
        box = page.evaluate(BOX)
        page.mouse.move((box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2)
        for _ in range(80):
            card = page.evaluate(CARD_ON_PAGE, target.id)
            inside = (
                box["left"] + 20 < card["x"] < box["right"] - 20
                and box["top"] + 20 < card["y"] < box["bottom"] - 20
            )
            if inside:
                break
            dy = 300 if card["y"] > box["bottom"] - 20 else (-300 if card["y"] < box["top"] + 20 else 0)
            dx = 300 if card["x"] > box["right"] - 20 else (-300 if card["x"] < box["left"] + 20 else 0)
            page.mouse.wheel(dx, dy)
            page.wait_for_timeout(50)
        assert inside, f"the card {target.name!r} could not be scrolled into view at {size}"
        assert 0 <= card["x"] <= size[0] and 0 <= card["y"] <= size[1]

        page.mouse.click(card["x"], card["y"])  # a tap on the card opens it in the editor
        name_field = page.locator(".cjm-touchpoint-editor input[placeholder='e.g. Live chat with support']")
        page.wait_for_function(
            "([el, want]) => el.value === want",
            arg=[name_field.element_handle(), target.name],
            timeout=30_000,
        )
        name_field.wait_for(state="visible", timeout=30_000)
        assert "cjm-tab-on" in page.locator(".cjm-tab", has_text="Touchpoint").get_attribute("class")

        # presentation mode: the map alone over the whole window, zoomed to fit, then to a stage
        page.locator(".cjm-present-toggle").click()
        page.wait_for_function(
            "document.querySelector('.cjm-workshop-board').classList.contains('cjm-presenting')"
        )
        page.wait_for_function(
            "() => { const m = document.querySelector('.cjm-map-box').firstElementChild;"
            " return m.style.transform.startsWith('scale'); }",
            timeout=30_000,
        )
        assert not _visible(page, ".cjm-editors") and not _visible(page, ".cjm-toolbar")
        shown = page.evaluate(BOX)
        assert shown["left"] <= 1 and shown["top"] <= 1
        assert shown["right"] >= size[0] - 1 and shown["bottom"] >= size[1] - 1
        whole = page.evaluate(
            "() => document.querySelector('.cjm-map-box').firstElementChild.getBoundingClientRect().toJSON()"
        )
        assert whole["right"] <= size[0] and whole["bottom"] <= size[1]  # the whole map on one screen
        assert page.locator(".cjm-present-exit").is_visible()

        stage = journey.stages[3]
        page.locator(".cjm-zoom-picker select").select_option(label=f"Stage: {stage.name}")
        page.wait_for_function(
            "(w) => { const m = document.querySelector('.cjm-map-box').firstElementChild;"
            " return m.getBoundingClientRect().width > w; }",
            arg=size[0],
            timeout=30_000,
        )  # zoomed in: the map is now wider than the screen, the stage fills it

        page.keyboard.press("Escape")  # the editors come back
        page.wait_for_function(
            "!document.querySelector('.cjm-workshop-board').classList.contains('cjm-presenting')",
            timeout=30_000,
        )
        page.wait_for_function(
            "() => document.querySelector('.cjm-map-box').firstElementChild.style.transform === ''"
        )
        name_field.wait_for(state="visible", timeout=30_000)
        assert _visible(page, ".cjm-editors")
        assert page.locator(".cjm-present-toggle").inner_text().strip() == "▶ Present"
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_fast_typing_then_enter_saves_the_whole_note(browser, board_server):
    base, path = board_server
    with board_page(browser, base, (1280, 800)) as page:
        box = page.locator(".cjm-quick-text input")
        notes = [f"Customer waited forty minutes on hold before anyone answered, take {n}" for n in range(3)]
        for note in notes:  # as fast as a keyboard goes, the next note right after Enter
            box.press_sequentially(note, delay=0)
            box.press("Enter")
        page.wait_for_selector(f"text=Added touchpoint “{notes[-1]}”", timeout=30_000)
        names = [tp.name for tp in load(path).touchpoints]
        assert [name for name in names if "forty minutes" in name] == notes  # whole, once, in order
        assert box.input_value() == ""


@pytest.mark.browser
@pytest.mark.slow
def test_a_very_long_name_squeezes_no_button_and_comes_in_from_another_board(browser, board_server):
    from cjmkit.store import open_map

    base, path = board_server
    with board_page(browser, base, (1024, 768)) as page:
        long_name = "Escalation " + "very " * 400 + "long"  # about 2,000 characters
        with open_map(path) as other:  # typed on another board: it comes in by itself
            first = other.journey.stages[0].id
            lane = other.journey.lanes[0].id
            other.editor.add("touchpoints", {"name": long_name, "stage": first, "lane": lane})
        page.locator(".cjm-tab", has_text="Touchpoint").click()
        picker = page.locator(".cjm-touchpoint-editor select").first
        found = (
            "(el) => Array.from(el.options).findIndex("
            "o => o.textContent.replace(/\\s/g, ' ').startsWith('Escalation very very'))"
        )
        page.wait_for_function(f"([el]) => ({found})(el) >= 0", arg=[picker.element_handle()], timeout=10_000)
        picker.select_option(index=picker.evaluate(found))
        form = page.locator(".cjm-touchpoint-editor")
        page.wait_for_function(
            "(want) => document.querySelector(\".cjm-touchpoint-editor input[placeholder='e.g. Live chat with support']\").value === want",
            arg=long_name,
        )
        for label in ("Save changes", "Delete"):
            button = form.get_by_role("button", name=label, exact=True)
            button.wait_for(state="visible", timeout=10_000)  # the form's fields and buttons fill in turn
            assert button.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), label  # text not cut
            box = button.bounding_box()
            assert box["width"] >= 50 and box["x"] + box["width"] <= 1024
        for control in (".cjm-present-toggle", ".cjm-workshop-board .cjm-tab"):
            assert page.locator(control).first.is_visible()


@pytest.mark.browser
@pytest.mark.slow
def test_edits_from_another_board_leave_the_open_tab_alone(browser, board_server):
    from test_workshop_browser import HAS_CARD

    from cjmkit.store import open_map

    base, path = board_server
    with board_page(browser, base, (1280, 800)) as page:
        journey = load(path)
        picked = journey.touchpoints[3]
        page.locator(".cjm-tab", has_text="Touchpoint").click()
        picker = page.locator(".cjm-touchpoint-editor select").first
        found = "(el, name) => Array.from(el.options).findIndex(o => o.textContent.replace(/\\s/g, ' ').startsWith(name))"
        picker.select_option(index=picker.evaluate(found, picked.name))
        page.wait_for_function(
            "(want) => document.querySelector(\".cjm-touchpoint-editor input[placeholder='e.g. Live chat with support']\").value === want",
            arg=picked.name,
        )
        page.locator(".cjm-tab", has_text="Voting").click()
        page.locator(".cjm-dot-voting").first.wait_for(state="visible")
        for n in range(3):  # cards added before the selected one move its row
            with open_map(path) as other:
                first = other.journey.stages[0].id
                lane = other.journey.lanes[0].id
                other.editor.add(
                    "touchpoints", {"name": f"Elsewhere {n}", "stage": first, "lane": lane}, index=0
                )
                other.editor.update("touchpoints", picked.id, description=f"changed elsewhere {n}")
            page.wait_for_function(HAS_CARD, arg=f"Elsewhere {n}", timeout=30_000)
        assert "cjm-tab-on" in page.locator(".cjm-tab", has_text="Voting").get_attribute("class")
        assert page.locator(".cjm-dot-voting").first.is_visible()
