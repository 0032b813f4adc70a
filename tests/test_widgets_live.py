"""The board's file watch: a save by someone else is noticed while the kernel's event loop runs.

(The live map's row-level patching is render's job now: see tests/test_render.py.)
"""

from __future__ import annotations

from cjmkit.synthetic import synthetic_journey


def test_file_watch_looks_by_itself_on_a_running_event_loop(tmp_path, monkeypatch):
    import asyncio
    import threading

    from cjmkit.store import open_map, save
    from cjmkit.widgets import _watch

    path = tmp_path / "w.cjm.json"
    save(synthetic_journey(3), path)
    monkeypatch.setattr(_watch, "WATCH_SECONDS", 0.01)
    found: list[str] = []
    mine, other = open_map(path), open_map(path)

    async def facilitator_session() -> None:
        watch = _watch.FileWatch(mine, lambda: found.append(mine.editor.journey.title))
        other.editor.set_journey(title="Saved next door")  # someone else saves: revision 2
        for _ in range(500):
            if found:
                break
            await asyncio.sleep(0.01)
        watch.stop()

    # A loop of its own in a thread: the session's Playwright browser may own this thread's loop.
    worker = threading.Thread(target=asyncio.run, args=(facilitator_session(),))
    worker.start()
    worker.join(timeout=30)
    assert found == ["Saved next door"]
