"""The room log across crashes: a writer killed between acknowledgements loses nothing it acknowledged.

A forked child plays the participants' server: it appends submissions (each with its
client-made id) and acknowledges each one on a pipe only after the append returned, as the
server answers a phone only then. The test kills it at random moments, 100 times; the
phones retry what was not acknowledged, and some retry what was (a lost answer).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from cjmkit.room import RoomLog, RoomState

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forks child processes (Linux)")

fork = multiprocessing.get_context("fork") if sys.platform == "linux" else None


def _serve(path: str, ids: list[str], acks) -> None:
    log = RoomLog(path)
    for note_id in ids:
        log.append(
            {
                "id": note_id,
                "type": "note",
                "client": "phone",
                "kind": "opportunities",
                "text": note_id,
                "stage": "s",
            }
        )
        os.write(acks, f"{note_id}\n".encode())
    time.sleep(60)


@pytest.mark.slow
def test_every_acknowledged_submission_is_in_the_log_once_after_random_kills(tmp_path: Path):
    path = tmp_path / "crash.room.jsonl"
    rng = random.Random(20261201)
    acknowledged: set[str] = set()
    unacknowledged: list[str] = []
    next_id, torn_seen = 0, 0
    for _ in range(100):
        fresh = [f"note-{n:06d}" for n in range(next_id, next_id + 40)]
        next_id += 40
        retries = unacknowledged + rng.sample(sorted(acknowledged), min(3, len(acknowledged)))
        batch = retries + fresh
        read_end, write_end = os.pipe()
        child = fork.Process(target=_serve, args=(str(path), batch, write_end), daemon=True)
        child.start()
        os.close(write_end)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        with os.fdopen(read_end, "rb") as pipe:
            acked_now = {line.decode() for line in pipe.read().splitlines()}
        acknowledged |= acked_now
        unacknowledged = [note_id for note_id in batch if note_id not in acknowledged]
        raw = path.read_bytes() if path.exists() else b""
        torn_seen += bool(raw) and not raw.endswith(b"\n")

        state = RoomState()
        state.apply_all(RoomLog(path).read_new())  # what a board rebuilds after the restart
        inbox = [note.id for note in state.inbox()]
        assert len(inbox) == len(set(inbox)), "a submission appears twice"
        missing = acknowledged - set(inbox)
        assert not missing, f"acknowledged but lost: {sorted(missing)[:5]}"

    assert len(acknowledged) > 150, "the children hardly wrote: the test exercised nothing"
    lines = path.read_bytes().splitlines()
    assert len(lines) >= len(acknowledged)
    RoomLog(path).append({"id": "after-crash", "type": "close"})
    assert path.read_bytes().endswith(b"\n")
    print(f"{len(acknowledged)} acknowledged, {torn_seen} kills left a torn line")


def _room_server(map_path: str, port: int, ready) -> None:
    import asyncio

    from cjmkit.room.server import RoomServer

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    RoomServer(map_path).listen(port, "127.0.0.1")
    ready.set()
    loop.run_forever()


@pytest.mark.slow
def test_the_participants_server_killed_at_random_loses_no_acknowledged_note(sample_map: Path):
    import http.cookiejar
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    from support import free_port

    from cjmkit.room.facilitator import open_room
    from cjmkit.room.log import log_path
    from cjmkit.store import load

    log = RoomLog(log_path(sample_map))
    code = open_room(log, RoomState())
    stage = load(sample_map).stages[0].id
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    rng = random.Random(20261202)
    acknowledged: set[str] = set()
    waiting: list[str] = []  # sent but not acknowledged: the phone sends them again
    next_id, joined = 0, False

    def post(note_id: str) -> bool:
        data = urllib.parse.urlencode(
            {"id": note_id, "kind": "pain_points", "text": f"note {note_id}", "stage": stage, "code": code}
        ).encode()
        request = urllib.request.Request(base + "note", data=data, headers={"Accept": "application/json"})
        try:
            with opener.open(request, timeout=5) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            assert error.code == 429, error.read()
            jar.clear()  # the per-participant limit: go on as another participant (the code is in the form)
            return False

    for _ in range(100):
        ready = fork.Event()
        child = fork.Process(target=_room_server, args=(str(sample_map), port, ready), daemon=True)
        child.start()
        assert ready.wait(30), "the server did not start"
        if not joined:
            opener.open(f"{base}?code={code}", timeout=5).read()
            joined = True
        killer = threading.Timer(rng.uniform(0.0, 0.15), os.kill, (child.pid, signal.SIGKILL))
        killer.start()
        try:
            while True:
                if waiting:
                    note_id = waiting[0]
                else:
                    note_id, next_id = f"n-{next_id:06d}", next_id + 1
                    waiting.append(note_id)
                if post(note_id):
                    acknowledged.add(note_id)
                    waiting.remove(note_id)
                    if rng.random() < 0.1:  # an answer lost on the way: the phone sends it again
                        post(note_id)
        except (urllib.error.URLError, ConnectionError, OSError):
            pass  # killed
        killer.join()
        child.join(10)

        state = RoomState()
        state.apply_all(RoomLog(log_path(sample_map)).read_new())
        inbox = [note.id.removeprefix("note-") for note in state.inbox()]
        assert len(inbox) == len(set(inbox)), "a note is in the inbox twice"
        assert acknowledged <= set(inbox), f"acknowledged but lost: {sorted(acknowledged - set(inbox))[:5]}"

    assert len(acknowledged) > 100, "the server hardly answered: the test exercised nothing"
