"""The read-only viewer without kernels: what ``cjmkit serve`` shows stakeholders.

A visitor costs this server a few bytes from memory, not a kernel: every page is the page
``cjmkit publish`` makes (:func:`cjmkit.publish.map_page_html`: the map, its metric panels, what
needs attention, the latest feedback; no code, no files, no request to any other host), built
once per map revision and per persona view, and rebuilt when the map file or the raw data
beside it changes (their size, time and inode are looked at on every request: a few ``stat``
calls). Pages are built in one worker thread; visitors asking for a page being built wait for
that one build. Each page is kept gzip-compressed too, and answers ``If-None-Match`` with 304.

Routes, all behind :class:`cjmkit.web.Guard` (see :func:`viewer_routes`):

- ``/``: the list of maps; ``/?map=NAME`` the map ``NAME.cjm.json`` of the folder (looked up
  only among the maps :func:`cjmkit.folder.scan_maps` lists), with its first persona's emotion
  curve; ``&persona=ID`` another persona's, ``&persona=`` all personas'. Unknown names get a
  friendly page (404), broken maps a sentence saying what is wrong.
- ``/download/NAME/poster.pdf``, ``handout.pdf``, ``deck.pptx``: the map printed or as a deck,
  built once per revision (:mod:`cjmkit.downloads`), linked from its page;
- ``/bokeh/VERSION/static/js/NAME.min.js``: BokehJS from the installed ``bokeh`` package (only
  its bundles), cached by browsers for a year: a second page costs only its own bytes.
- anything else: a plain 404 page.

:func:`run` serves them (plus any extra handlers) until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import logging
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import tornado.web

from cjmkit.errors import CjmError
from cjmkit.folder import scan_maps
from cjmkit.model import Journey
from cjmkit.render.measured import Measured, measure, strip_folder
from cjmkit.web import SECURITY_HEADERS, Guard, GuardedApplication, PlainPageHandler, log_to_stderr, page_html

log = logging.getLogger("cjmkit.serve")

BOKEH_BUNDLES = ("bokeh", "bokeh-widgets", "bokeh-tables", "bokeh-gl", "bokeh-mathjax")
MAX_BODY_BYTES = 64 * 1024
"""Nothing is uploaded to the viewer: a request body larger than this is refused."""

# the raw data a map's page depends on (see cjmkit.metrics.handoff_data_files)
_DATA_FILES = ("tickets.csv", "care_contacts.csv")


@dataclass(frozen=True)
class Asset:
    """Bytes to send, their gzip-compressed form and their ETag."""

    body: bytes
    content_type: str
    gz: bytes = b""
    etag: str = ""

    @classmethod
    def of(cls, body: str | bytes, content_type: str = "text/html; charset=utf-8") -> Asset:
        """Return the asset for ``body`` (compressed and hashed once, here)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return cls(data, content_type, gzip.compress(data, 6, mtime=0), f'"{hashlib.sha1(data).hexdigest()}"')


class Missing(Exception):
    """A page that cannot be given: its title, one sentence, and the HTTP status."""

    def __init__(self, title: str, sentence: str, status: int = 404) -> None:
        super().__init__(sentence)
        self.title, self.sentence, self.status = title, sentence, status


def _stat(path: Path) -> tuple[int, int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino, info.st_mode


def signature(map_path: Path) -> tuple[Any, ...]:
    """What a map's pages depend on: the map file and the raw-data files that may be beside it."""
    name = map_path.name.removesuffix(".cjm.json")
    folder = map_path.parent
    candidates = [map_path, *(folder / f"{name}.{data}" for data in _DATA_FILES)]
    candidates += [folder / data for data in _DATA_FILES]
    return tuple((path.name, _stat(path), os.path.islink(path)) for path in candidates)


@dataclass
class _Map:
    """A map as last read: its signature, the document (or the sentence why not), its figures, its pages."""

    signature: tuple[Any, ...]
    journey: Journey | None
    problem: str = ""
    measured: Measured | None = None
    views: dict[str | None, Asset] = field(default_factory=dict)


class MapPages:
    """The pages of a folder of maps, built on demand in one worker thread and kept until a file changes.

    Parameters
    ----------
    folder
        The folder of maps.
    bokeh_root
        Where pages load BokehJS from (``/bokeh/VERSION/``).
    """

    def __init__(self, folder: Path, bokeh_root: str) -> None:
        from bokeh.resources import Resources

        self.folder = folder
        self.resources = Resources(mode="server", root_url=bokeh_root)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cjmkit-pages")
        self.maps: dict[str, _Map] = {}
        self.index_asset: tuple[tuple[Any, ...], Asset] | None = None
        self.building: dict[tuple[Any, ...], asyncio.Future[Any]] = {}
        self.reported: set[str] = set()

    # -- on the event loop -------------------------------------------------------------------

    def _scan(self) -> dict[str, Path]:
        scan = scan_maps(self.folder)
        for problem in scan.skipped:
            if problem not in self.reported:  # once per entry and reason, not per visitor
                self.reported.add(problem)
                log.warning("skipped %s", problem)
        for gone in [name for name in self.maps if name not in scan.maps]:  # kept pages follow the folder
            del self.maps[gone]
        return scan.maps

    async def _once(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """Run ``build`` in the worker thread; callers asking for the same ``key`` meanwhile share the result."""
        future = self.building.get(key)
        if future is None:
            future = asyncio.ensure_future(asyncio.wrap_future(self.executor.submit(build)))
            self.building[key] = future
            future.add_done_callback(lambda _done: self.building.pop(key, None))
        return await asyncio.shield(future)

    async def _map(self, name: str, path: Path) -> _Map:
        current = signature(path)
        known = self.maps.get(name)
        if known is None or known.signature != current:
            known = await self._once(("map", name, current), lambda: self._read(path, current))
            self.maps[name] = known
        return known

    async def index(self) -> Asset:
        """The list of maps (publish's index, each linking to ``?map=NAME``)."""
        found = self._scan()
        entries = [(name, await self._map(name, path)) for name, path in found.items()]
        key = tuple((name, entry.signature) for name, entry in entries)
        if self.index_asset is None or self.index_asset[0] != key:
            asset = await self._once(("index", key), lambda: self._index(entries))
            self.index_asset = (key, asset)
        return self.index_asset[1]

    async def page(self, name: str, persona: str | None) -> Asset:
        """The page of map ``name`` for ``persona`` (an id; "" for all personas; None for the first).

        Raises
        ------
        Missing
            No such map or persona (404), or a map that cannot be read (200, saying why).
        """
        path = self._scan().get(name)
        if path is None:
            raise Missing("No such map", f"There is no map called “{_short(name)}” here.")
        entry = await self._map(name, path)
        if entry.journey is None:
            raise Missing("This map cannot be shown", entry.problem, status=200)
        view = _view(entry.journey, persona)
        if view is _UNKNOWN:
            raise Missing("No such persona", f"The map has no persona “{_short(persona or '')}”.")
        asset = entry.views.get(view)
        if asset is None:
            asset = await self._once(
                ("page", name, entry.signature, view), lambda: self._page(name, entry, view)
            )
            entry.views[view] = asset
        return asset

    def warm(self) -> None:
        """Build the list and every map's first view now, in the background, before visitors ask."""

        async def build_all() -> None:
            with contextlib.suppress(Exception):  # a failure here is met again (and logged) on request
                await self.index()
                for name in list(self.maps):
                    with contextlib.suppress(Missing):
                        await self.page(name, None)

        self._warming = asyncio.ensure_future(build_all())

    # -- in the worker thread ----------------------------------------------------------------

    def _read(self, path: Path, current: tuple[Any, ...]) -> _Map:
        from cjmkit.store import load

        try:
            journey = load(path)
        except CjmError as error:
            return _Map(current, None, problem=strip_folder(str(error), self.folder))
        try:
            measured = measure(journey, path)
        except Exception:  # never seen by a visitor: the map shows without the figures
            log.exception("measuring %s failed", path)
            measured = measure(journey)
        return _Map(current, journey, measured=measured)

    def _index(self, entries: list[tuple[str, _Map]]) -> Asset:
        from cjmkit.publish import index_html

        rows = [(name, entry.journey, entry.problem) for name, entry in entries]
        hrefs = {name: f"?map={quote(name, safe='')}" for name, _ in entries}
        return Asset.of(index_html(rows, hrefs, footer="Served read-only by cjmkit."))

    def _page(self, name: str, entry: _Map, view: str | None) -> Asset:
        from cjmkit.publish import map_page_html

        def href(persona: str | None) -> str:
            return f"?map={quote(name, safe='')}&persona={quote(persona or '', safe='')}"

        assert entry.journey is not None
        from cjmkit.downloads import links_html

        text = map_page_html(
            entry.journey,
            measured=entry.measured,
            downloads=links_html(name),
            persona=view,
            persona_href=href,
            index_href="./",
            resources=self.resources,
        )
        return Asset.of(text)


_UNKNOWN: Any = object()


def _view(journey: Journey, persona: str | None) -> Any:
    """The persona id a request shows (None: all personas), or ``_UNKNOWN``."""
    if persona is None:
        return journey.personas[0].id if journey.personas else None
    if persona == "":
        return None
    return persona if journey.persona(persona) is not None else _UNKNOWN


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Sender(tornado.web.RequestHandler):
    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def send(self, asset: Asset, cache: str = "no-cache") -> None:
        self.set_header("Content-Type", asset.content_type)
        self.set_header("Cache-Control", cache)
        self.set_header("ETag", asset.etag)
        self.set_header("Vary", "Accept-Encoding")
        if asset.etag in self.request.headers.get("If-None-Match", ""):
            self.set_status(304)
            self.finish()
            return
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            self.set_header("Content-Encoding", "gzip")
            self.finish(asset.gz)
        else:
            self.finish(asset.body)

    def send_page(self, status: int, title: str, sentence: str, back: bool = True) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page_html(title, sentence, link=("./", "See all maps") if back else None))


class ViewerHandler(_Sender):
    """``/``: the list of maps, or a map's page (``?map=NAME[&persona=ID]``)."""

    def initialize(self, pages: MapPages) -> None:
        """Keep the pages this handler serves (tornado calls this with the route's arguments)."""
        self.pages = pages

    async def get(self) -> None:
        """Send the page asked for, or a friendly page saying why not."""
        name = self.get_query_argument("map", None)
        try:
            if name is None:
                asset = await self.pages.index()
            else:
                asset = await self.pages.page(name, self.get_query_argument("persona", None))
        except Missing as missing:
            self.send_page(missing.status, missing.title, missing.sentence)
            return
        except Exception:  # to the server's log only: a visitor never sees a traceback
            log.exception("page %s failed", self.request.uri)
            self.send_page(500, "Something went wrong", "This page cannot be shown right now.")
            return
        self.send(asset)


class BokehHandler(_Sender):
    """BokehJS bundles of the installed ``bokeh``, read once, cacheable for a year (the URL names the version)."""

    assets: ClassVar[dict[str, Asset]] = {}

    def initialize(self, version: str) -> None:
        """Keep the version this handler answers with (tornado calls this with the route's arguments)."""
        self.version = version

    def get(self, version: str, bundle: str) -> None:
        """Send ``bundle`` (e.g. ``bokeh.min.js``) when it is one of BokehJS's, else 404."""
        if version != self.version or bundle.removesuffix(".min.js") not in BOKEH_BUNDLES:
            raise tornado.web.HTTPError(404)
        asset = self.assets.get(bundle)
        if asset is None:
            from bokeh.util.paths import bokehjs_path

            data = (Path(bokehjs_path()) / "js" / bundle).read_bytes()
            asset = self.assets[bundle] = Asset.of(data, "application/javascript; charset=utf-8")
        self.send(asset, cache="public, max-age=31536000, immutable")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A plain page, never a traceback."""
        self.finish(page_html("Not found", "There is no such file here."))


class NoIcon(tornado.web.RequestHandler):
    """``/favicon.ico``: nothing (pages name no icon; browsers ask anyway)."""

    def get(self) -> None:
        """Answer 204."""
        self.set_status(204)
        self.finish()


NOT_FOUND = {"status": 404, "title": "Not found", "sentence": "There is no such page here."}


def viewer_routes(pages: MapPages) -> list[tuple[Any, ...]]:
    """The viewer's routes (see the module docstring); the last one answers 404 to anything else."""
    import bokeh

    return [
        (r"/", ViewerHandler, {"pages": pages}),
        (r"/bokeh/([^/]+)/static/js/([A-Za-z0-9.-]+)", BokehHandler, {"version": bokeh.__version__}),
        (r"/favicon\.ico", NoIcon),
        (r"/.*", PlainPageHandler, NOT_FOUND),
    ]


def run(
    folder: Path,
    host: str,
    port: int,
    guard: Guard,
    handlers: Sequence[tuple[Any, ...]] = (),
    before_start: Callable[[], None] | None = None,
) -> None:
    """Serve the viewer for ``folder`` on ``host:port`` until SIGINT or SIGTERM.

    ``handlers`` are mounted in front of the viewer's routes, behind the same ``guard``;
    ``before_start`` is called once the server listens, on its event loop (e.g. to start
    another server on it).
    """
    import bokeh
    from tornado.httpserver import HTTPServer

    log_to_stderr("cjmkit serve")

    from cjmkit.downloads import DownloadCache, download_routes

    async def main() -> None:
        pages = MapPages(folder, f"/bokeh/{bokeh.__version__}/")
        downloads = DownloadCache(folder)
        routes = [*handlers, *download_routes(downloads), *viewer_routes(pages)]
        app = GuardedApplication(guard, routes)
        server = HTTPServer(app, xheaders=False, max_body_size=MAX_BODY_BYTES, idle_connection_timeout=60)
        server.listen(port, host)
        if before_start is not None:
            before_start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
                loop.add_signal_handler(sig, stop.set)
        pages.warm()
        await stop.wait()
        server.stop()
        pages.executor.shutdown(wait=False, cancel_futures=True)
        downloads.close()

    asyncio.run(main())
