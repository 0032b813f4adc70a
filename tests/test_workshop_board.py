"""The workshop board and app: every edit saved at once and drawn on the live map."""

from __future__ import annotations

import pytest

from cjmkit.cli import main
from cjmkit.commands.workshop import find_notebook
from cjmkit.store import load, open_map, save
from cjmkit.synthetic import synthetic_journey
from cjmkit.templates import list_templates
from cjmkit.widgets import MapPicker, WorkshopBoard, workshop_app
from cjmkit.widgets.app import MAP_ENV, WORKDIR_ENV


@pytest.fixture
def map_path(tmp_path):
    path = tmp_path / "demo.cjm.json"
    save(synthetic_journey(24), path)
    return path


def card_ids(board) -> list[str]:
    return list(board.view.sources["cards"].data["tp_id"])


def test_an_edit_is_saved_and_drawn_in_place(map_path):
    board = WorkshopBoard(map_path)
    figure, sources, bokeh_widget = board.view.figure, dict(board.view.sources), board.map
    assert board.status_text() == "Saved ✓ revision 1"
    assert board.undo_button.disabled and board.redo_button.disabled

    capture = board.quick_capture
    capture.stage.value, capture.lane.value = "s3", "support"
    capture.text.value = "Callback request"
    capture.drop_button.click()

    on_disk = load(map_path)
    added = on_disk.touchpoint("callback-request")
    assert added is not None and (added.stage, added.lane) == ("s3", "support")
    assert "callback-request" in card_ids(board)
    assert board.status_text() == f"Saved ✓ revision {on_disk.revision}" == "Saved ✓ revision 2"
    assert "Saved ✓ revision 2" in board.status.value
    # patched in place: same figure, same sources, same widget
    assert board.view.figure is figure and board.map is bokeh_widget
    assert all(board.view.sources[name] is source for name, source in sources.items())
    assert not board.undo_button.disabled
    assert board.undo_button.tooltip == "Add touchpoint “Callback request”"


def test_undo_and_redo_buttons_save_and_redraw(map_path):
    board = WorkshopBoard(map_path)
    board.touchpoints.select("tp2")
    board.touchpoints.name.value = "Renamed on the board"
    board.touchpoints.save_button.click()
    assert load(map_path).touchpoint("tp2").name == "Renamed on the board"

    board.undo_button.click()
    assert load(map_path).touchpoint("tp2").name != "Renamed on the board"
    assert "Renamed on the board" not in board.view.sources["cards"].data["t_name"]
    assert board.undo_button.disabled and not board.redo_button.disabled
    assert board.redo_button.tooltip == "Edit touchpoint “Renamed on the board”"

    board.redo_button.click()
    assert load(map_path).touchpoint("tp2").name == "Renamed on the board"
    assert "Renamed on the board" in board.view.sources["cards"].data["t_name"]
    assert board.redo_button.disabled


def test_invalid_input_never_reaches_the_file(map_path):
    board = WorkshopBoard(map_path)
    before = map_path.read_bytes()
    board.touchpoints.select("tp1")
    board.touchpoints.name.value = ""
    board.touchpoints.save_button.click()
    assert board.touchpoints.messages.texts() == {"name": "name: must not be empty"}
    assert map_path.read_bytes() == before
    assert board.status_text() == "Saved ✓ revision 1"


def test_tapping_a_card_opens_it_in_the_touchpoint_editor(map_path):
    board = WorkshopBoard(map_path)
    board.view.tap("tp5")  # what a tap in the browser sends
    assert board.touchpoints.picker.value == "tp5"
    assert board.tabs.selected_index == 1
    assert board.touchpoints.name.value == board.journey.touchpoint("tp5").name
    # and picking another one in the editor highlights that card on the map
    board.touchpoints.picker.value = "tp7"
    assert board.view.selected == "tp7"
    board.touchpoints.select(None)
    assert board.view.selected is None


def test_persona_switcher_redraws_the_emotion_curve(map_path):
    board = WorkshopBoard(map_path)
    assert [label for label, _ in board.persona_picker.options] == ["All personas", "Persona 1", "Persona 2"]
    board.persona_picker.value = "persona-2"
    assert board.view.persona == "persona-2"
    board.personas.select("persona-2")
    board.personas.delete_button.click()
    board.personas.confirm_box.children[1].click()  # delete with its ratings
    assert board.view.persona is None
    assert [v for _, v in board.persona_picker.options] == ["__all__", "persona-1"]


def test_two_boards_merge_and_a_true_conflict_asks_in_plain_words(map_path):
    board = WorkshopBoard(map_path)
    with open_map(map_path) as other:  # a second facilitator saves first
        other.editor.update("touchpoints", "tp1", name="Theirs")
        other.editor.update("touchpoints", "tp4", description="Edited next door")
    board.quick_capture.text.value = "Mine"
    board.quick_capture.drop_button.click()  # another item: merged, no question
    on_disk = load(map_path)
    assert on_disk.touchpoint("mine") and on_disk.touchpoint("tp4").description == "Edited next door"
    assert board.status_text() == f"Saved ✓ revision {on_disk.revision}" == "Saved ✓ revision 4"
    assert {"mine", "tp1"} <= set(card_ids(board)) and "Theirs" in _column(board, "cards", "t_name")
    assert board.conflict_box.children == ()

    form = board.touchpoints  # the form was opened before "Theirs" came in: the same field
    form.select("tp1")
    with open_map(map_path) as other:
        other.editor.update("touchpoints", "tp1", name="Theirs again")
    form.name.value = "Mine again"
    form.save_button.click()
    assert load(map_path).touchpoint("tp1").name == "Theirs again"  # the first save stays
    (row,) = board.conflict_box.children
    text = row.children[0].value
    assert (
        "Touchpoint “Theirs again”: you set the name to “Mine again”, but someone else had just set it"
        in text
    )
    assert [b.description for b in row.children[1:]] == ["Keep theirs", "Use mine"]
    assert any(snap.aside for snap in board.session.snapshots())  # nothing is lost
    row.children[2].click()  # use mine
    assert load(map_path).touchpoint("tp1").name == "Mine again"
    assert board.conflict_box.children == () and "Mine again" in _column(board, "cards", "t_name")
    assert not list(map_path.parent.glob("*.conflict-*"))


def test_an_unreadable_map_file_keeps_the_edit_in_a_copy_and_says_so_plainly(map_path):
    board = WorkshopBoard(map_path)
    map_path.write_text("{ broken by hand", encoding="utf-8")
    board.quick_capture.text.value = "Kept anyway"
    board.quick_capture.drop_button.click()
    status = board.status_text()
    (copy,) = map_path.parent.glob("demo.conflict-*.cjm.json")
    assert copy.name in status and str(map_path.parent) not in status and "force" not in status
    assert "nothing is lost" in status and "kept-anyway" in [tp.id for tp in load(copy).touchpoints]
    assert "kept-anyway" in card_ids(board)  # the map still shows what was typed


def test_board_accepts_an_open_session(map_path):
    with open_map(map_path) as session:
        board = WorkshopBoard(session)
        board.personas.name.value = "Ola"
        board.personas.save_button.click()
    assert load(map_path).persona("ola") is not None


# -- the app around it -------------------------------------------------------------------------


def test_app_opens_the_map_named_by_the_environment(map_path, monkeypatch):
    monkeypatch.setenv(MAP_ENV, str(map_path))
    app = workshop_app()
    assert isinstance(app, WorkshopBoard) and app.session.path == map_path


def test_app_without_a_map_shows_the_picker_and_creates_from_a_template(tmp_path, monkeypatch):
    monkeypatch.delenv(MAP_ENV, raising=False)
    monkeypatch.setenv(WORKDIR_ENV, str(tmp_path))
    picker = workshop_app()
    assert isinstance(picker, MapPicker)
    assert [v for _, v in picker.template.options] == [t.name for t in list_templates()]
    picker.create_button.click()
    assert picker.messages.texts() == {"title": "title: give the map a title first"}
    picker.template.value = "support-to-care"
    picker.title.value = "Acme <b>workshop</b>"
    picker.create_button.click()
    created = tmp_path / "acme-b-workshop-b.cjm.json"
    assert created.is_file() and load(created).title == "Acme <b>workshop</b>"
    assert picker.children == (picker.board,)
    assert "&lt;b&gt;" in picker.board.title.value  # the title is escaped on the board

    again = MapPicker(tmp_path)
    assert [v for _, v in again.existing.options] == [str(created)]
    again.title.value = "Acme <b>workshop</b>"
    again.create_button.click()
    assert "already exists" in again.messages.texts()["title"]
    again.open_button.click()
    assert again.board is not None and again.board.session.path == created


def test_app_with_a_broken_map_says_so_in_one_sentence(tmp_path, monkeypatch):
    broken = tmp_path / "broken.cjm.json"
    broken.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv(MAP_ENV, str(broken))
    app = workshop_app()
    assert isinstance(app, MapPicker)
    assert "is not valid JSON" in app.messages.texts()[""]


def test_workshop_command_refuses_a_missing_map(tmp_path, capsys):
    assert main(["workshop", str(tmp_path / "nope.cjm.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cjmkit workshop: ") and "nope.cjm.json" in err and "\n" not in err


def test_workshop_notebook_is_found_from_the_repository():
    notebook = find_notebook()
    assert notebook is not None and notebook.name == "workshop.ipynb"
    assert "workshop_app()" in notebook.read_text(encoding="utf-8")


def _code_lines(source: str) -> list[str]:
    return [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_installed_copies_without_the_notebook_write_the_same_cells(monkeypatch):
    import json

    from cjmkit.commands import workshop

    repo_cells = [
        _code_lines("".join(cell["source"]))
        for cell in json.loads(find_notebook().read_text(encoding="utf-8"))["cells"]
        if cell["cell_type"] == "code"
    ]
    assert repo_cells == [_code_lines(cell) for cell in workshop.WORKSHOP_CELLS]
    monkeypatch.setattr(workshop, "find_notebook", lambda: None)
    with workshop.workshop_notebook() as generated:
        cells = json.loads(generated.read_text(encoding="utf-8"))["cells"]
        assert [_code_lines(cell["source"]) for cell in cells] == repo_cells
    assert not generated.exists()


def _column(board, source: str, column: str) -> list:
    return list(board.view.sources[source].data[column])


def test_every_editor_shows_its_edits_on_the_map(map_path):
    board = WorkshopBoard(map_path)

    stages = board.structure.stages
    stages.new_name.value = "Win back"
    stages.add_button.click()
    assert "win-back" in _column(board, "stages", "stage_id")

    lanes = board.structure.lanes
    lanes.select("backstage")
    lanes.name.value = "Systems"
    lanes.save_button.click()
    assert "Systems" in _column(board, "lanes", "name")

    handoffs = board.handoffs
    handoffs.any_lane.value = True
    handoffs.from_touchpoint.value, handoffs.to_touchpoint.value = "tp2", "tp3"
    handoffs.sla_hours.value = "4"
    handoffs.save_button.click()
    assert "tp2-to-tp3" in _column(board, "handoffs", "handoff_id")

    tp = board.journey.touchpoints[0]
    board.touchpoints.select(tp.id)
    board.touchpoints.emotion_sliders["persona-1"].value = 2 if tp.emotions["persona-1"] != 2 else -2
    emotion = board.view.sources["emotion"].data
    felt = {(t, p): v for t, p, v in zip(emotion["tp_id"], emotion["persona"], emotion["value"], strict=True)}
    assert felt[(tp.id, "persona-1")] == board.journey.touchpoint(tp.id).emotions["persona-1"]

    row = board.voting.rows[("tp1", "pain_points", "p1")]
    before = _column(board, "cards", "pain_votes")[_column(board, "cards", "tp_id").index("tp1")]
    row.plus.click()
    after = _column(board, "cards", "pain_votes")[_column(board, "cards", "tp_id").index("tp1")]
    assert after == before + 1

    board.personas.name.value = "Ola"
    board.personas.save_button.click()
    assert "Ola" in board.view.header.text

    saved = load(map_path)  # and every one of them is on disk
    assert saved.stage("win-back") and saved.lane("backstage").name == "Systems"
    assert saved.persona("ola") and saved.find("handoffs", "tp2-to-tp3").sla_hours == 4
    assert saved.touchpoint("tp1").pain_points[0].votes == after


def test_edits_saved_elsewhere_come_in_without_clearing_undo(map_path):
    board = WorkshopBoard(map_path)
    board.personas.name.value = "Ola"
    board.personas.save_button.click()
    assert board.watch.check() is False  # nothing new: our own save
    with open_map(map_path) as other:  # a co-facilitator's tab saves
        other.editor.update("touchpoints", "tp4", name="Renamed next door")
    assert board.watch.check() is True
    assert board.journey.touchpoint("tp4").name == "Renamed next door"
    assert "Renamed next door" in _column(board, "cards", "t_name")
    assert board.status_text() == "Saved ✓ revision 3" and board.conflict_box.children == ()
    assert board.undo_button.tooltip == "Add persona “Ola”"  # the undo history survived
    board.undo_button.click()
    on_disk = load(map_path)
    assert on_disk.persona("ola") is None and on_disk.touchpoint("tp4").name == "Renamed next door"
    assert "Undone: Add persona “Ola”" in board.message.value
    assert board.watch.check() is False


def test_the_history_tab_puts_an_earlier_version_back(map_path):
    board = WorkshopBoard(map_path)
    history = board.history
    assert history.restore_button.disabled and "No earlier version" in history.detail.value

    capture = board.quick_capture
    capture.stage.value, capture.lane.value = "s1", "support"
    capture.text.value = "Added by mistake"
    capture.drop_button.click()
    board.tabs.selected_index = board.tabs.panels.index(history)  # opening the tab reads the list
    local = history.kept[0].saved.astimezone()
    assert [label for label, _ in history.versions.options] == [
        f"revision 1 · saved {local:%Y-%m-%d %H:%M:%S} {local.tzname()}"
    ]
    assert "24 touchpoints" in history.detail.value

    history.restore_button.click()
    on_disk = load(map_path)
    assert on_disk.touchpoint("added-by-mistake") is None and on_disk.revision == 3
    assert "added-by-mistake" not in card_ids(board)  # the map shows the version put back
    assert board.status_text() == "Saved ✓ revision 3"
    assert "Revision 1 is back, saved as revision 3; revision 2 is kept in the list." in history.message.value
    # the version it replaced is offered in turn, newest first
    assert [snap.revision for snap in history.kept] == [2, 1]
    history.versions.value = 0
    assert "25 touchpoints" in history.detail.value
    history.restore_button.click()
    assert load(map_path).touchpoint("added-by-mistake") is not None
    board.close()


def test_presenting_shows_the_map_alone_and_zooms_to_a_stage(map_path):
    board = WorkshopBoard(map_path)
    assert not board.presenting and "cjm-presenting" not in board._dom_classes
    board.present_button.click()
    assert board.presenting and "cjm-presenting" in board._dom_classes
    assert board.present_button.description == "✕ Stop presenting"
    assert "data-on='1'" in board.zoom_target.value and "data-mode='whole'" in board.zoom_target.value
    stage = board.journey.stages[2]
    assert ("Stage: " + stage.name, stage.id) in board.zoom_picker.options
    board.zoom_picker.value = stage.id
    area = board.zoom_area()
    stages = board.view.sources["stages"].data
    i = list(stages["stage_id"]).index(stage.id)
    assert area["mode"] == "stage" and area["x"] < stages["x"][i] < area["x"] + area["w"]
    assert f"data-x='{area['x']}'" in board.zoom_target.value
    board.exit_button.click()  # what Esc does in the page
    assert not board.presenting and "cjm-presenting" not in board._dom_classes
    assert "data-on='0'" in board.zoom_target.value
    board.structure.stages.select(stage.id)  # a renamed stage is renamed in the zoom picker too
    board.structure.stages.name.value = "Renamed stage"
    board.structure.stages.save_button.click()
    assert ("Stage: Renamed stage", stage.id) in board.zoom_picker.options


def test_quick_capture_stays_on_its_tab_while_a_card_is_selected(map_path):
    board = WorkshopBoard(map_path)
    board.view.tap("tp5")  # a tap on the map
    assert board.tabs.selected_index == board.tabs.panels.index(board.touchpoints)
    board.tabs.selected_index = 0  # back to Capture
    capture = board.quick_capture
    for n in range(3):
        capture.text.value = f"Dropped while tp5 is selected {n}"
        capture.drop_button.click()
        assert board.tabs.selected_index == 0, "dropping a note must not jump to the Touchpoint tab"
    assert board.view.selected == "tp5" and board.touchpoints.picker.value == "tp5"
