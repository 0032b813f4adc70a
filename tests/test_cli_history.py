"""``cjmkit history`` and ``cjmkit restore``: a facilitator gets an earlier version of a map back."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cjmkit.cli import main
from cjmkit.store import load, save
from cjmkit.templates import new_journey


@pytest.fixture
def saved_three_times(tmp_path: Path) -> Path:
    path = tmp_path / "acme.cjm.json"
    journey = new_journey("support-to-care", "First")
    save(journey, path)
    for title in ("Second", "Third"):
        journey.title = title
        save(journey, path)
    return path


def test_history_lists_kept_versions_newest_first(saved_three_times: Path, capsys) -> None:
    assert main(["history", str(saved_three_times)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "now: revision 3, “Third”" in lines[0]
    assert "revision    2" in lines[1] and "“Second”" in lines[1]
    assert "revision    1" in lines[2] and "“First”" in lines[2]
    assert lines[-1] == f"Put one back with: cjmkit restore {saved_three_times} REVISION"


def test_restore_brings_a_version_back_and_keeps_the_one_it_replaced(saved_three_times: Path, capsys) -> None:
    assert main(["restore", str(saved_three_times), "1"]) == 0
    out = capsys.readouterr().out
    assert "Restored revision 1" in out and "as revision 4; revision 3 is kept in its history" in out
    restored = load(saved_three_times)
    assert (restored.title, restored.revision) == ("First", 4)
    # and it can be undone the same way
    assert main(["restore", str(saved_three_times), "3"]) == 0
    assert load(saved_three_times).title == "Third"


def test_an_unknown_revision_is_one_sentence_and_exit_2(saved_three_times: Path, capsys) -> None:
    before = saved_three_times.read_bytes()
    assert main(["restore", str(saved_three_times), "9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no kept version has revision 9 (kept: 2, 1)" in err
    assert saved_three_times.read_bytes() == before


def test_a_broken_or_deleted_map_still_has_its_history(saved_three_times: Path, capsys) -> None:
    saved_three_times.write_text('{"title": "hand-edited and bro', encoding="utf-8")
    assert main(["history", str(saved_three_times)]) == 0
    assert "now: cannot be read" in capsys.readouterr().out
    assert main(["restore", str(saved_three_times), "2"]) == 0
    repaired = load(saved_three_times)
    # numbered after every kept version, so revisions never repeat
    assert (repaired.title, repaired.revision) == ("Second", 3)
    saved_three_times.unlink()
    assert main(["restore", str(saved_three_times), "1"]) == 0
    assert load(saved_three_times).title == "First"


def test_a_map_with_neither_file_nor_history_is_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["history", str(tmp_path / "nothing.cjm.json")]) == 2
    assert "no such map file, and no earlier versions of it are kept" in capsys.readouterr().err


def test_history_piped_into_a_reader_that_stops_ends_quietly(
    saved_three_times: Path, monkeypatch, capsys
) -> None:
    # `cjmkit history MAP | head -1`: the reader is gone before everything is written
    read_end, write_end = os.pipe()
    os.close(read_end)
    closed_pipe = os.fdopen(write_end, "w", buffering=1)
    monkeypatch.setattr(sys, "stdout", closed_pipe)
    assert main(["history", str(saved_three_times)]) == 141
    closed_pipe.close()  # stdout now points at nothing: closing it raises no second error
    assert capsys.readouterr().err == ""
