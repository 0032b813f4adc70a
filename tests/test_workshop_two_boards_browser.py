"""Two facilitators' boards on one map, in two browsers, 200 edits at random: nothing is lost.

Each step makes one edit on each board back to back, without waiting for the first to be saved,
so the two kernels save at the same moment and merge (their boards take in each other's saves
every few tenths of a second, but not in between). The edits are the room's everyday ones:
sticky notes dropped with quick capture, a board's own touchpoint renamed, dot votes on one
shared pain point (they add up), personas added.
"""

from __future__ import annotations

import random
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from support import SAMPLE_MAP, cjmkit_command, free_port, running_server, wait_for
from test_workshop_browser import HAS_CARD

from cjmkit import store
from cjmkit.store import load

TOKEN = "test-token-for-the-board"
EDITS = 200

NAME_FIELD = "input[placeholder='e.g. Live chat with support']"
PICK_BY_TEXT = """([el, text]) => Array.from(el.options).findIndex(
  o => o.textContent.replace(/\\s/g, ' ').startsWith(text + ' —'))"""


def _tab(page, title: str) -> None:
    page.locator(".cjm-tab", has_text=title).first.click()


class Board:
    """One facilitator's page and what its edits must leave on the map."""

    def __init__(self, page, who: str) -> None:
        self.page, self.who = page, who
        self.own: dict[str, str] = {}  # id of each touchpoint this board added -> its name now
        self.count = 0

    def drop(self, expected: dict) -> callable:
        self.count += 1
        name = f"{self.who} card {self.count}"
        _tab(self.page, "Capture")
        box = self.page.locator(".cjm-quick-text input")
        box.fill(name)
        box.press("Enter")
        tp_id = name.lower().replace(" ", "-")
        self.own[tp_id] = name
        return lambda journey: (tp := journey.touchpoint(tp_id)) is not None and tp.name == name

    def rename(self, expected: dict) -> callable:
        if not self.own:
            return self.drop(expected)
        tp_id = random.choice(sorted(self.own))
        self.count += 1
        new = f"{self.who} renamed {self.count}"
        _tab(self.page, "Touchpoint")
        picker = self.page.locator(".cjm-touchpoint-editor select").first
        index = self.page.wait_for_function(
            f"([el, text]) => {{ const i = ({PICK_BY_TEXT})([el, text]); return i >= 0 ? i : false; }}",
            arg=[picker.element_handle(), self.own[tp_id]],
            timeout=30_000,
        ).json_value()
        picker.select_option(index=index)
        field = self.page.locator(f".cjm-touchpoint-editor {NAME_FIELD}")
        self.page.wait_for_function(
            "([el, want]) => el.value === want", arg=[field.element_handle(), self.own[tp_id]], timeout=30_000
        )
        field.fill(new)
        self.page.locator(".cjm-touchpoint-editor").get_by_role("button", name="Save changes").click()
        self.own[tp_id] = new
        return lambda journey: (tp := journey.touchpoint(tp_id)) is not None and tp.name == new

    def vote(self, expected: dict) -> callable:
        _tab(self.page, "Voting")
        row = self.page.locator(".cjm-dot-voting .widget-hbox", has_text=expected["note_text"]).first
        row.get_by_role("button", name="+", exact=True).click()
        expected["votes"] += 1
        want = expected["votes"]
        tp_id, note_id = expected["note"]
        return lambda journey: (
            next(n.votes for n in journey.touchpoint(tp_id).pain_points if n.id == note_id) >= want
        )

    def persona(self, expected: dict) -> callable:
        self.count += 1
        name = f"{self.who} persona {self.count}"
        _tab(self.page, "Personas")
        form = self.page.locator(".cjm-persona-editor")
        field = form.locator("input[placeholder='e.g. Maya, small-business owner']")
        blank = (
            "(form) => Array.from(form.querySelectorAll('button')).some(b => b.textContent.trim() === 'Add persona')"
            " && form.querySelector(\"input[placeholder='e.g. Maya, small-business owner']\").value === ''"
        )
        for attempt in range(5):  # a refresh from the other board may land at the same instant
            form.locator("select").first.select_option(index=0)  # "+ New persona"
            try:  # the form is blank, as the person sees it, before they type
                self.page.wait_for_function(blank, arg=form.element_handle(), timeout=5_000)
                break
            except PlaywrightTimeout:
                if attempt == 4:
                    raise
        field.fill(name)
        form.get_by_role("button", name="Add persona", exact=True).click()
        expected["personas"].add(name)
        return lambda journey: any(p.name == name for p in journey.personas)


_READ: dict[str, object] = {}


def _landed(path, checks):
    """The map on disk when every check passes on it, else None.

    The file is read again only when it changed: the two kernels share the machine's cores
    with this loop, which should not slow them down.
    """
    stat = path.stat()
    seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if _READ.get("seen") != seen:
        _READ.update(seen=seen, journey=load(path))
    journey = _READ["journey"]
    return journey if all(check(journey) for check in checks) else None


@pytest.mark.browser
@pytest.mark.slow
def test_two_boards_200_random_edits_all_land_without_conflicts(browser, tmp_path):
    path = tmp_path / "acme.cjm.json"
    path.write_bytes(SAMPLE_MAP.read_bytes())
    start = load(path)
    first = next(tp for tp in start.touchpoints if tp.pain_points)
    note = first.pain_points[0]
    expected = {"votes": note.votes, "note": (first.id, note.id), "note_text": note.text, "personas": set()}
    rng = random.Random(20261201)
    random.seed(20261201)
    port = free_port()
    command = cjmkit_command(
        "workshop", str(path), "--port", str(port), "--room-port", str(free_port()), "--max-kernels", "6"
    )  # two boards: room enough whatever memory the machine has free right now
    with running_server(command, port, env={"CJMKIT_TOKEN": TOKEN}) as base:
        boards = []
        for who in ("alice", "bob"):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{base}/?token={TOKEN}")
            try:
                page.wait_for_selector(".cjm-quick-text input", timeout=120_000)
            except PlaywrightTimeout:
                raise AssertionError(
                    f"{who}'s board did not open: {page.inner_text('body')[:300]!r}"
                ) from None
            boards.append(Board(page, who))
        try:
            revisions = [start.revision]
            kinds = ["drop", "drop", "rename", "vote", "vote", "persona"]
            began = time.monotonic()
            for _step in range(EDITS // 2):
                checks = [getattr(board, rng.choice(kinds))(expected) for board in boards]  # both at once
                journey = wait_for(
                    lambda checks=checks: _landed(path, checks),
                    timeout=60,
                    interval=0.05,
                    what="both edits of the step on disk",
                )
                revisions.append(journey.revision)
            elapsed = time.monotonic() - began

            final = load(path)
            assert final.revision == start.revision + EDITS, "every edit is one save, none lost, none twice"
            assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)
            for board in boards:
                for tp_id, name in board.own.items():
                    assert final.touchpoint(tp_id).name == name
            assert (
                next(n.votes for n in final.touchpoint(first.id).pain_points if n.id == note.id)
                == expected["votes"]
            )
            assert expected["personas"] <= {p.name for p in final.personas}
            assert not list(tmp_path.glob("*.conflict-*")), "no conflict copies"
            assert not any(snapshot.aside for snapshot in store.snapshots(path)), "no true conflicts"
            for board in boards:  # and each board shows the other's last card, without a question
                last = max(boards[1 - boards.index(board)].own.values(), default=None)
                assert board.page.locator(".cjm-conflict").count() == 0
                if last:
                    board.page.wait_for_function(HAS_CARD, arg=last, timeout=10_000)
            print(f"{EDITS} edits on two boards in {elapsed:.0f} s")
        except Exception:
            for board in boards:
                board.page.screenshot(path=f"/tmp/board-wip/fail-{board.who}.png")
            raise
        finally:
            for board in boards:
                board.page.context.close()
