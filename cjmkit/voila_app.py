"""Voila for the pages that need a live kernel: the workshop board and ``serve --notebook``.

:func:`voila_class` returns a Voila application that answers through a
:class:`cjmkit.web.GuardedApplication` (Host, Origin and token are checked before any kernel
starts), mounts extra plain tornado handlers in front of its own routes, and replaces a few of
Voila's handlers:

- the page handler asks :class:`cjmkit.kernel_limits.KernelGate` before a kernel is started (a
  cap in total and per client, a rate limit; over them a "busy, try again" page that retries by
  itself), and gives the page its ``_xsrf`` cookie, so the page's "shut my kernel down" on
  leaving is accepted;
- the kernel websocket refuses messages over :attr:`KernelLimits.max_message_bytes`, and never
  sends a traceback to the browser: an ``error`` message, or a ``stream`` whose text is a
  traceback (a malformed widget message makes the kernel log one), goes to the server's log
  instead;
- ``/login`` and ``/logout`` (there is no login) answer a plain 404 instead of a 500;
- template file requests that do not name a template file answer 404 instead of logging a
  traceback.

Voila itself is imported only when :func:`voila_class` is called.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Sequence
from typing import Any

from cjmkit.kernel_limits import RETRY_SECONDS, KernelGate, KernelLimits, busy_page
from cjmkit.web import Guard, GuardedApplication, PlainPageHandler, log_to_stderr

log = logging.getLogger("cjmkit.kernels")

NOT_FOUND = {"status": 404, "title": "Not found", "sentence": "There is no such page here."}


def voila_class(
    guard: Guard, handlers: Sequence[tuple[Any, ...]] = (), limits: KernelLimits | None = None
) -> type:
    """Return cjmkit's Voila application class, guarded by ``guard``, with ``handlers`` mounted first.

    ``limits`` bound the kernels of its visitors (default: :class:`KernelLimits`' defaults).
    """
    import tornado.web
    from bokeh.util.paths import bokehjs_path
    from voila.app import Voila
    from voila.static_file_handler import TemplateStaticFileHandler
    from voila.tornado.handler import TornadoVoilaHandler
    from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

    gate = KernelGate(limits or KernelLimits())

    class PageHandler(TornadoVoilaHandler):
        """Voila's page handler behind the kernel gate, which also gives the page its ``_xsrf`` cookie.

        When a visitor leaves, Voila's page asks the server to shut its kernel down, sending the
        ``_xsrf`` cookie's value; Voila's own handler never sets that cookie, so the request was
        refused (403) and every visitor's kernel (about 160 MB) stayed until culled.
        """

        async def prepare(self, *args: Any, **kwargs: Any) -> None:
            await super().prepare(*args, **kwargs)
            self.xsrf_token  # noqa: B018 (reading the token sets the cookie)

        async def get(self, path: str | None = None) -> None:
            if path:  # not the notebook: Voila redirects to its file handler, no kernel
                await super().get(path)
                return
            visit = gate.admit(self.request.remote_ip or "")
            if isinstance(visit, str):
                self.set_status(503)
                self.set_header("Retry-After", str(RETRY_SECONDS))
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.set_header("Cache-Control", "no-store")
                self.finish(busy_page(visit))
                return
            try:
                await super().get(path)
            finally:
                gate.finish(visit)

    class KernelSocket(VoilaKernelWebsocketHandler):
        """The kernel websocket: no traceback reaches the browser (see the module docstring)."""

        def write_message(self, message: Any, binary: bool = False) -> Any:
            kind, text = _kind_and_text(message)
            if kind == "error" or (kind == "stream" and "Traceback (most recent call last)" in text):
                log.warning(
                    "kernel %s: a traceback was kept from the browser:\n%s",
                    getattr(self, "kernel_id", "?"),
                    _readable(text)[-4000:],
                )
                return None
            return super().write_message(message, binary)

    class TemplateFileHandler(TemplateStaticFileHandler):
        """Voila's template file handler, answering 404 to paths that are not ``NAME/static/FILE``."""

        @classmethod
        def get_absolute_path(cls, root: str, path: str) -> str:
            try:
                return super().get_absolute_path(root, path)
            except (ValueError, AssertionError):
                raise tornado.web.HTTPError(404) from None

        def parse_url_path(self, url_path: str) -> str:
            try:
                return super().parse_url_path(url_path)
            except (ValueError, AssertionError):
                raise tornado.web.HTTPError(404) from None

    replaced: dict[Any, Any] = {
        TornadoVoilaHandler: PageHandler,
        TemplateStaticFileHandler: TemplateFileHandler,
        VoilaKernelWebsocketHandler: KernelSocket,
    }

    class CjmkitVoila(Voila):
        """Voila behind cjmkit's guard, also serving BokehJS (the installed bokeh's files) under /voila/static/js/.

        The cjmkit template loads BokehJS from there with two <script> tags: the browser fetches
        and parses plain files (cacheable) instead of 1.6 MB of JavaScript embedded in a cell
        output, which made the first paint of a map about 3 s slower.
        """

        def setup_template_dirs(self) -> None:
            super().setup_template_dirs()
            self.static_paths.append(str(bokehjs_path()))

        def init_handlers(self) -> list[Any]:
            routes = []
            for route in super().init_handlers():
                if route[0] in ("/login", "/logout"):
                    routes.append((route[0], PlainPageHandler, NOT_FOUND))
                else:
                    routes.append((route[0], replaced.get(route[1], route[1]), *route[2:]))
            return [*handlers, *routes]

        def start(self) -> None:
            # Voila.start, with the guarded application in place of tornado's
            log_to_stderr("cjmkit")
            self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
            self.app = GuardedApplication(guard, **self.init_settings())
            self.app.settings.update(self.tornado_settings)
            self.app.settings["websocket_max_message_size"] = gate.limits.max_message_bytes
            gate.attach(self.kernel_manager)
            self.app.add_handlers(".*$", self.init_handlers())
            self.listen()

    return CjmkitVoila


_MSG_TYPE = re.compile(rb'"msg_type":\s*"(\w+)"')
_WATCHED = ("error", "stream")


def _kind_and_text(message: Any) -> tuple[str, str]:
    """The type of a kernel message bound for the browser and, for errors and streams, its content (best effort).

    Messages are JSON text, or bytes in the websocket protocol v1 (offsets, then channel, header,
    parent header, metadata, content, buffers) or in the older binary form (a JSON message after
    its buffer offsets). Only the header is read of other messages (a map's document can be
    megabytes): jupyter writes the header first.
    """
    try:
        if isinstance(message, dict):
            return str(message.get("header", {}).get("msg_type", "")), json.dumps(message.get("content", ""))
        if isinstance(message, str):
            return _json_kind(message.encode("utf-8"))
        if isinstance(message, bytes | bytearray | memoryview):
            raw = bytes(message)
            count = int.from_bytes(raw[:8], "little")
            if 0 < count < 1000 and len(raw) >= 8 * (count + 1):
                offsets = [int.from_bytes(raw[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
                if len(offsets) >= 5 and offsets[1] <= offsets[2] <= len(raw):
                    kind = str(json.loads(raw[offsets[1] : offsets[2]]).get("msg_type", ""))
                    if kind not in _WATCHED:
                        return kind, ""
                    end = offsets[5] if len(offsets) > 5 else len(raw)
                    return kind, raw[offsets[4] : end].decode("utf-8", "replace")
            # the older binary form: nbufs (4 bytes, big-endian), offsets, then the JSON message
            nbufs = int.from_bytes(raw[:4], "big")
            if 0 < nbufs < 1000:
                first = int.from_bytes(raw[4:8], "big")
                second = int.from_bytes(raw[8:12], "big") if nbufs > 1 else len(raw)
                return _json_kind(raw[first:second])
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
        pass
    return "", ""


def _json_kind(data: bytes) -> tuple[str, str]:
    found = _MSG_TYPE.search(data, 0, 4096)
    kind = found.group(1).decode() if found else ""
    if kind not in _WATCHED:
        return kind, ""
    return kind, json.dumps(json.loads(data).get("content", ""))


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _readable(content: str) -> str:
    """The traceback in a message's content, as plain lines for the server's log."""
    try:
        data = json.loads(content)
    except ValueError:
        data = content
    if isinstance(data, dict):
        data = "\n".join(data.get("traceback") or []) or data.get("text") or json.dumps(data)
    return _ANSI.sub("", str(data))
