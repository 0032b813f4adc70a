"""What stakeholders get: the PDF poster, the PDF handout and the PowerPoint deck, opened and read.

The files are made the way a person makes them (``cjmkit render MAP --pdf … --pptx …``), then
opened with pypdf and python-pptx: the names are real text, the tables are native tables, a
hostile map's text comes out as text, and a tall map is split over pages, never cut off.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from support import REPO, SAMPLE_MAP, cjmkit_command, require_chromium
from test_render_browser import XSS, hostile_journey

from cjmkit import store
from cjmkit.model import EMOTION_WORDS

pypdf = pytest.importorskip("pypdf")
pptx = pytest.importorskip("pptx")

pytestmark = pytest.mark.browser

A3_LANDSCAPE_PT = (1190.55, 841.89)
A4_PT = (595.28, 841.89)


def words_of(text: str) -> str:
    """PDF text as people read it: ligatures unfolded, every run of white space one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def pdf_pages(path: Path) -> list[str]:
    return [words_of(page.extract_text()) for page in pypdf.PdfReader(path).pages]


def page_size(path: Path, n: int = 0) -> tuple[float, float]:
    box = pypdf.PdfReader(path).pages[n].mediabox
    return float(box.width), float(box.height)


def render(map_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cjmkit_command("render", str(map_path), *args), capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample map with its ticket data, rendered to a poster, a handout and a deck in one command."""
    require_chromium()
    folder = tmp_path_factory.mktemp("exports")
    shutil.copyfile(SAMPLE_MAP, folder / "acme.cjm.json")
    for name in ("tickets.csv", "care_contacts.csv"):
        shutil.copyfile(REPO / "sample_data" / name, folder / name)
    files = {
        "poster": folder / "acme.pdf",
        "handout": folder / "acme-handout.pdf",
        "deck": folder / "acme.pptx",
    }
    result = render(
        folder / "acme.cjm.json",
        "--measure",
        "--persona",
        "maya",
        "--pdf",
        str(files["poster"]),
        "--pdf-handout",
        str(files["handout"]),
        "--pptx",
        str(files["deck"]),
    )
    assert result.returncode == 0, result.stderr
    assert all(f"wrote {path}" in result.stdout for path in files.values())
    files["map"] = folder / "acme.cjm.json"
    return files


def test_poster_is_one_a3_landscape_page_of_real_text(sample_files) -> None:
    journey = store.load(sample_files["map"])
    pages = pdf_pages(sample_files["poster"])
    width, height = page_size(sample_files["poster"])
    assert (round(width), round(height)) == tuple(round(side) for side in A3_LANDSCAPE_PT)
    poster = pages[0]
    assert journey.title in poster
    for stage in journey.stages:
        assert stage.name in poster, stage.name
    # the emotion scale and KPI badges are text on the picture itself
    assert "very negative" in poster and "low point" in poster
    assert "Warning ·" in poster or "Bad ·" in poster
    # no invisible second copy of every word
    assert poster.count("Has a backup scare") == 1
    # then the map in words: every touchpoint in full
    rest = " ".join(pages[1:])
    assert rest.startswith("The map in words")
    for tp in journey.touchpoints:
        assert words_of(tp.name) in rest, tp.name


def test_handout_is_a4_one_stage_per_page(sample_files) -> None:
    journey = store.load(sample_files["map"])
    reader = pypdf.PdfReader(sample_files["handout"])
    width, height = page_size(sample_files["handout"])
    assert (round(width), round(height)) == tuple(round(side) for side in A4_PT)
    pages = pdf_pages(sample_files["handout"])
    assert len(reader.pages) >= len(journey.stages) + 1
    starts = {n: text for n, text in enumerate(pages) if text.startswith("Stage ")}
    assert len(starts) == len(journey.stages)  # each stage starts a page of its own
    everything = " ".join(pages)
    for n, stage in enumerate(journey.stages):
        assert f"Stage {n + 1} of {len(journey.stages)}: {stage.name}" in everything
        for tp in journey.touchpoints_in(stage=stage.id):
            assert words_of(tp.name) in everything
            for note in tp.pain_points:
                assert words_of(note.text) in everything
    assert "fell through" in pages[0] and "Support → care handoffs" in everything


def test_deck_has_native_tables_of_stages_kpis_and_handoffs(sample_files) -> None:
    from cjmkit import metrics as m

    journey = store.load(sample_files["map"])
    deck = pptx.Presentation(str(sample_files["deck"]))
    slides = list(deck.slides)
    assert slides[0].shapes.title.text == journey.title
    assert any(shape.shape_type == pptx.enum.shapes.MSO_SHAPE_TYPE.PICTURE for shape in slides[1].shapes)

    def tables(slide) -> list[list[list[str]]]:
        return [
            [[cell.text for cell in row.cells] for row in shape.table.rows]
            for shape in slide.shapes
            if shape.has_table
        ]

    stage_rows: dict[str, list[list[str]]] = {}
    notes: dict[str, str] = {}
    for slide in slides:
        title = slide.shapes.title.text
        if title.startswith("Stage "):
            name = title.split(": ", 1)[1].split(" (")[0]
            (table,) = tables(slide)
            assert table[0] == [
                "Lane",
                "Touchpoint",
                "Feelings (−2 … +2)",
                "Pain points (votes)",
                "Ideas (votes)",
                "Votes",
            ]
            stage_rows.setdefault(name, []).extend(table[1:])
            notes[name] = slide.notes_slide.notes_text_frame.text
    assert list(stage_rows) == [s.name for s in journey.stages]
    for stage in journey.stages:
        if stage.goal:
            assert f"Goal: {stage.goal}" in notes[stage.name]
        names = [row[1].split("\n")[0] for row in stage_rows[stage.name]]
        assert names == [
            tp.name for lane in journey.lanes for tp in journey.touchpoints_in(stage=stage.id, lane=lane.id)
        ]
    row = next(r for r in stage_rows["Get help"] if r[1].startswith("Backup fails or a restore is stuck"))
    assert f"Maya Okafor: {EMOTION_WORDS[-2]} (-2)" in row[2]

    kpi_slide = next(s for s in slides if s.shapes.title.text.startswith("KPIs"))
    kpis = tables(kpi_slide)[0]
    assert kpis[0] == ["KPI", "Touchpoint", "Latest value", "Target", "Status"]
    assert {r[4].split(" ", 1)[1] for r in kpis[1:]} <= {
        "on target",
        "warning",
        "off target",
        "no target or data",
    }

    health = m.handoff_health(
        journey,
        m.read_tickets(REPO / "sample_data" / "tickets.csv"),
        m.read_care_contacts(REPO / "sample_data" / "care_contacts.csv"),
    )
    handoff_slide = next(s for s in slides if s.shapes.title.text.startswith("Support → care handoffs"))
    handoffs = tables(handoff_slide)[0]
    assert handoffs[0] == ["Handoff", "SLA", "On time", "Median delay", "Fell through", "Status"]
    by_name = {r[0]: r for r in handoffs[1:]}
    for _, measured in health.iterrows():
        cells = by_name[measured["name"]]
        assert cells[2] == f"{measured['within_sla_pct']:.0f} %"
        assert cells[4] == str(int(measured["fell_through"]))
        assert cells[5] == ("weak" if measured["weak"] else "keeps its SLA")


@pytest.mark.slow
def test_hostile_map_text_comes_out_as_text(tmp_path: Path) -> None:
    require_chromium()
    journey = hostile_journey()
    journey.touchpoints[1].name = "Follow-up\x07 with a bell"  # a control character XML cannot hold
    path = tmp_path / "hostile.cjm.json"
    store.save(journey, path)
    result = render(
        path,
        "--pdf",
        str(tmp_path / "h.pdf"),
        "--pdf-handout",
        str(tmp_path / "hh.pdf"),
        "--pptx",
        str(tmp_path / "h.pptx"),
    )
    assert result.returncode == 0, result.stderr
    for pdf in ("h.pdf", "hh.pdf"):
        text = " ".join(pdf_pages(tmp_path / pdf))
        assert words_of(XSS) in text and "<svg onload=alert(2)>" in text, pdf
    deck = pptx.Presentation(str(tmp_path / "h.pptx"))
    cells = [
        cell.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    ]
    assert XSS in cells and any("Follow-up with a bell" in cell for cell in cells)


@pytest.mark.slow
def test_tall_map_is_split_over_poster_pages_never_cut(tmp_path: Path) -> None:
    require_chromium()
    from cjmkit.synthetic import synthetic_journey

    journey = synthetic_journey(200)
    path = tmp_path / "tall.cjm.json"
    store.save(journey, path)
    result = render(path, "--pdf", str(tmp_path / "tall.pdf"), "--png", str(tmp_path / "tall.png"))
    assert result.returncode == 0, result.stderr
    pages = pdf_pages(tmp_path / "tall.pdf")
    picture = []
    for text in pages:
        if text.startswith("The map in words"):
            break
        picture.append(text)
    assert len(picture) > 1, "a map this tall runs on over more than one poster page"
    drawn = " ".join(picture)
    last_lane = journey.lanes[-1].id
    bottom = [tp for tp in journey.touchpoints if tp.lane == last_lane]
    assert words_of(bottom[-1].name) in drawn  # the bottom of the map is printed too

    from PIL import Image

    from cjmkit.render.layout import map_data

    assert Image.open(tmp_path / "tall.png").height >= map_data(journey).height > 2400


def test_bad_file_names_and_missing_chromium_are_one_sentence(tmp_path: Path) -> None:
    result = render(SAMPLE_MAP, "--pdf", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert (
        result.stderr.strip() == f"cjmkit render: --pdf {tmp_path / 'x.png'}: the file name must end in .pdf"
    )
    import os

    env = {**os.environ, "CJMKIT_CHROMIUM": str(tmp_path / "no-chromium")}
    for flag, name in (("--pdf", "x.pdf"), ("--pdf-handout", "y.pdf"), ("--pptx", "z.pptx")):
        result = subprocess.run(
            cjmkit_command("render", str(SAMPLE_MAP), flag, str(tmp_path / name)),
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "no Chromium found" in result.stderr
        assert not (tmp_path / name).exists()


@pytest.mark.slow
def test_without_playwright_chromium_alone_prints_and_pictures_tall_maps(tmp_path: Path, monkeypatch) -> None:
    # Playwright is a test dependency: an installed cjmkit falls back to Chromium's own headless mode
    require_chromium()
    import sys

    from PIL import Image

    from cjmkit.render import JourneyMapView, save_png
    from cjmkit.render.layout import map_data
    from cjmkit.render.pdf import save_handout
    from cjmkit.synthetic import synthetic_journey

    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails
    journey = synthetic_journey(200)
    save_png(JourneyMapView(journey), tmp_path / "tall.png")
    assert Image.open(tmp_path / "tall.png").height >= map_data(journey).height > 2400  # not cut at 2,400 px
    save_handout(journey, tmp_path / "handout.pdf")
    assert (round(page_size(tmp_path / "handout.pdf")[0]), round(page_size(tmp_path / "handout.pdf")[1])) == (
        round(A4_PT[0]),
        round(A4_PT[1]),
    )


@pytest.mark.slow
def test_publish_pdf_prints_and_links_each_maps_poster(tmp_path: Path) -> None:
    require_chromium()
    maps = tmp_path / "maps"
    maps.mkdir()
    shutil.copyfile(SAMPLE_MAP, maps / "acme.cjm.json")
    result = subprocess.run(
        cjmkit_command("publish", str(maps), "--out", str(tmp_path / "site"), "--pdf"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "1 map page, 1 PDF poster" in result.stdout and "acme.pdf" in result.stdout
    poster = tmp_path / "site" / "acme.pdf"
    assert (round(page_size(poster)[0]), round(page_size(poster)[1])) == tuple(
        round(s) for s in A3_LANDSCAPE_PT
    )
    page = (tmp_path / "site" / "acme.html").read_text(encoding="utf-8")
    assert '<a class="cjm-download" href="acme.pdf" download>Download the poster (PDF, A3)</a>' in page
