"""PDF and PowerPoint downloads of served maps: built once per revision, only for the folder's maps."""

from __future__ import annotations

import asyncio
import io
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import SAMPLE_MAP, cjmkit_command, free_port, require_chromium, running_server

from cjmkit import store
from cjmkit.downloads import DownloadCache, download_links, download_routes

pytestmark = pytest.mark.browser


@pytest.fixture
def maps(tmp_path: Path) -> Path:
    folder = tmp_path / "maps"
    folder.mkdir()
    shutil.copyfile(SAMPLE_MAP, folder / "acme.cjm.json")
    (tmp_path / "secret.cjm.json").write_text("{}")  # beside the folder, never served
    return folder


@pytest.fixture
def server(maps: Path) -> Iterator[tuple[str, DownloadCache]]:
    """The download routes alone on a tornado server on 127.0.0.1, in a thread."""
    import tornado.httpserver
    import tornado.web

    require_chromium()
    cache = DownloadCache(maps)
    port = free_port()
    ready = threading.Event()
    state: dict[str, object] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = tornado.web.Application(download_routes(cache))
        http = tornado.httpserver.HTTPServer(app)
        http.listen(port, address="127.0.0.1")
        state["loop"], state["http"] = loop, http
        ready.set()
        loop.run_forever()
        http.stop()
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    yield f"http://127.0.0.1:{port}", cache
    state["loop"].call_soon_threadsafe(state["loop"].stop)
    thread.join(10)
    cache.close()


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def text_of(pdf: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_a_download_is_built_once_per_revision(server, maps: Path) -> None:
    base, cache = server
    status, headers, body = fetch(base + "/download/acme/handout.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'attachment; filename="acme-handout.pdf"'
    assert "Stage 1 of 7: Discover\n" in text_of(body)
    assert fetch(base + "/download/acme/handout.pdf")[2] == body and cache.builds == 1

    with store.open_map(maps / "acme.cjm.json") as session:  # a new revision gets a new file
        session.editor.update("stages", session.journey.stages[0].id, name="Discover anew")
    status, _headers, again = fetch(base + "/download/acme/handout.pdf")
    assert status == 200 and cache.builds == 2
    assert "Stage 1 of 7: Discover anew" in text_of(again)


@pytest.mark.parametrize(
    "path",
    [
        "/download/secret/handout.pdf",
        "/download/..%2Fsecret/handout.pdf",
        "/download/%2E%2E/handout.pdf",
        "/download/acme/map.cjm.json",
        "/download/acme/..%2F..%2Facme.cjm.json",
        "/download/nosuch/deck.pptx",
    ],
)
def test_only_the_folders_maps_and_three_files_are_served(server, path: str) -> None:
    base, cache = server
    status, headers, body = fetch(base + path)
    assert status == 404
    assert headers["Content-Type"].startswith("text/html") and b"schema_version" not in body
    assert cache.builds == 0


def test_links_name_the_map_escaped() -> None:
    assert download_links("a b&c") == [
        ("PDF poster (A3)", "/download/a%20b%26c/poster.pdf"),
        ("PDF handout (A4)", "/download/a%20b%26c/handout.pdf"),
        ("PowerPoint deck", "/download/a%20b%26c/deck.pptx"),
    ]


@pytest.mark.slow
def test_cjmkit_serve_answers_downloads_behind_its_guard(maps: Path) -> None:
    require_chromium()
    port = free_port()
    with running_server(
        cjmkit_command("serve", str(maps), "--port", str(port), "--preheat", "0"), port
    ) as base:
        status, headers, body = fetch(base + "/download/acme/deck.pptx")
        assert status == 200 and body[:2] == b"PK" and "presentationml" in headers["Content-Type"]
        request = urllib.request.Request(base + "/download/acme/deck.pptx", headers={"Host": "evil.example"})
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError("a foreign Host was answered")
        except urllib.error.HTTPError as error:
            assert error.code == 403


def test_the_served_viewer_links_its_downloads() -> None:
    from cjmkit.widgets.viewer import MapViewer, header_html

    journey = store.load(SAMPLE_MAP)
    assert 'href="/download/acme/deck.pptx" download' in header_html(journey, "acme")
    assert "/download/" not in header_html(journey)  # a viewer not served by name offers none
    assert "/download/acme/poster.pdf" in MapViewer(journey, name="acme").header.value


def test_the_server_answers_while_a_file_is_made(server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from support import wait_for

    base, cache = server
    with ThreadPoolExecutor(2) as pool:
        deck = pool.submit(fetch, base + "/download/acme/deck.pptx")
        wait_for(lambda: cache.building == "acme/deck.pptx" or deck.done(), timeout=60, interval=0.02)
        handout = pool.submit(fetch, base + "/download/acme/handout.pdf")  # waits for the worker
        wait_for(lambda: cache._waiting == 2 or deck.done(), timeout=30, interval=0.02)
        assert not deck.done(), "the deck was made before the test could look"
        assert fetch(base + "/download/nosuch/deck.pptx")[0] == 404
        assert cache.building == "acme/deck.pptx"  # answered while the deck was still being made
        assert deck.result()[0] == 200 and handout.result()[0] == 200
