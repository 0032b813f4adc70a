"""The kernel gate without a server: caps in total and per client, the rate limit, unconnected kernels."""

from __future__ import annotations

import asyncio
import json

import pytest
from support import run_async

from cjmkit.kernel_limits import KernelGate, KernelLimits, busy_page, default_max_kernels
from cjmkit.voila_app import _kind_and_text


class FakeManager:
    """What the gate uses of a Jupyter kernel manager: kernels start after a while, and can stop."""

    def __init__(self) -> None:
        self.kernels: list[str] = []
        self.shut: list[str] = []
        self._kernel_connections: dict[str, int] = {}

    def list_kernel_ids(self) -> list[str]:
        return list(self.kernels)

    async def start_kernel(self, **kwargs) -> str:
        await asyncio.sleep(0.01)
        kernel = f"k{len(self.kernels) + len(self.shut)}"
        self.kernels.append(kernel)
        return kernel

    def notify_connect(self, kernel_id: str) -> None:
        self._kernel_connections[kernel_id] = self._kernel_connections.get(kernel_id, 0) + 1

    def notify_disconnect(self, kernel_id: str) -> None:
        self._kernel_connections[kernel_id] -= 1

    async def shutdown_kernel(self, kernel_id: str) -> None:
        self.kernels.remove(kernel_id)
        self.shut.append(kernel_id)


async def _visit(gate: KernelGate, manager: FakeManager, client: str) -> str | None:
    """What the page handler does: ask, start the page's kernel, finish. Returns the kernel or None."""
    visit = gate.admit(client)
    if isinstance(visit, str):
        return None
    try:
        return await manager.start_kernel()
    finally:
        gate.finish(visit)


def test_a_hundred_simultaneous_visits_never_pass_the_cap() -> None:
    async def run() -> tuple[list, KernelGate, FakeManager]:
        manager, gate = (
            FakeManager(),
            KernelGate(KernelLimits(total=5, per_client=100, burst=1000, connect_grace=0)),
        )
        gate.attach(manager)
        got = await asyncio.gather(*(_visit(gate, manager, f"10.0.0.{i}") for i in range(100)))
        return got, gate, manager

    got, gate, manager = run_async(run())
    assert sum(k is not None for k in got) == 5 and len(manager.kernels) == 5
    assert gate.highest == 5 and gate.reserved == {}


def test_one_client_gets_a_few_kernels_and_then_must_wait_for_its_tokens() -> None:
    now = [0.0]

    async def run() -> list:
        manager = FakeManager()
        gate = KernelGate(
            KernelLimits(total=50, per_client=3, burst=5, per_minute=6, connect_grace=0), lambda: now[0]
        )
        gate.attach(manager)
        first = [await _visit(gate, manager, "1.1.1.1") for _ in range(4)]
        assert first[3] is None and "3 pages" in gate.admit("1.1.1.1")
        assert await _visit(gate, manager, "2.2.2.2") is not None  # another client is not held up
        for kernel in list(manager.kernels):
            await manager.shutdown_kernel(kernel)
        # 5 loads at once, then 6 a minute: 3 used (the refused one took none), 2 left, then one every 10 s
        assert await _visit(gate, manager, "1.1.1.1") is not None
        assert await _visit(gate, manager, "1.1.1.1") is not None
        assert gate.admit("1.1.1.1") == "This page was loaded many times in a short while."
        now[0] += 10
        return [await _visit(gate, manager, "1.1.1.1")]

    assert run_async(run())[0] is not None


def test_a_kernel_whose_page_never_connects_is_shut_down() -> None:
    async def run() -> FakeManager:
        manager, gate = FakeManager(), KernelGate(KernelLimits(total=5, connect_grace=0.05))
        gate.attach(manager)
        lonely = await _visit(gate, manager, "1.1.1.1")
        visit = gate.admit("1.1.1.1")
        joined = await manager.start_kernel()
        manager.notify_connect(joined)  # its page opened the websocket
        gate.finish(visit)
        await asyncio.sleep(0.2)
        assert lonely in manager.shut and joined in manager.kernels
        return manager

    run_async(run())


def test_the_default_cap_follows_free_memory() -> None:
    assert default_max_kernels(24 * 1024) == 61
    assert default_max_kernels(300) == 2 and default_max_kernels(10**7) == 64
    assert 2 <= default_max_kernels() <= 64


def test_the_busy_page_retries_by_itself() -> None:
    page = busy_page("This server has as many visitors as it can take right now.")
    assert '<meta http-equiv="refresh" content="5">' in page and "<title>Busy, try again in a moment" in page


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (json.dumps({"header": {"msg_type": "error"}, "content": {"traceback": ["x"]}}), "error"),
        (
            {"header": {"msg_type": "stream"}, "content": {"text": "Traceback (most recent call last)"}},
            "stream",
        ),
    ],
)
def test_messages_bound_for_the_browser_are_read_in_every_form(message, kind: str) -> None:
    assert _kind_and_text(message)[0] == kind


def test_binary_messages_of_the_v1_protocol_are_read_too() -> None:
    parts = [
        b"iopub",
        json.dumps({"msg_type": "stream"}).encode(),
        b"{}",
        b"{}",
        json.dumps({"name": "stderr", "text": "Traceback (most recent call last):\n  File"}).encode(),
    ]
    offsets, position = [], 8 * (len(parts) + 1)
    for part in parts:
        offsets.append(position)
        position += len(part)
    raw = (
        len(parts).to_bytes(8, "little")
        + b"".join(o.to_bytes(8, "little") for o in offsets)
        + b"".join(parts)
    )
    kind, text = _kind_and_text(raw)
    assert kind == "stream" and "Traceback (most recent call last)" in text
    assert _kind_and_text(b"\x00garbage") == ("", "")


def test_a_page_closed_without_goodbye_frees_its_visitor_but_not_the_total() -> None:
    async def run() -> None:
        manager = FakeManager()
        gate = KernelGate(KernelLimits(total=3, per_client=1, connect_grace=0))
        gate.attach(manager)
        first = await _visit(gate, manager, "1.1.1.1")
        manager.notify_connect(first)
        assert "1 page of" in gate.admit("1.1.1.1")  # its one page is open
        manager.notify_disconnect(first)  # the tab was closed; its kernel stays until culled
        assert await _visit(gate, manager, "1.1.1.1") is not None
        assert gate.committed() == 2  # the left kernel still counts toward the total

    run_async(run())
