"""``cjmkit demo``: the sample map (read-only viewer) and the workshop app, side by side.

What ``make demo`` runs. The viewer serves ``sample_data/`` of the source checkout; the
workshop works on a copy of the sample map in ``.demo/`` (kept between runs, so a workshop's
edits survive a restart, and the sample itself is never changed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from cjmkit.errors import CjmError

REPO = Path(__file__).resolve().parent.parent.parent


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the command line."""
    demo = subparsers.add_parser(
        "demo", help="serve the sample map and the workshop app on 127.0.0.1 (what `make demo` runs)"
    )
    demo.add_argument(
        "--port",
        type=int,
        default=8866,
        help="viewer port; the workshop uses the next one, the room's page the one after",
    )
    demo.add_argument("--sample-dir", type=Path, default=REPO / "sample_data", help=argparse.SUPPRESS)
    demo.add_argument("--work-dir", type=Path, default=REPO / ".demo", help=argparse.SUPPRESS)
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """Start the servers, print where they are once they answer, stop them on Ctrl+C or when one fails."""
    from cjmkit.web import TOKEN_ENV, TOKEN_PARAM, new_token

    sample = args.sample_dir / "acme.cjm.json"
    if not sample.is_file():
        raise CjmError(f"the sample map {sample} is missing: run `cjmkit demo` from a cjmkit source checkout")
    args.work_dir.mkdir(parents=True, exist_ok=True)
    workshop_map = args.work_dir / "acme-workshop.cjm.json"
    if not workshop_map.exists():
        shutil.copyfile(sample, workshop_map)
    command = [sys.executable, "-m", "cjmkit.cli"]
    viewer_port, workshop_port, room_port = args.port, args.port + 1, args.port + 2
    token = new_token()  # the workshop's; printed below, with the address it belongs to
    # A Ctrl+C while a server is being started waits until it is started, so none is left behind.
    held: list[int] = []
    interrupted = False
    previous = signal.signal(signal.SIGINT, lambda number, _frame: held.append(number))
    try:
        servers = [
            subprocess.Popen([*command, "serve", str(args.sample_dir), "--port", str(viewer_port)]),
            subprocess.Popen(
                [
                    *command,
                    "workshop",
                    str(workshop_map),
                    "--port",
                    str(workshop_port),
                    "--room",
                    "127.0.0.1",
                    "--room-port",
                    str(room_port),
                ],
                env={**os.environ, TOKEN_ENV: token},
            ),
        ]
    except BaseException:
        signal.signal(signal.SIGINT, previous)
        raise
    try:  # a Ctrl+C while they start stops them too
        signal.signal(signal.SIGINT, previous)
        if held:
            raise KeyboardInterrupt
        if not _wait_until_listening(servers, (viewer_port, workshop_port, room_port)):
            print(
                "cjmkit demo: a server did not start (its reason is above); stopping the others.",
                file=sys.stderr,
                flush=True,
            )
            return 2  # the finally below stops what did start
        print(
            "\ncjmkit demo (this machine only):\n"
            f"  sample map, read-only viewer:  http://127.0.0.1:{viewer_port}/?map=acme\n"
            f"  workshop app on a copy of it:  http://127.0.0.1:{workshop_port}/?{TOKEN_PARAM}={token}\n"
            f"                                 (the map is {workshop_map})\n"
            f"  participants' page (the room): http://127.0.0.1:{room_port}/ (join code: the board's Room tab)\n"
            "Press Ctrl+C to stop them.\n",
            flush=True,
        )
        while all(server.poll() is None for server in servers):
            time.sleep(0.5)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    if interrupted:  # however the servers took it (one still starting may exit 1): the person stopped them
        return 0
    failed = [server.returncode for server in servers if server.returncode not in (0, -signal.SIGINT, 130)]
    return 2 if failed else 0


def _wait_until_listening(
    servers: list[subprocess.Popen[bytes]], ports: tuple[int, ...], limit: float = 120
) -> bool:
    """Wait until every port accepts a connection on 127.0.0.1, so the addresses printed next open at once.

    Returns False when a server ended first (a busy port, a broken install) or ``limit`` seconds passed.
    """
    deadline = time.monotonic() + limit
    waiting = list(ports)
    while waiting and time.monotonic() < deadline and all(server.poll() is None for server in servers):
        try:
            with socket.create_connection(("127.0.0.1", waiting[0]), timeout=1):
                waiting.pop(0)
        except OSError:
            time.sleep(0.2)
    return not waiting
