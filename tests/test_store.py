"""Loading and saving map files: round trips, bad input, conflicts, snapshots, autosave sessions."""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from journeys import write
from strategies import journeys

import cjmkit
from cjmkit import store
from cjmkit.errors import (
    CjmError,
    ConflictError,
    InvalidEdit,
    InvalidJourney,
    SchemaVersionError,
    StorageError,
)
from cjmkit.model import SCHEMA_VERSION, Journey, Lane, Persona, Stage, Touchpoint
from cjmkit.store import load, open_map, restore_snapshot, save, snapshots


def small_journey(title: str = "Café onboarding 😀") -> Journey:
    return Journey(
        id="cafe",
        title=title,
        personas=[Persona(id="maya", name="Maya")],
        stages=[Stage(id="start", name="Start"), Stage(id="help", name="Get help")],
        lanes=[
            Lane(id="customer", name="Customer", kind="customer"),
            Lane(id="support", name="Support", kind="support"),
        ],
        touchpoints=[
            Touchpoint(id="signup", stage="start", lane="customer", name="Sign up", emotions={"maya": 1})
        ],
    )


@pytest.fixture
def map_path(tmp_path: Path) -> Path:
    path = tmp_path / "cafe.cjm.json"
    save(small_journey(), path)
    return path


# -- round trips -------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journey=journeys())
def test_load_of_save_gives_the_same_journey(journey: Journey) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.cjm.json"
        revision = journey.revision
        assert save(journey, path) == path
        assert journey.revision == revision + 1
        assert load(path) == journey


def test_the_package_exports_the_storage_api(tmp_path: Path) -> None:
    path = tmp_path / "top.cjm.json"
    cjmkit.save(small_journey(), path)
    assert cjmkit.load(path).title == "Café onboarding 😀"
    with cjmkit.open_map(path) as session:
        assert isinstance(session, cjmkit.MapSession)


def test_saved_text_is_stable_so_git_diffs_stay_small(map_path: Path) -> None:
    journey = load(map_path)
    before = map_path.read_text(encoding="utf-8").splitlines()
    journey.touchpoints[0].description = "Now with a description"
    save(journey, map_path)
    after = map_path.read_text(encoding="utf-8").splitlines()
    assert len(before) == len(after)
    changed = {line.split(":")[0].strip() for old, line in zip(before, after, strict=True) if old != line}
    assert '"description"' in changed and '"revision"' in changed
    assert changed <= {'"updated"', '"revision"', '"description"'}
    text = map_path.read_text(encoding="utf-8")
    assert text.startswith(
        f'{{\n  "schema_version": "{SCHEMA_VERSION}",\n  "id": "cafe",\n  "title": "Café onboarding 😀"'
    )
    assert text.endswith("}\n")


def test_unknown_keys_survive_a_round_trip(tmp_path: Path) -> None:
    data = small_journey().to_dict()
    data["x_tool"] = {"made_by": "another tool", "items": [1, 2.5, None]}
    data["touchpoints"][0]["x_colour"] = "#ff0000"
    data["stages"][1]["x_order"] = 7
    path = tmp_path / "extra.cjm.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    journey = load(path)
    save(journey, path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["x_tool"] == {"made_by": "another tool", "items": [1, 2.5, None]}
    assert saved["touchpoints"][0]["x_colour"] == "#ff0000"
    assert saved["stages"][1]["x_order"] == 7


def test_save_bumps_revision_and_updated_in_place(map_path: Path) -> None:
    journey = load(map_path)
    journey.updated = journey.updated.replace(year=2001)
    save(journey, map_path)
    assert journey.revision == 2
    assert journey.updated.year > 2001
    assert load(map_path) == journey


def test_an_invalid_map_is_never_written(map_path: Path) -> None:
    before = map_path.read_bytes()
    journey = load(map_path)
    journey.touchpoints[0].stage = "nowhere"  # only cross-entity rules can catch this
    with pytest.raises(InvalidJourney, match=r"touchpoints\[0\]\.stage: no stage has the id 'nowhere'"):
        save(journey, map_path)
    assert map_path.read_bytes() == before
    assert journey.revision == 1


def test_save_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        save(small_journey(), tmp_path / "no" / "such" / "m.cjm.json")


def test_save_onto_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "taken.cjm.json").mkdir()
    with pytest.raises(StorageError, match="it is a folder"):
        save(small_journey(), tmp_path / "taken.cjm.json")


def test_save_keeps_the_file_permissions(map_path: Path) -> None:
    os.chmod(map_path, 0o600)
    journey = load(map_path)
    save(journey, map_path)
    assert map_path.stat().st_mode & 0o777 == 0o600


def test_next_save_removes_temp_files_left_by_a_killed_writer(map_path: Path) -> None:
    stray = map_path.parent / f".{map_path.name}.4242.deadbeef.tmp"
    stray.write_text('{"half": ', encoding="utf-8")
    other = map_path.parent / ".unrelated.tmp"
    other.write_text("keep me", encoding="utf-8")
    assert load(map_path).revision == 1  # a stray temp file does not disturb loading
    save(load(map_path), map_path)
    assert not stray.exists()
    assert other.exists()


# -- bad input ---------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.cjm.json"
    with pytest.raises(StorageError) as caught:
        load(path)
    assert str(caught.value) == f"cannot open {path}: the file does not exist"


def test_a_folder(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        load(tmp_path)
    assert str(caught.value) == f"cannot open {tmp_path}: it is a folder, not a map file"


def test_unreadable_file(map_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.name == "posix" and os.geteuid() != 0:
        os.chmod(map_path, 0)
    else:  # root (as in CI) reads any file: make this open fail as it would for anyone else
        import cjmkit.store

        real_open = os.open

        def denied(path, flags, *args):
            if Path(path) == map_path:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args)

        monkeypatch.setattr(cjmkit.store.os, "open", denied)
    with pytest.raises(StorageError, match="permission denied"):
        load(map_path)


def test_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path / "latin.cjm.json", b'{\n  "title": "Caf\xe9"\n}')
    with pytest.raises(StorageError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path} is not UTF-8 text (byte 0xe9 at line 2, column 16)")


def test_a_byte_order_mark_is_accepted(map_path: Path) -> None:
    write(map_path, b"\xef\xbb\xbf" + map_path.read_bytes())
    assert load(map_path).title == "Café onboarding 😀"


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{\n  "title": "x",\n  "stages": [\n}', 4, 1),
        ('{"title": "x",}', 1, 15),
        ('{\n  "title": "unterminated\n}', 2, 25),
    ],
)
def test_invalid_json_names_line_and_column(tmp_path: Path, text: str, line: int, column: int) -> None:
    path = write(tmp_path / "broken.cjm.json", text)
    with pytest.raises(StorageError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path} is not valid JSON: ")
    assert message.endswith(f"at line {line}, column {column}")


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.cjm.json", "  \n")
    with pytest.raises(StorageError, match="is empty, not a journey map"):
        load(path)


def test_nan_is_not_json(tmp_path: Path) -> None:
    path = write(tmp_path / "nan.cjm.json", '{"title": "x", "x_score": NaN}')
    with pytest.raises(StorageError, match="not valid JSON: NaN is not a JSON number"):
        load(path)


@pytest.mark.parametrize(
    ("text", "kind"), [("[1, 2]", "an array"), ('"map"', "a string"), ("42", "a number"), ("null", "null")]
)
def test_json_that_is_not_an_object(tmp_path: Path, text: str, kind: str) -> None:
    path = write(tmp_path / "list.cjm.json", text)
    with pytest.raises(StorageError) as caught:
        load(path)
    assert str(caught.value) == (
        f"{path} holds {kind}, but a journey map is a JSON object with a title, stages and touchpoints"
    )


def test_json_object_that_is_not_a_map(tmp_path: Path) -> None:
    path = write(tmp_path / "package.json", '{"name_of_package": "left-pad", "version_x": "1.0"}')
    with pytest.raises(InvalidJourney) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: this is JSON but not a journey map")


def test_newer_major_schema_version_names_both_versions(map_path: Path) -> None:
    data = json.loads(map_path.read_text(encoding="utf-8"))
    data["schema_version"] = "2.3"
    write(map_path, json.dumps(data))
    with pytest.raises(SchemaVersionError) as caught:
        load(map_path)
    message = str(caught.value)
    assert message.startswith(f"{map_path}: ")
    assert "2.3" in message
    assert SCHEMA_VERSION in message


def test_newer_minor_schema_version_is_read(map_path: Path) -> None:
    data = json.loads(map_path.read_text(encoding="utf-8"))
    data["schema_version"] = "1.7"
    data["x_new_feature"] = True
    write(map_path, json.dumps(data))
    assert load(map_path).x_new_feature is True


def _break(data: dict, how: str) -> None:
    tp = data["touchpoints"][0]
    if how == "stage":
        tp["stage"] = "nowhere"
    elif how == "lane":
        tp["lane"] = "nowhere"
    elif how == "persona":
        tp["personas"] = ["ghost"]
    elif how == "emotion":
        tp["emotions"] = {"ghost": 1}
    elif how == "handoff":
        data["handoffs"] = [{"id": "h", "from_touchpoint": "signup", "to_touchpoint": "nowhere"}]
    elif how == "handoff-self":
        data["handoffs"] = [{"id": "h", "from_touchpoint": "signup", "to_touchpoint": "signup"}]
    elif how == "kpi":
        data["kpis"] = [{"id": "k", "name": "CSAT", "touchpoint": "nowhere"}]
    elif how == "feedback":
        data["feedback"] = [{"id": "f", "stage": "nowhere"}]
    elif how == "duplicate":
        data["stages"][1]["id"] = "start"


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("stage", "touchpoints[0].stage: no stage has the id 'nowhere'"),
        ("lane", "touchpoints[0].lane: no lane has the id 'nowhere'"),
        ("persona", "touchpoints[0].personas[0]: no persona has the id 'ghost'"),
        ("emotion", "touchpoints[0].emotions.ghost: no persona has the id 'ghost'"),
        ("handoff", "handoffs[0].to_touchpoint: no touchpoint has the id 'nowhere'"),
        ("handoff-self", "handoffs[0].to_touchpoint: a handoff must lead to another touchpoint"),
        ("kpi", "kpis[0].touchpoint: no touchpoint has the id 'nowhere'"),
        ("feedback", "feedback[0].stage: no stage has the id 'nowhere'"),
        ("duplicate", "stages[1].id: 'start' is already used by stages[0]"),
    ],
)
def test_broken_references_name_file_and_place(map_path: Path, how: str, expected: str) -> None:
    data = json.loads(map_path.read_text(encoding="utf-8"))
    _break(data, how)
    write(map_path, json.dumps(data, indent=2))
    with pytest.raises(InvalidJourney) as caught:
        load(map_path)
    assert str(caught.value).startswith(f"{map_path}: ")
    assert expected in str(caught.value)


def test_every_load_error_is_a_cjm_error(tmp_path: Path) -> None:
    bad = [
        "",
        "{",
        "[]",
        "{}",
        '{"schema_version": "x"}',
        '{"title": "", "stages": 3}',
        '{"name": 1, "stages": [5]}',
    ]
    for n, text in enumerate(bad):
        with pytest.raises(CjmError):
            load(write(tmp_path / f"bad{n}.cjm.json", text))


# -- conflicts ---------------------------------------------------------------------------------


def test_second_writer_does_not_destroy_the_first(map_path: Path) -> None:
    first, second = load(map_path), load(map_path)
    first.title = "First writer's title"
    save(first, map_path)
    second.title = "Second writer's title"
    with pytest.raises(ConflictError) as caught:
        save(second, map_path)
    conflict = Path(caught.value.conflict_path)
    assert load(map_path).title == "First writer's title"
    assert conflict.parent == map_path.parent
    assert conflict.name.startswith("cafe.conflict-") and conflict.name.endswith(".cjm.json")
    assert load(conflict).title == "Second writer's title"
    assert conflict.name in str(caught.value) and str(conflict.parent) not in str(caught.value)
    assert "saved by someone else (revision 2)" in str(caught.value)
    assert second.revision == 1  # unchanged: the save did not happen


def test_force_overwrites_but_the_other_version_stays_in_snapshots(map_path: Path) -> None:
    first, second = load(map_path), load(map_path)
    first.title = "Theirs"
    save(first, map_path)
    second.title = "Mine"
    save(second, map_path, force=True)
    assert load(map_path).title == "Mine"
    assert "Theirs" in [snap.load().title for snap in snapshots(map_path)]


def test_a_file_changed_by_another_program_is_not_overwritten(map_path: Path) -> None:
    journey = load(map_path)
    write(map_path, "hand-edited, not JSON any more")
    journey.title = "Mine"
    with pytest.raises(ConflictError, match="changed by another program and cannot be read now"):
        save(journey, map_path)
    assert map_path.read_text(encoding="utf-8") == "hand-edited, not JSON any more"


def test_revision_is_checked_in_files_formatted_by_other_tools(map_path: Path) -> None:
    journey = load(map_path)
    data = journey.to_dict()
    data["revision"] = 5
    write(map_path, json.dumps(dict(reversed(data.items())), separators=(",", ":")))
    with pytest.raises(ConflictError, match=r"someone else \(revision 5\)"):
        save(journey, map_path)
    journey.revision = 5
    save(journey, map_path)
    assert load(map_path).revision == 6


def test_a_new_map_over_an_existing_one_is_a_conflict(map_path: Path) -> None:
    stranger = small_journey("Another map")
    stranger.revision = 0
    with pytest.raises(ConflictError):
        save(stranger, map_path)
    assert load(map_path).title == "Café onboarding 😀"


# -- snapshots ---------------------------------------------------------------------------------


def test_snapshots_keep_recent_saves_and_older_spaced_ones(map_path: Path) -> None:
    journey = load(map_path)
    start = map_path.stat().st_mtime - 24 * 3600
    for n in range(40):  # an edit every 2 minutes, for 80 minutes
        os.utime(map_path, (start + n * 120, start + n * 120))
        journey.title = f"Version {journey.revision + 1}"
        save(journey, map_path)
    kept = snapshots(map_path)
    revisions = [snap.revision for snap in kept]
    assert revisions[: store.KEEP_RECENT] == [40, 39, 38, 37, 36]
    assert len(kept) <= store.KEEP_RECENT + store.KEEP_SPACED
    older = [snap.saved.timestamp() for snap in kept[store.KEEP_RECENT :]]
    assert older, "older versions must be kept, not only the last few saves"
    assert all(a - b >= store.SNAPSHOT_SPACING for a, b in itertools.pairwise(older))
    assert (kept[0].saved.timestamp() - kept[-1].saved.timestamp()) >= 60 * 60
    assert revisions == sorted(revisions, reverse=True)
    for snap in kept:
        assert snap.load().revision == snap.revision
        assert snap.load().title == (
            "Café onboarding 😀" if snap.revision == 1 else f"Version {snap.revision}"
        )


def test_rapid_saves_do_not_pile_up(map_path: Path) -> None:
    journey = load(map_path)
    for _ in range(30):
        save(journey, map_path)
    assert len(snapshots(map_path)) <= store.KEEP_RECENT + 1


def test_restore_a_snapshot_and_undo_the_restore(map_path: Path) -> None:
    journey = load(map_path)
    for title in ("v2", "v3", "v4"):
        journey.title = title
        save(journey, map_path)
    target = next(snap for snap in snapshots(map_path) if snap.load().title == "v2")
    restored = restore_snapshot(map_path, target)
    assert restored.title == "v2"
    assert load(map_path) == restored
    assert restored.revision == 5
    undo = next(snap for snap in snapshots(map_path) if snap.revision == 4)
    assert undo.load().title == "v4"
    restore_snapshot(map_path, undo.path)
    assert load(map_path).title == "v4"
    assert load(map_path).revision == 6


def test_snapshots_belong_to_their_own_map(map_path: Path) -> None:
    other = map_path.parent / "cafe.json"
    journey = small_journey("Other")
    save(journey, other)
    save(journey, other)
    save(load(map_path), map_path)
    assert [snap.load().title for snap in snapshots(other)] == ["Other"]
    assert [snap.load().title for snap in snapshots(map_path)] == ["Café onboarding 😀"]
    assert snapshots(map_path.parent / "never-saved.cjm.json") == []


# -- autosaving sessions -----------------------------------------------------------------------


def test_every_edit_undo_and_redo_is_saved_at_once(tmp_path: Path) -> None:
    path = tmp_path / "live.cjm.json"
    with open_map(path, create=small_journey()) as session:
        assert load(path) == session.journey
        session.editor.add("stages", {"name": "Renew"})
        assert [s.name for s in load(path).stages] == ["Start", "Get help", "Renew"]
        session.editor.update("touchpoints", "signup", emotions={"maya": -2})
        assert load(path).touchpoint("signup").emotions == {"maya": -2}
        session.editor.undo()
        assert load(path).touchpoint("signup").emotions == {"maya": 1}
        session.editor.redo()
        assert load(path).touchpoint("signup").emotions == {"maya": -2}
        assert session.status == "saved"
        assert load(path) == session.journey


def test_a_refused_edit_changes_nothing_on_disk(map_path: Path) -> None:
    before = map_path.read_bytes()
    with open_map(map_path) as session, pytest.raises(InvalidEdit):
        session.editor.update("touchpoints", "signup", stage="nowhere")
    assert map_path.read_bytes() == before


def test_open_map_without_file_or_create_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="the file does not exist"):
        open_map(tmp_path / "nothing.cjm.json")


def test_create_is_ignored_when_the_map_exists(map_path: Path) -> None:
    with open_map(map_path, create=small_journey("Template")) as session:
        assert session.journey.title == "Café onboarding 😀"


def test_two_sessions_on_one_file_merge_their_edits(map_path: Path) -> None:
    alice, bob = open_map(map_path), open_map(map_path)
    heard: list[str] = []
    seen_by_map_view: list[str] = []
    bob.editor.subscribe(lambda journey, change: seen_by_map_view.append(change.action))

    alice.editor.add("stages", {"name": "Alice's stage"})
    bob.on_status(heard.append)
    bob.editor.add("stages", {"name": "Bob's stage"})  # saved after Alice: replayed on her version

    on_disk = load(map_path)
    assert [s.name for s in on_disk.stages][-2:] == ["Alice's stage", "Bob's stage"]
    assert on_disk.revision == 3 and bob.journey == on_disk and bob.status == "saved"
    assert not bob.conflicts and bob.conflict_path is None
    assert not list(map_path.parent.glob("cafe.conflict-*"))
    assert seen_by_map_view == ["add", "merge"]  # the map view hears the edit, then the merge

    # Bob's undo still works after the merge: it takes back his stage, not Alice's.
    bob.editor.undo()
    assert [s.name for s in load(map_path).stages][-1] == "Alice's stage"
    alice.sync()
    assert [s.name for s in alice.journey.stages] == [s.name for s in load(map_path).stages]
    alice.close()
    bob.close()


def test_a_true_conflict_asks_and_loses_nothing(map_path: Path) -> None:
    alice, bob = open_map(map_path), open_map(map_path)
    alice.editor.set_journey(title="Alice's title")
    bob.editor.set_journey(title="Bob's title")  # the same field, another value: a true conflict

    assert load(map_path).title == "Alice's title"  # the version saved first stays
    (conflict,) = bob.conflicts
    assert conflict.sentence == (
        "The map: you set the title to “Bob's title”, but someone else had just set it to “Alice's title”."
    )
    aside = [snap for snap in bob.snapshots() if snap.aside]
    assert [snap.load().title for snap in aside] == ["Bob's title"]  # kept in the history
    assert bob.journey.title == "Alice's title" and bob.status == "saved"

    bob.resolve(conflict, keep_mine=True)  # a new edit: the revision goes up
    assert load(map_path).title == "Bob's title" and not bob.conflicts
    assert load(map_path).revision == 4
    assert "Alice's title" in [snap.load().title for snap in bob.snapshots()]
    bob.editor.undo()  # and it can be undone like any edit
    assert load(map_path).title == "Alice's title"
    alice.close()
    bob.close()


def test_force_puts_a_version_over_a_newer_one_and_the_revision_still_goes_up(map_path: Path) -> None:
    stale = load(map_path)
    with open_map(map_path) as other:
        for n in range(3):
            other.editor.set_journey(title=f"Theirs {n}")
    stale.title = "Mine"
    save(stale, map_path, force=True)
    assert load(map_path).title == "Mine" and load(map_path).revision == 5  # 4 on disk, never 2
    assert "Theirs 2" in [snap.load().title for snap in snapshots(map_path)]


def test_session_restores_a_snapshot(map_path: Path) -> None:
    with open_map(map_path) as session:
        session.editor.set_journey(title="Oops, wrong")
        before = next(snap for snap in session.snapshots() if snap.load().title == "Café onboarding 😀")
        session.restore(before)
        assert session.journey.title == "Café onboarding 😀"
        assert load(map_path).title == "Café onboarding 😀"
        session.editor.set_journey(title="Fine now")
        assert load(map_path).title == "Fine now"


def test_closed_session_stops_saving(map_path: Path) -> None:
    session = open_map(map_path)
    session.close()
    assert session.closed
    session.editor.set_journey(title="Not saved")
    assert load(map_path).title == "Café onboarding 😀"


def test_storage_failure_shows_in_status(map_path: Path) -> None:
    session = open_map(map_path)
    map_path.unlink()
    map_path.mkdir()  # the map's place is now a folder: saving must fail, clearly
    with pytest.raises(StorageError):
        session.editor.set_journey(title="Anything")
    assert session.status.startswith("not saved: ")
    assert "it is a folder" in session.status


def test_a_symlinked_map_is_saved_where_the_link_points(map_path: Path, tmp_path: Path) -> None:
    link = tmp_path / "elsewhere" / "link.cjm.json"
    link.parent.mkdir()
    link.symlink_to(map_path)
    journey = load(link)
    journey.title = "Through the link"
    save(journey, link)
    assert link.is_symlink()
    assert load(map_path).title == "Through the link"
    assert [snap.revision for snap in snapshots(link)] == [1]


def test_an_old_map_is_migrated_on_load_and_saved_in_the_current_shape(tmp_path: Path) -> None:
    legacy = Path(__file__).parent / "fixtures" / "legacy-0.9.cjm.json"
    path = tmp_path / "legacy.cjm.json"
    path.write_bytes(legacy.read_bytes())
    journey = load(path)
    assert journey.title == "Café onboarding (prototype)"
    save(journey, path)  # an old file has no revision: it counts as revision 0, no conflict
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["schema_version"] == SCHEMA_VERSION and saved["revision"] == 1
    assert load(path) == journey
    assert load(snapshots(path)[0].path).title == journey.title  # the old file is kept as it was
    assert "version" in json.loads(snapshots(path)[0].path.read_text(encoding="utf-8"))


def test_the_sample_map_round_trips(sample_map: Path) -> None:
    journey = load(sample_map)
    assert len(journey.touchpoints) >= 25
    save(journey, sample_map)
    assert load(sample_map) == journey


def test_a_save_waits_for_the_lock_and_says_so_when_it_cannot_get_it(
    map_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fcntl = pytest.importorskip("fcntl")
    journey = load(map_path)
    lock = os.open(map_path.parent / store.HISTORY_DIR / f"{map_path.name}.lock", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)  # another writer is in the middle of a save
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.05)
    try:
        with pytest.raises(StorageError, match="another program has been saving it"):
            save(journey, map_path)
    finally:
        os.close(lock)
    save(journey, map_path)
    assert load(map_path).revision == 2


def test_snapshots_are_copied_where_hard_links_fail(map_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*args: object) -> None:
        raise OSError("hard links not supported here")

    monkeypatch.setattr(os, "link", no_links)
    journey = load(map_path)
    journey.title = "Second"
    save(journey, map_path)
    (kept,) = snapshots(map_path)
    assert kept.load().title == "Café onboarding 😀"
    assert not kept.path.samefile(map_path)


def test_conflicts_in_the_same_second_get_separate_copies(map_path: Path) -> None:
    stale_one, stale_two = load(map_path), load(map_path)
    save(load(map_path), map_path)
    copies = set()
    for stale in (stale_one, stale_two):
        with pytest.raises(ConflictError) as caught:
            save(stale, map_path)
        copies.add(caught.value.conflict_path)
    assert len(copies) == 2


def test_work_copy_copies_data_but_not_scripts_into_the_work_folder(tmp_path, monkeypatch):
    from cjmkit.store import work_copy

    source = tmp_path / "src"
    source.mkdir()
    (source / "m.cjm.json").write_text("{}", encoding="utf-8")
    (source / "data.csv").write_text("a\n1\n", encoding="utf-8")
    (source / "generate.py").write_text("print(1)\n", encoding="utf-8")
    monkeypatch.setenv("CJMKIT_WORKDIR", str(tmp_path / "work"))
    copy = work_copy(source, "acme")
    assert copy == tmp_path / "work" / "acme"
    assert sorted(p.name for p in copy.iterdir()) == ["data.csv", "m.cjm.json"]
    with pytest.raises(StorageError, match="it is not a folder"):
        work_copy(tmp_path / "missing", "x")


def test_revision_on_disk_reads_the_saved_revision_or_none(tmp_path):
    from cjmkit.store import revision_on_disk
    from cjmkit.synthetic import synthetic_journey

    path = tmp_path / "r.cjm.json"
    assert revision_on_disk(path) is None
    journey = synthetic_journey(2)
    save(journey, path)
    save(journey, path)
    assert revision_on_disk(path) == 2
    path.write_text("not json", encoding="utf-8")
    assert revision_on_disk(path) is None
