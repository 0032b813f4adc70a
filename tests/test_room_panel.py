"""The board's Room tab, driven as a facilitator would (``.value =`` and ``.click()``, no browser)."""

from __future__ import annotations

import re

import pytest

from cjmkit.room import RoomLog, log_path
from cjmkit.room.state import check_note
from cjmkit.store import load
from cjmkit.widgets import WorkshopBoard
from cjmkit.widgets._common import message_text

URL = "http://127.0.0.1:9/"


def send(board, note_id, text, kind="pain_points", stage_index=1, client="phone-1", **extra):
    """What the participants' server appends when a phone sends a note."""
    journey = load(board.session.path)
    fields = check_note(
        {"kind": kind, "text": text, "stage": journey.stages[stage_index].id, **extra}, journey
    )
    RoomLog(log_path(board.session.path)).append({"id": note_id, "type": "note", "client": client, **fields})


@pytest.fixture
def board(sample_map, monkeypatch):
    monkeypatch.setenv("CJMKIT_ROOM_URL", URL)
    board = WorkshopBoard(sample_map)
    yield board
    board.close()


def test_the_room_tab_opens_the_room_with_a_join_link_code_and_qr(board):
    room = board.room
    assert board.tabs.titles[board.tabs.panels.index(room)] == "Room"
    assert "Open the room" in room.join.value and room.close_button.disabled
    room.open_button.click()
    code = room.control.state.code
    assert room.control.state.open and room.open_button.disabled
    assert f"{URL}" in room.join.value and code in room.join.value and "<svg" in room.join.value
    assert room.join_link() == f"{URL}?code={code}"
    assert "works on this machine only" in room.join.value  # a loopback address cannot reach phones
    room.close_button.click()
    assert not room.control.state.open and "Open the room" in room.join.value


def test_a_note_arrives_in_the_inbox_and_accept_puts_it_on_the_map_as_one_undoable_edit(board):
    room = board.room
    room.open_button.click()
    send(board, "note-arrive-01", "Hold <music> is awful", name="Ana")
    arrived = room.check()  # what the board's poll does twice a second
    assert [n.text for n in arrived] == ["Hold <music> is awful"]
    row = room.rows["note-arrive-01"]
    assert "Hold &lt;music&gt; is awful" in row.text.value and "Ana" in row.text.value
    assert "(1 waiting)" in room.inbox_title.value
    assert board.tabs.titles[board.tabs.panels.index(room)] == "Room (1)"  # seen from any tab
    stage = board.journey.stages[1].id
    targets = [value for _label, value in row.target.options]
    assert targets and all(board.journey.touchpoint(t).stage == stage for t in targets)
    row.target.value = targets[-1]  # the facilitator puts it elsewhere in the stage
    revision = board.journey.revision

    row.accept.click()
    assert "Hold <music> is awful" in [n.text for n in board.journey.touchpoint(targets[-1]).pain_points]
    assert load(board.session.path).revision == revision + 1  # saved at once
    assert room.rows == {} and "(0 waiting)" in room.inbox_title.value
    assert board.tabs.titles[board.tabs.panels.index(room)] == "Room"
    assert "On the map" in message_text(room.messages.form)
    board.undo_button.click()
    assert "Hold <music> is awful" not in [n.text for n in board.journey.touchpoint(targets[-1]).pain_points]


def test_a_touchpoint_note_goes_to_the_stage_and_lane_the_participant_chose(board):
    room = board.room
    lane = next(lane for lane in board.journey.lanes if lane.kind == "care")
    send(board, "note-tp-00001", "Thank-you card", kind="touchpoint", stage_index=3, lane=lane.id)
    room.check()
    assert room.rows["note-tp-00001"].target.layout.display == "none"
    room.rows["note-tp-00001"].accept.click()
    added = next(tp for tp in board.journey.touchpoints if tp.name == "Thank-you card")
    assert (added.stage, added.lane) == (board.journey.stages[3].id, lane.id)
    # and it is on the live map at once
    assert "Thank-you card" in list(board.view.sources["cards"].data["t_name"])


def test_edit_merge_and_hide_from_the_inbox(board):
    room = board.room
    send(board, "note-dup-0001", "Slow repsonse")
    send(board, "note-dup-0002", "slow response!!")
    send(board, "note-spam-001", "buy crypto")
    room.check()
    room.rows["note-dup-0001"].more.click()
    assert room.detail.layout.display is None and room.edit_text.value == "Slow repsonse"
    room.edit_text.value = "Slow response"
    room.save_text_button.click()
    assert "Slow response" in room.rows["note-dup-0001"].text.value
    room.rows["note-dup-0002"].more.click()
    room.merge_into.value = "note-dup-0001"
    room.merge_button.click()
    assert "×2" in room.rows["note-dup-0001"].text.value and "note-dup-0002" not in room.rows
    room.rows["note-spam-001"].hide.click()
    assert list(room.rows) == ["note-dup-0001"]
    revision = board.journey.revision
    assert board.journey.revision == revision  # none of that touched the map


def test_accept_everything_takes_notes_as_they_arrive(board):
    room = board.room
    room.auto_accept.value = True
    assert room.control.state.auto_accept
    for n in range(3):
        send(board, f"note-auto-{n:04d}", f"Idea {n}", kind="opportunities")
    room.check()
    texts = [n.text for tp in board.journey.touchpoints for n in tp.opportunities]
    assert {"Idea 0", "Idea 1", "Idea 2"} <= set(texts)
    assert room.control.state.inbox() == [] and "3 notes put on the map" in message_text(room.messages.form)


def test_a_refused_accept_says_why_and_keeps_the_note(board):
    room = board.room
    send(board, "note-nostage-1", "Orphan")
    room.check()
    with board.editor.batch("Remove the stage's touchpoints"):
        for tp in list(board.journey.touchpoints_in(stage=board.journey.stages[1].id)):
            board.editor.remove("touchpoints", tp.id, cascade=True)
    room.rows["note-nostage-1"].accept.click()
    assert "has no touchpoint yet" in message_text(room.messages.form)
    assert [n.id for n in room.control.state.inbox()] == ["note-nostage-1"]


def test_a_voting_round_from_the_board_reveal_and_votes_on_the_map(board):
    room = board.room
    room.open_button.click()
    stage = board.journey.stages[0].id
    room.round_stage.value = stage
    room.budget.value = 3
    room.start_round_button.click()
    round_ = room.control.state.round
    assert round_.budget == 3 and all(
        item.touchpoint in {tp.id for tp in board.journey.touchpoints_in(stage=stage)}
        for item in round_.items
    )
    keys = [item.key for item in round_.items]
    log = RoomLog(log_path(board.session.path))
    for client, dots in (("a", {keys[0]: 3}), ("b", {keys[0]: 1, keys[-1]: 2}), ("c", {keys[-1]: 1})):
        log.append(
            {
                "id": f"votes-{client}-0001",
                "type": "votes",
                "client": client,
                "round": round_.id,
                "dots": dots,
            }
        )
    room.check()
    assert (
        "3 voted" in room.round_status.value and "<ol" not in room.round_status.value
    )  # hidden until revealed
    room.reveal_button.click()
    assert re.search(r"<li><b>4</b>", room.round_status.value)
    before = {item.key: _votes(board, item) for item in round_.items}
    room.end_round_button.click()
    expected = dict(before)
    expected[keys[0]] += 4
    expected[keys[-1]] += 3 if keys[-1] != keys[0] else 0
    assert {item.key: _votes(board, item) for item in round_.items} == expected
    assert board.editor.undo_description.startswith("Add the votes of round")
    assert "votes added to the map" in room.round_status.value and room.end_round_button.disabled


def _votes(board, item):
    tp = board.journey.touchpoint(item.touchpoint)
    return next(n.votes for n in getattr(tp, item.kind) if n.id == item.note)


def test_the_timer(board):
    room = board.room
    room.timer_length.value = 120
    room.timer_button.click()
    assert re.search(r"[12]:\d\d left", room.timer.value)
    room.stop_timer_button.click()
    assert " left<" not in room.timer.value
