"""A folder that cannot hurt: named pipes, link loops, links out, a map called index, a read-only map.

Every command answers within seconds with its documented exit code (0 ok, 2 a problem the user
can fix), nothing outside the folder is read, and a read-only map is never written.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest
from support import SAMPLE_MAP, cjmkit_command

from cjmkit.errors import StorageError
from cjmkit.folder import data_file, file_problem, list_maps, resolve_map, scan_maps
from cjmkit.metrics import handoff_data_files
from cjmkit.store import load, open_map, read_regular, revision_on_disk, save

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")

ANSWER_SECONDS = 60  # "within seconds" on a loaded 2-core machine; a hang would be forever


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    maps = tmp_path / "maps"
    maps.mkdir()
    shutil.copyfile(SAMPLE_MAP, maps / "acme.cjm.json")
    shutil.copyfile(SAMPLE_MAP, maps / "index.cjm.json")
    shutil.copyfile(SAMPLE_MAP, maps / "readonly.cjm.json")
    os.chmod(maps / "readonly.cjm.json", 0o444)
    shutil.copyfile(SAMPLE_MAP, maps / "acme.conflict-20261126T101500Z.cjm.json")
    os.mkfifo(maps / "pipe.cjm.json")
    os.symlink("loop-b.cjm.json", maps / "loop-a.cjm.json")
    os.symlink("loop-a.cjm.json", maps / "loop-b.cjm.json")
    secret = load(SAMPLE_MAP)
    secret.title = "Secret map outside the folder"
    save(secret, tmp_path / "secret.cjm.json", force=True)
    os.symlink(tmp_path / "secret.cjm.json", maps / "outside.cjm.json")
    os.symlink("acme.cjm.json", maps / "alias.cjm.json")  # a link inside the folder is fine
    # raw data: the ticket export is a link to a system file, the contacts are real
    os.symlink("/etc/passwd", maps / "acme.tickets.csv")
    shutil.copyfile(SAMPLE_MAP.parent / "care_contacts.csv", maps / "acme.care_contacts.csv")
    return maps


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    start = time.monotonic()
    result = subprocess.run(
        cjmkit_command(*args), capture_output=True, text=True, timeout=ANSWER_SECONDS, cwd=cwd
    )
    assert time.monotonic() - start < ANSWER_SECONDS
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr, result.stderr
    return result


def test_discovery_lists_only_the_maps_that_may_be_read_and_says_why_others_are_skipped(folder: Path) -> None:
    scan = scan_maps(folder)
    assert sorted(scan.maps) == ["acme", "alias", "index", "readonly"]
    reasons = "\n".join(scan.skipped)
    assert "pipe.cjm.json: it is a named pipe" in reasons
    assert "loop-a.cjm.json: it cannot be read (Too many levels of symbolic links)" in reasons
    assert "outside.cjm.json: it is a link to a file outside the folder" in reasons
    assert "conflict" not in reasons and len(scan.skipped) == 4  # a conflict copy is simply no map
    for name in ("pipe", "loop-a", "outside", "acme.conflict-20261126T101500Z", "../secret"):
        assert resolve_map(folder, name) is None
    assert list_maps(folder)["alias"] == folder / "alias.cjm.json"


def test_a_loop_added_while_serving_is_skipped_not_an_error(folder: Path) -> None:
    os.symlink("late.cjm.json", folder / "late.cjm.json")  # a loop on itself
    assert "late" not in list_maps(folder)
    assert "Too many levels" in file_problem(folder / "late.cjm.json", folder)


def test_raw_data_that_leaves_the_folder_is_never_read(folder: Path) -> None:
    assert data_file(folder, "acme.tickets.csv") is None
    assert data_file(folder, "acme.care_contacts.csv") == folder / "acme.care_contacts.csv"
    assert handoff_data_files(folder / "acme.cjm.json") is None
    os.mkfifo(folder / "tickets.csv")
    shutil.copyfile(SAMPLE_MAP.parent / "care_contacts.csv", folder / "care_contacts.csv")
    assert handoff_data_files(folder / "acme.cjm.json") is None  # a pipe is no ticket export either


def test_opening_a_pipe_never_blocks(folder: Path) -> None:
    with pytest.raises(StorageError, match="named pipe"):
        read_regular(folder / "pipe.cjm.json")
    with pytest.raises(StorageError, match=r"pipe.cjm.json: it is a named pipe \(FIFO\), not a regular file"):
        load(folder / "pipe.cjm.json")
    assert revision_on_disk(folder / "pipe.cjm.json") is None
    with pytest.raises(StorageError, match="Too many levels of symbolic links"):
        load(folder / "loop-a.cjm.json")


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["info"],
        ["history"],
        ["render", "--html", "out.html"],
        ["export", "--csv", "out"],
        ["kpi", "status"],
        ["kpi", "refresh"],
        ["workshop"],
    ],
)
@pytest.mark.parametrize("name", ["pipe", "loop-a"])
def test_every_command_answers_a_pipe_or_a_loop_at_once_with_exit_2(
    folder: Path, command: list[str], name: str
) -> None:
    target = str(folder / f"{name}.cjm.json")
    args = [command[0], target, *command[1:]] if command[0] != "kpi" else [*command, target]
    if command == ["workshop"]:
        args += ["--port", "1"]  # never reached: the map is refused first
    result = _run(*args, cwd=folder.parent)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1
    if command == ["history"]:  # no map file to list the history of, and none kept
        assert "no earlier versions of it are kept" in result.stderr
    else:
        assert ("named pipe" if name == "pipe" else "Too many levels of symbolic links") in result.stderr


def test_a_read_only_map_is_refused_on_every_save_path_and_left_untouched(folder: Path) -> None:
    path = folder / "readonly.cjm.json"
    before = (path.read_bytes(), path.stat().st_mtime_ns, stat.S_IMODE(path.stat().st_mode))
    journey = load(path)
    for force in (False, True):
        with pytest.raises(StorageError, match="the file is read-only"):
            save(journey, path, force=force)
    session = open_map(path)
    with pytest.raises(StorageError, match="read-only"):
        session.editor.add("stages", {"name": "Renew"})
    assert "not saved" in session.status and "read-only" in session.status
    session.close()
    touchpoint = journey.touchpoints[0].id
    result = _run("kpi", "add", str(path), "csat", "--touchpoint", touchpoint)
    assert result.returncode == 2 and "read-only" in result.stderr
    assert (path.read_bytes(), path.stat().st_mtime_ns, stat.S_IMODE(path.stat().st_mode)) == before
    assert not (folder / ".cjmkit-history").exists() or not any(
        p.name.startswith("readonly.") and p.name.endswith(".cjm.json")
        for p in (folder / ".cjmkit-history").iterdir()
    )


def test_publish_never_overwrites_its_index_and_reports_exactly_what_it_wrote(
    folder: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    result = _run("publish", str(folder), "--out", str(site))
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in site.iterdir())
    assert written == ["acme.html", "alias.html", "index-2.html", "index.html", "readonly.html"]
    lines = result.stdout.splitlines()
    assert lines[0] == f"Wrote 4 map pages and {site / 'index.html'}:"
    assert f"  {site / 'index-2.html'}  (index.cjm.json)" in lines
    skipped = [line for line in lines if line.startswith("skipped ")]
    assert len(skipped) == 4 and any("pipe.cjm.json: it is a named pipe" in line for line in skipped)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Journey maps" in index and 'href="index-2.html"' in index
    for page in written:
        text = (site / page).read_text(encoding="utf-8")
        assert "Secret map" not in text and "root:x:0:0" not in text
    assert "conflict" not in index


def test_a_survey_export_linked_out_of_the_folder_is_not_read(folder: Path) -> None:
    from cjmkit.metrics.exports import survey_file

    os.symlink("/etc/passwd", folder / "acme.survey.csv")
    assert survey_file(folder / "acme.cjm.json") is None
