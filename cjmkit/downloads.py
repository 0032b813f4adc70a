"""PDF and PowerPoint downloads of served maps: ``GET /download/NAME/poster.pdf`` (and ``handout.pdf``, ``deck.pptx``).

Mounted on ``cjmkit serve`` (behind its Host and Origin guard, see :mod:`cjmkit.web`) by
:func:`download_routes`. A request names a map and a file kind; the map is looked up ONLY among
the ``*.cjm.json`` files of the served folder (:func:`cjmkit.folder.resolve_map`
compares names, it never joins the request to a path), and the kind among three fixed names.

Each file is built once per map revision: :class:`DownloadCache` keys it by the map's name,
revision and file times (and those of its ticket data), keeps it in a private folder, and
builds at most one file at a time in a worker thread, so a crowd asking for the same deck
costs one build and the server keeps answering meanwhile. Too many waiting builds get a plain
"busy, try again" page instead of a queue that grows without bound.
"""

from __future__ import annotations

import hashlib
import html
import shutil
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cjmkit.errors import CjmError
from cjmkit.render.deliverables import KINDS, build_file

FILES: dict[str, str] = {"poster.pdf": "pdf", "handout.pdf": "pdf-handout", "deck.pptx": "pptx"}
"""The files a visitor can ask for, and their kind of export (:data:`cjmkit.render.deliverables.KINDS`)."""
PREFIX = "/download"
MAX_WAITING = 4
"""Builds that may wait for the worker at once; more get a "busy" answer."""


def download_links(name: str, prefix: str = PREFIX) -> list[tuple[str, str]]:
    """``[(label, href)]`` of a map's downloads, for a page to show as links or buttons."""
    return [(KINDS[kind][0], f"{prefix}/{quote(name, safe='')}/{file}") for file, kind in FILES.items()]


def links_html(name: str, prefix: str = PREFIX) -> str:
    """The download links of a map as HTML (escaped), styled as the pages' download buttons."""
    return "".join(
        f'<a class="cjm-download" href="{html.escape(href, quote=True)}" download>{html.escape(label)}</a>'
        for label, href in download_links(name, prefix)
    )


class DownloadCache:
    """Builds and keeps the downloads of the maps of one folder.

    Parameters
    ----------
    maps_dir
        The served folder of maps.
    folder
        Where built files are kept (default: a private temporary folder, removed by :meth:`close`).
    """

    def __init__(self, maps_dir: str | Path, folder: str | Path | None = None) -> None:
        self.maps_dir = Path(maps_dir)
        self._own = folder is None
        self.folder = (
            Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="cjmkit-downloads-"))
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        self.builds = 0
        self.building: str | None = None
        """The file being made right now (``NAME/FILE``), if any."""
        self._build_lock = threading.Lock()  # held while a file is made (in the worker thread)
        self._count_lock = threading.Lock()  # held for a moment by the server's thread
        self._waiting = 0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cjmkit-download")

    def find(self, name: str, file: str) -> tuple[Path, str] | None:
        """The map called ``name`` and the export kind of ``file``, or None when either is unknown."""
        from cjmkit.folder import resolve_map

        if file not in FILES:
            return None
        path = resolve_map(self.maps_dir, name)
        return (path, FILES[file]) if path is not None else None

    def get(self, name: str, file: str) -> Path:
        """Return the built file (building it if this revision has none yet).

        Raises
        ------
        KeyError
            When the map or the file kind is unknown.
        CjmError
            When the map cannot be read or the file cannot be made (e.g. no Chromium).
        """
        found = self.find(name, file)
        if found is None:
            raise KeyError(f"{name}/{file}")
        path, kind = found
        from cjmkit.metrics import handoff_data_files
        from cjmkit.store import load

        journey = load(path)
        stamps = [path, *(handoff_data_files(path) or ())]
        key = repr((name, file, journey.revision, [(str(p), p.stat().st_mtime_ns) for p in stamps]))
        target = self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}{Path(file).suffix}"
        with self._build_lock:  # one build at a time; the next asker of the same file finds it built
            if target.exists():
                return target
            from cjmkit.render.measured import measure

            self.building = f"{name}/{file}"
            try:
                with tempfile.TemporaryDirectory(dir=self.folder) as scratch:
                    metrics = measure(journey, path).metrics
                    build_file(kind, journey, Path(scratch), metrics).replace(target)
            finally:
                self.building = None
            self.builds += 1
            return target

    async def fetch(self, name: str, file: str) -> Path | None:
        """:meth:`get` in the worker thread; None when too many builds are waiting already."""
        import asyncio

        with self._count_lock:
            if self._waiting >= MAX_WAITING:
                return None
            self._waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._worker, self.get, name, file)
        finally:
            with self._count_lock:
                self._waiting -= 1

    def close(self) -> None:
        """Stop the worker and remove the kept files (when the folder is the cache's own)."""
        self._worker.shutdown(wait=False, cancel_futures=True)
        if self._own:
            shutil.rmtree(self.folder, ignore_errors=True)


def _handler_class() -> type:
    import tornado.web

    class DownloadHandler(tornado.web.RequestHandler):
        """``GET /download/NAME/FILE``: the file, or a plain page saying why not."""

        def initialize(self, cache: DownloadCache) -> None:
            self.cache = cache

        async def get(self, name: str, file: str) -> None:
            from urllib.parse import unquote

            from cjmkit.web import page_html

            name = unquote(name)
            if self.cache.find(name, file) is None:
                self._page(404, "No such file", "There is no such map or file here.", page_html)
                return
            try:
                built = await self.cache.fetch(name, file)
            except CjmError as error:
                self._page(503, "Cannot make this file", str(error).split(" (")[0] + ".", page_html)
                return
            if built is None:
                self._page(
                    503, "Busy", "Many files are being made right now: try again in a moment.", page_html
                )
                return
            suffix = Path(file).suffix
            stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:80] or "journey-map"
            self.set_header("Content-Type", KINDS[FILES[file]][2])
            self.set_header("Content-Disposition", f'attachment; filename="{stem}-{Path(file).stem}{suffix}"')
            self.set_header("Cache-Control", "no-cache")
            self.set_header("X-Content-Type-Options", "nosniff")
            self.write(built.read_bytes())

        def _page(self, status: int, title: str, sentence: str, page_html: Any) -> None:
            self.set_status(status)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.write(page_html(title, sentence))

    return DownloadHandler


def download_routes(cache: DownloadCache, prefix: str = PREFIX) -> Sequence[tuple[str, type, dict[str, Any]]]:
    """The tornado routes of the downloads, for ``cjmkit.serve.serve(handlers=...)``."""
    files = "|".join(name.replace(".", r"\.") for name in FILES)
    return [(rf"{prefix}/([^/]+)/({files})", _handler_class(), {"cache": cache})]
