"""The HTTP foundation of cjmkit's servers: one guard in front of every handler.

``cjmkit serve`` and ``cjmkit workshop`` (and whatever is later mounted on them, such as the
participants' page of a workshop) answer through a :class:`GuardedApplication`, a tornado
``Application`` whose :meth:`~GuardedApplication.find_handler` asks its :class:`Guard` about
every request **before** any handler runs: before Voila's page handler starts a kernel, before
a kernel websocket opens, before a static file is read. The guard refuses (403, a plain page):

1. **a Host it does not know.** Accepted: 127.0.0.1, localhost, ::1, the address given with
   ``--host``, and, when listening on every interface (``--host 0.0.0.0`` or ``::``), any IP
   address and this machine's own name. A page from another site that re-points its own name
   at 127.0.0.1 (DNS rebinding) sends its own name as Host and is refused.
2. **a websocket or a state-changing request (POST, PUT, PATCH, DELETE) from another origin**:
   its ``Origin`` must be this very server (scheme, host and port of the request's Host).
   Browsers always send ``Origin`` on these; a request without one comes from a program, not
   a page.
3. **a request without the server's token**, when it has one (the workshop board): the token
   arrives once in the URL printed at start (``?token=...``, as Jupyter does), is kept in an
   HttpOnly cookie (``cjmkit-token-PORT``, so two servers on one machine do not share it), and
   the address is reloaded without it so it does not linger in the address bar.

Mounting more handlers: ``cjmkit.serve.serve(..., handlers=[(r"/join", JoinHandler, {...})])``
puts plain tornado handlers on the same server, in front of its own routes and behind the same
guard. A handler class that checks its visitors itself (e.g. a participants' page protected by
a join code) sets ``cjmkit_public = True``: the token is then not asked for, Host and Origin
still are. Use :func:`page_html` for its plain pages.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import logging
import os
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import tornado.web
from tornado.httputil import HTTPServerRequest, split_host_and_port

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Names of this machine that are always accepted as Host."""
ALL_INTERFACES = ("0.0.0.0", "::", "")
"""Addresses that mean "listen on every interface"."""
TOKEN_ENV = "CJMKIT_TOKEN"
"""Environment variable that sets the workshop's token instead of a random one (tests, demos)."""
TOKEN_PARAM = "token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

CONTENT_SECURITY_POLICY = (
    "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    "connect-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)
"""Pages may load and call nothing but their own server (a compromised output cannot call out);
Bokeh's embed scripts are inline."""
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""Headers of every page of cjmkit's servers."""

PAGE_CSS = (
    "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933;"
    "background:#f5f7fa}header{padding:10px 24px;background:#1f3a5f;color:#fff;font-size:18px;"
    "font-weight:bold}main{padding:24px;max-width:44em;font-size:17px;line-height:1.5}"
    "a{color:#1f3a5f}"
)


def log_to_stderr(prefix: str) -> None:
    """Send cjmkit's log records (logger ``cjmkit`` and below) to stderr, the server's log, once."""
    logger = logging.getLogger("cjmkit")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(f"[{prefix}] %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def new_token() -> str:
    """Return the token for a server: ``$CJMKIT_TOKEN`` when set, else a fresh random one."""
    return os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)


def page_html(
    title: str, sentence: str, *, refresh: int | None = None, link: tuple[str, str] | None = None
) -> str:
    """Return a small, self-contained HTML page (escaped): a heading, one sentence, maybe a link.

    ``refresh`` makes the browser load the same address again after that many seconds (the busy
    page retries by itself); ``link`` is ``(href, words)``.
    """
    meta = f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else ""
    more = f'<p><a href="{html.escape(link[0], quote=True)}">{html.escape(link[1])}</a></p>' if link else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="referrer" content="no-referrer">{meta}<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)} · cjmkit</title><style>{PAGE_CSS}</style></head>"
        f"<body><header>cjmkit</header><main><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(sentence)}</p>{more}</main></body></html>\n"
    )


class PlainPageHandler(tornado.web.RequestHandler):
    """Answers every method with one plain page (:func:`page_html`) and a status code."""

    def initialize(
        self,
        status: int,
        title: str,
        sentence: str,
        headers: dict[str, str] | None = None,
        refresh: int | None = None,
    ) -> None:
        """Keep the page to answer with (tornado calls this with the route's arguments)."""
        self.page = (status, title, sentence, headers or {}, refresh)

    def prepare(self) -> None:
        """Send the page with its status, whatever the method, and finish."""
        status, title, sentence, headers, refresh = self.page
        self.set_status(status)
        for name, value in {**SECURITY_HEADERS, **headers}.items():
            self.set_header(name, value)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        if self.request.method != "HEAD":
            self.write(page_html(title, sentence, refresh=refresh))
        self.finish()


class TokenHandler(tornado.web.RequestHandler):
    """Keeps a correct token in the server's cookie and reloads the address without it."""

    def initialize(self, cookie: str, token: str) -> None:
        """Keep the cookie name and the token this handler checks."""
        self.cookie, self.token = cookie, token

    def get(self) -> None:
        """Set the cookie and reload the address without the token in it."""
        self.set_cookie(self.cookie, self.token, httponly=True, samesite="Lax", path="/")
        query = [(k, v) for k, v in parse_qsl(self.request.query, keep_blank_values=True) if k != TOKEN_PARAM]
        self.set_header("Cache-Control", "no-store")
        self.redirect(self.request.path + (f"?{urlencode(query)}" if query else ""))


@dataclass
class Refusal:
    """Why the guard stopped a request: the handler (and its arguments) that answers instead."""

    handler: type[tornado.web.RequestHandler]
    kwargs: dict[str, Any] = field(default_factory=dict)


def _forbidden(sentence: str) -> Refusal:
    return Refusal(PlainPageHandler, {"status": 403, "title": "Not allowed", "sentence": sentence})


def _hostname(netloc: str) -> tuple[str, int | None]:
    host, port = split_host_and_port(netloc.lower())
    return host.strip("[]"), port


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class Guard:
    """Decides, before any handler runs, whether a request may go on (see the module docstring).

    Parameters
    ----------
    listen_host
        The address the server listens on (``--host``).
    port
        Its port (names the token's cookie).
    token
        The secret every request must carry (in the cookie, or once in ``?token=``); None asks
        for none (the read-only viewer).
    extra_hosts
        More names to accept as Host.
    """

    def __init__(
        self, listen_host: str, port: int, *, token: str | None = None, extra_hosts: Iterable[str] = ()
    ) -> None:
        self.listen_host = listen_host
        self.port = port
        self.token = token
        self.any_ip = listen_host in ALL_INTERFACES
        names = {*LOCAL_HOSTS, listen_host.strip("[]").lower(), *(h.lower() for h in extra_hosts)}
        if self.any_ip:  # visitors type this machine's address or its name
            machine = socket.gethostname().lower()
            names |= {machine, f"{machine}.local"}
        names.discard("")
        self.hosts = frozenset(names)

    @property
    def cookie(self) -> str:
        """The name of the cookie that keeps the token."""
        return f"cjmkit-token-{self.port}"

    def host_allowed(self, host_header: str) -> bool:
        """True when ``host_header`` (e.g. ``127.0.0.1:8866``) names this server."""
        if not host_header:
            return False
        name, _port = _hostname(host_header)
        return name in self.hosts or (self.any_ip and _is_ip(name))

    def origin_allowed(self, origin: str, host_header: str, scheme: str = "http") -> bool:
        """True when ``origin`` is this server itself, as reached through ``host_header`` by ``scheme``."""
        try:
            parts = urlsplit(origin)
            origin_port = parts.port
        except ValueError:
            return False
        if parts.scheme != scheme or not parts.hostname:
            return False
        default = 443 if parts.scheme == "https" else 80
        name, port = _hostname(host_header)
        return (parts.hostname.lower(), origin_port or default) == (name, port or default)

    def token_ok(self, candidate: str | None) -> bool:
        """True when ``candidate`` is the server's token (compared in constant time)."""
        if not (self.token and candidate):
            return False
        return hmac.compare_digest(candidate.encode("utf-8", "replace"), self.token.encode("utf-8"))

    def refusal(self, request: HTTPServerRequest, handler_class: type | None = None) -> Refusal | None:
        """Return why ``request`` must not reach ``handler_class``, or None to let it through."""
        host = request.headers.get("Host", "")
        if not self.host_allowed(host):
            return _forbidden(
                "This server answers only requests addressed to it by its own name or address "
                "(the request named another one)."
            )
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        origin = request.headers.get("Origin")
        cross_site = origin is not None and not self.origin_allowed(origin, host, request.protocol)
        if cross_site and (upgrade or request.method not in SAFE_METHODS):
            return _forbidden("This server does not take requests made by pages of other sites.")
        if self.token is None or getattr(handler_class, "cjmkit_public", False):
            return None
        given = dict(parse_qsl(request.query, keep_blank_values=True)).get(TOKEN_PARAM)
        if given is not None and self.token_ok(given):
            if request.method == "GET" and not upgrade:
                return Refusal(TokenHandler, {"cookie": self.cookie, "token": self.token})
            return None
        if self.token_ok(_cookie(request, self.cookie)):
            return None
        return _forbidden(
            "This page needs its link with the token, as printed where the server was started "
            "(…/?token=…). Ask the facilitator for it."
        )


def _cookie(request: HTTPServerRequest, name: str) -> str | None:
    try:
        morsel = request.cookies.get(name)
    except Exception:  # a malformed Cookie header is no cookie
        return None
    return morsel.value if morsel is not None else None


class GuardedApplication(tornado.web.Application):
    """A tornado Application that passes every request through its :class:`Guard` first.

    Parameters
    ----------
    guard
        The guard.
    handlers, **settings
        As for ``tornado.web.Application``.
    """

    def __init__(self, guard: Guard, handlers: Any = None, **settings: Any) -> None:
        self.guard = guard
        super().__init__(handlers, **settings)

    def find_handler(self, request: HTTPServerRequest, **kwargs: Any) -> Any:
        """Route ``request``, then let the guard replace the handler with a refusal if need be."""
        delegate = super().find_handler(request, **kwargs)
        refusal = self.guard.refusal(request, getattr(delegate, "handler_class", None))
        if refusal is None:
            return delegate
        return self.get_handler_delegate(request, refusal.handler, refusal.kwargs)
