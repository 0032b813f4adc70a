"""A board whose server dies says so within seconds, and never shows an unsaved edit as saved."""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest
from support import cjmkit_command, free_port, kernels_of, running_server

from cjmkit.store import load

TOKEN = "test-token-for-the-board"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killing_the_server_shows_not_connected_within_five_seconds(page, sample_map):
    port, info = free_port(), {}
    command = cjmkit_command(
        "workshop", str(sample_map), "--port", str(port), "--room-port", str(free_port())
    )
    kernels: list[int] = []
    try:
        with running_server(command, port, env={"CJMKIT_TOKEN": TOKEN}, info=info) as base:
            page.goto(f"{base}/?token={TOKEN}")
            page.wait_for_selector(".cjm-quick-text input", timeout=120_000)
            page.fill(".cjm-quick-text input", "Saved before the crash")
            page.locator(".cjm-quick-drop").click()
            page.wait_for_selector("text=Added touchpoint", timeout=30_000)
            saved = load(sample_map)
            page.wait_for_selector(f"text=Saved ✓ revision {saved.revision}", timeout=30_000)
            assert any(tp.name == "Saved before the crash" for tp in saved.touchpoints)
            assert page.locator("#cjm-offline").count() == 0

            kernels = kernels_of(info["process"])
            os.kill(info["process"].pid, signal.SIGKILL)
            killed = time.monotonic()
            page.wait_for_selector("#cjm-offline", timeout=5_000)
            assert time.monotonic() - killed < 5
            text = page.locator("#cjm-offline").inner_text()
            local = saved.updated.astimezone().strftime("%H:%M")  # the browser runs on this machine
            assert text.startswith(f"Not connected: everything up to {local} is saved."), text
            assert page.locator("#cjm-offline").is_visible()
            # what is on the board can no longer be taken for saved, nor edited as if it were
            assert not page.locator(".cjm-save-status").is_visible()
            assert (
                page.evaluate("getComputedStyle(document.querySelector('.cjm-workshop-board')).pointerEvents")
                == "none"
            )
    finally:
        for pid in kernels:  # the kernels of the killed server: started by this test, ended by it
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
