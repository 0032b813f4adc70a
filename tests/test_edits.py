"""The edit API: add / update / remove / move, refused edits change nothing, undo and redo."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjmkit.edits import Editor
from cjmkit.errors import InvalidEdit
from cjmkit.model import Journey, journey_from_dict
from cjmkit.synthetic import synthetic_journey


@pytest.fixture
def editor() -> Editor:
    journey = Journey(id="shop", title="Shop")
    editor = Editor(journey)
    editor.add("personas", {"name": "Maya"})
    editor.add("stages", {"name": "Buy"})
    editor.add("stages", {"name": "Get help"})
    editor.add("lanes", {"name": "Support", "kind": "support"})
    editor.add("lanes", {"name": "Care", "kind": "care"})
    editor.add(
        "touchpoints", {"name": "Chat", "stage": "get-help", "lane": "support", "emotions": {"maya": -1}}
    )
    editor.add("touchpoints", {"name": "Thank-you call", "stage": "get-help", "lane": "care"})
    editor.add("handoffs", {"from_touchpoint": "chat", "to_touchpoint": "thank-you-call", "sla_hours": 24})
    editor.add("kpis", {"name": "CSAT", "touchpoint": "chat"})
    editor.add("feedback", {"id": "f1", "touchpoint": "chat", "persona": "maya", "csat": 4})
    return editor


def snapshot(editor: Editor) -> dict:
    return editor.journey.to_dict()


def test_add_makes_readable_unique_ids(editor):
    second = editor.add("touchpoints", {"name": "Chat", "stage": "buy", "lane": "support"})
    assert second.id == "chat-2"
    assert editor.journey.touchpoints[-1] is second


def test_add_at_an_index(editor):
    editor.add("stages", {"name": "Discover"}, index=0)
    assert [s.id for s in editor.journey.stages] == ["discover", "buy", "get-help"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda e: e.update("touchpoints", "chat", name=""), "name: must not be empty"),
        (
            lambda e: e.update("touchpoints", "chat", emotions={"maya": 3}),
            "how Maya feels (today): must be between -2 and 2, got 3",
        ),
        (lambda e: e.update("touchpoints", "chat", stage="nowhere"), "no stage has the id 'nowhere'"),
        (
            lambda e: e.add("handoffs", {"from_touchpoint": "chat", "to_touchpoint": "chat"}),
            "a handoff must lead to another touchpoint",
        ),
        (
            lambda e: e.add("stages", {"id": "buy", "name": "Buy again"}),
            "the id “buy” is already used by another stage",
        ),
        (lambda e: e.update("touchpoints", "nope", name="x"), "there is no touchpoint with the id 'nope'"),
        (lambda e: e.add("widgets", {"name": "x"}), "a journey has no 'widgets'"),
        (lambda e: e.set_journey(title=" "), "must not be empty"),
        (lambda e: e.remove("stages", "get-help"), "“Get help” is still used by 2 touchpoints"),
    ],
)
def test_refused_edits_change_nothing(editor, edit, message):
    before = snapshot(editor)
    undo_before = editor.undo_description
    with pytest.raises(InvalidEdit, match=re.escape(message)):
        edit(editor)
    assert snapshot(editor) == before
    assert editor.undo_description == undo_before


def test_update_and_undo_redo(editor):
    editor.update("touchpoints", "chat", name="Live chat", emotions={"maya": -2})
    assert editor.journey.touchpoint("chat").name == "Live chat"
    assert editor.undo_description == "Edit touchpoint “Live chat”"
    editor.undo()
    assert editor.journey.touchpoint("chat").name == "Chat"
    assert editor.journey.touchpoint("chat").emotions == {"maya": -1}
    editor.redo()
    assert editor.journey.touchpoint("chat").emotions == {"maya": -2}


def test_update_with_no_change_is_not_an_edit(editor):
    description = editor.undo_description
    editor.update("touchpoints", "chat", name="Chat")
    assert editor.undo_description == description


def test_move_reorders(editor):
    editor.move("lanes", "care", 0)
    assert [lane.id for lane in editor.journey.lanes] == ["care", "support"]
    editor.undo()
    assert [lane.id for lane in editor.journey.lanes] == ["support", "care"]


def test_removing_a_stage_with_cascade_is_one_undoable_step(editor):
    before = snapshot(editor)
    editor.remove("stages", "get-help", cascade=True)
    journey = editor.journey
    assert [s.id for s in journey.stages] == ["buy"]
    assert journey.touchpoints == [] and journey.handoffs == [] and journey.kpis == []
    assert journey.feedback[0].touchpoint is None  # the answer itself is kept
    editor.undo()
    assert snapshot(editor) == before


def test_removing_a_persona_detaches_it_everywhere(editor):
    editor.remove("personas", "maya", cascade=True)
    assert editor.journey.touchpoint("chat").emotions == {}
    assert editor.journey.feedback[0].persona is None
    editor.undo()
    assert editor.journey.touchpoint("chat").emotions == {"maya": -1}


def test_removing_a_touchpoint_needs_cascade_when_used(editor):
    with pytest.raises(InvalidEdit, match="1 handoff, 1 KPI and 1 feedback item"):
        editor.remove("touchpoints", "chat")
    editor.remove("touchpoints", "chat", cascade=True)
    assert editor.journey.handoffs == [] and editor.journey.kpis == []


def test_batch_is_one_step_and_rolls_back_on_failure(editor):
    before = snapshot(editor)
    with editor.batch("Move chat and delete stage"):
        editor.update("touchpoints", "chat", stage="buy")
        editor.update("touchpoints", "thank-you-call", stage="buy")
        editor.remove("stages", "get-help")
    assert [s.id for s in editor.journey.stages] == ["buy"]
    editor.undo()
    assert snapshot(editor) == before
    with pytest.raises(InvalidEdit), editor.batch("Half"):
        editor.update("touchpoints", "chat", name="Renamed")
        editor.update("touchpoints", "chat", emotions={"maya": 9})
    assert snapshot(editor) == before


def test_notes_and_votes(editor):
    note = editor.add_note("chat", "pain_points", "Long wait")
    assert editor.vote("chat", "pain_points", note.id) == 1
    assert editor.vote("chat", "pain_points", note.id, +2) == 3
    assert editor.vote("chat", "pain_points", note.id, -5) == 0
    with pytest.raises(InvalidEdit, match="has no pain point 'nope'"):
        editor.vote("chat", "pain_points", "nope")
    with pytest.raises(InvalidEdit, match="must not be empty"):
        editor.add_note("chat", "opportunities", "  ")


def test_subscribers_hear_every_edit_undo_and_redo(editor):
    heard = []
    unsubscribe = editor.subscribe(lambda journey, change: heard.append(change.action))
    editor.set_journey(title="Shop journey")
    editor.undo()
    editor.redo()
    unsubscribe()
    editor.undo()
    assert heard == ["journey", "undo", "redo"]


def test_nothing_to_undo_or_redo(editor):
    while editor.can_undo:
        editor.undo()
    assert editor.journey.touchpoints == []
    with pytest.raises(InvalidEdit, match="nothing to undo"):
        editor.undo()
    while editor.can_redo:
        editor.redo()
    with pytest.raises(InvalidEdit, match="nothing to redo"):
        editor.redo()
    assert len(editor.journey.touchpoints) == 2


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["rename", "move", "emotion", "remove", "add"]), st.integers(0, 9)),
        max_size=25,
    )
)
def test_any_sequence_of_edits_undoes_to_the_start_and_redoes_to_the_end(operations):
    journey = synthetic_journey(10, seed=1)
    start = journey.to_dict()
    editor = Editor(journey)
    for action, n in operations:
        tps = journey.touchpoints
        try:
            if action == "rename" and tps:
                editor.update("touchpoints", tps[n % len(tps)].id, name=f"Renamed {n}")
            elif action == "move" and tps:
                editor.move("touchpoints", tps[n % len(tps)].id, n)
            elif action == "emotion" and tps:
                editor.update("touchpoints", tps[n % len(tps)].id, emotions={"persona-1": n - 4})
            elif action == "remove" and tps:
                editor.remove("touchpoints", tps[n % len(tps)].id, cascade=True)
            elif action == "add":
                editor.add("touchpoints", {"name": f"New {n}", "stage": "s1", "lane": "care"})
        except InvalidEdit:
            pass  # refused edits (emotion out of range) must leave no trace: checked below
        assert journey.problems() == []
    end = journey.to_dict()
    while editor.can_undo:
        editor.undo()
    assert journey.to_dict() == start
    while editor.can_redo:
        editor.redo()
    assert journey.to_dict() == end
    assert journey_from_dict(end) == journey
