"""The participants' side of a workshop room: plain HTTP handlers, no kernel per participant.

:class:`RoomServer` is a small tornado application that ``cjmkit workshop`` runs in its own
process, on its own address and port (the one the facilitator picks, e.g. the room's wifi),
beside the board, which stays on 127.0.0.1. Every request:

- passes cjmkit's guard (:mod:`cjmkit.web`) first: it must name an expected host (the room
  address, or a loopback name) and, when it posts, come from a page of that host (``Origin``):
  a rebinding page elsewhere gets 403;
- needs the join code (``?code=`` once, then a cookie; or a ``code`` form field); the board is
  not reachable with it (another port, another address);
- is rate-limited per participant and per address;
- gets plain sentences back, never a traceback.

What participants send is appended to the room log (fsync'd) before the answer, with the id
made by their page, so a retry after a lost answer is not counted twice. The log is also how
the board talks back: the server re-reads it before each answer (open or closed, the round,
the timer, what happened to each note).

Routes (relative, so the server can sit behind a path prefix):

==============  ================================================================================
``GET /``       the participants' page (:mod:`cjmkit.room.page`); ``?code=`` joins
``POST note``   add a sticky note (form post, or ``Accept: application/json`` from the script)
``POST votes``  this participant's dots in the open round (``dot:KEY`` fields)
``GET state``   the room as JSON, for the page's script (timer, round, tallies once revealed)
``GET map``     the map as a static page (the publish export of the saved revision, cached)
==============  ================================================================================
"""

from __future__ import annotations

import asyncio
import hmac
import html
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web

from cjmkit.errors import CjmError, StorageError
from cjmkit.model import Journey
from cjmkit.room import page
from cjmkit.room.facilitator import ROOM_URL_ENV
from cjmkit.room.log import RoomLog, RoomLogFull, log_path
from cjmkit.room.state import RoomInputError, RoomState, check_note, check_votes
from cjmkit.web import Guard, GuardedApplication

log = logging.getLogger("cjmkit.room")

CODE_COOKIE = "cjm_room"
CLIENT_COOKIE = "cjm_client"
MAX_BODY = 64 * 1024
"""The largest request body accepted (a note is at most a few KB)."""


@dataclass
class Bucket:
    """A token bucket: ``capacity`` requests at once, refilled at ``rate`` per second."""

    capacity: float
    rate: float
    tokens: float = 0.0
    stamp: float = 0.0

    def take(self, now: float) -> bool:
        if self.stamp == 0.0:
            self.tokens, self.stamp = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RateLimiter:
    """Token buckets by key (a participant, an address), forgetting idle keys to stay bounded."""

    def __init__(self, capacity: float, rate: float, max_keys: int = 20_000) -> None:
        self.capacity, self.rate, self.max_keys = capacity, rate, max_keys
        self.buckets: dict[str, Bucket] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_keys:
                full = self.capacity / self.rate
                self.buckets = {k: b for k, b in self.buckets.items() if now - b.stamp < full}
                if len(self.buckets) >= self.max_keys:
                    return False
            bucket = self.buckets[key] = Bucket(self.capacity, self.rate)
        return bucket.take(now)


class RoomServer:
    """Everything the participants' handlers share: the map, the log, the state, the limits.

    Parameters
    ----------
    map_path
        The map of the workshop; its log is ``NAME.room.jsonl`` beside it.
    hosts
        Extra host names participants may use to reach the server (the address it listens on
        and loopback names are always accepted).
    """

    def __init__(self, map_path: str | os.PathLike[str], hosts: tuple[str, ...] = ()) -> None:
        self.map_path = Path(map_path)
        self.log = RoomLog(log_path(self.map_path))
        self.state = RoomState()
        self.hosts = tuple(hosts)
        self.notes_per_client = RateLimiter(capacity=10, rate=1.0)
        self.posts_per_address = RateLimiter(capacity=120, rate=40.0)
        self.reads_per_address = RateLimiter(capacity=240, rate=80.0)
        self.codes_per_address = RateLimiter(capacity=10, rate=0.2)
        self._journey: Journey | None = None
        self._stamp: tuple[int, int] | None = None
        self._map_pages: dict[int, str] = {}
        self._map_lock = threading.Lock()
        self._http: tornado.httpserver.HTTPServer | None = None
        self.address: tuple[str, int] | None = None

    # -- what the handlers read ---------------------------------------------------------------

    def refresh(self) -> RoomState:
        """Fold the events appended to the log since the last request (by anyone)."""
        self.state.apply_all(self.log.read_new())
        return self.state

    def journey(self) -> Journey:
        """The map as saved now (re-read only when the file changed)."""
        from cjmkit.store import load

        try:
            stat = os.stat(self.map_path)
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        if self._journey is None or stamp != self._stamp:
            try:
                self._journey = load(self.map_path)
                self._stamp = stamp
            except CjmError:
                if self._journey is None:
                    raise
                # being replaced this very moment, or broken by hand: keep the last good one
        return self._journey

    def map_page(self) -> str:
        """The saved map as a static page (publish's export), built once per revision."""
        journey = self.journey()
        with self._map_lock:
            cached = self._map_pages.get(journey.revision)
            if cached is None:
                from cjmkit.publish import map_page_html

                name = self.map_path.name.removesuffix(".cjm.json")
                cached = map_page_html(journey, self.map_path.parent, name)
                self._map_pages = {journey.revision: cached}
            return cached

    def code_ok(self, code: str | None) -> bool:
        """Whether ``code`` is the room's join code (compared in constant time)."""
        expected = self.state.code
        if not expected or not code:
            return False
        return hmac.compare_digest(code.strip().upper().encode(), expected.encode())

    # -- running --------------------------------------------------------------------------------

    def application(self, address: str, port: int) -> tornado.web.Application:
        """The participants' routes behind cjmkit's guard (Host and Origin) for ``address:port``."""
        routes: list[Any] = [
            (r"/", PageHandler, {"room": self}),
            (r"/note", NoteHandler, {"room": self}),
            (r"/votes", VotesHandler, {"room": self}),
            (r"/state", StateHandler, {"room": self}),
            (r"/map", MapHandler, {"room": self}),
        ]
        guard = Guard(address, port, extra_hosts=self.hosts)
        return GuardedApplication(
            guard, routes, default_handler_class=NotFoundHandler, default_handler_args={"room": self}
        )

    def listen(self, port: int, address: str, sockets: list[socket.socket] | None = None) -> None:
        """Start answering on ``address:port`` on the running (or next) tornado IOLoop.

        ``sockets`` already bound there (see :func:`bind_room`) are used instead of binding again.
        """
        if sockets is None:
            sockets = tornado.netutil.bind_sockets(port, address)
        port = sockets[0].getsockname()[1]
        self._http = tornado.httpserver.HTTPServer(
            self.application(address, port),
            max_body_size=MAX_BODY,
            idle_connection_timeout=60,
            xheaders=False,
        )
        self._http.add_sockets(sockets)
        self.address = (address, port)
        self.refresh()

    def stop(self) -> None:
        """Stop listening."""
        if self._http is not None:
            self._http.stop()
            self._http = None


class _RoomHandler(tornado.web.RequestHandler):
    """Host and Origin checks, the join code, the participant's id, plain errors."""

    room: RoomServer

    def initialize(self, room: RoomServer) -> None:
        self.room = room
        self.nonce = secrets.token_urlsafe(12)

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        # same-origin, not no-referrer: with no-referrer a form post carries "Origin: null"
        self.set_header("Referrer-Policy", "same-origin")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Cache-Control", "no-store")
        self.clear_header("Server")

    def content_security_policy(self) -> str:
        return (
            f"default-src 'none'; script-src 'nonce-{self.nonce}'; style-src 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )

    def prepare(self) -> None:
        # Host and Origin were checked by the guard (cjmkit.web) before this handler was made
        self.set_header("Content-Security-Policy", self.content_security_policy())
        limiter = (
            self.room.posts_per_address if self.request.method == "POST" else self.room.reads_per_address
        )
        if not limiter.allow(self.request.remote_ip or "?"):
            self._refuse(429, "Too many requests from this address: wait a moment and try again.")
            return
        self.room.refresh()

    def wants_json(self) -> bool:
        return "application/json" in self.request.headers.get("Accept", "")

    def _refuse(self, status: int, sentence: str) -> None:
        self.set_status(status)
        if self.wants_json():
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish({"ok": False, "error": sentence})
        else:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            body = f'<header><h1>Workshop room</h1></header><main><section><p role="alert">{html.escape(sentence)}</p></section></main>'
            self.finish(page._page("Workshop room", body, self.nonce, script=False))

    def joined(self) -> bool:
        """Whether the request carries the join code; joining with ``?code=`` sets the cookie."""
        code = self.get_argument("code", None) or self.get_cookie(CODE_COOKIE)
        if self.room.code_ok(code):
            if self.get_cookie(CODE_COOKIE) != self.room.state.code:
                self.set_cookie(CODE_COOKIE, self.room.state.code or "", httponly=True, samesite="Strict")
            return True
        return False

    def check_joined(self) -> bool:
        """Refuse a request without the join code (rate-limiting wrong guesses); True if joined."""
        if self.joined():
            return True
        if not self.room.codes_per_address.allow(self.request.remote_ip or "?"):
            self._refuse(429, "Too many wrong join codes from this address: wait a minute and try again.")
        elif self.wants_json() or self.request.method == "POST":
            self._refuse(403, "This page needs the room's join code: open the link the facilitator shows.")
        else:
            given = self.get_argument("code", None)
            self.set_status(403 if given else 200)
            message = "That join code is not right: check it on the facilitator's screen." if given else ""
            self.finish(page.join_page(self.nonce, message))
        return False

    def client(self) -> str:
        """The participant's anonymous id (a cookie made on their first visit)."""
        client = self.get_cookie(CLIENT_COOKIE)
        if not client or len(client) > 40 or not client.replace("-", "").replace("_", "").isalnum():
            client = secrets.token_urlsafe(12)
            self.set_cookie(CLIENT_COOKIE, client, httponly=True, samesite="Strict", expires_days=2)
        return client

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        if exc_info is not None and status_code >= 500:
            log.error("room request failed", exc_info=exc_info)  # the server's log only
        words = {
            400: "This request is not right.",
            404: "There is nothing here.",
            405: "Not allowed.",
            413: "That is too long.",
        }
        self._refuse(
            status_code, words.get(status_code, "Something went wrong on the server; try again in a moment.")
        )

    def form(self) -> dict[str, str]:
        return {key: self.get_body_argument(key, "") for key in self.request.body_arguments}


class NotFoundHandler(_RoomHandler):
    def prepare(self) -> None:
        super().prepare()
        if not self._finished:
            self._refuse(404, "There is nothing here.")


class PageHandler(_RoomHandler):
    def get(self) -> None:
        if not self.check_joined():
            return
        if self.get_argument("code", None):  # joined by the link: drop the code from the address bar
            self.redirect("./", status=303)
            return
        journey = self.room.journey()
        if not self.room.state.open:
            self.finish(page.closed_page(journey.title, self.nonce))
            return
        sent = self.get_argument("sent", "")
        message = (
            "Sent ✓ The facilitator sees it now."
            if sent == "note"
            else ("Votes saved ✓" if sent == "votes" else "")
        )
        self.finish(
            page.participant_page(journey, self.room.state, self.client(), self.nonce, message=message)
        )


class _PostHandler(_RoomHandler):
    def check_post(self) -> str | None:
        """The participant's id when the room takes this post; else answer and return None."""
        if not self.check_joined():
            return None
        if not self.room.state.open:
            self._refuse(403, "The room is closed: nothing more can be added for now.")
            return None
        client = self.client()
        if not self.room.notes_per_client.allow(client):
            self._refuse(429, "You are sending very fast: wait a few seconds and send again.")
            return None
        return client

    def append(self, event: dict[str, Any]) -> bool | None:
        try:
            return self.room.log.append(event)
        except RoomLogFull as error:
            log.warning("%s", error)
            self._refuse(
                507, "The room cannot take more notes: tell the facilitator (the room's log is full)."
            )
        except StorageError as error:
            log.error("%s", error)
            self._refuse(
                503, "The room could not save this: tell the facilitator, and try again in a moment."
            )
        return None

    def submission_id(self) -> str | None:
        submitted = self.get_body_argument("id", "")
        if not submitted or len(submitted) > 64 or not submitted.replace("-", "").replace("_", "").isalnum():
            self._refuse(400, "This page is out of date: reload it and send again.")
            return None
        return submitted


class NoteHandler(_PostHandler):
    def post(self) -> None:
        client = self.check_post()
        if client is None:
            return
        form = self.form()
        journey = self.room.journey()
        try:
            fields = check_note(form, journey)
        except RoomInputError as error:
            self.set_status(400)
            if self.wants_json():
                self.finish({"ok": False, "error": str(error)})
            else:
                values = {
                    k: v
                    for k, v in form.items()
                    if k in ("kind", "text", "stage", "lane", "touchpoint", "name", "id")
                }
                self.finish(
                    page.participant_page(
                        journey,
                        self.room.state,
                        client,
                        self.nonce,
                        message=str(error),
                        error=True,
                        values=values,
                    )
                )
            return
        submitted = self.submission_id()
        if submitted is None:
            return
        written = self.append({"id": f"note-{submitted}", "type": "note", "client": client, **fields})
        if written is None:
            return
        self.room.refresh()
        if self.wants_json():
            self.finish({"ok": True, "id": submitted, "text": fields["text"], "duplicate": not written})
        else:
            self.redirect("./?sent=note#add", status=303)


class VotesHandler(_PostHandler):
    def post(self) -> None:
        client = self.check_post()
        if client is None:
            return
        round_id = self.get_body_argument("round", "")
        current = self.room.state.open_round()
        dots = {key[4:]: value for key, value in self.form().items() if key.startswith("dot:")}
        try:
            if current is None or current.id != round_id:
                raise RoomInputError(
                    "voting is closed for that round: reload the page to see the current one"
                )
            checked = check_votes(dots, current)
        except RoomInputError as error:
            self._refuse(400, str(error)[0].upper() + str(error)[1:])
            return
        submitted = self.submission_id()
        if submitted is None:
            return
        written = self.append(
            {
                "id": f"votes-{submitted}",
                "type": "votes",
                "client": client,
                "round": round_id,
                "dots": checked,
            }
        )
        if written is None:
            return
        self.room.refresh()
        if self.wants_json():
            self.finish({"ok": True, "id": submitted, "dots": checked, "duplicate": not written})
        else:
            self.redirect("./?sent=votes#round", status=303)


class StateHandler(_RoomHandler):
    def get(self) -> None:
        if not self.check_joined():
            return
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(page.state_json(self.room.journey(), self.room.state, self.client()))


class MapHandler(_RoomHandler):
    def content_security_policy(self) -> str:
        # the exported page runs BokehJS inline (it needs eval); it still talks to nobody
        return (
            "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
            "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; frame-ancestors 'none'"
        )

    async def get(self) -> None:
        if not self.check_joined():
            return
        loop = asyncio.get_running_loop()
        text = await loop.run_in_executor(None, self.room.map_page)  # a first build takes a second
        self.set_header("Cache-Control", "private, max-age=5")
        self.finish(text)


def lan_address() -> str | None:
    """The machine's address on its local network, or None (no network).

    Found by asking the system which address it would send from; a UDP "connect" sends
    nothing, and the address asked about is a documentation one (TEST-NET-1).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith(("127.", "0.")) else address


def room_url(address: str, port: int) -> str:
    """The join link's base for participants: ``http://ADDRESS:PORT/``."""
    if address in ("0.0.0.0", "::"):
        address = lan_address() or "127.0.0.1"
    shown = f"[{address}]" if ":" in address else address
    return f"http://{shown}:{port}/"


def bind_room(address: str, port: int) -> list[socket.socket]:
    """Bind the participants' address now (port 0: any free one), so a busy port is one sentence.

    Raises
    ------
    CjmError
        The address or port cannot be listened on.
    """
    try:
        return tornado.netutil.bind_sockets(port, address)
    except OSError as error:
        raise CjmError(
            f"cannot listen for participants on {address}:{port} ({error.strerror or error}); "
            "choose another port with --room-port"
        ) from None


def serve_room(map_path: str | os.PathLike[str], address: str, sockets: list[socket.socket]) -> RoomServer:
    """Create a :class:`RoomServer` for the map, answering on the sockets of :func:`bind_room`.

    Call it with tornado's IOLoop about to run (``cjmkit workshop`` does, before Voila starts).
    """
    port = sockets[0].getsockname()[1]
    link_host = urlsplit(room_url(address, port)).hostname or address
    room = RoomServer(map_path, hosts=(link_host,))
    room.listen(port, address, sockets)
    return room


__all__ = ["ROOM_URL_ENV", "RoomServer", "bind_room", "lan_address", "room_url", "serve_room"]
