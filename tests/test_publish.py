"""``cjmkit publish``: a static site that works from file:// with no network at all."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support import SAMPLE_MAP, cjmkit_command

from cjmkit.publish import kpi_summary, publish
from cjmkit.render import map_data
from cjmkit.store import load, save

EVIL = "<img src=x onerror=alert(1)>"
PAINTED = """() => window.Bokeh && Object.keys(Bokeh.index).length > 0
    && Object.values(Bokeh.index).every(view => view.has_finished())"""
ACTIVE_TAB = """() => {
    for (const view of Object.values(Bokeh.index)) {
        const tabs = view.model.document.get_model_by_name('cjm-personas');
        if (tabs) return tabs.active;
    }
    return null;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("publish")
    maps = root / "maps"
    maps.mkdir()
    shutil.copyfile(SAMPLE_MAP, maps / "acme.cjm.json")
    evil = load(SAMPLE_MAP)
    evil.title = f"Evil {EVIL}"
    evil.personas[0].name = f"Maya {EVIL}"
    save(evil, maps / "evil.cjm.json", force=True)
    (maps / "broken.cjm.json").write_text("{", encoding="utf-8")
    result = subprocess.run(
        cjmkit_command("publish", str(maps), "--out", str(root / "site")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Wrote 2 map pages" in result.stdout and "broken.cjm.json" in result.stdout
    return maps, root / "site"


def test_site_has_an_index_and_one_page_per_readable_map(site: tuple[Path, Path]) -> None:
    maps, out = site
    assert sorted(p.name for p in out.iterdir()) == ["acme.html", "evil.html", "index.html"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o644}  # for a web server's user
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="acme.html">Acme Cloud' in index
    assert "Maya Okafor, Daniel Weber" in index
    assert kpi_summary(load(maps / "acme.cjm.json")) in index and "10 KPIs:" in index
    assert "2026-12-03" in index
    assert EVIL not in index and "Evil &lt;img src=x onerror=alert(1)&gt;" in index
    assert "broken" in index and "cannot be shown" in index and str(maps) not in index
    # the sample keeps an event log: its page (as the served viewer's) switches to the journey as measured
    assert 'id="cjm-view-switch"' in (out / "acme.html").read_text(encoding="utf-8")
    for page in ("index.html", "acme.html"):  # BokehJS inline: no script or stylesheet from elsewhere
        text = (out / page).read_text(encoding="utf-8")
        assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=[\"']?(https?:)?//", text)


def test_publish_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    from cjmkit.errors import CjmError

    with pytest.raises(CjmError, match="no such folder"):
        publish(tmp_path / "missing", tmp_path / "site")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CjmError, match="not a folder"):
        publish(tmp_path, tmp_path / "file")
    result = subprocess.run(cjmkit_command("publish", str(tmp_path / "missing"), "--out", str(tmp_path / "s")),
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 2 and "no such folder" in result.stderr and "Traceback" not in result.stderr
    empty, site = tmp_path / "empty", tmp_path / "read-only-site"
    empty.mkdir()
    site.mkdir()
    (site / "index.html").write_text("kept")
    (site / "index.html").chmod(0o444)
    with pytest.raises(CjmError, match=r"index\.html: the file is read-only"):
        publish(empty, site)
    assert (site / "index.html").read_text() == "kept" and [p.name for p in site.iterdir()] == ["index.html"]


def _hover_first_card(page, journey, persona: str) -> None:
    """Point at the top card of the visible map: its tooltip must show, with no kernel."""
    cards = map_data(journey, persona).columns["cards"]
    first = max(range(len(cards["x"])), key=lambda i: (cards["y"][i], -cards["x"][i]))
    canvas = page.locator(".bk-Canvas >> visible=true").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + cards["x"][first], box["y"] - cards["y"][first])
    tooltip = page.locator(".bk-Tooltip >> visible=true").first
    tooltip.wait_for(timeout=15_000)
    name = journey.touchpoint(cards["tp_id"][first]).name
    assert name in tooltip.evaluate("el => (el.shadowRoot || el).textContent")


@pytest.mark.browser
def test_site_works_from_file_urls_with_no_network_and_personas_switch(page, site: tuple[Path, Path]) -> None:
    maps, out = site
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((out / "index.html").as_uri())
    links = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert links == ["acme.html", "evil.html"]
    assert page.locator("img").count() == 0
    for name, title in (("acme", "Acme Cloud"), ("evil", "Evil <img")):
        page.goto((out / "index.html").as_uri())
        page.click(f'a[href="{name}.html"]')
        page.wait_for_function(PAINTED, timeout=60_000)
        assert page.title().startswith(title)
        assert page.evaluate(ACTIVE_TAB) == 0
        page.locator(".bk-tab", has_text="Daniel Weber").click()
        page.wait_for_function(f"() => ({ACTIVE_TAB})() === 1", timeout=30_000)
        _hover_first_card(page, load(maps / f"{name}.cjm.json"), "daniel")
    assert page.locator("img").count() == 0
    assert [url for url in requests if not url.startswith(("file://", "data:", "blob:"))] == []


def test_publishing_loads_no_widgets() -> None:
    """publish, serve and render --measure share one measuring function below the widgets.

    A served page links its downloads, and they are built, below the widgets too.
    """
    code = (
        "import sys, cjmkit.publish, cjmkit.viewer_server, cjmkit.downloads as d;"
        "from cjmkit.render.deliverables import build_file;"
        "assert 'PDF poster' in d.links_html('acme');"
        "print('ipywidgets' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.browser
def test_two_stages_of_the_same_name_still_draw_every_panel(page, tmp_path: Path, caplog) -> None:
    """Names are labels: ids key the axes, so a repeated name breaks nothing."""
    import logging

    journey = load(SAMPLE_MAP)
    journey.stages[1].name = journey.stages[0].name
    journey.personas[1].name = journey.personas[0].name
    maps = tmp_path / "maps"
    maps.mkdir()
    save(journey, maps / "twins.cjm.json", force=True)
    with caplog.at_level(logging.ERROR, logger="bokeh"):
        site = publish(maps, tmp_path / "site")
    assert not [r for r in caplog.records if "DUPLICATE" in r.getMessage()]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site.pages["twins"].as_uri())
    page.wait_for_function(PAINTED, timeout=60_000)
    names = page.evaluate(
        """() => { for (const view of Object.values(Bokeh.index)) {
            const source = view.model.document.get_model_by_name('satisfaction');
            if (source) return Array.from(source.data.get ? source.data.get('stage_name') : source.data.stage_name);
        } return null; }"""
    )
    assert names[0] == names[1] == journey.stages[0].name and not errors
