"""``cjmkit serve`` for real: headless Chromium against the kernel-free viewer, and the live viewer notebook.

The viewer (``cjmkit serve MAPS``) sends pages built once per map revision and starts no kernel;
the widget viewer (``cjmkit serve MAPS --notebook notebooks/viewer.ipynb``) keeps a kernel per
visitor, and crafted widget messages against it change the page, never a file.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bokeh
import pytest
from support import REPO, SAMPLE_MAP, cjmkit_command, free_port, kernels_of, running_server, wait_for

from cjmkit.serve import viewer_notebook
from cjmkit.store import load, save
from cjmkit.templates import new_journey

pytestmark = pytest.mark.browser

MAP_DRAWN = ".bk-Canvas"
NO_SUCH_MAP = "No such map"
TRACEBACK_WORDS = ("Traceback", "Error:", 'File "', "line ")
EVIL = "<img src=x onerror=alert(1)>"
PAINTED = """() => window.Bokeh && Object.keys(Bokeh.index).length > 0
    && Object.values(Bokeh.index).every(view => view.has_finished())"""
# Voila answers a request that reaches no handler by redirecting it to /voila/files/, which
# refuses everything: a cheap way to see that the server is up without starting a kernel.
UP_PATH = "/voila/files/up"
BOKEH = bokeh.__version__
SCREENS = [(1024, 768), (1280, 800), (1920, 1080)]


@pytest.fixture(scope="module")
def maps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    folder = root / "maps"
    folder.mkdir()
    shutil.copyfile(SAMPLE_MAP, folder / "acme.cjm.json")
    for name in ("tickets.csv", "care_contacts.csv"):
        shutil.copyfile(SAMPLE_MAP.parent / name, folder / name)
    save(new_journey("saas-onboarding", "Beta onboarding"), folder / "beta.cjm.json")
    evil = load(SAMPLE_MAP)
    evil.title = f"Evil {EVIL}"
    evil.personas[0].name = f"Maya {EVIL}"
    save(evil, folder / "evil.cjm.json", force=True)
    (folder / "broken.cjm.json").write_text('{"title": "Broken", "stages": [', encoding="utf-8")
    secret = load(SAMPLE_MAP)
    secret.title = "Secret map outside the folder"
    save(secret, root / "outside.cjm.json")
    return folder


@pytest.fixture(scope="module")
def served(maps: Path) -> Iterator[tuple[str, dict]]:
    port, info = free_port(), {}
    command = cjmkit_command("serve", str(maps), "--port", str(port))
    with running_server(command, port, path="/favicon.ico", info=info) as base:
        yield base, info


@pytest.fixture(scope="module")
def server(served: tuple[str, dict]) -> str:
    return served[0]


@pytest.fixture(scope="module")
def live_viewer(maps: Path) -> Iterator[str]:
    """The widget viewer notebook, served with a kernel per visitor."""
    port = free_port()
    notebook = REPO / "notebooks" / "viewer.ipynb"
    command = cjmkit_command(
        "serve", str(maps), "--port", str(port), "--notebook", str(notebook), "--preheat", "0"
    )
    with running_server(command, port, path=UP_PATH) as base:
        yield base


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def _open(page, url: str, text: str | None = None) -> str:
    """Load a viewer page and wait until it shows ``text`` (or the map); return its text."""
    page.goto(url, wait_until="commit")
    if text is None:
        page.wait_for_selector(MAP_DRAWN, timeout=90_000)
    else:
        # (the page's <title> may hold the same words, hidden: wait for the visible ones)
        page.locator(f"text={text} >> visible=true").first.wait_for(timeout=90_000)
    return page.inner_text("body")


def _get(url: str, **headers: str) -> tuple[int, Any, bytes]:
    """Status, headers (case-insensitive) and body of a GET."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_root_lists_the_maps_and_a_link_opens_one_without_code_or_outside_requests(page, served) -> None:
    server, info = served
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    text = _open(page, server + "/", "Journey maps")
    assert "Acme Cloud" in text and "Beta onboarding" in text and f"Evil {EVIL}" in text
    assert "broken" in text and "cannot be shown" in text
    assert page.title() == "Journey maps · cjmkit"
    page.click('a[href="?map=acme"]')
    page.wait_for_selector(MAP_DRAWN, timeout=90_000)
    assert wait_for(lambda: page.title().startswith("Acme Cloud"), timeout=30, what="the map's title")
    page.wait_for_function(PAINTED, timeout=60_000)
    for words in ("Latest feedback", "Persona:", "Needs attention", "Follow-up within SLA"):
        page.locator(f"text={words} >> visible=true").first.wait_for(timeout=30_000)
    html = page.content()
    assert "viewer.setup()" not in html and "from_request" not in html and "Traceback" not in html
    page.goto(server + "/?map=evil")
    page.wait_for_function(PAINTED, timeout=60_000)
    assert page.title().startswith(f"Evil {EVIL}") and not alerts  # hostile text stays text
    outside = [url for url in requests if not url.startswith((server, "data:", "blob:"))]
    assert requests and outside == []
    assert kernels_of(info["process"]) == []  # no visitor ever cost a kernel


def test_map_parameter_switches_maps_on_a_page_the_browser_keeps_local(page, server: str) -> None:
    response = page.goto(server + "/?map=beta", wait_until="commit")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self';" in policy
    page.locator("text=Beta onboarding >> visible=true").first.wait_for(timeout=90_000)
    page.wait_for_selector(MAP_DRAWN, timeout=90_000)
    assert "Acme Cloud" not in page.inner_text("body")


@pytest.mark.parametrize(
    "query",
    ["../../etc/passwd", "/etc/passwd", "%2e%2e%2foutside", "nonexistent"],
)
def test_names_outside_the_folder_get_the_friendly_page(page, server: str, query: str) -> None:
    text = _open(page, f"{server}/?map={query}", NO_SUCH_MAP)
    assert "root:" not in text and "Secret map" not in text
    assert not any(word in text for word in TRACEBACK_WORDS)
    assert page.title() == "No such map · cjmkit"


def test_a_broken_map_gets_a_sentence_not_a_traceback(page, server: str) -> None:
    text = _open(page, server + "/?map=broken", "This map cannot be shown")
    assert "broken.cjm.json is not valid JSON" in text
    assert "Traceback" not in page.content()


def test_nothing_but_the_viewer_is_reachable(server: str, maps: Path) -> None:
    for path in (
        "/bokeh/0.0.0/static/js/bokeh.min.js",
        f"/bokeh/{BOKEH}/static/js/../../../../../../etc/passwd",
        f"/bokeh/{BOKEH}/static/js/compiler.js",
        f"/bokeh/{BOKEH}/static/js/bokeh.js",
        "/?map=acme/../../outside",
        "/voila/files/viewer.ipynb",
        "/viewer.ipynb",
        "/voila/render/viewer.ipynb",
        "/voila/tree",
        "/tree",
        "/api/contents",
        "/voila/api/contents/",
        "/files/acme.cjm.json",
        "/voila/files/acme.cjm.json",
        "/acme.cjm.json",
        "/voila/templates/cjmkit/static/../../../../../../../etc/passwd",
        "/voila/static/../../../../etc/passwd",
        "/api/kernels",
    ):
        try:
            with urllib.request.urlopen(server + path, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        assert status >= 400 or path.startswith("/?"), path
        assert b"root:" not in body and b"Acme Cloud" not in body and b"nbformat" not in body, path
        assert b"https://" not in body and b"cdn" not in body, path  # error pages ask no CDN either


async def _craft_comm_messages(ws_url: str) -> list[str]:
    """Find the page's Dropdown over the kernel's websocket and send it crafted updates."""
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex
    connection = await websocket_connect(f"{ws_url}?session_id={session}")

    def message(msg_type: str, content: dict) -> str:
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "session": session,
            "username": "attacker",
            "version": "5.3",
            "date": "2026-01-01T00:00:00Z",
        }
        return json.dumps(
            {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
        )

    async def replies(kind: str, count: int = 200) -> list[dict]:
        found = []
        for _ in range(count):
            try:
                raw = await asyncio.wait_for(connection.read_message(), timeout=5)
            except TimeoutError:
                break
            if raw is None:
                break
            data = json.loads(raw)
            if data["header"]["msg_type"] == kind:
                found.append(data)
                if kind == "comm_info_reply":
                    break
        return found

    await connection.write_message(message("comm_info_request", {"target_name": "jupyter.widget"}))
    comms = (await replies("comm_info_reply"))[0]["content"]["comms"]
    for comm_id in comms:
        await connection.write_message(
            message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})
        )
    dropdowns = [
        reply["content"]["comm_id"]
        for reply in await replies("comm_msg", count=len(comms) * 3)
        if reply["content"]["data"].get("state", {}).get("_model_name") == "DropdownModel"
    ]
    for comm_id in dropdowns:
        for state in (
            {"index": 99},
            {"index": -1},
            {"index": "x"},
            {"index": 1},
        ):  # three invalid, then another persona
            data = {"method": "update", "state": state, "buffer_paths": []}
            await connection.write_message(message("comm_msg", {"comm_id": comm_id, "data": data}))
        for data in ({"method": "update", "state": None}, {"no": "method"}):  # malformed
            await connection.write_message(message("comm_msg", {"comm_id": comm_id, "data": data}))
    # whatever the kernel makes of them, no traceback (with install paths) comes back over the socket
    seen: list[str] = []
    for _ in range(500):
        try:
            raw = await asyncio.wait_for(connection.read_message(), timeout=3)
        except TimeoutError:
            break
        if raw is None:
            break
        seen.append(raw if isinstance(raw, str) else raw.decode("utf-8", "replace"))
    connection.close()
    leaked = [text for text in seen if "Traceback" in text or 'File "' in text or "site-packages" in text]
    assert seen and not leaked, leaked[:1]
    return dropdowns


EMOTION_DATA = """() => {
    for (const view of Object.values(window.Bokeh ? Bokeh.index : {})) {
        const model = view.model.document.get_model_by_name('cjm-emotion');
        if (model) return JSON.stringify(model.data);
    }
    return null;
}"""


def test_a_crafted_widget_message_changes_the_page_never_a_file(page, live_viewer: str, maps: Path) -> None:
    server = live_viewer
    _open(page, server + "/?map=acme")
    before = _files(maps)
    curve = wait_for(lambda: page.evaluate(EMOTION_DATA), timeout=30, what="the map's emotion data")
    kernel = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    ws_url = server.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels"
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's own loop runs in this thread
        dropdowns = pool.submit(asyncio.run, _craft_comm_messages(ws_url)).result(timeout=120)
    assert len(dropdowns) == 1
    # the kernel took the message: the persona switched, in the page too
    wait_for(lambda: page.evaluate(EMOTION_DATA) != curve, timeout=30, what="the map to switch persona")
    assert page.eval_on_selector("select", "select => select.selectedIndex") == 1
    assert _files(maps) == before


def test_a_failing_cell_shows_neither_source_nor_traceback(page, tmp_path: Path, maps: Path) -> None:
    notebook = tmp_path / "failing.ipynb"
    secret_source = "shown_secret = 'SOURCE-LEAK'\nraise RuntimeError('TRACEBACK-LEAK ' + shown_secret)"
    notebook.write_text(json.dumps(viewer_notebook(["print('before the failure')", secret_source])))
    port = free_port()
    command = cjmkit_command(
        "serve", str(maps), "--port", str(port), "--notebook", str(notebook), "--preheat", "0"
    )
    with running_server(command, port, path=UP_PATH) as base:
        text = _open(page, base + "/", "before the failure")
        page.locator("text=/error/i >> visible=true").first.wait_for(timeout=60_000)
        html = page.content()
    assert "SOURCE-LEAK" not in html and "TRACEBACK-LEAK" not in html and "RuntimeError" not in html
    assert "Traceback" not in html and "before the failure" in text


def test_a_visitors_kernel_is_shut_down_when_they_leave(page, live_viewer: str) -> None:
    server = live_viewer
    _open(page, server + "/?map=acme")
    kernel = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")

    def kernel_status() -> int:
        return page.request.get(f"{server}/api/kernels/{kernel}").status

    assert kernel_status() == 200
    page.goto("about:blank")  # leaving runs the page's beforeunload, which asks for the shutdown
    wait_for(lambda: kernel_status() == 404, timeout=30, what="the visitor's kernel to be shut down")


EMOTION_TEXT = """() => {
    for (const view of Object.values(window.Bokeh ? Bokeh.index : {})) {
        const model = view.model.document.get_model_by_name('cjm-emotion');
        if (model) return JSON.stringify(model.data);
    }
    return null;
}"""


def test_the_persona_links_switch_the_curve_and_all_personas_is_one_click_away(page, server: str) -> None:
    _open(page, server + "/?map=acme")
    page.wait_for_function(PAINTED, timeout=60_000)
    maya = page.evaluate(EMOTION_TEXT)
    assert page.locator("b[aria-current=page] >> visible=true").inner_text() == "Maya Okafor"
    assert page.locator('a[href="/download/acme/deck.pptx"]').count() == 1  # the map as a deck, to take away
    page.get_by_role("link", name="Daniel Weber").click()
    page.wait_for_url("**/?map=acme&persona=daniel")
    page.wait_for_function(PAINTED, timeout=60_000)
    assert page.evaluate(EMOTION_TEXT) != maya
    page.get_by_role("link", name="All personas").click()
    page.wait_for_url("**/?map=acme&persona=")
    page.wait_for_function(PAINTED, timeout=60_000)
    assert page.locator("b[aria-current=page] >> visible=true").inner_text() == "All personas"
    text = _open(page, server + "/?map=acme&persona=nobody", "No such persona")
    assert "nobody" in text and page.title() == "No such persona · cjmkit"


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_the_whole_map_can_be_seen_and_reached_on_common_screens(
    page, server: str, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    _open(page, server + "/", "Journey maps")  # the list: every map's link fits the screen's width
    for link in page.locator("main a").all():
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (link.inner_text(), box)
    _open(page, server + "/?map=acme")
    page.wait_for_function(PAINTED, timeout=60_000)
    # the way back and the persona switch are on the first screen
    for name in ("← All maps", "Daniel Weber"):
        box = page.get_by_role("link", name=name).bounding_box()
        assert (
            box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width and box["y"] < height
        )
    # every canvas (the map and the panels) lies inside the page's scrollable area, nothing is cut off
    page_size = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
        " getComputedStyle(document.documentElement).overflowX, getComputedStyle(document.body).overflowX]"
    )
    assert "hidden" not in page_size[2:] and "clip" not in page_size[2:]
    canvases = page.locator(".bk-Canvas")
    assert canvases.count() >= 2
    for i in range(canvases.count()):
        box = canvases.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page_size[0] + 1, (i, box, page_size)
        assert box["y"] >= 0 and box["y"] + box["height"] <= page_size[1] + 1, (i, box, page_size)
    # scrolled to its far right and bottom, the map's last corner is on screen
    the_map = canvases.first
    the_map.evaluate("el => el.scrollIntoView({block: 'end', inline: 'end'})")
    box = the_map.bounding_box()
    assert box["x"] + box["width"] <= width + 1 and box["y"] + box["height"] <= height + 1


def test_pages_follow_the_map_and_its_data_and_cost_no_kernel(served, maps: Path) -> None:
    server, info = served
    url = server + "/?map=beta"
    status, headers, first = _get(url)
    assert status == 200 and b"Beta onboarding" in first
    assert _get(url, **{"If-None-Match": headers["ETag"]})[0] == 304  # unchanged: nothing resent
    status, zipped, body = _get(url, **{"Accept-Encoding": "gzip"})
    assert zipped.get("Content-Encoding") == "gzip" and len(body) < len(first) / 3
    journey = load(maps / "beta.cjm.json")
    journey.title = "Beta onboarding, second round"
    save(journey, maps / "beta.cjm.json")
    status, changed, second = _get(url)
    assert b"Beta onboarding, second round" in second and changed["ETag"] != headers["ETag"]
    # the raw data beside a map counts too: its own ticket export replaces the folder's
    broken = b"Handoff health is not shown"  # the note a bad ticket export leaves under the map
    assert broken not in _get(server + "/?map=acme")[2]
    (maps / "acme.tickets.csv").write_text("not,the,columns\n1,2,3\n")
    shutil.copyfile(maps / "care_contacts.csv", maps / "acme.care_contacts.csv")
    try:
        assert broken in _get(server + "/?map=acme")[2]  # its own export now counts, and says why not
    finally:
        (maps / "acme.tickets.csv").unlink()
        (maps / "acme.care_contacts.csv").unlink()
    assert broken not in _get(server + "/?map=acme")[2]
    assert kernels_of(info["process"]) == []
