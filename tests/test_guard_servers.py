"""Forged requests against the real servers: 403 before any kernel starts, the map never changes.

What a DNS-rebinding page in the facilitator's own browser would send (its own name as Host,
its own origin on websockets and posts), and what a visitor without the workshop's link sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import (
    SAMPLE_MAP,
    cjmkit_command,
    free_port,
    kernels_of,
    require_chromium,
    run_async,
    running_server,
    wait_for,
)

from cjmkit.render.export import CHROMIUM_ARGS

pytestmark = pytest.mark.slow

TOKEN = "guard-test-token"
EVIL = "evil.example"


def _get(port: int, path: str, host: str | None = None, method: str = "GET", **headers: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, headers={"Host": host or f"127.0.0.1:{port}", **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


async def _send_big(url: str, size: int, **headers: str) -> tuple[bool, int | None]:
    """Send one message of ``size`` bytes; return whether the server closed the connection, and its code."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import WebSocketClosedError, websocket_connect

    connection = await websocket_connect(HTTPRequest(url, headers=headers, connect_timeout=30))
    # The server may close before the client has finished writing the message; the close frame it
    # sent first is read below (or the stream was cut under it: closed, no code).
    with contextlib.suppress(WebSocketClosedError):
        await connection.write_message(json.dumps({"padding": "x" * size}))
    deadline = asyncio.get_running_loop().time() + 90
    while asyncio.get_running_loop().time() < deadline:  # the kernel's own messages may come first
        try:
            if await asyncio.wait_for(connection.read_message(), timeout=30) is None:
                return True, connection.close_code
        except TimeoutError:
            break
    connection.close()
    return False, None


async def _websocket(url: str, **headers: str) -> int:
    """Open a websocket with these headers; return 101 when it opened, else the refusal's status."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    try:
        connection = await websocket_connect(HTTPRequest(url, headers=headers, connect_timeout=30))
    except HTTPClientError as error:
        return error.code
    connection.close()
    return 101


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, dict]]:
    folder = tmp_path_factory.mktemp("guarded-workshop")
    target = folder / "acme.cjm.json"
    shutil.copyfile(SAMPLE_MAP, target)
    port, info = free_port(), {}
    command = cjmkit_command("workshop", str(target), "--port", str(port))
    with running_server(command, port, path="/favicon.ico", env={"CJMKIT_TOKEN": TOKEN}, info=info):
        yield port, target, info


def test_the_workshop_refuses_strangers_before_a_kernel_starts(workshop) -> None:
    port, target, info = workshop
    before = target.read_bytes()
    status, _, body = _get(port, "/")
    assert (
        status == 403
        and "needs its link with the token" in body
        and "<title>Not allowed · cjmkit</title>" in body
    )
    assert _get(port, "/?token=wrong")[0] == 403
    assert _get(port, f"/?token={TOKEN}", host=f"{EVIL}:{port}")[0] == 403
    cookie = f"cjmkit-token-{port}={TOKEN}"
    assert _get(port, "/", host=f"{EVIL}:{port}", Cookie=cookie)[0] == 403
    assert _get(port, "/", host=EVIL, Cookie=cookie)[0] == 403
    for path in ("/logout", "/voila/templates/nope", "/voila/templates/lab/x"):
        assert _get(port, path, Cookie=cookie)[0] == 404, path
    for path in ("/login", "/api/kernels", "/voila/templates/../../../etc/passwd"):
        assert _get(port, path, Cookie=cookie)[0] < 500, path
    assert kernels_of(info["process"]) == []
    assert target.read_bytes() == before
    log = info["log"].read_text(errors="replace")
    assert "Traceback" not in log and "Uncaught exception" not in log


def test_the_printed_link_sets_a_cookie_and_drops_the_token_from_the_address(workshop) -> None:
    port, _, _ = workshop
    status, headers, _ = _get(port, f"/?token={TOKEN}")
    assert status == 302 and headers["Location"] == "/"
    cookie = headers["Set-Cookie"]
    assert (
        cookie.startswith(f"cjmkit-token-{port}={TOKEN};")
        and "HttpOnly" in cookie
        and "SameSite=Lax" in cookie
    )


def test_websockets_and_posts_from_another_origin_are_refused_and_change_nothing(workshop) -> None:
    port, target, info = workshop
    before = target.read_bytes()
    cookie = f"cjmkit-token-{port}={TOKEN}"
    status, _, page = _get(port, "/", Cookie=cookie)  # a real visit: the board and its kernel
    assert status == 200 and "<title>cjmkit workshop</title>" in page
    kernel = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))[
        "kernelId"
    ]
    assert len(kernels_of(info["process"])) == 1
    url = f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels"
    own = f"http://127.0.0.1:{port}"
    for headers in (
        {"Origin": f"http://{EVIL}:{port}", "Cookie": cookie},  # a rebinding page's script
        {"Origin": f"http://{EVIL}:{port}", "Host": f"{EVIL}:{port}", "Cookie": cookie},
        {"Origin": own, "Host": f"{EVIL}:{port}", "Cookie": cookie},
        {"Origin": own},  # no token
    ):
        assert run_async(_websocket(url, **headers)) == 403, headers
    assert run_async(_websocket(url, Origin=own, Cookie=cookie)) == 101  # the board's own page gets through
    # a message over the size limit is refused: the connection is closed ("message too big")
    closed, code = run_async(_send_big(url, 2 * 1024 * 1024, Origin=own, Cookie=cookie))
    assert closed and code in (1009, None)  # None: the stream was cut while the client still wrote
    shutdown = f"/voila/api/shutdown/{kernel}"
    assert _get(port, shutdown, method="POST", Origin=f"http://{EVIL}", Cookie=cookie)[0] == 403
    assert len(kernels_of(info["process"])) == 1
    assert target.read_bytes() == before


def test_a_rebinding_page_in_a_real_browser_sees_only_the_refusal(workshop, browser) -> None:
    """Chromium resolves evil.example to 127.0.0.1, as a rebinding attacker's DNS would make it."""
    port, target, info = workshop
    before = target.read_bytes()
    kernels = kernels_of(info["process"])
    # a browser of its own (the resolver rule is a launch flag), from the session's Playwright
    rebound = browser.browser_type.launch(
        executable_path=require_chromium(),
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {EVIL} 127.0.0.1"],
    )
    try:
        page = rebound.new_page()
        response = page.goto(f"http://{EVIL}:{port}/?token={TOKEN}")
        assert response.status == 403 and page.title() == "Not allowed · cjmkit"
        assert "by its own name or address" in page.inner_text("body")
    finally:
        rebound.close()
    assert wait_for(lambda: kernels_of(info["process"]) == kernels, timeout=10, what="no new kernel")
    assert target.read_bytes() == before


def test_the_viewer_refuses_a_forged_host_before_a_kernel_starts(tmp_path: Path) -> None:
    shutil.copyfile(SAMPLE_MAP, tmp_path / "acme.cjm.json")
    port, info = free_port(), {}
    command = cjmkit_command("serve", str(tmp_path), "--port", str(port), "--preheat", "0")
    with running_server(command, port, path="/favicon.ico", info=info):
        status, _, body = _get(port, "/?map=acme", host=f"{EVIL}:{port}")
        assert status == 403 and "Acme" not in body
        assert _get(port, "/?map=acme", host=f"localhost.{EVIL}")[0] == 403
        assert kernels_of(info["process"]) == []
