"""Row-level patching of the live map's sources: only what changed travels to the browser."""

from __future__ import annotations

from bokeh.document import Document
from bokeh.models import ColumnDataSource
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjmkit.edits import Editor
from cjmkit.render import JourneyMapView, map_data
from cjmkit.synthetic import synthetic_journey
from cjmkit.widgets._live import patch_source, patch_view


def sent_events(view: JourneyMapView, action) -> list[tuple[str, str]]:
    """Run ``action``; return (event kind, source name) for what would travel to the browser."""
    document = Document()
    document.add_root(view.layout)
    seen: list[tuple[str, str]] = []

    def record(event) -> None:
        model = getattr(event, "model", None) or getattr(event, "column_source", None)
        seen.append((type(event).__name__, getattr(model, "name", "")))

    document.on_change(record)
    action()
    return [item for item in seen if item[1].startswith("cjm-") and "Source" not in item[1]]


def test_changed_cells_are_patched_and_new_rows_streamed():
    source = ColumnDataSource({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert patch_source(source, {"a": [1, 9, 3], "b": ["x", "y", "z"]}) == "patch"
    assert source.data["a"] == [1, 9, 3]
    assert patch_source(source, {"a": [1, 9, 3, 4], "b": ["x", "y", "z", "w"]}) == "patch"
    assert list(source.data["b"]) == ["x", "y", "z", "w"]
    assert patch_source(source, {"a": [1, 9, 3, 4], "b": ["x", "y", "z", "w"]}) == "same"
    assert patch_source(source, {"a": [1], "b": ["x"]}) == "replace"  # rows removed
    assert patch_source(source, {"a": [5], "b": ["q"]}) == "replace"  # everything changed
    assert dict(source.data) == {"a": [5], "b": ["q"]}


def test_a_vote_patches_one_card_instead_of_resending_the_map():
    journey = synthetic_journey(60)
    editor = Editor(journey)
    view = JourneyMapView(journey)
    tp = next(tp for tp in journey.touchpoints if tp.pain_points)
    editor.vote(tp.id, "pain_points", tp.pain_points[0].id, +3)
    events = sent_events(view, lambda: patch_view(view, journey))
    assert ("ColumnsPatchedEvent", "cjm-cards") in events
    assert not [e for e in events if e[0] == "ModelChangedEvent" and e[1] == "cjm-cards"]
    # the result is exactly what a full redraw computes
    expected = map_data(journey, None, view.metrics).columns
    for name, source in view.sources.items():
        assert {k: list(v) for k, v in source.data.items()} == expected[name], name


def test_touchpoint_edits_leave_the_map_exactly_as_a_full_redraw_would():
    journey = synthetic_journey(40)
    editor = Editor(journey)
    view = JourneyMapView(journey)
    tp = journey.touchpoints[3]
    editor.update("touchpoints", tp.id, name="A much longer name " * 6, emotions={"persona-1": -2})
    patch_view(view, journey, touchpoints_only=True)
    editor.add("touchpoints", {"name": "Extra", "stage": "s8", "lane": "care"})
    patch_view(view, journey, touchpoints_only=True)
    patched = {name: {k: list(v) for k, v in s.data.items()} for name, s in view.sources.items()}
    texts = (view.header.text, view.legend.text, view.figure.frame_width, view.figure.frame_height)

    fresh = JourneyMapView(journey)
    assert patched == {name: {k: list(v) for k, v in s.data.items()} for name, s in fresh.sources.items()}
    assert texts == (
        fresh.header.text,
        fresh.legend.text,
        fresh.figure.frame_width,
        fresh.figure.frame_height,
    )


def test_patching_never_changes_lists_someone_else_handed_to_the_source():
    baseline = {"a": [1, 2, 3], "b": ["x", "y", "z"]}
    source = ColumnDataSource(data=baseline)  # Bokeh keeps these very lists
    assert patch_source(source, {"a": [1, 9, 3, 4], "b": ["x", "y", "z", "w"]}) == "patch"
    assert baseline == {"a": [1, 2, 3], "b": ["x", "y", "z"]}
    assert dict(source.data) == {"a": [1, 9, 3, 4], "b": ["x", "y", "z", "w"]}


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "rename", "emotion", "vote", "remove", "stage", "undo"]),
        st.integers(min_value=0, max_value=10_000),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS)
def test_any_edit_sequence_leaves_the_map_as_a_fresh_one(operations):
    journey = synthetic_journey(12, seed=3)
    editor = Editor(journey)
    view = JourneyMapView(journey)
    editor.subscribe(
        lambda j, change: patch_view(view, j, touchpoints_only=change.collection == "touchpoints")
    )
    for op, n in operations:
        tps = editor.journey.touchpoints
        tp = tps[n % len(tps)] if tps else None
        if op == "add":
            stage = editor.journey.stages[n % len(editor.journey.stages)].id
            editor.add("touchpoints", {"name": f"New {n}", "stage": stage, "lane": "care"})
        elif op == "rename" and tp:
            editor.update("touchpoints", tp.id, name=f"Renamed {n} " * (n % 4 + 1))
        elif op == "emotion" and tp:
            editor.update("touchpoints", tp.id, emotions={"persona-1": n % 5 - 2})
        elif op == "vote" and tp and tp.pain_points:
            editor.vote(tp.id, "pain_points", tp.pain_points[0].id, +1)
        elif op == "remove" and tp:
            editor.remove("touchpoints", tp.id, cascade=True)
        elif op == "stage":
            editor.add("stages", {"name": f"Stage {n}"}, index=n % 3)
        elif op == "undo" and editor.can_undo:
            editor.undo()
    fresh = JourneyMapView(editor.journey)
    for name, source in view.sources.items():
        assert {k: list(v) for k, v in source.data.items()} == {
            k: list(v) for k, v in fresh.sources[name].data.items()
        }, name
    assert (view.figure.frame_width, view.figure.frame_height) == (
        fresh.figure.frame_width,
        fresh.figure.frame_height,
    )
    assert view.header.text == fresh.header.text


def test_file_watch_looks_by_itself_on_a_running_event_loop(tmp_path, monkeypatch):
    import asyncio
    import threading

    from cjmkit.store import save
    from cjmkit.widgets import _watch

    path = tmp_path / "w.cjm.json"
    journey = synthetic_journey(3)
    save(journey, path)
    monkeypatch.setattr(_watch, "WATCH_SECONDS", 0.01)
    found: list[int] = []

    async def facilitator_session() -> None:
        watch = _watch.FileWatch(path, lambda: 1, found.append)
        save(journey, path)  # someone else saves: revision 2
        for _ in range(500):
            if found:
                break
            await asyncio.sleep(0.01)
        watch.stop()

    # A loop of its own in a thread: the session's Playwright browser may own this thread's loop.
    worker = threading.Thread(target=asyncio.run, args=(facilitator_session(),))
    worker.start()
    worker.join(timeout=30)
    assert found == [2]
