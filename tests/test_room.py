"""The workshop room without a server: its log, the state rebuilt from it, the facilitator's actions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjmkit.errors import CjmError, StorageError
from cjmkit.room import RoomControl, RoomInputError, RoomLog, RoomLogFull, RoomState, log_path, vote_items
from cjmkit.room.facilitator import CODE_ALPHABET
from cjmkit.room.state import MAX_TEXT, check_note, check_votes
from cjmkit.store import load, open_map


def _note(journey, text="Waiting on hold for ages", kind="pain_points", **extra):
    return check_note({"kind": kind, "text": text, "stage": journey.stages[1].id, **extra}, journey)


def _submit(log: RoomLog, note_id: str, fields: dict, client: str = "phone-1") -> bool:
    return log.append({"id": note_id, "type": "note", "client": client, **fields})


@pytest.fixture
def room(sample_map):
    session = open_map(sample_map)
    yield RoomControl(session.editor, sample_map)
    session.close()


def test_log_sits_beside_the_map_and_counts_a_retry_once(tmp_path: Path):
    path = log_path(tmp_path / "acme.cjm.json")
    assert path == tmp_path / "acme.room.jsonl"
    log = RoomLog(path)
    assert log.append({"id": "note-0001", "type": "note", "text": "a"})
    assert not log.append({"id": "note-0001", "type": "note", "text": "a again"})  # the retry
    other = RoomLog(path)  # another process, e.g. the board
    assert not other.append({"id": "note-0001", "type": "note", "text": "a"})
    assert [e["text"] for e in RoomLog(path)] == ["a"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["at"] > 0


def test_each_reader_sees_new_events_once_in_order(tmp_path: Path):
    path = tmp_path / "x.room.jsonl"
    writer, reader = RoomLog(path), RoomLog(path)
    assert reader.read_new() == []
    for n in range(3):
        writer.append({"id": f"event-{n:04d}", "type": "timer", "seconds": n})
    assert [e["id"] for e in reader.read_new()] == ["event-0000", "event-0001", "event-0002"]
    assert reader.read_new() == []
    writer.append({"id": "event-0003", "type": "close"})
    assert [e["id"] for e in reader.read_new()] == ["event-0003"]


def test_a_torn_last_line_is_ignored_and_cut_off_by_the_next_append(tmp_path: Path):
    path = tmp_path / "x.room.jsonl"
    log = RoomLog(path)
    log.append({"id": "whole-0001", "type": "note", "text": "kept"})
    with open(path, "ab") as file:  # a writer killed half way through its line
        file.write(b'{"id":"torn-0001","type":"note","te')
    assert [e["id"] for e in RoomLog(path)] == ["whole-0001"]
    log.append({"id": "whole-0002", "type": "note", "text": "next"})
    assert [e["id"] for e in RoomLog(path)] == ["whole-0001", "whole-0002"]
    assert path.read_bytes().count(b"\n") == 2 and b"torn" not in path.read_bytes()


def test_lines_that_are_not_events_are_skipped_and_counted(tmp_path: Path):
    path = tmp_path / "x.room.jsonl"
    path.write_text('{"id":"good-0001","type":"close"}\nnot json\n[1,2]\n{"id":"good-0002","type":"open"}\n')
    log = RoomLog(path)
    assert [e["id"] for e in log.read_new()] == ["good-0001", "good-0002"]
    assert log.skipped == 2


def test_the_log_has_a_size_cap_with_a_plain_message_and_room_for_the_facilitator(tmp_path: Path):
    log = RoomLog(tmp_path / "x.room.jsonl", max_bytes=2000)
    n = 0
    with pytest.raises(RoomLogFull, match=r"x\.room\.jsonl is full .*close the room"):
        while True:
            log.append({"id": f"note-{n:05d}", "type": "note", "text": "x" * 100})
            n += 1
    assert 10 <= n <= 20 and log.size() <= 2000
    assert log.append({"id": "close-00001", "type": "close"}, facilitator=True)  # the reserve


@pytest.mark.parametrize(
    "event",
    [
        {"type": "note"},
        {"id": "short", "type": "note"},
        {"id": "a b c d e f", "type": "x"},
        {"id": "abcdefgh"},
    ],
)
def test_malformed_events_are_refused(tmp_path: Path, event):
    with pytest.raises(StorageError):
        RoomLog(tmp_path / "x.room.jsonl").append(event)


def test_an_unwritable_log_is_one_sentence(tmp_path: Path):
    folder = tmp_path / "gone"
    with pytest.raises(StorageError, match="cannot write the room log"):
        RoomLog(folder / "x.room.jsonl").append({"id": "abcdefgh", "type": "close"})


def test_notes_are_checked_against_the_map(sample_map):
    journey = load(sample_map)
    stage = journey.stages[1]
    other_stage_tp = next(tp for tp in journey.touchpoints if tp.stage != stage.id)
    fields = _note(journey, "  Hold music\x07 is <awful>  ", name="Ana")
    assert fields == {
        "kind": "pain_points",
        "text": "Hold music is <awful>",
        "stage": stage.id,
        "name": "Ana",
    }
    cases = [
        ({"kind": "rant"}, "kind: choose"),
        ({"text": "   "}, "note: write something first"),
        ({"text": "x" * (MAX_TEXT + 1)}, f"note: at most {MAX_TEXT} characters, this is {MAX_TEXT + 1}"),
        ({"stage": "nowhere"}, "stage: choose one of the map's stages"),
        ({"lane": "nowhere"}, "lane: choose one of the map's lanes"),
        ({"touchpoint": other_stage_tp.id}, "touchpoint: choose one of the touchpoints of that stage"),
        ({"name": "n" * 61}, "name: at most 60 characters"),
    ]
    for change, message in cases:
        form = {"kind": "pain_points", "text": "ok", "stage": stage.id} | change
        with pytest.raises(RoomInputError, match=message):
            check_note(form, journey)
    assert check_note(
        {"kind": "touchpoint", "text": "A kiosk", "stage": stage.id, "touchpoint": other_stage_tp.id}, journey
    ) == {
        "kind": "touchpoint",
        "text": "A kiosk",
        "stage": stage.id,
    }


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=700), name=st.text(max_size=80))
def test_any_text_is_refused_in_one_sentence_or_kept_as_plain_text(tmp_path_factory, text, name):
    journey = load(Path(__file__).resolve().parent.parent / "sample_data" / "acme.cjm.json")
    try:
        fields = check_note(
            {"kind": "opportunities", "text": text, "stage": journey.stages[0].id, "name": name}, journey
        )
    except RoomInputError as error:
        assert str(error).split(":")[0] in ("note", "name")
        return
    assert 0 < len(fields["text"]) <= MAX_TEXT
    path = tmp_path_factory.mktemp("log") / "x.room.jsonl"
    RoomLog(path).append({"id": "note-00001", "type": "note", "client": "c", **fields})
    state = RoomState()
    state.apply_all(RoomLog(path).read_new())
    assert state.inbox()[0].text == fields["text"]  # what was acknowledged is what the board shows


def test_accepting_a_note_is_one_undoable_edit_placed_where_the_participant_said(room):
    journey = room.editor.journey
    stage = journey.stages[1]
    support = next(lane for lane in journey.lanes if lane.kind == "support")
    _submit(room.log, "note-tp-0001", _note(journey, "Chatbot greets me", kind="touchpoint", lane=support.id))
    target = journey.touchpoints_in(stage=stage.id)[-1]
    _submit(room.log, "note-pp-0001", _note(journey, "Too many fields", touchpoint=target.id))
    room.refresh()
    assert [n.text for n in room.state.inbox()] == ["Chatbot greets me", "Too many fields"]
    revision = journey.revision

    where = room.accept("note-tp-0001")
    added = room.editor.journey.touchpoint(where.split("/")[1])
    assert (added.name, added.stage, added.lane) == ("Chatbot greets me", stage.id, support.id)
    room.accept("note-pp-0001")
    assert [n.text for n in room.editor.journey.touchpoint(target.id).pain_points][-1] == "Too many fields"
    assert load(room.map_path).revision == revision + 2  # saved, one edit each
    assert room.state.inbox() == []
    room.editor.undo()  # one undo takes exactly the pain point back
    assert "Too many fields" not in [n.text for n in room.editor.journey.touchpoint(target.id).pain_points]
    assert room.editor.journey.touchpoint(added.id) is not None
    with pytest.raises(CjmError, match="was accepted already"):
        room.accept("note-pp-0001")


def test_a_pain_point_without_a_touchpoint_goes_to_the_stage_s_customer_touchpoint(room):
    journey = room.editor.journey
    _submit(room.log, "note-pp-0002", _note(journey, "Confusing pricing"))
    where = room.accept("note-pp-0002")
    tp = room.editor.journey.touchpoint(where.split("/")[1])
    assert tp.stage == journey.stages[1].id
    assert room.editor.journey.lane(tp.lane).kind == "customer"


def test_edit_merge_hide_and_restore(room):
    journey = room.editor.journey
    for n, text in enumerate(["Slow repsonse", "Slow response!", "spam spam"]):
        _submit(room.log, f"note-{n:05d}", _note(journey, text))
    room.edit("note-00000", "Slow response")
    room.merge("note-00001", "note-00000")
    room.hide("note-00002")
    assert [(n.text, n.duplicates) for n in room.state.inbox()] == [("Slow response", ["note-00001"])]
    assert room.state.notes["note-00000"].sent_text == "Slow repsonse"  # what they sent stays in the log
    with pytest.raises(CjmError, match="was hidden already"):
        room.accept("note-00002")
    room.restore("note-00002")
    assert len(room.state.inbox()) == 2
    with pytest.raises(CjmError, match="into itself"):
        room.merge("note-00000", "note-00000")
    added, problems = room.accept_all()
    assert len(added) == 2 and problems == [] and room.state.inbox() == []


def test_a_voting_round_is_anonymous_bounded_changeable_and_applied_as_one_edit(room):
    journey = room.editor.journey
    items = vote_items(journey, stage=journey.stages[0].id)
    assert items, "the sample map's first stage has pain points or ideas"
    round_ = room.start_round(items[:3], budget=5)
    keys = [item.key for item in round_.items]

    def vote(client, dots, n=[0]):  # noqa: B006 (a counter for fresh ids)
        n[0] += 1
        checked = check_votes(dots, room.state.open_round())
        room.log.append(
            {
                "id": f"votes-{n[0]:05d}",
                "type": "votes",
                "client": client,
                "round": round_.id,
                "dots": checked,
            }
        )
        room.refresh()

    vote("ana", {keys[0]: 3, keys[1]: 2})
    vote("ben", {keys[0]: 1})
    vote("ana", {keys[0]: 1, keys[2]: 4})  # Ana changes her mind: her first allocation is replaced
    with pytest.raises(RoomInputError, match="you have 5 dots, these are 6"):
        check_votes({keys[0]: 3, keys[1]: 3}, room.state.open_round())
    with pytest.raises(RoomInputError, match="not in this round"):
        check_votes({"elsewhere/pain_points/x": 1}, room.state.open_round())
    assert room.state.round.tallies() == {keys[0]: 2, keys[1]: 0, keys[2]: 4}
    assert room.state.round.voters == 2 and not room.state.round.revealed
    before = {item.key: _votes(room, item) for item in round_.items}

    assert room.reveal() == {keys[0]: 2, keys[1]: 0, keys[2]: 4}
    room.end_round(apply=True)
    after = {item.key: _votes(room, item) for item in round_.items}
    assert after == {keys[0]: before[keys[0]] + 2, keys[1]: before[keys[1]], keys[2]: before[keys[2]] + 4}
    assert room.editor.undo_description.startswith("Add the votes of round")
    with pytest.raises(RoomInputError, match="voting is closed"):
        check_votes({keys[0]: 1}, room.state.open_round())
    room.end_round()  # twice is once
    assert {item.key: _votes(room, item) for item in round_.items} == after


def _votes(room, item):
    tp = room.editor.journey.touchpoint(item.touchpoint)
    return next(n.votes for n in getattr(tp, item.kind) if n.id == item.note)


def test_state_rebuilt_from_the_log_after_a_restart(room, sample_map):
    journey = room.editor.journey
    code = room.open()
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    _submit(room.log, "note-r-00001", _note(journey, "One"))
    _submit(room.log, "note-r-00002", _note(journey, "Two"))
    room.hide("note-r-00001")
    room.set_auto_accept(True)
    room.start_timer(300)
    room.start_round(vote_items(journey)[:2], budget=3)

    fresh = RoomState()
    fresh.apply_all(RoomLog(log_path(sample_map)).read_new())
    assert fresh.open and fresh.code == code and fresh.auto_accept
    assert [n.text for n in fresh.inbox()] == ["Two"]
    assert 295 <= fresh.timer_remaining() <= 300
    assert fresh.open_round().budget == 3 and len(fresh.open_round().items) == 2
    assert room.open() == code  # reopening keeps the code handed out
    room.close()
    room.stop_timer()
    fresh.apply_all(RoomLog(log_path(sample_map)).read_new()[-2:])
    assert not fresh.open and fresh.timer_remaining() is None


def test_two_boards_accepting_the_same_note_put_it_on_the_map_once(sample_map):
    first, second = open_map(sample_map), open_map(sample_map)
    try:
        a, b = RoomControl(first.editor, sample_map), RoomControl(second.editor, sample_map)
        _submit(a.log, "note-twice-001", _note(first.journey, "Only once please"))
        b.refresh()
        a.accept("note-twice-001")
        with pytest.raises(CjmError, match="accepted already"):
            b.accept("note-twice-001")  # b's state learns it from the log before editing
    finally:
        first.close()
        second.close()
    texts = [n.text for tp in load(sample_map).touchpoints for n in tp.pain_points]
    assert texts.count("Only once please") == 1


def test_two_boards_accepting_the_same_note_at_the_same_instant_keep_one_and_nothing_to_redo(
    sample_map, monkeypatch
):
    first, second = open_map(sample_map), open_map(sample_map)
    try:
        a, b = RoomControl(first.editor, sample_map), RoomControl(second.editor, sample_map)
        _submit(a.log, "note-race-0001", _note(first.journey, "Both pressed accept"))
        b.refresh()
        a.accept("note-race-0001")
        monkeypatch.setattr(b.log, "read_new", lambda: [])  # b has not read a's accept yet
        with pytest.raises(CjmError, match="accepted on another board already"):
            b.accept("note-race-0001")  # b's edit is made, its log entry refused, the edit withdrawn
        assert not second.editor.can_redo, "a redo would put the copy back"
    finally:
        first.close()
        second.close()
    texts = [n.text for tp in load(sample_map).touchpoints for n in tp.pain_points]
    assert texts.count("Both pressed accept") == 1


def test_log_file_mode_is_private_enough(tmp_path: Path):
    log = RoomLog(tmp_path / "x.room.jsonl")
    log.append({"id": "abcdefgh", "type": "close"})
    assert os.stat(log.path).st_mode & 0o022 == 0
