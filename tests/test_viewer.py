"""The read-only viewer without a browser: which map a request gets, what the page shows."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import ipywidgets as w
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import SAMPLE_MAP
from traitlets import TraitError

from cjmkit.render.measured import measure
from cjmkit.store import load, save
from cjmkit.widgets.viewer import MapViewer, from_request, list_maps, map_name_from_query, resolve_map

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def maps(tmp_path: Path) -> Path:
    folder = tmp_path / "maps"
    folder.mkdir()
    shutil.copyfile(SAMPLE_MAP, folder / "acme.cjm.json")
    evil = load(SAMPLE_MAP)
    evil.title = f"Evil {EVIL}"
    newest = max((f for f in evil.feedback if f.received), key=lambda f: f.received)
    newest.comment = f"verbatim {EVIL}"
    save(evil, folder / "evil.cjm.json", force=True)
    (folder / "broken.cjm.json").write_text('{"title": broken', encoding="utf-8")
    (folder / "notes.txt").write_text("not a map", encoding="utf-8")
    (tmp_path / "outside.cjm.json").write_bytes(SAMPLE_MAP.read_bytes())
    return folder


def _text(widget: w.Widget) -> str:
    if isinstance(widget, w.HTML):
        return widget.value
    return " ".join(_text(child) for child in getattr(widget, "children", ()))


def test_only_map_files_of_the_folder_are_listed(maps: Path) -> None:
    os.symlink(maps.parent / "outside.cjm.json", maps / "link.cjm.json")
    assert sorted(list_maps(maps)) == ["acme", "broken", "evil"]


@pytest.mark.parametrize(
    "name",
    [
        "../outside",
        "..",
        "/etc/passwd",
        "../../etc/passwd",
        "acme.cjm.json",
        "notes",
        "",
        "ACME",
        "acme/",
        "./acme",
    ],
)
def test_names_outside_the_folder_or_unknown_find_nothing(maps: Path, name: str) -> None:
    assert resolve_map(maps, name) is None


@settings(max_examples=60, deadline=None)
@given(name=st.text(max_size=40))
def test_any_name_resolves_to_a_map_of_the_folder_or_nothing(name: str) -> None:
    folder = Path(__file__).resolve().parent.parent / "sample_data"
    found = resolve_map(folder, name)
    assert found is None or (found.parent == folder and found.name == f"{name}.cjm.json")


def test_query_string_gives_the_map_name() -> None:
    assert map_name_from_query("map=acme&x=1") == "acme"
    assert map_name_from_query("map=%2e%2e%2fetc%2fpasswd") == "../etc/passwd"
    assert map_name_from_query("") is None
    assert map_name_from_query("other=1") is None


def test_root_lists_every_map_as_an_escaped_link(maps: Path) -> None:
    page = from_request(maps, "")
    assert 'href="?map=acme"' in page.value
    assert "Acme Cloud" in page.value
    assert EVIL not in page.value and "&lt;img src=x onerror=alert(1)&gt;" in page.value
    assert "broken" in page.value and "cannot be read" in page.value


@pytest.mark.parametrize("query", ["map=../outside", "map=/etc/passwd", "map=%2e%2e%2foutside", "map=nope"])
def test_unknown_or_outside_names_get_the_friendly_page(maps: Path, query: str) -> None:
    page = from_request(maps, query)
    assert "No such map" in page.value
    assert "Acme" not in page.value


def test_a_broken_map_gets_a_sentence_not_a_traceback(maps: Path) -> None:
    page = from_request(maps, "map=broken")
    assert "This map cannot be shown" in page.value
    assert "broken.cjm.json is not valid JSON" in page.value
    assert "Traceback" not in page.value and str(maps) not in page.value


def test_no_folder_gets_a_sentence(tmp_path: Path) -> None:
    assert "no folder of maps" in from_request(tmp_path / "missing", "map=acme").value


def test_the_viewer_shows_the_map_panels_and_escaped_feedback(maps: Path) -> None:
    page = from_request(maps, "map=evil")
    assert isinstance(page, w.VBox)
    text = _text(page)
    assert "Latest feedback" in text
    assert EVIL not in text and "verbatim &lt;img" in text
    assert "<title>Evil &lt;img" in text
    assert not any(isinstance(child, (w.Text, w.Textarea, w.Button)) for child in page.children)


def test_persona_dropdown_switches_the_map_and_writes_nothing(maps: Path) -> None:
    path = maps / "acme.cjm.json"
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(maps)))
    journey = load(path)
    shown = MapViewer(journey, measure(journey, maps / "acme.cjm.json"))
    assert [value for _, value in shown.persona.options] == ["maya", "daniel"]
    curve = dict(shown.view.sources["emotion"].data)
    shown.persona.value = "daniel"
    assert shown.view.persona == "daniel"
    assert dict(shown.view.sources["emotion"].data) != curve
    with pytest.raises(TraitError):
        shown.persona.value = "../../etc/passwd"
    assert shown.view.persona == "daniel"
    assert (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(maps))) == before


def test_the_panels_follow_once_the_browser_has_drawn_the_map(maps: Path) -> None:
    from bokeh.events import DocumentReady
    from jupyter_bokeh.widgets import BokehModel

    journey = load(maps / "acme.cjm.json")
    shown = MapViewer(journey, measure(journey, maps / "acme.cjm.json"))
    assert shown.widget.children[1] is shown.map and shown.panels.children == ()
    # what jupyter_bokeh does when BokehJS reports the map's document drawn
    shown.map._document.callbacks.trigger_event(DocumentReady())
    (panels,) = shown.panels.children
    assert isinstance(panels, BokehModel)
    assert panels._model.select_one({"name": "cjmkit-warnings"}) is not None
    shown.map._document.callbacks.trigger_event(
        DocumentReady()
    )  # a repeated (or crafted) event changes nothing
    assert shown.panels.children == (panels,)


def test_handoff_health_is_measured_from_raw_data_beside_the_map(maps: Path) -> None:
    journey = load(maps / "acme.cjm.json")
    assert "not measured" in " ".join(measure(journey, maps / "acme.cjm.json").notes)
    for name in ("tickets.csv", "care_contacts.csv"):
        shutil.copyfile(SAMPLE_MAP.parent / name, maps / name)
    measured = measure(journey, maps / "acme.cjm.json")
    assert measured.notes == []
    assert measured.metrics.handoff_health
    assert measured.panels.select_one({"name": "handoffs"}) is not None


def test_a_maps_own_raw_data_wins_over_the_folders(maps: Path) -> None:
    acme = load(maps / "acme.cjm.json")
    evil = load(maps / "evil.cjm.json")  # another map with the same handoffs
    for name in ("tickets.csv", "care_contacts.csv"):
        shutil.copyfile(SAMPLE_MAP.parent / name, maps / f"acme.{name}")
    assert measure(acme, maps / "acme.cjm.json").metrics.handoff_health
    assert "not measured" in " ".join(measure(evil, maps / "evil.cjm.json").notes)
    # the folder's pair serves every map without its own, and the map's own still wins
    (maps / "tickets.csv").write_text("ticket_id,customer_id,opened_at,resolved_at,channel,touchpoint\n")
    (maps / "care_contacts.csv").write_text("contact_id,customer_id,ticket_id,contacted_at,kind\n")
    assert "not measured" not in " ".join(measure(evil, maps / "evil.cjm.json").notes)
    own = measure(acme, maps / "acme.cjm.json").health
    assert own is not None and own["resolved"].sum() > 0


def test_the_viewer_lists_what_needs_attention_first(maps: Path) -> None:
    for name in ("tickets.csv", "care_contacts.csv"):
        shutil.copyfile(SAMPLE_MAP.parent / name, maps / name)
    journey = load(maps / "acme.cjm.json")
    panels = measure(journey, maps / "acme.cjm.json").panels
    listed = panels.children[0]
    assert listed.name == "cjmkit-warnings"
    # the sample's weakest handoff and its bad KPIs are named, most urgent (bad) first
    assert "Needs attention" in listed.text
    assert listed.text.index("✗") < listed.text.index("!")
    assert "Follow-up within SLA after email tickets" in listed.text


def test_notebook_holds_the_same_cells_as_the_served_viewer() -> None:
    from cjmkit.serve import VIEWER_CELLS

    notebook = json.loads((Path(__file__).resolve().parent.parent / "notebooks" / "viewer.ipynb").read_text())
    code = [cell["source"] for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert [c if isinstance(c, str) else "".join(c) for c in code] == list(VIEWER_CELLS)
