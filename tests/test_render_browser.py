"""The exported map in a real Chromium: offline, not blank, and hostile text stays text."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from support import SAMPLE_MAP, cjmkit_command, require_chromium

from cjmkit.model import Handoff, Journey, Kpi, Lane, Note, Observation, Persona, Stage, Touchpoint
from cjmkit.render import JourneyMapView, save_html
from cjmkit.render.escape import ZWSP

pytestmark = pytest.mark.browser

READY = "() => window.Bokeh && Bokeh.index && Object.keys(Bokeh.index).length > 0"
PAINTED = """() => document.readyState === 'complete' && Object.keys(Bokeh.index).length > 0
    && Object.values(Bokeh.index).every(view => view.has_finished())"""

# Every element, including those inside Bokeh's shadow roots, with an on* attribute or of a kind
# that a payload would create.
DANGEROUS_ELEMENTS = """() => {
    const found = [];
    const walk = (root) => {
        for (const el of root.querySelectorAll('*')) {
            const tag = el.tagName.toLowerCase();
            if (['img', 'iframe', 'svg', 'object', 'embed'].includes(tag)) found.push(tag);
            if (tag === 'script' && !el.closest('head') && el.type !== 'application/json'
                && el.type !== 'text/javascript' && el.textContent.includes('alert')) found.push('script');
            for (const attr of el.attributes) if (attr.name.startsWith('on')) found.push(tag + '@' + attr.name);
            if (el.shadowRoot) walk(el.shadowRoot);
        }
    };
    walk(document);
    return found;
}"""

XSS = "<img src=x onerror=alert(1)>"
MATH = "$$x$$"


def hostile_journey() -> Journey:
    return Journey(
        id="hostile",
        title=f"{MATH} <b>not bold</b> {XSS}",
        description="</script><script>alert('description')</script> \\(y\\)",
        personas=[
            Persona(
                id="p1",
                name=XSS,
                role="<script>alert('role')</script>",
                quote=MATH,
                goals=["<svg onload=alert(1)>"],
            )
        ],
        stages=[
            Stage(id="s1", name="<iframe src=javascript:alert(1)>", phase="\\[z\\]", goal=XSS),
            Stage(id="s2", name="Help $$a$$"),
        ],
        lanes=[Lane(id="l1", name=XSS, kind="support"), Lane(id="l2", name="Care", kind="care")],
        touchpoints=[
            Touchpoint(
                id="t1",
                stage="s1",
                lane="l1",
                name=XSS,
                description=f"{MATH} and <b>bold</b></script><script>alert(7)</script>",
                channel="<u>chat</u>",
                owner="$$owner$$",
                emotions={"p1": -2},
                pain_points=[Note(id="n1", text="<svg onload=alert(2)>", votes=3)],
            ),
            Touchpoint(id="t2", stage="s2", lane="l2", name="Follow-up $$b$$", emotions={"p1": 1}),
        ],
        handoffs=[Handoff(id="h1", from_touchpoint="t1", to_touchpoint="t2", sla_hours=24, trigger=XSS)],
        kpis=[
            Kpi(
                id="k1",
                name=f"{XSS} $$k$$",
                touchpoint="t1",
                target=80,
                warning=70,
                observations=[Observation(period="2026-01-01", value=50)],
            )
        ],
    )


def open_map(page, path: Path) -> list[str]:
    """Open an exported map from file:// and return every URL the page asked for."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_function(READY)
    page.wait_for_function(PAINTED)
    return requests


def test_hostile_text_executes_nothing_and_shows_literally(page, tmp_path: Path) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    view = JourneyMapView(hostile_journey())
    path = save_html(view, tmp_path / "hostile.html", title=f"{XSS} {MATH}")
    requests = open_map(page, path)

    assert page.evaluate(DANGEROUS_ELEMENTS) == []
    header = page.locator(".bk-Div").first.evaluate("el => (el.shadowRoot || el).textContent")
    header = header.replace(ZWSP, "")
    assert XSS in header and MATH in header and "<b>not bold</b>" in header
    assert "<script>alert('role')</script>" in header
    assert page.title().replace(ZWSP, "") == f"{XSS} {MATH}"
    assert page.evaluate("typeof MathJax") == "undefined"

    # hover the card: the tooltip shows the name, the description and the math as typed
    card = dict(zip(view.sources["cards"].data["tp_id"], range(99), strict=False))["t1"]
    x, y = view.sources["cards"].data["x"][card], view.sources["cards"].data["y"][card]
    canvas = page.locator(".bk-Canvas").first.bounding_box()
    page.mouse.move(canvas["x"] + x, canvas["y"] - y)
    page.locator(".bk-Tooltip").first.wait_for(state="visible")
    texts = [t.evaluate("el => (el.shadowRoot || el).textContent") for t in page.locator(".bk-Tooltip").all()]
    text = " ".join(texts)
    assert XSS in text and "<svg onload=alert(2)> (3)" in text
    assert f"{MATH} and <b>bold</b></script><script>alert(7)</script>" in text
    assert page.evaluate(DANGEROUS_ELEMENTS) == []
    assert dialogs == []
    assert all(url.startswith(("file:", "data:", "blob:")) for url in requests), requests


def sample_map() -> Path:
    if SAMPLE_MAP.exists():
        return SAMPLE_MAP
    return Path(__file__).resolve().parent.parent / "templates" / "support-to-care.cjm.json"


def test_exported_sample_map_loads_offline_and_is_not_blank(page, tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    out = tmp_path / "acme.html"
    subprocess.run(cjmkit_command("render", str(sample_map()), "--html", str(out)), check=True, timeout=120)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    requests = open_map(page, out)
    assert errors == []
    assert requests and all(url.startswith(("file:", "data:", "blob:")) for url in requests), requests
    assert page.locator(".bk-Canvas").count() >= 1

    picture = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    spread = ImageStat.Stat(picture).stddev[0]
    assert spread > 20, f"the screenshot looks blank (grey-level standard deviation {spread:.1f})"
    assert len(picture.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 50


def test_png_export_through_the_command_line(tmp_path: Path) -> None:
    require_chromium()
    from PIL import Image, ImageStat

    out = tmp_path / "map.png"
    result = subprocess.run(
        cjmkit_command("render", str(sample_map()), "--png", str(out)),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    picture = Image.open(out).convert("L")
    assert picture.width >= 1000 and picture.height >= 800
    assert ImageStat.Stat(picture).stddev[0] > 20


def test_png_export_without_a_browser_fails_in_one_sentence(tmp_path: Path) -> None:
    import os

    result = subprocess.run(
        cjmkit_command("render", str(sample_map()), "--png", str(tmp_path / "x.png")),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CJMKIT_CHROMIUM": str(tmp_path / "no-chromium")},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "cjmkit render: cannot make a PNG: no Chromium found (install it, e.g. apt-get install chromium, "
        "or set CJMKIT_CHROMIUM to its path)"
    ]
    assert not (tmp_path / "x.png").exists()
