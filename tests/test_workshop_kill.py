"""Kill test: a kernel killed (SIGKILL) right after the board said "Saved" loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from cjmkit.store import load

# What a facilitator's kernel does: open the board, drop a note with quick capture, show the
# status; then it stays alive (busy) until it is killed.
KERNEL = textwrap.dedent(
    """
    import sys, time
    from cjmkit.widgets import WorkshopBoard

    board = WorkshopBoard(sys.argv[1])
    capture = board.quick_capture
    capture.kind.value = "touchpoint"
    capture.text.value = "Typed just before the crash"
    capture.drop_button.click()
    first, persona = board.journey.touchpoints[0], board.journey.personas[0].id
    board.touchpoints.select(first.id)
    board.touchpoints.emotion_sliders[persona].value = 2 if first.emotions.get(persona) == -2 else -2
    print(board.status_text(), flush=True)
    time.sleep(600)
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_map_reopened_after_sigkill_has_the_saved_edits(sample_map):
    before = load(sample_map)
    first, persona = before.touchpoints[0].id, before.personas[0].id
    felt = 2 if before.touchpoints[0].emotions.get(persona) == -2 else -2
    kernel = subprocess.Popen(
        [sys.executable, "-c", KERNEL, str(sample_map)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        status = kernel.stdout.readline().strip()  # blocks until the board shows its status
        os.kill(kernel.pid, signal.SIGKILL)
    finally:
        kernel.kill()
        kernel.wait(timeout=30)
    errors = kernel.stderr.read()
    kernel.stdout.close()
    kernel.stderr.close()
    assert status == f"Saved ✓ revision {before.revision + 2}", errors
    assert kernel.returncode == -signal.SIGKILL
    after = load(sample_map)
    assert after.revision == before.revision + 2
    assert any(tp.name == "Typed just before the crash" for tp in after.touchpoints)
    assert after.touchpoint(first).emotions[persona] == felt
