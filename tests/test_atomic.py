"""One way to write a file: whole or not at all, synced, read-only honoured, what it replaces kept."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from journeys import write

from cjmkit import trust
from cjmkit.atomic import HISTORY_DIR, keep_replaced, write_atomic, write_keeping
from cjmkit.errors import StorageError
from cjmkit.metrics.library import KpiDefinition, save_definition
from cjmkit.metrics.tables import write_csv, write_xlsx
from cjmkit.model import KpiSource


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def read_only_file(path: Path, text: str = "old\n") -> Path:
    write(path, text)
    path.chmod(0o444)
    return path


def test_bytes_text_and_a_writer_function_all_land_whole(tmp_path):
    write_atomic(tmp_path / "a.bin", b"\x00\x01")
    write_atomic(tmp_path / "b.txt", "Café ☕\n")
    write_atomic(tmp_path / "deeper" / "c.txt", lambda file: file.write(b"made by a function"))
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "Café ☕\n"
    assert (tmp_path / "deeper" / "c.txt").read_bytes() == b"made by a function"
    assert leftovers(tmp_path) == []


def test_the_file_and_its_folder_are_synced_before_and_after_the_replace(tmp_path, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        synced.append("folder" if stat.S_ISDIR(mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    write_atomic(tmp_path / "map.html", "<p>x</p>")
    assert synced == ["file", "folder"]


def test_a_failing_writer_leaves_the_old_file_and_no_temp_file(tmp_path):
    path = write(tmp_path / "table.csv", "old\n")

    def half_then_fail(file) -> None:
        file.write(b"half of the new")
        raise ValueError("the export broke")

    with pytest.raises(ValueError, match="the export broke"):
        write_atomic(path, half_then_fail)
    assert path.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_an_os_error_is_one_sentence_naming_the_file(tmp_path):
    blocker = write(tmp_path / "not-a-folder", "x")
    with pytest.raises(StorageError, match=r"cannot write .*not-a-folder/page\.html: "):
        write_atomic(blocker / "page.html", "<p>x</p>")


def test_a_read_only_file_is_refused_and_untouched(tmp_path):
    path = read_only_file(tmp_path / "index.html")
    with pytest.raises(StorageError, match=r"index\.html: the file is read-only"):
        write_atomic(path, "new")
    assert path.read_text() == "old\n" and leftovers(tmp_path) == []


def test_permissions_of_the_replaced_file_are_kept_a_new_file_follows_the_umask(tmp_path):
    shared = write(tmp_path / "shared.csv", "old\n")
    shared.chmod(0o640)
    write_atomic(shared, "new\n")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    try:
        fresh = write_atomic(tmp_path / "fresh.csv", "x")
        private = write_atomic(tmp_path / "private.json", "{}", mode=0o600)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_a_replaced_file_is_kept_in_the_history_folder_unless_it_is_the_same(tmp_path):
    path = write(tmp_path / "acme.tickets.csv", "first\n")
    assert write_keeping(path, b"first\n") is None  # nothing new: nothing kept
    kept = write_keeping(path, b"second\n")
    assert kept is not None and kept.parent == tmp_path / HISTORY_DIR
    assert kept.name.startswith("acme.tickets.") and kept.suffix == ".csv"
    assert kept.read_text() == "first\n" and path.read_text() == "second\n"
    again = keep_replaced(path, b"third\n")
    assert again is not None and again != kept  # two in one second get two names
    assert write_keeping(tmp_path / "new.csv", b"x") is None


def test_write_keeping_refuses_a_read_only_file_and_keeps_nothing(tmp_path):
    path = read_only_file(tmp_path / "acme.survey.csv")
    with pytest.raises(StorageError, match="read-only"):
        write_keeping(path, b"new\n")
    assert path.read_text() == "old\n" and not (tmp_path / HISTORY_DIR).exists()


# -- every writer goes through it -------------------------------------------------------------


def test_tables_and_workbooks_are_written_through_it(tmp_path):
    frame = pd.DataFrame({"kpi": ["csat", "=cmd"], "value": [4.5, 3.0]})
    [csv] = write_csv({"kpis": frame}, tmp_path)
    assert csv.read_bytes().startswith(b"\xef\xbb\xbfkpi,value\n")  # Excel's BOM
    assert "'=cmd" in csv.read_text(encoding="utf-8-sig")  # formula injection still neutralised
    book = write_xlsx({"kpis": frame}, tmp_path / "kpis.xlsx")
    assert pd.read_excel(book, sheet_name="kpis")["value"].tolist() == [4.5, 3.0]
    read_only_file(csv)
    with pytest.raises(StorageError, match="read-only"):
        write_csv({"kpis": frame}, tmp_path)
    assert csv.read_text() == "old\n" and leftovers(tmp_path) == []


def test_the_kpi_library_and_the_trust_record_are_written_through_it(tmp_path, private_trust_records):
    library = tmp_path / "kpi_library.json"
    save_definition(KpiDefinition(id="csat", name="CSAT"), library)
    assert '"id": "csat"' in library.read_text(encoding="utf-8")
    library.chmod(0o444)
    with pytest.raises(StorageError, match="read-only"):
        save_definition(KpiDefinition(id="nps", name="NPS"), library)
    assert '"nps"' not in library.read_text(encoding="utf-8")

    source = KpiSource(kind="sql", location="sqlite:///k.db", query="SELECT 1")
    assert trust.trust([source]) == 1
    [record] = [p for p in private_trust_records.iterdir() if not p.name.startswith(".")]
    assert stat.S_IMODE(record.stat().st_mode) == 0o600  # only this person decides what runs here
    record.chmod(0o444)
    with pytest.raises(StorageError, match=r"the trust record was not changed: .*read-only"):
        trust.trust([source.model_copy(update={"query": "SELECT 2"})])
    assert leftovers(private_trust_records) == []
