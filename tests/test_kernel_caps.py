"""A hundred page loads at once against a server that starts kernels: the cap holds, nobody is left hanging.

Loopback only: the hundred visitors come from a hundred addresses of 127.0.0.0/8 (all this
machine), so that the cap in total, not the one per client, is what they meet.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path

import pytest
from support import SAMPLE_MAP, cjmkit_command, free_port, kernels_of, memory_mb, running_server, wait_for

from cjmkit.serve import viewer_notebook

pytestmark = pytest.mark.slow

CAP = 3
VISITORS = 100
KERNEL_MB = 300  # a generous bound for one kernel of this tiny notebook
UP_PATH = "/voila/files/up"  # answered without starting a kernel


def _load(port: int, source: str, results: list, start: threading.Barrier) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=180, source_address=(source, 0))
    start.wait()
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        results.append(
            (response.status, response.getheader("Retry-After"), response.read().decode("utf-8", "replace"))
        )
    except OSError as error:
        results.append((0, None, str(error)))
    finally:
        connection.close()


def test_a_hundred_loads_at_once_meet_the_cap_and_the_busy_page(tmp_path: Path) -> None:
    (tmp_path / "acme.cjm.json").write_bytes(SAMPLE_MAP.read_bytes())
    notebook = tmp_path / "tiny.ipynb"
    notebook.write_text(
        json.dumps(viewer_notebook(["import ipywidgets\nipywidgets.Label('tiny ready')"], title="tiny"))
    )
    port, info = free_port(), {}
    command = cjmkit_command(
        "serve",
        str(tmp_path),
        "--port",
        str(port),
        "--notebook",
        str(notebook),
        "--max-kernels",
        str(CAP),
        "--preheat",
        "1",
    )
    with running_server(command, port, path=UP_PATH, info=info):
        server = info["process"]
        wait_for(lambda: len(kernels_of(server)) == 1, timeout=90, what="the pre-started kernel")
        baseline = memory_mb(server.pid)
        most, peak, sampling = [0], [baseline], threading.Event()

        def sample() -> None:
            while not sampling.is_set():
                most[0] = max(most[0], len(kernels_of(server)))
                peak[0] = max(peak[0], memory_mb(server.pid))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results: list = []
        start = threading.Barrier(VISITORS)
        threads = [
            threading.Thread(target=_load, args=(port, f"127.0.0.{i + 2}", results, start))
            for i in range(VISITORS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
        # the next ordinary visitor is answered: busy at first, then the page, while the cap holds
        deadline, answer = time.monotonic() + 150, None
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/")
            response = connection.getresponse()
            answer = (response.status, response.read().decode("utf-8", "replace"))
            connection.close()
            assert answer[0] in (200, 503)
            if answer[0] == 200:
                break
            time.sleep(2)
        # kernels whose page never connected (these visitors fetched the page, no websocket) go
        wait_for(
            lambda: len(kernels_of(server)) <= 1, timeout=120, what="unconnected kernels to be shut down"
        )
        sampling.set()
        sampler.join()
        log = info["log"].read_text(errors="replace")

    statuses = [status for status, _, _ in results]
    assert len(results) == VISITORS and set(statuses) <= {200, 503}, statuses
    served = [body for status, _, body in results if status == 200]
    busy = [(retry, body) for status, retry, body in results if status == 503]
    assert 1 <= len(served) <= CAP and all("tiny ready" in body for body in served)
    assert busy and all(retry == "5" and "Busy, try again in a moment" in body for retry, body in busy)
    assert all('http-equiv="refresh"' in body for _, body in busy)  # it tries again by itself
    assert most[0] <= CAP, f"{most[0]} kernels at once, cap {CAP}"
    assert peak[0] - baseline <= CAP * KERNEL_MB, f"memory grew by {peak[0] - baseline:.0f} MB"
    assert answer is not None and answer[0] == 200 and "tiny ready" in answer[1]
    assert "its page never connected" in log and "Traceback" not in log
