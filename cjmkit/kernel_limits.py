"""Bounded kernels for the pages that keep one (the workshop board, ``serve --notebook``).

Every page load of a Voila page starts a kernel (about 180 MB). :class:`KernelGate` decides,
before the page handler starts one, whether this visit may have it:

- **a cap in total** (:attr:`KernelLimits.total`, ``--max-kernels``; the default comes from
  the machine's free memory, :func:`default_max_kernels`): kernels running, kernels being
  started for visitors and kernels being started to refill the pool of pre-started ones all
  count, so the cap holds even for a hundred requests in the same instant;
- **a cap per client** (:attr:`KernelLimits.per_client`, by IP address);
- **a rate limit on page loads** per client (a bucket of :attr:`KernelLimits.burst` loads,
  refilled at :attr:`KernelLimits.per_minute` a minute).

A visit refused gets :func:`busy_page`: "busy, try again in a moment", HTTP 503 with
``Retry-After``, and the page loads itself again a few seconds later. A kernel whose page never
opens its websocket (a script that only fetched the page, a tab closed while loading) is shut
down :attr:`KernelLimits.connect_grace` seconds after its page was sent.

:meth:`KernelGate.attach` wraps a Voila kernel manager instance so the gate learns which visit
started which kernel (a context variable follows the request into the kernel manager) and which
kernels were ever connected. Nothing here imports Voila.
"""

from __future__ import annotations

import contextvars
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cjmkit.web import page_html

log = logging.getLogger("cjmkit.kernels")

KERNEL_MB = 200
"""What one kernel of a cjmkit page takes, about (the board: 180 to 200 MB)."""
MEMORY_SHARE = 0.5
"""Share of the memory available at start that kernels may take by default."""
MIN_DEFAULT, MAX_DEFAULT = 2, 64
RETRY_SECONDS = 5


def available_memory_mb() -> float | None:
    """Memory available for new processes now, in MB (``MemAvailable``), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, AttributeError):
        return None


def default_max_kernels(available_mb: float | None = None) -> int:
    """Kernels that fit in half the memory available now (at ~200 MB each), between 2 and 64."""
    available = available_memory_mb() if available_mb is None else available_mb
    if available is None:
        return 8
    return max(MIN_DEFAULT, min(MAX_DEFAULT, int(available * MEMORY_SHARE // KERNEL_MB)))


@dataclass(frozen=True)
class KernelLimits:
    """How many kernels the visitors of one server may have.

    Attributes
    ----------
    total
        Kernels at most, all visitors together (pre-started ones included).
    per_client
        Kernels at most for one client (IP address).
    per_minute, burst
        Page loads a client may make: ``burst`` at once, then ``per_minute`` a minute.
    connect_grace
        Seconds a page's kernel waits for the page to connect before it is shut down.
    max_message_bytes
        Largest message a browser may send over a kernel's websocket (larger: refused).
    """

    total: int = field(default_factory=default_max_kernels)
    per_client: int = 4
    per_minute: float = 20.0
    burst: int = 10
    connect_grace: float = 20.0
    max_message_bytes: int = 1024 * 1024


def busy_page(reason: str) -> str:
    """The page a visitor over a limit gets: plain words, and it tries again by itself."""
    return page_html(
        "Busy, try again in a moment",
        f"{reason} This page will try again by itself in a few seconds.",
        refresh=RETRY_SECONDS,
    )


@dataclass
class Visit:
    """One page load that was let through: who asked, and the kernel it got (once started)."""

    client: str
    kernel_id: str | None = None


_VISIT: contextvars.ContextVar[Visit | None] = contextvars.ContextVar("cjmkit_visit", default=None)


class KernelGate:
    """Admits page loads against :class:`KernelLimits` and shuts down kernels never connected.

    Parameters
    ----------
    limits
        The limits.
    clock
        Seconds, monotonic (tests pass their own).
    """

    def __init__(self, limits: KernelLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.manager: Any = None
        self.reserved: dict[str, int] = {}
        self.owner: dict[str, str] = {}
        self.connected: set[str] = set()
        self.buckets: dict[str, tuple[float, float]] = {}
        self.highest = 0
        """The most kernels ever counted at once (kernels and reservations): for tests and logs."""

    # -- counting ---------------------------------------------------------------------------

    def _running(self) -> list[str]:
        return list(self.manager.list_kernel_ids()) if self.manager is not None else []

    def _pool_owed(self) -> int:
        """Pool kernels not running yet: being started, or owed to a pool a visitor took from.

        Voila refills its pool of pre-started kernels to its size after every hand-out, and only
        once the kernel handed out is ready: until then that refill is counted here.
        """
        pools = getattr(self.manager, "_pools", None)
        if not pools:
            return 0
        config = getattr(self.manager, "kernel_pools_config", None) or {}
        default = config.get("default", {}).get("pool_size", 0)
        owed = 0
        for name, pool in pools.items():
            size = config.get(name, {}).get("pool_size", default)
            owed += max(0, size - sum(1 for task in pool if task.done()))
        return owed

    def committed(self) -> int:
        """Kernels running, being started for visitors, or being started (or owed) to the pool."""
        return len(self._running()) + self._pool_owed() + sum(self.reserved.values())

    def of_client(self, client: str) -> int:
        """Pages of ``client`` holding a kernel: connected, still to connect, or still starting.

        A kernel whose page was closed (connected once, no connection now) does not count here:
        the visitor left it (a closed tab, a browser that skipped the "shut my kernel down" on
        leaving). It still counts toward the total until Voila culls it, idle.
        """
        running = set(self._running())
        for kernel in [k for k in self.owner if k not in running]:  # forget kernels that are gone
            self.owner.pop(kernel, None)
            self.connected.discard(kernel)
        connections = getattr(self.manager, "_kernel_connections", None) or {}
        held = sum(
            1
            for kernel, owner in self.owner.items()
            if owner == client and (kernel not in self.connected or connections.get(kernel, 0) > 0)
        )
        return held + self.reserved.get(client, 0)

    def _take_token(self, client: str) -> bool:
        now = self.clock()
        tokens, last = self.buckets.get(client, (float(self.limits.burst), now))
        tokens = min(float(self.limits.burst), tokens + (now - last) * self.limits.per_minute / 60)
        if tokens < 1:
            self.buckets[client] = (tokens, now)
            return False
        self.buckets[client] = (tokens - 1, now)
        return True

    # -- a page load ------------------------------------------------------------------------

    def admit(self, client: str) -> Visit | str:
        """Let a page load through (a :class:`Visit`, its kernel slot reserved) or say why not.

        Check and reservation happen in one step of the event loop, so simultaneous loads
        cannot all pass a check made before any of them was counted.
        """
        if self.of_client(client) >= self.limits.per_client:
            count = self.limits.per_client
            return f"You already have {count} page{'s' if count != 1 else ''} of this server open."
        if self.committed() >= self.limits.total:
            return "This server has as many visitors as it can take right now."
        if not self._take_token(client):
            return "This page was loaded many times in a short while."
        self.reserved[client] = self.reserved.get(client, 0) + 1
        self.highest = max(self.highest, self.committed())
        visit = Visit(client)
        _VISIT.set(visit)
        return visit

    def _release(self, visit: Visit) -> None:
        """The visit's kernel is counted by the kernel manager now (or it will never come)."""
        count = self.reserved.get(visit.client, 0) - 1
        if count > 0:
            self.reserved[visit.client] = count
        else:
            self.reserved.pop(visit.client, None)

    def finish(self, visit: Visit) -> None:
        """The page was sent (or failed): release what is left of the reservation, watch the kernel."""
        if visit.kernel_id is None:
            self._release(visit)
        elif self.limits.connect_grace > 0:
            import asyncio

            asyncio.get_running_loop().call_later(
                self.limits.connect_grace,
                lambda: asyncio.ensure_future(self._cull_unconnected(visit.kernel_id)),
            )

    def _started(self, kernel_id: str) -> None:
        visit = _VISIT.get()
        if visit is None or visit.kernel_id is not None:
            return
        visit.kernel_id = kernel_id
        self.owner[kernel_id] = visit.client
        self._release(visit)
        self.highest = max(self.highest, self.committed())

    async def _cull_unconnected(self, kernel_id: str | None) -> None:
        if kernel_id is None or kernel_id in self.connected or kernel_id not in self._running():
            return
        log.warning("shutting down kernel %s: its page never connected", kernel_id)
        try:
            await _maybe_await(self.manager.shutdown_kernel(kernel_id))
        except Exception:  # already gone
            log.debug("kernel %s was gone", kernel_id, exc_info=True)

    # -- wiring into a kernel manager -------------------------------------------------------

    def attach(self, manager: Any) -> None:
        """Wrap ``manager`` (a Voila/Jupyter kernel manager instance) so the gate sees its kernels."""
        self.manager = manager
        start_kernel = manager.start_kernel
        notify_connect = manager.notify_connect

        async def start(*args: Any, **kwargs: Any) -> str:
            kernel_id = await _maybe_await(start_kernel(*args, **kwargs))
            self._started(kernel_id)
            return kernel_id

        def connected(kernel_id: str) -> None:
            self.connected.add(kernel_id)
            notify_connect(kernel_id)

        manager.start_kernel = start
        manager.notify_connect = connected
        if hasattr(manager, "get_rendered_notebook"):  # a pre-started kernel handed to a visitor
            rendered = manager.get_rendered_notebook

            async def handed(*args: Any, **kwargs: Any) -> Any:
                result = await rendered(*args, **kwargs)
                self._started(result[2])
                return result

            manager.get_rendered_notebook = handed


async def _maybe_await(value: Any) -> Any:
    import inspect

    return await value if inspect.isawaitable(value) else value
