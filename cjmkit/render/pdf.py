"""Print a map to PDF with headless Chromium: an A3 poster and an A4 handout.

Both are HTML pages printed by the same system Chromium that takes PNG pictures (print
backgrounds on, the CSS ``@page`` size honoured), so nothing is downloaded and every word is real,
extractable text:

- :func:`save_poster`: A3 landscape. The map is drawn as SVG (Bokeh's ``svg`` backend: vector
  shapes and real text) at the width that lets it fill the page, then scaled to fit one page;
  a map too tall to stay readable on one page (scale below :data:`MIN_POSTER_SCALE`) runs on over
  more pages instead of being cut. "The map in words" follows on its own pages, so every stage
  and touchpoint name is in the PDF in full, even when the picture had to shorten it.
- :func:`save_handout`: A4 portrait, a cover (summary, personas, KPIs, handoffs), then one
  stage per page with its touchpoints, feelings, pain points, ideas, KPIs and handoffs as text.
  A long stage runs on over more pages.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cjmkit.errors import CjmError
from cjmkit.figures import MapMetrics
from cjmkit.model import Journey
from cjmkit.render.export import CHROMIUM_ARGS, chromium_for, in_own_thread, run_headless, write_file
from cjmkit.render.outline import Outline, StageLine, outline
from cjmkit.render.words import WORDS_CSS, e, handoff_table, kpi_table, touchpoint_html

PX_PER_MM = 96 / 25.4
A3_LANDSCAPE_MM = (420, 297)
POSTER_MARGIN_MM = 8
MIN_POSTER_SCALE = 0.5
"""Below this scale the map's 12 px labels print under 4.5 pt: the map runs on over more pages instead."""
POSTER_WIDTHS = (1200, 1500, 1800, 2100, 2400)
"""Widths (px) the poster's map may be drawn at: the one that fills the page best is used."""
_TITLE_PX = 200  # the poster's title, summary and legend above the figure, about
_SPARE_PX = 60  # room left on each page, so that rounding never spills a sliver onto a blank page

_READY_JS = """<script>
(function () {
  // once Bokeh has drawn, drop the invisible stroke copy Bokeh's SVG backend writes of every text
  // (it would double every word of the PDF), then tell the printer the page is ready
  function clean(root) {
    root.querySelectorAll('text[fill="none"][stroke-opacity="0"]').forEach(function (t) { t.remove(); });
    root.querySelectorAll("*").forEach(function (el) { if (el.shadowRoot) clean(el.shadowRoot); });
  }
  var tries = 0;
  var timer = setInterval(function () {
    var views = window.Bokeh && Bokeh.index ? Object.values(Bokeh.index) : [];
    var drawn = views.length > 0 && views.every(function (v) { return v.has_finished(); });
    if (drawn || ++tries > 400) {
      clearInterval(timer);
      clean(document);
      document.documentElement.setAttribute("data-cjm-ready", "1");
    }
  }, 50);
})();
</script>"""

_PRINT_CSS = """
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f2933; }
.cjm-words { max-width: none; }
.cjm-words table { page-break-inside: auto; }
.cjm-words tr, .cjm-words li { break-inside: avoid; }
"""


def save_poster(
    journey: Journey,
    path: str | os.PathLike[str],
    *,
    metrics: MapMetrics | Mapping[str, Any] | None = None,
    persona: str | None = None,
    title: str | None = None,
    timeout: float = 120.0,
) -> Path:
    """Print the map as an A3 landscape poster PDF (the whole map on one page when it stays readable).

    Parameters
    ----------
    journey
        The map.
    path
        The PDF to write (replaced atomically; nothing is written when printing fails).
    metrics
        Measured KPI status and handoff health, as for :func:`cjmkit.render.journey_map`.
    persona
        Draw this persona's emotion curve (None: every persona's).
    title
        The poster's title (default: the map's).

    Raises
    ------
    CjmError
        When no Chromium is installed, the persona is unknown, or printing fails.
    """

    def build(can_scale: bool) -> tuple[str, float]:
        width, scale = poster_size(journey, persona, metrics) if can_scale else (POSTER_WIDTHS[0], 1.0)
        page = poster_html(journey, metrics=metrics, persona=persona, title=title, width=width, scale=scale)
        return page, scale

    return _print(build, path, timeout)


def save_handout(
    journey: Journey,
    path: str | os.PathLike[str],
    *,
    metrics: MapMetrics | Mapping[str, Any] | None = None,
    title: str | None = None,
    timeout: float = 120.0,
) -> Path:
    """Print the map as an A4 handout PDF: a cover, then one stage per page, all as text.

    Raises
    ------
    CjmError
        When no Chromium is installed or printing fails.
    """
    page = handout_html(outline(journey, metrics), title=title)
    return _print(lambda _can_scale: (page, 1.0), path, timeout)


# -- the pages --------------------------------------------------------------------------------------


def poster_size(journey: Journey, persona: str | None, metrics: Any) -> tuple[int, float]:
    """The width to draw the map at and the scale that fits it on the A3 page (see :data:`MIN_POSTER_SCALE`)."""
    from cjmkit.figures import as_map_metrics
    from cjmkit.render.layout import map_data

    figures = as_map_metrics(metrics)
    room_w, room_h = ((side - 2 * POSTER_MARGIN_MM) * PX_PER_MM for side in A3_LANDSCAPE_MM)
    best: tuple[float, int] | None = None
    for width in POSTER_WIDTHS:
        data = map_data(journey, persona, figures, target_width=width)
        scale = min(room_w / (data.width + 8), room_h / (data.height + _TITLE_PX + _SPARE_PX))
        if best is None or scale > best[0] + 0.01:
            best = (scale, width)
    assert best is not None
    scale, width = best
    if scale < MIN_POSTER_SCALE:  # too small to read on one page: as large as readable, over more pages
        data = map_data(journey, persona, figures, target_width=POSTER_WIDTHS[0])
        width, scale = POSTER_WIDTHS[0], min(room_w / (data.width + 8), max(MIN_POSTER_SCALE, scale))
    return width, min(scale, 1.5)


def poster_html(
    journey: Journey,
    *,
    metrics: MapMetrics | Mapping[str, Any] | None = None,
    persona: str | None = None,
    title: str | None = None,
    width: int = POSTER_WIDTHS[0],
    scale: float = 1.0,
) -> str:
    """The poster as one self-contained HTML page (A3 landscape, map as SVG, then the map in words).

    ``width`` is the width the map is drawn at; ``scale`` the scale it will be printed at (the
    text pages are enlarged by as much, so that they print at their normal size).
    """
    from bokeh.layouts import column

    from cjmkit.render.export import html_page
    from cjmkit.render.journey_map import JourneyMapView

    view = JourneyMapView(journey, persona=persona, metrics=metrics, width=width)
    words = outline(journey, view.metrics)
    room_h = (A3_LANDSCAPE_MM[1] - 2 * POSTER_MARGIN_MM) * PX_PER_MM / scale
    figures = _page_slices(view, room_h - _TITLE_PX - _SPARE_PX, room_h - _SPARE_PX)
    for figure in figures:
        figure.output_backend = "svg"
    heading = e(title or journey.title)
    top = (
        f'<div class="cjm-poster-head"><div class="cjm-poster-title">{heading}</div>'
        f'<p class="cjm-poster-summary">{e(words.summary)}</p></div>'
    )
    w, h = A3_LANDSCAPE_MM
    style = (
        f"<style>@page {{ size: {w}mm {h}mm; margin: {POSTER_MARGIN_MM}mm; }}"
        f"{_PRINT_CSS}"
        ".cjm-poster-title { font-size: 28px; font-weight: bold; margin: 0 0 4px 0; }"
        ".cjm-poster-summary { font-size: 14px; margin: 0 0 6px 0; max-width: 1400px; }"
        # Bokeh is not drawn under CSS zoom: the printer scales the page, the text pages are enlarged back
        f".cjm-words {{ break-before: page; zoom: {1.25 / scale:.4f}; }}"
        ".cjm-root + .cjm-root { break-before: page; }</style>"
    )
    return html_page(
        [column(view.legend, figures[0]), *figures[1:]],
        title=title or journey.title,
        words=words,
        top=top,
        head=style,
        bottom=_READY_JS,
    )


def _page_slices(view: Any, first_room: float, room: float) -> list[Any]:
    """The map's figure, or copies of it showing one page-high band each (cut between lanes).

    A figure is printed as one block that Chromium cannot split over pages, so a map taller than a
    page is drawn as several figures (sharing the same data), each no taller than a page, cut
    where a lane ends when one does within the page, else at the page's height.
    """
    data = view.data_for()
    if data.height <= first_room:
        return [view.figure]
    lanes = data.columns["lanes"]
    ends = sorted({-(y - h / 2) for y, h in zip(lanes["y"], lanes["h"], strict=True)} | {float(data.height)})
    cuts: list[tuple[float, float]] = []
    start, limit = 0.0, first_room
    while start < data.height - 1:
        fits = [end for end in ends if start + 50 < end <= start + limit]
        stop = max(fits) if fits else min(start + limit, float(data.height))
        cuts.append((start, stop))
        start, limit = stop, room
    figures = [view.figure] + [view._build_figure(data) for _ in cuts[1:]]
    for figure, (top, bottom) in zip(figures, cuts, strict=True):
        figure.y_range.start, figure.y_range.end = -bottom, -top
        figure.frame_height = round(bottom - top)
    return figures


def handout_html(words: Outline, title: str | None = None) -> str:
    """The handout as one HTML page (A4 portrait): a cover, then one stage per page."""
    heading = e(title or words.title)
    cover = [
        f"<h1>{heading}</h1>",
        f'<p class="cjm-detail">Revision {words.revision}, updated {e(words.updated)}</p>',
    ]
    cover.append(f'<p class="cjm-summary">{e(words.summary)}</p>')
    if words.description:
        cover.append(f"<p>{e(words.description)}</p>")
    if words.personas:
        cover.append("<h2>Personas</h2><ul>")
        for p in words.personas:
            cover.append(f"<li><strong>{e(p.name)}</strong>{', ' + e(p.role) if p.role else ''}")
            if p.quote:
                cover.append(f"<br>“{e(p.quote)}”")
            cover.append("</li>")
        cover.append("</ul>")
    if words.kpis:
        cover.append(kpi_table(words.kpis))
    if words.handoffs:
        cover.append(handoff_table(words.handoffs))
    stages = [_stage_page(stage, n + 1, len(words.stages)) for n, stage in enumerate(words.stages)]
    body = f'<main class="cjm-words"><section>{"".join(cover)}</section>{"".join(stages)}</main>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{heading}</title>
<style>@page {{ size: A4; margin: 15mm; }}{WORDS_CSS}{_PRINT_CSS}
.cjm-stage {{ break-before: page; }}
.cjm-stage h2 {{ font-size: 24px; margin: 0 0 4px 0; }}
.cjm-lane {{ break-inside: avoid-page; }}
.cjm-tp {{ border-left: 4px solid #cbd2d9; padding: 2px 0 2px 10px; margin: 0 0 10px 0; break-inside: avoid; }}
</style></head>
<body>{body}
<script>document.documentElement.setAttribute("data-cjm-ready", "1");</script></body></html>
"""


def _stage_page(stage: StageLine, n: int, total: int) -> str:
    parts = [f'<section class="cjm-stage"><h2>Stage {n} of {total}: {e(stage.name)}</h2>']
    facts = [f"Phase: {stage.phase}"] if stage.phase else []
    if stage.goal:
        facts.append(f"Goal: {stage.goal}")
    if facts:
        parts.append(f'<p class="cjm-detail">{e(" · ".join(facts))}</p>')
    if not stage.touchpoints:
        parts.append("<p>No touchpoints in this stage yet.</p>")
    for lane, touchpoints in stage.cells:
        if not touchpoints:
            continue
        parts.append(
            f'<div class="cjm-lane"><h3>{e(lane.name)} <span class="cjm-detail">({e(lane.kind_label)})</span></h3>'
        )
        parts.extend(f'<div class="cjm-tp">{touchpoint_html(tp)}</div>' for tp in touchpoints)
        parts.append("</div>")
    parts.append("</section>")
    return "".join(parts)


# -- printing -------------------------------------------------------------------------------------


def _print(build: Any, path: str | os.PathLike[str], timeout: float) -> Path:
    """Print the page ``build(can_scale)`` returns (HTML and the scale to print at) to ``path``."""
    browser = chromium_for("PDF")
    with tempfile.TemporaryDirectory(prefix="cjmkit-pdf-") as folder:
        source = Path(folder) / "page.html"
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:  # Chromium's own --print-to-pdf cannot scale: the map runs over more pages
            page, _scale = build(False)
            source.write_text(page, encoding="utf-8")
            pdf = _print_cli(browser, source, timeout)
        else:
            page, scale = build(True)
            source.write_text(page, encoding="utf-8")
            pdf = in_own_thread(lambda: _print_playwright(browser, source, scale, timeout))
    return write_file(path, pdf, "PDF")


def _print_playwright(browser: str, source: Path, scale: float, timeout: float) -> bytes:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=browser, args=CHROMIUM_ARGS)
            try:
                page = chromium.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(source.as_uri())
                page.wait_for_function(
                    "() => document.documentElement.getAttribute('data-cjm-ready') === '1'",
                    timeout=timeout * 1000,
                )
                return page.pdf(print_background=True, prefer_css_page_size=True, scale=scale)
            finally:
                chromium.close()
    except PlaywrightError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CjmError(f"cannot make a PDF: Chromium failed ({first})") from None


def _print_cli(browser: str, source: Path, timeout: float) -> bytes:
    out = source.with_suffix(".pdf")
    flags = ["--no-pdf-header-footer", "--virtual-time-budget=20000", f"--print-to-pdf={out}"]
    return run_headless(browser, source, flags, out, "PDF", timeout)
