"""Storage across processes: writers killed mid-save, concurrent writers, two sessions.

Child processes are forked from the test process (cheap: cjmkit is already imported), so that
dozens of SIGKILLs fit in a few seconds.
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

from cjmkit.errors import ConflictError
from cjmkit.model import Stage
from cjmkit.store import load, open_map, save
from cjmkit.synthetic import synthetic_journey

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forks child processes (Linux)")

fork = multiprocessing.get_context("fork") if sys.platform == "linux" else None


def _save_forever(path: str, ready: multiprocessing.synchronize.Event) -> None:
    journey = load(path)
    ready.set()
    while True:
        # Each version names its own revision, so any file on disk can be checked for wholeness.
        journey.title = f"Version {journey.revision + 1}"
        save(journey, path)


def _temp_files(path: Path) -> list[Path]:
    return list(path.parent.glob(f".{path.name}.*.tmp"))


KILLS = 40  # at least this many kills ...
MAX_KILLS = 400  # ... and more, up to this many, until one lands while a temp file exists


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_leaves_the_old_or_the_new_map(tmp_path: Path) -> None:
    path = tmp_path / "crash.cjm.json"
    base = synthetic_journey(300)
    base.title = "Version 1"
    save(base, path)
    rng = random.Random(20261126)
    last_revision, kills, kills_mid_write = 1, 0, 0
    # How long a save takes depends on the machine and its load: keep killing until a kill has
    # landed mid-write (a temp file left behind), so the test exercises that case on any machine.
    while kills < KILLS or (kills_mid_write == 0 and kills < MAX_KILLS):
        before = set(_temp_files(path))
        ready = fork.Event()
        child = fork.Process(target=_save_forever, args=(str(path), ready), daemon=True)
        child.start()
        assert ready.wait(30), "the saving child did not start"
        time.sleep(rng.uniform(0, 0.04))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL
        kills += 1

        journey = load(path)  # never half a file
        assert journey.title == f"Version {journey.revision}"  # one whole version ...
        assert journey.touchpoints == base.touchpoints  # ... with nothing else changed
        assert journey.kpis == base.kpis
        assert journey.revision >= last_revision  # never an older one
        last_revision = journey.revision
        kills_mid_write += bool(set(_temp_files(path)) - before)

    assert last_revision > 5, "the children hardly saved: the test did not exercise anything"
    assert kills_mid_write > 0, f"none of {kills} kills landed while a temp file existed"
    journey = load(path)
    save(journey, path)
    assert _temp_files(path) == []  # the next save cleans up after killed writers
    assert load(path) == journey


def _add_stages(path: str, who: str, count: int, go: multiprocessing.synchronize.Event) -> None:
    go.wait()
    for n in range(count):
        while True:
            journey = load(path)
            journey.stages.append(Stage(id=f"{who}-{n}", name=f"{who} {n}"))
            try:
                save(journey, path)
                break
            except ConflictError:
                continue  # someone else was quicker: take their version and try again


def test_concurrent_writers_never_lose_an_update(tmp_path: Path) -> None:
    path = tmp_path / "busy.cjm.json"
    save(synthetic_journey(50), path)
    go = fork.Event()
    writers = [fork.Process(target=_add_stages, args=(str(path), who, 12, go)) for who in ("a", "b", "c")]
    for writer in writers:
        writer.start()
    go.set()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    stage_ids = {stage.id for stage in load(path).stages}
    assert {f"{who}-{n}" for who in "abc" for n in range(12)} <= stage_ids
    assert load(path).revision == 1 + 36


def _edit_in_other_process(path: str, title: str) -> None:
    with open_map(path) as session:
        session.editor.set_journey(title=title)


def test_sessions_in_two_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.cjm.json"
    save(synthetic_journey(20), path)
    with open_map(path) as mine:
        other = fork.Process(target=_edit_in_other_process, args=(str(path), "Edited elsewhere"))
        other.start()
        other.join(30)
        assert other.exitcode == 0
        first = mine.editor.journey.touchpoints[0].id
        mine.editor.update("touchpoints", first, name="Edited here")  # another field: merged
        assert load(path).title == "Edited elsewhere"
        assert load(path).touchpoint(first).name == "Edited here"
        assert mine.editor.journey == load(path) and mine.status == "saved" and not mine.conflicts
        assert not list(tmp_path.glob("shared.conflict-*"))
