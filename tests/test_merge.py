"""Two writers on one map: edits are operations replayed on the newer version, never lost.

Sessions here do not see each other's saves until they save (or sync): the worst case, as when
two boards save within the same second.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjmkit import store
from cjmkit.edits import Editor
from cjmkit.errors import InvalidEdit
from cjmkit.model import Journey
from cjmkit.ops import replay
from cjmkit.store import load, open_map, save
from cjmkit.synthetic import synthetic_journey


@pytest.fixture
def map_path(tmp_path: Path) -> Path:
    path = tmp_path / "room.cjm.json"
    save(synthetic_journey(12, seed=3), path)
    return path


@pytest.fixture
def two(map_path: Path):
    alice, bob = open_map(map_path), open_map(map_path)
    yield alice, bob
    alice.close()
    bob.close()


def test_different_fields_of_one_item_both_land(map_path, two):
    alice, bob = two
    alice.editor.update("touchpoints", "tp1", name="Alice's name")
    rated = bob.journey.touchpoint("tp1").emotions
    bob.editor.update(
        "touchpoints", "tp1", description="Bob's description", emotions={**rated, "persona-2": -2}
    )
    alice.editor.update(
        "touchpoints", "tp1", emotions={**alice.journey.touchpoint("tp1").emotions, "persona-1": 2}
    )
    tp = load(map_path).touchpoint("tp1")
    assert (tp.name, tp.description) == ("Alice's name", "Bob's description")
    assert tp.emotions == {"persona-1": 2, "persona-2": -2}  # two ratings of two personas: key by key
    assert not alice.conflicts and not bob.conflicts
    bob.sync()
    assert alice.editor.journey == bob.editor.journey == load(map_path)


def test_votes_add_up_and_notes_of_both_are_kept(map_path, two):
    alice, bob = two
    before = load(map_path).touchpoint("tp1").pain_points[0].votes
    alice.editor.vote("tp1", "pain_points", "p1")
    bob.editor.vote("tp1", "pain_points", "p1")
    bob.editor.vote("tp1", "pain_points", "p1")
    alice.editor.add_note("tp1", "opportunities", "Call back")
    bob.editor.add_note("tp1", "opportunities", "Call back")  # the same words, by two people
    tp = load(map_path).touchpoint("tp1")
    assert tp.pain_points[0].votes == before + 3
    assert [n.text for n in tp.opportunities][-2:] == ["Call back", "Call back"]
    assert len({n.id for n in tp.opportunities}) == len(tp.opportunities)
    bob.editor.undo()  # Bob's own note goes, Alice's stays
    assert [n.id for n in load(map_path).touchpoint("tp1").opportunities][-1] == "call-back"
    assert [n.text for n in load(map_path).touchpoint("tp1").opportunities].count("Call back") == 1


def test_the_same_id_added_twice_gets_a_new_one_and_undo_follows_it(map_path, two):
    alice, bob = two
    alice.editor.add("touchpoints", {"name": "Callback", "stage": "s1", "lane": "care"})
    bob.editor.add("touchpoints", {"name": "Callback", "stage": "s2", "lane": "care"})
    on_disk = load(map_path)
    assert (on_disk.touchpoint("callback").stage, on_disk.touchpoint("callback-2").stage) == ("s1", "s2")
    bob.editor.update("touchpoints", "callback-2", owner="Bob's team")  # his item, under its new id
    bob.editor.undo()
    bob.editor.undo()
    on_disk = load(map_path)
    assert on_disk.touchpoint("callback-2") is None and on_disk.touchpoint("callback").stage == "s1"


def test_edit_of_a_deleted_item_asks_and_can_put_it_back(map_path, two):
    alice, bob = two
    alice.editor.remove("touchpoints", "tp2", cascade=True)
    bob.editor.update("touchpoints", "tp2", name="Still needed")
    assert load(map_path).touchpoint("tp2") is None
    (conflict,) = bob.conflicts
    assert conflict.kind == "edited_deleted"
    assert conflict.sentence == "Someone else deleted the touchpoint “Still needed” while you changed it."
    bob.resolve(conflict, keep_mine=True)
    assert load(map_path).touchpoint("tp2").name == "Still needed"


def test_delete_of_an_edited_item_asks_and_keeps_it_until_confirmed(map_path, two):
    alice, bob = two
    alice.editor.update("touchpoints", "tp3", name="Improved")
    bob.editor.remove("touchpoints", "tp3", cascade=True)
    assert load(map_path).touchpoint("tp3").name == "Improved"
    (conflict,) = bob.conflicts
    assert conflict.sentence == (
        "You deleted the touchpoint “Improved”, but someone else had just changed it; it is still on the map."
    )
    bob.resolve(conflict, keep_mine=False)
    assert not bob.conflicts and load(map_path).touchpoint("tp3") is not None


def test_an_edit_that_no_longer_fits_is_not_applied_and_says_why(map_path, two):
    alice, bob = two
    alice.editor.remove("stages", "s8", cascade=True)
    bob.editor.add("touchpoints", {"name": "Renewal call", "stage": "s8", "lane": "care"})
    assert load(map_path).touchpoint("renewal-call") is None and load(map_path).stage("s8") is None
    (conflict,) = bob.conflicts
    assert conflict.kind == "no_longer_fits"
    assert conflict.sentence.startswith("Your edit “Add touchpoint “Renewal call”” was not applied, because ")
    assert "no stage has the id 's8'" in conflict.sentence
    with pytest.raises(InvalidEdit, match="nothing of yours to put back"):
        bob.resolve(conflict, keep_mine=True)
    assert [s.load().touchpoint("renewal-call") is not None for s in bob.snapshots() if s.aside] == [True]


def test_undo_after_others_edits_leaves_theirs_alone(map_path, two):
    alice, bob = two
    bob.editor.update("touchpoints", "tp5", name="Bob's", owner="Bob's team")
    alice.sync()
    alice.editor.update("touchpoints", "tp5", name="Alice's")
    bob.sync()
    change = bob.editor.undo()  # the name is Alice's now: only the owner goes back
    assert change.skipped == 1
    tp = load(map_path).touchpoint("tp5")
    assert tp.name == "Alice's" and tp.owner != "Bob's team"


def test_a_notebook_session_sees_others_edits_when_it_reads_the_map(map_path, two, monkeypatch):
    monkeypatch.setattr(store, "SYNC_INTERVAL", 0.0)
    alice, notebook = two
    heard = []
    notebook.editor.subscribe(lambda journey, change: heard.append(change.action))
    alice.editor.set_journey(description="Written on the board")
    assert notebook.journey.description == "Written on the board"
    assert heard == ["merge"]


def test_a_form_keeps_what_is_typed_when_the_same_item_changes_elsewhere(map_path, two):
    from cjmkit.widgets import TouchpointEditor

    alice, bob = two
    form = TouchpointEditor(bob.editor)
    form.select("tp6")
    form.description.value = "Typed on Bob's board"
    alice.editor.update("touchpoints", "tp6", name="Renamed by Alice")
    bob.sync()
    assert form.name.value == "Renamed by Alice"  # what Bob did not touch follows the map
    assert form.description.value == "Typed on Bob's board"  # what he typed stays
    form.save_button.click()
    tp = load(map_path).touchpoint("tp6")
    assert (tp.name, tp.description) == ("Renamed by Alice", "Typed on Bob's board")
    form.close()


def _expected_and_edit(session, rng: random.Random, who: str, n: int, expected: dict) -> None:
    """One random edit of the kinds a room makes, recording what the final map must hold."""
    journey = session.editor.journey
    kind = rng.choice(["add", "rename", "describe", "vote", "persona", "emotion", "note"])
    tps = [tp.id for tp in journey.touchpoints]
    if kind == "add":
        name = f"{who} card {n}"
        tp = session.editor.add(
            "touchpoints", {"name": name, "stage": rng.choice(["s1", "s4"]), "lane": "care"}
        )
        expected["added"].add(tp.id)
    elif kind in ("rename", "describe"):
        tp = rng.choice(tps)
        field = "name" if who == "alice" else "description"  # each writer owns one field
        value = f"{who} {field} {n}"
        session.editor.update("touchpoints", tp, **{field: value})
        expected[field][tp] = value
    elif kind == "vote":
        session.editor.vote("tp1", "pain_points", "p1")
        expected["votes"] += 1
    elif kind == "persona":
        session.editor.add("personas", {"name": f"{who} persona {n}"})
        expected["personas"].add(f"{who} persona {n}")
    elif kind == "emotion":
        tp = rng.choice(tps)
        persona = "persona-1" if who == "alice" else "persona-2"
        current = session.editor.journey.touchpoint(tp).emotions
        value = rng.choice([v for v in range(-2, 3) if v != current.get(persona)])
        session.editor.update("touchpoints", tp, emotions={**current, persona: value})
        expected["emotions"][(tp, persona)] = value
    else:
        session.editor.add_note("tp1", "opportunities", f"{who} idea {n}")
        expected["notes"].add(f"{who} idea {n}")


def test_two_sessions_200_random_edits_every_edit_lands(map_path):
    rng = random.Random(20261201)
    alice, bob = open_map(map_path), open_map(map_path)
    start = load(map_path)
    expected = {
        "added": set(),
        "name": {},
        "description": {},
        "votes": start.touchpoint("tp1").pain_points[0].votes,
        "personas": set(),
        "emotions": {},
        "notes": set(),
    }
    revisions = [start.revision]
    for n in range(200):
        who, session = rng.choice([("alice", alice), ("bob", bob)])
        if rng.random() < 0.3:
            session.sync()  # now and then a board looks at the file before the next edit
        _expected_and_edit(session, rng, who, n, expected)
        revisions.append(store.revision_on_disk(map_path))
        assert session.status == "saved" and not session.conflicts
    final = load(map_path)
    assert revisions == sorted(set(revisions)), "revisions must go strictly up"
    assert final.revision == start.revision + 200
    assert expected["added"] and expected["added"] <= {tp.id for tp in final.touchpoints}
    for tp_id, name in expected["name"].items():
        assert final.touchpoint(tp_id).name == name
    for tp_id, text in expected["description"].items():
        assert final.touchpoint(tp_id).description == text
    for (tp_id, persona), value in expected["emotions"].items():
        assert final.touchpoint(tp_id).emotions[persona] == value
    assert final.touchpoint("tp1").pain_points[0].votes == expected["votes"]
    assert expected["personas"] <= {p.name for p in final.personas}
    assert expected["notes"] <= {n.text for n in final.touchpoint("tp1").opportunities}
    assert not list(map_path.parent.glob("*.conflict-*"))
    assert not any(s.aside for s in store.snapshots(map_path))
    alice.sync()
    bob.sync()
    assert alice.editor.journey == bob.editor.journey == final
    alice.close()
    bob.close()


# -- the rebase rules, for any edits -----------------------------------------------------------

EDITS = st.lists(
    st.tuples(
        st.sampled_from(["rename", "describe", "emotion", "vote", "note", "add", "move", "remove"]),
        st.integers(0, 11),
    ),
    max_size=12,
)


def _apply(editor: Editor, edits: list[tuple[str, int]], who: str, owned: bool) -> None:
    """Random edits; with ``owned`` each writer sticks to its own fields (no true conflicts)."""
    for step, (action, n) in enumerate(edits):
        tps = editor.journey.touchpoints
        tp = tps[n % len(tps)] if tps else None
        try:
            if action == "rename" and tp and (not owned or who == "a"):
                editor.update("touchpoints", tp.id, name=f"{who} name {n}")
            elif action == "describe" and tp and (not owned or who == "b"):
                editor.update("touchpoints", tp.id, description=f"{who} text {n}")
            elif action == "emotion" and tp:
                persona = "persona-1" if who == "a" or not owned else "persona-2"
                editor.update("touchpoints", tp.id, emotions={**tp.emotions, persona: n % 5 - 2})
            elif action == "vote" and tp and tp.pain_points:
                editor.vote(tp.id, "pain_points", tp.pain_points[0].id, 1 if n % 3 else -1)
            elif action == "note" and tp:
                editor.add_note(tp.id, "opportunities", f"{who} idea {step}")
            elif action == "add":
                editor.add("touchpoints", {"name": f"{who} new {step}", "stage": "s2", "lane": "care"})
            elif action == "move" and not owned:
                editor.move("stages", f"s{n % 8 + 1}", n % 5)
            elif action == "remove" and tp and not owned:
                editor.remove("touchpoints", tp.id, cascade=True)
        except InvalidEdit:
            pass


def _normal(journey: Journey) -> dict:
    """The document with every list in id order (two writers' additions may interleave)."""
    data = journey.to_dict()
    for name in ("personas", "lanes", "touchpoints", "handoffs", "kpis", "feedback"):
        data[name] = sorted(data[name], key=lambda item: item["id"])
    for tp in data["touchpoints"]:
        for kind in ("pain_points", "opportunities"):
            tp[kind] = sorted(tp[kind], key=lambda item: item["id"])
    data.pop("updated")
    return data


def _pending(editor: Editor) -> list[tuple[str, tuple]]:
    return [(change.description, change.ops) for change in editor._undo]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_edits=EDITS, b_edits=EDITS)
def test_edits_that_do_not_collide_merge_the_same_in_either_order(a_edits, b_edits):
    base = synthetic_journey(6, seed=9)
    a, b = Editor(base.model_copy(deep=True)), Editor(base.model_copy(deep=True))
    _apply(a, a_edits, "a", owned=True)
    _apply(b, b_edits, "b", owned=True)
    b_on_a = a.journey.model_copy(deep=True)
    a_on_b = b.journey.model_copy(deep=True)
    first, second = replay(b_on_a, _pending(b)), replay(a_on_b, _pending(a))
    assert first.conflicts == [] and second.conflicts == []
    assert b_on_a.problems() == [] and _normal(b_on_a) == _normal(a_on_b)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_edits=EDITS, b_edits=EDITS)
def test_any_edits_replay_to_a_valid_map_and_undo_to_the_other_version(a_edits, b_edits):
    base = synthetic_journey(6, seed=9)
    a, b = Editor(base.model_copy(deep=True)), Editor(base.model_copy(deep=True))
    _apply(a, a_edits, "a", owned=False)
    _apply(b, b_edits, "b", owned=False)
    theirs = a.journey.model_copy(deep=True)
    result = replay(theirs, _pending(b))
    assert theirs.problems() == []  # never a broken map, whatever collided
    for conflict in result.conflicts:
        assert conflict.sentence and "[" not in conflict.sentence  # plain words, no internal places
    # what was applied can be taken back exactly: the merged map undoes to the other writer's
    for applied in reversed(result.applied):
        for op in reversed(applied):
            op.inverse().apply(theirs)
    assert _normal(theirs) == _normal(a.journey)
