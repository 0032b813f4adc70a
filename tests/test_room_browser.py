"""A workshop room in real Chromium: phones (360x640) send notes and dot-vote, the board's inbox takes them.

One ``cjmkit workshop MAP --room 127.0.0.1`` serves both the board (desktop context) and the
participants' page (phone contexts); everything stays on loopback.
"""

from __future__ import annotations

import re

import pytest
import support
from support import cjmkit_command, free_port, running_server, wait_for
from test_workshop_browser import HAS_CARD

from cjmkit.room import RoomLog, RoomState, log_path
from cjmkit.store import load

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
BOARD_SIZES = [(1024, 768), (1280, 800), (1920, 1080)]
TOKEN = "test-token-for-the-room-board"

# Every control a thumb must hit, with its size; and whether the page scrolls sideways.
TAP_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('button, select, textarea, input:not([type=hidden]), a, .kinds label')) {
    if (el.closest('[hidden]') || getComputedStyle(el).display === 'none') continue;
    if (el.matches('.kinds input')) continue;  // the visible target is its label
    const r = el.getBoundingClientRect();
    if (r.width < 24 || r.height < 24) small.push(`${el.tagName} ${el.textContent.trim().slice(0, 20)} ${r.width}x${r.height}`);
  }
  return {small, sideways: document.scrollingElement.scrollWidth > window.innerWidth};
}"""


def _room_state(path) -> RoomState:
    state = RoomState()
    state.apply_all(RoomLog(log_path(path)).read_new())
    return state


def _visible_in_viewport(page, locator) -> bool:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 1 and box["height"] > 0


@pytest.fixture
def workshop(sample_map):
    port, room_port = free_port(), free_port()
    args = cjmkit_command(
        "workshop", str(sample_map), "--port", str(port), "--room", "127.0.0.1", "--room-port", str(room_port)
    )
    with running_server(args, port, timeout=120, env={"CJMKIT_TOKEN": TOKEN}) as board_base:
        code = _room_state(sample_map).code
        yield board_base, f"http://127.0.0.1:{room_port}/", code


def _open_board(browser, board_base, size=(1280, 800)):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    board = context.new_page()
    board.goto(f"{board_base}/?token={TOKEN}")
    board.wait_for_selector(".cjm-touchpoint-editor", state="attached", timeout=120_000)
    board.locator(".cjm-tab", has_text="Room").click()
    board.wait_for_selector(".cjm-room-panel", timeout=30_000)
    return context, board


def test_a_phone_adds_a_note_the_board_accepts_it_and_it_is_on_the_map(
    browser, workshop, sample_map, tmp_path
):
    board_base, room_base, code = workshop
    journey = load(sample_map)
    stage = journey.stages[2]
    lane = next(lane for lane in journey.lanes if lane.kind == "care")

    phone_context = browser.new_context(**PHONE)
    phone = phone_context.new_page()
    requests = []
    phone.on("request", lambda request: requests.append(request.url))
    phone.goto(f"{room_base}?code={code}")
    phone.wait_for_selector("#note-form")
    assert phone.title().endswith("workshop room")
    sizes = phone.evaluate(TAP_TARGETS)
    assert sizes == {"small": [], "sideways": False}, sizes
    phone.screenshot(path=str(tmp_path / "phone.png"), full_page=True)

    phone.get_by_text("Touchpoint", exact=True).click()
    assert phone.locator("#lane-field").is_visible() and not phone.locator("#touchpoint-field").is_visible()
    phone.fill("#text", "Care sends a handwritten card")
    phone.select_option("#stage", stage.id)
    phone.select_option("#lane", lane.id)
    phone.fill("#name", "Ana")
    phone.get_by_role("button", name="Add note").click()
    phone.wait_for_selector("text=Sent ✓")
    assert phone.input_value("#text") == ""  # ready for the next one
    phone.wait_for_selector("#mine >> text=Care sends a handwritten card · waiting")
    assert all(url.startswith(room_base) for url in requests), requests  # nothing from elsewhere

    board_context, board = _open_board(browser, board_base)
    note = board.locator(".cjm-room-note", has_text="Care sends a handwritten card")
    note.wait_for(timeout=30_000)
    assert "Ana" in note.inner_text()
    assert board.locator(".cjm-room-code").inner_text() == code
    assert board.locator(".cjm-room-qr svg").count() == 1
    note.get_by_role("button", name="Accept").click()
    board.wait_for_function(HAS_CARD, arg="Care sends a handwritten card", timeout=30_000)
    wait_for(
        lambda: any(tp.name == "Care sends a handwritten card" for tp in load(sample_map).touchpoints),
        30,
        what="saved",
    )
    added = next(tp for tp in load(sample_map).touchpoints if tp.name == "Care sends a handwritten card")
    assert (added.stage, added.lane) == (stage.id, lane.id)
    phone.wait_for_selector(
        "#mine >> text=Care sends a handwritten card · on the map", timeout=10_000
    )  # no reload

    # axe-core finds nothing critical or serious on the phone page and the join page
    script = support.require_axe()
    audit = browser.new_context(**PHONE, bypass_csp=True).new_page()  # the page's CSP would refuse axe
    for address in (f"{room_base}?code={code}", f"{room_base}?code=WRONG9"):
        audit.goto(address)
        found = [
            line for line in support.axe_violations(audit, script) if line.startswith(("critical", "serious"))
        ]
        assert found == [], address
    audit.context.close()

    # the phone page without JavaScript still adds a note (a plain form post)
    plain = browser.new_context(**PHONE, java_script_enabled=False).new_page()
    plain.goto(f"{room_base}?code={code}")
    plain.fill("#text", "No script, still heard")
    plain.get_by_role("button", name="Add note").click()
    plain.wait_for_selector("text=Sent ✓")
    board.locator(".cjm-room-note", has_text="No script, still heard").wait_for(timeout=30_000)
    plain.context.close()

    # the inbox is visible and its buttons reachable at every board size
    for width, height in BOARD_SIZES:
        board.set_viewport_size({"width": width, "height": height})
        row = board.locator(".cjm-room-note", has_text="No script, still heard")
        assert _visible_in_viewport(board, row.get_by_role("button", name="Accept")), (width, height)
        assert _visible_in_viewport(board, row.get_by_role("button", name="Hide")), (width, height)
        board.screenshot(path=str(tmp_path / f"board-{width}.png"))
    phone_context.close()
    board_context.close()


def test_three_phones_vote_the_board_reveals_and_the_tallies_are_right(browser, workshop, sample_map):
    board_base, room_base, code = workshop
    journey = load(sample_map)
    stage = next(
        s
        for s in journey.stages
        if sum(len(tp.pain_points) + len(tp.opportunities) for tp in journey.touchpoints_in(stage=s.id)) >= 2
    )
    phones = []
    for _ in range(3):
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(f"{room_base}?code={code}")
        page.wait_for_selector("#note-form")
        phones.append(page)

    board_context, board = _open_board(browser, board_base)
    panel = board.locator(".cjm-room-panel")
    panel.locator(".cjm-round-stage select").select_option(label=stage.name)
    panel.get_by_role("button", name="Start voting round").click()
    wait_for(lambda: _room_state(sample_map).round is not None, 30, what="the round")
    round_ = _room_state(sample_map).round
    assert round_.budget == 5
    first, second = round_.items[0], round_.items[1]

    plan = [{first.text: 3, second.text: 2}, {first.text: 1}, {second.text: 4, first.text: 1}]
    for page, dots in zip(phones, plan, strict=True):
        page.wait_for_selector(
            "#round >> text=Vote: you have 5 dots", timeout=10_000
        )  # appears without a reload
        for text, count in dots.items():
            plus = page.get_by_role("button", name=f"Give a dot to: {text}", exact=True)
            for _ in range(count):
                plus.click()
        page.wait_for_selector("text=Votes saved ✓", timeout=10_000)
        assert page.locator("#dots-left").inner_text() == str(5 - sum(dots.values()))
        page.get_by_role(
            "button", name=f"Give a dot to: {first.text}", exact=True
        ).scroll_into_view_if_needed()
    expected = {first.key: 5, second.key: 6}
    wait_for(
        lambda: {k: v for k, v in _room_state(sample_map).round.tallies().items() if v} == expected,
        15,
        what="all votes in the log",
    )
    assert phones[0].locator("#round .tally").count() == 0  # hidden until revealed
    panel.locator(".cjm-round-status").filter(has_text="3 voted").wait_for(timeout=10_000)

    panel.get_by_role("button", name="Reveal tallies").click()
    status = panel.locator(".cjm-round-status")
    status.locator("li").first.wait_for(timeout=10_000)
    assert re.match(r"6 · ", status.locator("li").nth(0).inner_text())
    for page in phones:
        tally = page.locator(f'#round .tally[data-key="{first.key}"]')
        tally.wait_for(timeout=10_000)
        assert tally.inner_text() == "Total 5"
        assert page.locator(f'#round .tally[data-key="{second.key}"]').inner_text() == "Total 6"

    before = load(sample_map)
    panel.get_by_role("button", name="Close round, add votes to the map").click()

    def votes(journey, item):
        tp = journey.touchpoint(item.touchpoint)
        return next(n.votes for n in getattr(tp, item.kind) if n.id == item.note)

    wait_for(
        lambda: votes(load(sample_map), first) == votes(before, first) + 5, 30, what="the votes on the map"
    )
    assert votes(load(sample_map), second) == votes(before, second) + 6
    phones[0].wait_for_selector("text=Voting is closed", timeout=10_000)
    for page in phones:
        page.context.close()
    board_context.close()
