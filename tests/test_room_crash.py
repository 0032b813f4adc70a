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
