"""A full workshop room: participants posting notes against a running ``cjmkit workshop --room``.

Starts ``cjmkit workshop MAP --room 127.0.0.1`` (loopback only) on a copy of the sample map,
joins PARTICIPANTS simulated phones with the join code, and has each post a sticky note every
INTERVAL seconds for SECONDS seconds (about one in twenty is sent twice, as a phone retrying
after a lost answer). Meanwhile a board's Room panel (the real widget, on its own
:class:`~cjmkit.store.MapSession`) follows the room log at its usual pace.

Figures and targets:

- lost: acknowledged notes missing from the board's inbox (target 0);
- duplicated: notes in the inbox more than once, retries included (target 0);
- submission to inbox: from the moment a phone sends a note to the moment the board's panel
  holds it (target p95 < 2 s);
- server memory growth: resident memory of the workshop process, end minus start (target
  <= 150 MB);
- page weight: the participants' page as a phone downloads it (target <= 100 KB).

Run: ``.venv/bin/python benchmarks/bench_room.py`` (30 participants, a note every 2 s, 5 minutes);
``--participants 3 --seconds 4`` is the suite's quick smoke run.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from cjmkit.room import RoomLog, RoomState, log_path
from cjmkit.store import load, open_map
from cjmkit.widgets.room_panel import ROOM_POLL_SECONDS, RoomPanel

REPO = Path(__file__).resolve().parent.parent
TARGET_P95_S = 2.0
TARGET_MEMORY_MB = 150.0
TARGET_PAGE_KB = 100.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Phone:
    """One participant: a cookie jar, the join code, notes sent with their own ids."""

    def __init__(self, base: str, code: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with self.opener.open(f"{base}?code={code}", timeout=30) as response:
            self.page_bytes = len(response.read())

    def poll(self) -> None:
        """What the page's script does every two seconds."""
        request = urllib.request.Request(self.base + "state", headers={"Accept": "application/json"})
        try:
            with self.opener.open(request, timeout=30) as response:
                response.read()
        except OSError:
            pass

    def post(self, note_id: str, text: str, stage: str) -> int:
        data = urllib.parse.urlencode(
            {"id": note_id, "kind": "opportunities", "text": text, "stage": stage}
        ).encode()
        request = urllib.request.Request(
            self.base + "note", data=data, headers={"Accept": "application/json"}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between one participant's notes")
    parser.add_argument("--seconds", type=float, default=300.0, help="how long the room runs")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="cjmkit-bench-room-"))
    path = tmp / "acme.cjm.json"
    shutil.copyfile(REPO / "sample_data" / "acme.cjm.json", path)
    port, room_port = free_port(), free_port()
    base = f"http://127.0.0.1:{room_port}/"
    server_log = open(tmp / "server.log", "wb")  # noqa: SIM115 (closed in the finally below)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cjmkit.cli",
            "workshop",
            str(path),
            "--port",
            str(port),
            "--room",
            "127.0.0.1",
            "--room-port",
            str(room_port),
        ],
        stdout=server_log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    session = None
    panel = None
    try:
        deadline = time.monotonic() + 120
        state = RoomState()
        while True:
            state.apply_all(RoomLog(log_path(path)).read_new())
            try:
                with urllib.request.urlopen(base + "state", timeout=2):
                    pass
            except urllib.error.HTTPError:  # 403 without the code: the server answers
                break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print((tmp / "server.log").read_text(errors="replace")[-2000:])
                print("FAIL: the workshop server did not start")
                return 1
            time.sleep(0.2)
        state.apply_all(RoomLog(log_path(path)).read_new())
        code = state.code
        stages = [s.id for s in load(path).stages]

        session = open_map(path)
        panel = RoomPanel(session.editor, path, url=base)  # the board, following the log
        arrived: dict[str, float] = {}
        seen_twice: list[str] = []
        stop = threading.Event()

        def follow() -> None:
            while not stop.is_set():
                now = time.monotonic()
                for note in panel.check():
                    if note.id in arrived:
                        seen_twice.append(note.id)
                    arrived.setdefault(note.id, now)
                stop.wait(ROOM_POLL_SECONDS)

        phones = [Phone(base, code) for _ in range(args.participants)]
        page_kb = max(p.page_bytes for p in phones) / 1024
        time.sleep(1.0)
        memory_start = rss_mb(server.pid)
        follower = threading.Thread(target=follow, daemon=True)
        follower.start()

        sent: dict[str, float] = {}
        acked: set[str] = set()
        refused: list[int] = []
        lock = threading.Lock()
        end = time.monotonic() + args.seconds

        def participate(n: int, phone: Phone) -> None:
            rng = random.Random(n)
            next_at = time.monotonic() + rng.uniform(0, args.interval)
            count = 0
            while next_at < end:
                time.sleep(max(0.0, next_at - time.monotonic()))
                note_id = f"b{n:02d}-{count:05d}-{uuid.uuid4().hex[:6]}"
                started = time.monotonic()
                with lock:
                    sent[note_id] = started
                status = phone.post(note_id, f"Participant {n} idea {count}", stages[count % len(stages)])
                if status == 200 and rng.random() < 0.05:
                    status = phone.post(
                        note_id, f"Participant {n} idea {count}", stages[count % len(stages)]
                    )  # a retry
                with lock:
                    (acked.add(note_id) if status == 200 else refused.append(status))
                phone.poll()
                count += 1
                next_at += args.interval

        threads = [
            threading.Thread(target=participate, args=(n, p), daemon=True) for n, p in enumerate(phones)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        settle = time.monotonic() + 10
        while not acked <= set(arrived) and time.monotonic() < settle:
            time.sleep(0.1)
        stop.set()
        follower.join()
        memory_end = rss_mb(server.pid)

        state = RoomState()
        state.apply_all(RoomLog(log_path(path)).read_new())
        inbox_ids = [note.id.removeprefix("note-") for note in state.inbox()]
        lines = [json.loads(line)["id"] for line in log_path(path).read_text(encoding="utf-8").splitlines()]
        lost = len(acked - set(inbox_ids))
        duplicated = (len(lines) - len(set(lines))) + (len(inbox_ids) - len(set(inbox_ids))) + len(seen_twice)
        latencies = sorted(arrived[f"note-{i}"] - sent[i] for i in acked if f"note-{i}" in arrived)
    finally:
        if panel is not None:
            panel.close()
        if session is not None:
            session.close()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server_log.close()
        shutil.rmtree(tmp, ignore_errors=True)

    p95 = (
        latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))] if latencies else float("inf")
    )
    growth = memory_end - memory_start
    print(f"{args.participants} participants, a note every {args.interval:g} s for {args.seconds:g} s")
    print(
        f"  notes sent {len(sent)}, acknowledged {len(acked)}, refused {len(refused)} {sorted(set(refused)) or ''}"
    )
    print(f"  in the board's inbox {len(set(inbox_ids))}")
    if latencies:
        print(
            f"  submission to inbox: median {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s"
        )
    print(f"  server memory {memory_start:.0f} MB -> {memory_end:.0f} MB")
    verdicts = [
        ("lost notes", lost == 0 and len(acked) > 0, f"{lost} (target 0)"),
        ("duplicated notes", duplicated == 0, f"{duplicated} (target 0)"),
        ("refused notes", not refused, f"{len(refused)} (target 0)"),
        (
            "p95 submission to inbox",
            p95 < TARGET_P95_S,
            f"{p95:.2f} s (target < {TARGET_P95_S:g} s; {p95 / TARGET_P95_S:.2f} of it)",
        ),
        (
            "server memory growth",
            growth <= TARGET_MEMORY_MB,
            f"{growth:.0f} MB (target <= {TARGET_MEMORY_MB:g} MB)",
        ),
        (
            "page weight",
            page_kb <= TARGET_PAGE_KB,
            f"{page_kb:.1f} KB (target <= {TARGET_PAGE_KB:g} KB; {page_kb / TARGET_PAGE_KB:.2f} of it)",
        ),
    ]
    for label, ok, figure in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}: {label} {figure}")
    return 0 if all(ok for _l, ok, _f in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
