"""A map everyone can read: exported and published pages in a real Chromium, checked with axe-core.

Each page is opened at the screen sizes people use; axe-core must find nothing critical,
serious or moderate; a keyboard reaches the text alternative (skip link, "Table view" switch)
and the table fits the screen.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from support import REPO, SAMPLE_MAP, VIEWPORTS, axe_violations, cjmkit_command, require_axe
from test_render_browser import DANGEROUS_ELEMENTS, PAINTED, READY, XSS, hostile_journey

from cjmkit import store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe() -> Path:
    return require_axe()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An exported sample map, a published site (sample map with its ticket data) and a hostile map."""
    folder = tmp_path_factory.mktemp("a11y")
    maps = folder / "maps"
    maps.mkdir()
    shutil.copyfile(SAMPLE_MAP, maps / "acme.cjm.json")
    for name in ("tickets.csv", "care_contacts.csv"):
        shutil.copyfile(REPO / "sample_data" / name, maps / name)
    store.save(hostile_journey(), maps / "hostile.cjm.json")
    exported = folder / "acme.html"
    subprocess.run(
        cjmkit_command("render", str(maps / "acme.cjm.json"), "--measure", "--html", str(exported)),
        check=True,
        capture_output=True,
        timeout=180,
    )
    subprocess.run(
        cjmkit_command("publish", str(maps), "--out", str(folder / "site")),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {
        "exported": exported,
        "published": folder / "site" / "acme.html",
        "index": folder / "site" / "index.html",
        "hostile": folder / "site" / "hostile.html",
    }


def _open(page, path: Path, width: int, height: int, bokeh: bool = True) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(path.as_uri())
    if bokeh:
        page.wait_for_function(READY)
        page.wait_for_function(PAINTED)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["exported", "published", "hostile"])
def test_map_pages_pass_axe_at_every_size(page, pages, axe, which: str) -> None:
    for width, height in VIEWPORTS:
        _open(page, pages[which], width, height)
        assert axe_violations(page, axe) == [], f"{which} at {width}x{height}"


def test_site_index_passes_axe(page, pages, axe) -> None:
    _open(page, pages["index"], 1280, 800, bokeh=False)
    assert axe_violations(page, axe) == []


def test_axe_sees_what_it_must(page, axe, tmp_path: Path) -> None:
    # the check is not vacuous: grey-on-white text and an unnamed picture inside a shadow root are found
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><main><h1>x</h1>'
        '<div id="host"></div></main><script>document.getElementById("host").attachShadow({mode: "open"})'
        '.innerHTML = \'<p style="color:#aaaaaa">faint</p><div role="img"></div>\';</script></body></html>'
    )
    _open(page, bad, 1280, 800, bokeh=False)
    found = " ".join(axe_violations(page, axe))
    assert "color-contrast" in found and "role-img-alt" in found


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_keyboard_reaches_the_table_view_and_it_fits_the_screen(page, pages, size) -> None:
    width, height = size
    _open(page, pages["published"], width, height)
    page.keyboard.press("Tab")
    skip = page.locator(".cjm-skip")
    assert page.evaluate("document.activeElement.className") == "cjm-skip"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width
    for _ in range(3):  # past the link to all maps
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "cjm-switch":
            break
    switch = page.locator("#cjm-switch")
    assert page.evaluate("document.activeElement.id") == "cjm-switch"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused switch shows no focus ring"
    box = switch.bounding_box()
    assert (
        box is not None
        and box["x"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
    )

    page.keyboard.press("Enter")
    assert switch.get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.activeElement.id") == "cjm-words"
    assert not page.locator("#cjm-picture").is_visible()
    table = page.locator("table.cjm-stages")
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    headers = page.locator("table.cjm-stages thead th").all_inner_texts()
    assert headers[0] == "Stage" and any(h.startswith("Support") for h in headers)
    assert "Get help" in page.locator("table.cjm-stages tbody th").all_inner_texts()[4]

    # and back: the map is drawn again
    switch.click()
    assert switch.get_attribute("aria-pressed") == "false"
    assert page.locator("#cjm-picture").is_visible()
    assert page.locator("#cjm-picture .bk-Canvas").first.bounding_box()["height"] > 300


def test_picture_is_named_and_hostile_text_stays_text(page, pages) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _open(page, pages["hostile"], 1280, 800)
    picture = page.locator("#cjm-picture")
    assert picture.get_attribute("role") == "img"
    assert "The map in words" in picture.get_attribute("aria-label")
    assert picture.get_attribute("aria-describedby") == "cjm-summary"
    words = page.locator("#cjm-words").inner_text()
    assert XSS in words and "<svg onload=alert(2)>" in words
    assert page.evaluate(DANGEROUS_ELEMENTS) == []
    assert dialogs == []


def test_persona_tabs_switch_by_keyboard(page, pages) -> None:
    from test_publish import ACTIVE_TAB

    _open(page, pages["published"], 1280, 800)
    page.locator(".bk-tab", has_text="Daniel Weber").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => ({ACTIVE_TAB})() === 1")
    page.locator(".bk-tab", has_text="Maya Okafor").focus()
    page.keyboard.press(" ")
    page.wait_for_function(f"() => ({ACTIVE_TAB})() === 0")


@pytest.mark.slow
def test_workshop_board_table_view_passes_axe(page, axe, sample_map: Path) -> None:
    from support import free_port, running_server

    port = free_port()
    command = cjmkit_command(
        "workshop", str(sample_map), "--port", str(port), "--room-port", str(free_port())
    )
    with running_server(command, port, env={"CJMKIT_TOKEN": "axe-token"}) as base:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{base}/?token=axe-token")
        page.wait_for_selector(".cjm-touchpoint-editor", state="attached", timeout=120_000)
        switch = page.get_by_role("button", name="Table view")
        switch.focus()
        page.keyboard.press("Enter")  # reachable and usable by keyboard
        page.wait_for_selector(".cjm-map-in-words table.cjm-stages", timeout=30_000)
        box = page.locator(".cjm-map-in-words").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280
        assert axe_violations(page, axe) == []
