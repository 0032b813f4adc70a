"""``cjmkit serve`` for real: Voila on 127.0.0.1, headless Chromium, crafted widget messages."""

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

import pytest
from support import SAMPLE_MAP, cjmkit_command, free_port, running_server, wait_for

from cjmkit.serve import viewer_notebook
from cjmkit.store import load, save
from cjmkit.templates import new_journey

pytestmark = pytest.mark.browser

MAP_DRAWN = ".bk-Canvas"
NO_SUCH_MAP = "No such map"
TRACEBACK_WORDS = ("Traceback", "Error:", 'File "', "line ")
# Voila answers a request that reaches no handler by redirecting it to /voila/files/, which
# refuses everything: a cheap way to see that the server is up without starting a kernel.
UP_PATH = "/voila/files/up"


@pytest.fixture(scope="module")
def maps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    folder = root / "maps"
    folder.mkdir()
    shutil.copyfile(SAMPLE_MAP, folder / "acme.cjm.json")
    for name in ("tickets.csv", "care_contacts.csv"):
        shutil.copyfile(SAMPLE_MAP.parent / name, folder / name)
    save(new_journey("saas-onboarding", "Beta onboarding"), folder / "beta.cjm.json")
    (folder / "broken.cjm.json").write_text('{"title": "Broken", "stages": [', encoding="utf-8")
    secret = load(SAMPLE_MAP)
    secret.title = "Secret map outside the folder"
    save(secret, root / "outside.cjm.json")
    return folder


@pytest.fixture(scope="module")
def server(maps: Path) -> Iterator[str]:
    port = free_port()
    with running_server(cjmkit_command("serve", str(maps), "--port", str(port)), port, path=UP_PATH) as base:
        yield base


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def _open(page, url: str, text: str | None = None) -> str:
    """Load a viewer page and wait until it shows ``text`` (or the map); return its text."""
    page.goto(url, wait_until="commit")
    if text is None:
        page.wait_for_selector(MAP_DRAWN, timeout=90_000)
    else:
        # (the page's <title> holds the same words, hidden: wait for the visible ones)
        page.locator(f"text={text} >> visible=true").first.wait_for(timeout=90_000)
    return page.inner_text("body")


def test_root_lists_the_maps_and_a_link_opens_one_without_code_or_outside_requests(page, server: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    text = _open(page, server + "/", "Journey maps")
    assert "Acme Cloud" in text and "Beta onboarding" in text
    assert page.title() == "Journey maps · cjmkit"
    page.click('a[href="?map=acme"]')
    page.wait_for_selector(MAP_DRAWN, timeout=90_000)
    assert wait_for(lambda: page.title().startswith("Acme Cloud"), timeout=30, what="the map's title")
    body = page.inner_text("body")
    assert "Latest feedback" in body and "Persona" in body
    # the panels are sent once the map is drawn: they follow
    page.locator("text=Needs attention >> visible=true").first.wait_for(timeout=30_000)
    html = page.content()
    assert "viewer.setup()" not in html and "from_request" not in html and "import" not in body
    outside = [url for url in requests if not url.startswith((server, "data:", "blob:"))]
    assert requests and outside == []


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
        assert status >= 400, path
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
        for state in ({"index": 99}, {"index": -1}, {"index": 1}):  # two invalid, then another persona
            data = {"method": "update", "state": state, "buffer_paths": []}
            await connection.write_message(message("comm_msg", {"comm_id": comm_id, "data": data}))
    await asyncio.sleep(1)
    connection.close()
    return dropdowns


EMOTION_DATA = """() => {
    for (const view of Object.values(window.Bokeh ? Bokeh.index : {})) {
        const model = view.model.document.get_model_by_name('cjm-emotion');
        if (model) return JSON.stringify(model.data);
    }
    return null;
}"""


def test_a_crafted_widget_message_changes_the_page_never_a_file(page, server: str, maps: Path) -> None:
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


def test_a_visitors_kernel_is_shut_down_when_they_leave(page, server: str) -> None:
    _open(page, server + "/?map=acme")
    kernel = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")

    def kernel_status() -> int:
        return page.request.get(f"{server}/api/kernels/{kernel}").status

    assert kernel_status() == 200
    page.goto("about:blank")  # leaving runs the page's beforeunload, which asks for the shutdown
    wait_for(lambda: kernel_status() == 404, timeout=30, what="the visitor's kernel to be shut down")
