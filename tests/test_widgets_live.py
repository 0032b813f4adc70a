"""The board's file watch: a save by someone else is noticed while the kernel's event loop runs.

(The live map's row-level patching is render's job now: see tests/test_render.py.)
"""

from __future__ import annotations

from cjmkit.synthetic import synthetic_journey


def test_file_watch_looks_by_itself_on_a_running_event_loop(tmp_path, monkeypatch):
    import asyncio
    import threading

    from cjmkit.store import save
    from cjmkit.widgets import _watch

    path = tmp_path / "w.cjm.json"
    journey = synthetic_journey(3)
    save(journey, path)
    monkeypatch.setattr(_watch, "WATCH_SECONDS", 0.01)
    found: list[int] = []

    async def facilitator_session() -> None:
        watch = _watch.FileWatch(path, lambda: 1, found.append)
        save(journey, path)  # someone else saves: revision 2
        for _ in range(500):
            if found:
                break
            await asyncio.sleep(0.01)
        watch.stop()

    # A loop of its own in a thread: the session's Playwright browser may own this thread's loop.
    worker = threading.Thread(target=asyncio.run, args=(facilitator_session(),))
    worker.start()
    worker.join(timeout=30)
    assert found == [2]
