"""``make demo`` runs ``cjmkit demo``: the addresses it prints open at once, and Ctrl+C stops everything."""

from __future__ import annotations

import contextlib
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support import REPO, free_port

pytestmark = pytest.mark.slow


def _three_free_ports() -> int:
    """A port P such that P, P+1 and P+2 are free on 127.0.0.1 (the viewer, the workshop, the room)."""
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as one, socket.socket() as two:
                one.bind(("127.0.0.1", port + 1))
                two.bind(("127.0.0.1", port + 2))
            return port
        except OSError:
            continue
    raise AssertionError("no three free ports in a row on 127.0.0.1")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_demo_prints_addresses_that_open_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    port = _three_free_ports()
    sample = REPO / "sample_data" / "acme.cjm.json"
    before = sample.read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-m", "cjmkit.cli", "demo", "--port", str(port), "--work-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        printed = ""
        deadline = time.monotonic() + 180
        while (
            "Press Ctrl+C to stop them" not in printed
            and time.monotonic() < deadline
            and process.poll() is None
        ):
            printed += process.stdout.readline()
        block = printed.partition("cjmkit demo (this machine only):")[
            2
        ]  # the servers print lines of their own
        addresses = re.findall(r"http://127\.0\.0\.1:\d+/\S*", block)
        assert len(addresses) == 3, printed
        viewer, workshop, room = addresses
        status, page = _get(viewer)  # each answers as soon as it is printed: no waiting, no retry
        assert status == 200 and "Acme Cloud" in page
        assert "token=" in workshop and _get(workshop.split("?")[0])[0] == 403  # the token is what lets in
        status, page = _get(room)
        assert status == 200 and "<title>" in page
        assert (tmp_path / "acme-workshop.cjm.json").read_bytes() == before  # the workshop's copy
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C
        code = process.wait(timeout=60)
    assert code == 0
    for each in (port, port + 1, port + 2):
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", each), timeout=2):
            pass
    assert sample.read_bytes() == before


def test_ctrl_c_while_the_servers_start_leaves_none_running(tmp_path: Path) -> None:
    import psutil

    port = _three_free_ports()
    process = subprocess.Popen(
        [sys.executable, "-m", "cjmkit.cli", "demo", "--port", str(port), "--work-dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(servers := psutil.Process(process.pid).children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(servers) == 2
    finally:
        process.send_signal(signal.SIGINT)  # before the servers answer: the addresses are not printed yet
        code = process.wait(timeout=60)
    assert code == 0
    _, alive = psutil.wait_procs(servers, timeout=30)
    assert not alive, [server.cmdline() for server in alive]


def test_a_server_that_cannot_start_stops_the_demo_with_a_sentence(tmp_path: Path) -> None:
    import psutil

    port = _three_free_ports()
    with socket.socket() as busy:  # another program holds the viewer's port
        busy.bind(("127.0.0.1", port))
        busy.listen()
        process = subprocess.Popen(
            [sys.executable, "-m", "cjmkit.cli", "demo", "--port", str(port), "--work-dir", str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        servers = []
        deadline = time.monotonic() + 60
        while len(servers) < 2 and process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(psutil.NoSuchProcess):
                servers = psutil.Process(process.pid).children()
        out, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "a server did not start" in err and "cjmkit demo (this machine only)" not in out
    assert "Traceback" not in err
    _, alive = psutil.wait_procs(servers, timeout=30)
    assert not alive
