"""Shared helpers for the test suite: a real Chromium and real servers on 127.0.0.1.

Browser tests use Debian's Chromium through Playwright (never ``playwright install``). Without a
Chromium they skip with a clear reason, except when ``CI=true``: then a missing browser fails,
so CI can never pass by skipping them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parent.parent
SAMPLE_MAP = REPO / "sample_data" / "acme.cjm.json"


def require_chromium() -> str:
    """Return the Chromium path, or skip (fail under ``CI=true``) when there is none."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    reason = f"browser test needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)
    raise AssertionError("unreachable")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    condition: Callable[[], object], timeout: float = 60.0, interval: float = 0.1, what: str = ""
) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or condition}")
        time.sleep(interval)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


@contextlib.contextmanager
def running_server(
    args: list[str],
    port: int,
    path: str = "/",
    cwd: Path | None = None,
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
    info: dict[str, object] | None = None,
) -> Iterator[str]:
    """Run a server command (e.g. ``cjmkit serve``) and yield its base URL once it answers.

    ``args`` are passed to ``python -m``-style commands as given; the process is stopped (and
    killed if need be) when the block ends. Its output goes to a log shown on failure. ``env``
    adds environment variables; ``info``, when given, receives the ``process`` and the ``log``
    file (read it before the block ends).
    """
    log = Path(tempfile.gettempdir()) / f"cjmkit-test-server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args,
            cwd=cwd or REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    if info is not None:
        info.update(process=process, log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _answers(base + path):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"server {args} did not start:\n{log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


def kernels_of(process: subprocess.Popen) -> list[int]:
    """Return the process ids of the Jupyter kernels a server process started (and still runs)."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        with contextlib.suppress(psutil.Error):
            if any("ipykernel" in part for part in child.cmdline()):
                found.append(child.pid)
    return found


def cjmkit_command(*args: str) -> list[str]:
    """The command line that runs ``cjmkit ARGS`` with this interpreter."""
    return [sys.executable, "-m", "cjmkit.cli", *args]
