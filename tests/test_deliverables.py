"""The board's Table view and Export tabs, driven as a facilitator would (.value= and .click())."""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import pytest
from support import require_chromium

from cjmkit.widgets._common import message_text
from cjmkit.widgets.board import WorkshopBoard
from cjmkit.widgets.deliverables import ExportPanel, MapInWords


@pytest.fixture
def board(sample_map: Path):
    board = WorkshopBoard(sample_map)
    yield board
    board.close()


def test_table_view_shows_the_map_in_words_in_the_maps_place_and_follows_edits(board) -> None:
    assert board.tabs.titles[-1] == "Export"
    assert board.map_box.children == (board.map,)
    board.table_view.value = True
    assert board.map_box.children == (board.words,)
    assert "Backup fails or a restore is stuck" in board.words.value
    assert '<th scope="col">Stage</th>' in board.words.value
    tp = board.journey.touchpoints[0]
    board.editor.update("touchpoints", tp.id, name="Hears about <Acme> from a friend")
    assert "Hears about &lt;Acme&gt; from a friend" in board.words.value
    assert "<Acme>" not in board.words.value
    board.table_view.value = False
    assert board.map_box.children == (board.map,)


def test_table_view_is_not_redrawn_while_hidden(board) -> None:
    before = board.words.value
    board.editor.update("touchpoints", board.journey.touchpoints[0].id, name="Renamed while hidden")
    assert board.words.value == before
    board.show_table()
    assert board.table_view.value and "Renamed while hidden" in board.words.value


def test_map_in_words_widget_alone(sample_map: Path) -> None:
    from cjmkit import store

    words = MapInWords(store.load(sample_map))
    assert words.value.count("<table") == 3 and "This journey map has 7 stages" in words.value


@pytest.mark.slow
def test_export_tab_makes_a_deck_of_the_map_as_it_is_now(board) -> None:
    require_chromium()
    from pptx import Presentation

    board.editor.update("stages", board.journey.stages[0].id, name="Discover <now>")
    board.export.buttons["pptx"].click()
    assert message_text(board.export.message).startswith("PowerPoint deck ready:")
    href = re.search(r'href="data:[^;]+;base64,([^"]+)"', board.export.link.value).group(1)
    deck = Presentation(io.BytesIO(base64.b64decode(href)))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert "Stage 1 of 7: Discover <now>" in titles
    assert f"revision {board.journey.revision}" in board.export.link.value
    assert all(not button.disabled for button in board.export.buttons.values())


def test_export_without_chromium_is_one_sentence(sample_map: Path, monkeypatch, tmp_path: Path) -> None:
    from cjmkit import store

    monkeypatch.setenv("CJMKIT_CHROMIUM", str(tmp_path / "no-chromium"))
    journey = store.load(sample_map)
    panel = ExportPanel(lambda: journey)
    assert panel.make("pdf-handout") is None
    assert message_text(panel.message).startswith("cannot make a PDF: no Chromium found")
    assert panel.link.value == "" and "pdf-handout" not in panel.files
    assert os.listdir(tmp_path) == ["acme.cjm.json"]  # nothing written beside the map


@pytest.mark.slow
def test_export_works_where_an_asyncio_loop_runs(sample_map: Path) -> None:
    # a Jupyter kernel or Voila runs a button's callback inside its asyncio loop, where
    # Playwright's sync API refuses to run: the export prints from a thread of its own
    import asyncio

    require_chromium()
    from cjmkit import store

    journey = store.load(sample_map)
    panel = ExportPanel(lambda: journey)

    async def click() -> bytes | None:
        return panel.make("pdf-handout")

    # in a thread of its own, as the suite's shared browser may run a loop in this one
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        data = pool.submit(lambda: asyncio.run(click())).result()
    assert data is not None and data[:5] == b"%PDF-", message_text(panel.message)
