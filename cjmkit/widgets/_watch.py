"""Take in what someone else saved on the map a board is editing (another tab, a co-facilitator)."""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections.abc import Callable

from cjmkit.store import MapSession

WATCH_SECONDS = 0.3
"""How often a board looks at its map file (one ``stat`` when nothing changed)."""


class FileWatch:
    """Call ``session.sync()`` every :data:`WATCH_SECONDS` on the kernel's running event loop.

    In Jupyter and Voila the kernel runs an event loop; without one (plain Python, tests) the
    watch does nothing until :meth:`check` is called. ``changed()`` is called after each sync
    that took in someone else's edits.
    """

    def __init__(self, session: MapSession, changed: Callable[[], None] | None = None) -> None:
        self.session = session
        self.changed = changed
        self._handle: asyncio.TimerHandle | None = None
        self._stopped = False
        self._schedule()

    def _schedule(self) -> None:
        if self._stopped:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._handle = loop.call_later(WATCH_SECONDS, self._tick)

    def _tick(self) -> None:
        try:
            self.check()
        except Exception:  # a bug must not stop the watch: the traceback goes to the server's log
            traceback.print_exc(file=sys.__stderr__)
        finally:
            self._schedule()

    def check(self) -> bool:
        """Look now; return True when someone else's edits were taken in."""
        if self._stopped or not self.session.sync():
            return False
        if self.changed is not None:
            self.changed()
        return True

    def stop(self) -> None:
        """Stop looking."""
        self._stopped = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
