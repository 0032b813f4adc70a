"""Notice when someone else saved the map a board is editing (another tab, a co-facilitator)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from cjmkit.store import revision_on_disk

WATCH_SECONDS = 3.0
"""How often a board looks at its map file."""


class FileWatch:
    """Call ``changed(revision)`` when the file's revision on disk moves past ``known()``.

    Looks every :data:`WATCH_SECONDS` on the kernel's running event loop (in Jupyter and Voila);
    without a running loop (plain Python, tests) it does nothing until :meth:`check` is called.
    """

    def __init__(self, path: Path, known: Callable[[], int], changed: Callable[[int], None]) -> None:
        self.path = path
        self.known = known
        self.changed = changed
        self._stamp: tuple[int, int] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._schedule()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._handle = loop.call_later(WATCH_SECONDS, self._tick)

    def _tick(self) -> None:
        try:
            self.check()
        finally:
            self._schedule()

    def check(self) -> int | None:
        """Look now; return the newer revision found on disk, if any (and tell ``changed``)."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        revision = revision_on_disk(self.path)
        if revision is not None and revision > self.known():
            self.changed(revision)
            return revision
        return None

    def stop(self) -> None:
        """Stop looking."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
