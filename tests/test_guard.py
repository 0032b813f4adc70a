"""The guard in front of both servers: Host, Origin and the workshop's token, decided before any handler."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from cjmkit.serve import check_port
from cjmkit.web import Guard, PlainPageHandler, TokenHandler, page_html


def _request(
    host: str = "127.0.0.1:8866",
    method: str = "GET",
    uri: str = "/",
    origin: str | None = None,
    websocket: bool = False,
    cookie: str | None = None,
) -> HTTPServerRequest:
    headers = HTTPHeaders({"Host": host})
    if origin is not None:
        headers["Origin"] = origin
    if websocket:
        headers["Upgrade"] = "websocket"
        headers["Connection"] = "Upgrade"
    if cookie is not None:
        headers["Cookie"] = cookie
    return HTTPServerRequest(start_line=RequestStartLine(method, uri, "HTTP/1.1"), headers=headers)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:8866", "localhost:8866", "LOCALHOST:8866", "[::1]:8866", "127.0.0.1", "localhost"],
)
def test_this_machines_names_pass(host: str) -> None:
    assert Guard("127.0.0.1", 8866).refusal(_request(host)) is None


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:8866",  # a rebinding page sends its own name
        "evil.example",
        "127.0.0.1.evil.example:8866",
        "localhost.evil.example",
        "192.168.1.20:8866",  # an address this server was not asked to listen on
        "",
        "[::2]:8866",
    ],
)
def test_other_hosts_are_refused(host: str) -> None:
    refusal = Guard("127.0.0.1", 8866).refusal(_request(host))
    assert refusal is not None and refusal.handler is PlainPageHandler
    assert refusal.kwargs["status"] == 403


def test_the_listening_address_passes_and_every_interface_means_any_address_but_no_name() -> None:
    assert Guard("192.168.1.20", 8866).refusal(_request("192.168.1.20:8866")) is None
    assert Guard("myhost.lan", 8866).refusal(_request("MyHost.lan:8866")) is None
    everywhere = Guard("0.0.0.0", 8866)
    for host in ("10.1.2.3:8866", "[fe80::1]:8866", f"{socket.gethostname()}:8866", "127.0.0.1:8866"):
        assert everywhere.refusal(_request(host)) is None, host
    assert everywhere.refusal(_request("evil.example:8866")) is not None


@settings(max_examples=200, deadline=None)
@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-", min_size=1, max_size=30))
def test_no_other_name_passes(name: str) -> None:
    guard = Guard("127.0.0.1", 8866)
    refused = guard.refusal(_request(f"{name}:8866")) is not None
    assert refused == (name not in ("127.0.0.1", "localhost"))


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        ("http://127.0.0.1:8866", True),
        ("http://evil.example", False),
        ("http://127.0.0.1:9999", False),  # another server of this machine is another site
        ("https://127.0.0.1:8866", False),
        ("null", False),
        ("http://localhost:8866", False),  # not the Host the page was loaded from
        ("http://[bad", False),
    ],
)
def test_websockets_and_posts_must_come_from_this_server(origin: str, ok: bool) -> None:
    guard = Guard("127.0.0.1", 8866)
    for request in (
        _request(origin=origin, websocket=True, uri="/api/kernels/x/channels"),
        _request(origin=origin, method="POST", uri="/voila/api/shutdown/x"),
    ):
        assert (guard.refusal(request) is None) == ok
    # a plain GET carries Origin only in some browsers: it is never refused for it
    assert guard.refusal(_request(origin=origin)) is None


def test_without_an_origin_a_program_is_not_a_page() -> None:
    assert Guard("127.0.0.1", 8866).refusal(_request(websocket=True)) is None


def test_the_token_arrives_once_in_the_address_then_lives_in_a_cookie() -> None:
    guard = Guard("127.0.0.1", 8867, token="s3cret")
    assert guard.cookie == "cjmkit-token-8867"
    assert guard.refusal(_request("127.0.0.1:8867")).kwargs["status"] == 403
    assert guard.refusal(_request("127.0.0.1:8867", uri="/?token=wrong")).kwargs["status"] == 403
    assert guard.refusal(_request("127.0.0.1:8867", cookie="cjmkit-token-8867=wrong")) is not None
    assert guard.refusal(_request("127.0.0.1:8867", cookie="cjmkit-token-8866=s3cret")) is not None
    welcome = guard.refusal(_request("127.0.0.1:8867", uri="/?token=s3cret&map=x"))
    assert welcome.handler is TokenHandler and welcome.kwargs == {
        "cookie": "cjmkit-token-8867",
        "token": "s3cret",
    }
    assert guard.refusal(_request("127.0.0.1:8867", cookie="cjmkit-token-8867=s3cret")) is None
    ws = _request(
        "127.0.0.1:8867", websocket=True, origin="http://127.0.0.1:8867", cookie="cjmkit-token-8867=s3cret"
    )
    assert guard.refusal(ws) is None
    # the token never excuses a forged Host or Origin
    assert guard.refusal(_request("evil.example:8867", cookie="cjmkit-token-8867=s3cret")) is not None
    ws.headers["Origin"] = "http://evil.example"
    assert guard.refusal(ws) is not None
    assert guard.refusal(_request("127.0.0.1:8867", cookie="garbage; ;;= =\x00")) is not None


def test_handlers_that_check_their_visitors_themselves_skip_the_token_only() -> None:
    class JoinPage:
        cjmkit_public = True

    guard = Guard("0.0.0.0", 8867, token="s3cret")
    assert guard.refusal(_request("10.0.0.5:8867"), JoinPage) is None
    assert guard.refusal(_request("evil.example:8867"), JoinPage) is not None
    assert guard.refusal(_request("10.0.0.5:8867", method="POST", origin="http://evil.example"), JoinPage)


def test_plain_pages_escape_and_have_a_title() -> None:
    page = page_html("Busy <b>", "Try <again>", refresh=5, link=("?a=1&b=<2>", "Back"))
    assert "<title>Busy &lt;b&gt; · cjmkit</title>" in page
    assert "Try &lt;again&gt;" in page and '<meta http-equiv="refresh" content="5">' in page
    assert 'href="?a=1&amp;b=&lt;2&gt;"' in page and "<b>" not in page


def test_a_port_just_let_go_of_can_be_listened_on_again_at_once() -> None:
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its port waits in TIME_WAIT
        client.close()
    check_port("127.0.0.1", port)  # no "address already in use"
