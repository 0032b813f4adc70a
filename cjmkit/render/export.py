"""Export a map as a self-contained HTML page (works offline, from file://) or a PNG picture.

The HTML carries BokehJS inline (``bokeh.resources.INLINE``): it asks no other host for
anything. The PNG is a screenshot of that page taken by headless Chromium.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bokeh.embed import file_html
from bokeh.models import LayoutDOM
from bokeh.resources import INLINE, Resources

from cjmkit.atomic import write_atomic
from cjmkit.errors import CjmError, StorageError
from cjmkit.render.escape import no_math
from cjmkit.render.outline import Outline

T = TypeVar("T")

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]

PAGE_CSS = """
body { margin: 12px 16px; background: #ffffff; color: #1f2933; }
.cjm-sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }
.cjm-skip { position: absolute; left: -10000px; top: 0; }
.cjm-skip:focus { position: static; display: inline-block; margin: 0 0 8px 0; padding: 6px 10px;
  background: #1f3a5f; color: #ffffff; font: 15px system-ui, Arial, sans-serif; }
:focus-visible { outline: 3px solid #1f3a5f; outline-offset: 2px; }
.cjm-top p { margin: 2px 0; } .cjm-top .cjm-muted { color: #52606d; }
.cjm-top { font: 14px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f2933; }
.cjm-top a, .cjm-words a, .cjm-bottom a { color: #1f5a96; }
.cjm-tools { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; margin: 6px 0 4px 0;
  font: 15px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.cjm-switch, .cjm-download { font: inherit; padding: 6px 14px; border: 2px solid #1f3a5f; background: #ffffff;
  color: #1f3a5f; border-radius: 6px; cursor: pointer; text-decoration: none; }
.cjm-switch[aria-pressed="true"] { background: #1f3a5f; color: #ffffff; }
body.cjm-table-view .cjm-picture { display: none; }
@media print { .cjm-tools, .cjm-skip { display: none; } }
"""
"""Styles of every exported page: landmarks, the table-view switch, visible focus."""

_SWITCH_JS = """<script>
(function () {
  var button = document.getElementById("cjm-switch");
  var words = document.getElementById("cjm-words");
  if (!button || !words) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var on = document.body.classList.toggle("cjm-table-view");
    button.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) words.focus();
  });
})();
</script>"""

VIEW_SWITCH = "cjm-view"
"""The name of a map's "As drawn" / "As measured" buttons (:class:`~cjmkit.render.JourneyMapView`)."""

_VIEW_JS = """<script>
// the page's own "As measured" button (outside the picture, which is one image to a screen reader)
// switches every map of the page through its Bokeh buttons, whose callback shows the layer
(function () {
  var button = document.getElementById("cjm-view-switch");
  if (!button || !window.Bokeh) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    for (const doc of Bokeh.documents) {
      for (const model of doc.all_models) { if (model.name === "cjm-view") model.active = on ? 1 : 0; }
    }
  });
})();
</script>"""

_KEYS_JS = """<script>
// Bokeh's tabs (the persona switcher) take focus but not keys: Enter and Space choose a tab
document.addEventListener("keydown", function (event) {
  var target = event.composedPath()[0];
  if ((event.key === "Enter" || event.key === " ") && target && target.classList
      && target.classList.contains("bk-tab")) {
    event.preventDefault();
    target.click();
  }
}, true);
</script>"""

_PAGE_TEMPLATE = """
{% block postamble %}<style>{{ page_css }}{{ words_css }}</style>{{ head }}{% endblock %}
{% block contents %}
{% if words %}<a class="cjm-skip" href="#cjm-words">Skip to the map in words</a>{% endif %}
<header class="cjm-top">{{ top }}</header>
<main>
<h1 class="cjm-sr">{{ title | e }}</h1>
{% if words or tools or view_switch %}<div class="cjm-tools">
{{ view_switch }}
{% if words %}<button type="button" class="cjm-switch" id="cjm-switch" aria-pressed="false" aria-controls="cjm-picture cjm-words" hidden>Table view</button>{% endif %}
{{ tools }}</div>{% endif %}
<div class="cjm-picture" id="cjm-picture" role="img" aria-label="{{ label | e }}"{% if words %} aria-describedby="cjm-summary"{% endif %}>
{% for root in roots %}<div class="cjm-root">{{ embed(root) }}</div>
{% endfor %}
</div>
{{ words }}
<div class="cjm-bottom">{{ bottom }}</div>
</main>
{% if words %}{{ switch_js }}{% endif %}{{ view_js }}{{ keys_js }}
{% endblock %}
"""


def _root(layout_or_view: Any) -> LayoutDOM:
    root = getattr(layout_or_view, "layout", layout_or_view)
    if not isinstance(root, LayoutDOM):
        raise CjmError(f"cannot export a {type(layout_or_view).__name__}: give a journey map or its view")
    return root


def html_page(
    layout_or_view: Any,
    title: str = "Journey map",
    *,
    words: Outline | None = None,
    top: str = "",
    bottom: str = "",
    tools: str = "",
    head: str = "",
    resources: Resources | None = None,
) -> str:
    """Return the map as one accessible HTML page, self-contained (BokehJS inline) unless ``resources`` says otherwise.

    The page has landmarks (header, main), a heading, the picture named for screen readers
    (``role="img"``, its label pointing at the table) and, when the map is known, its text
    alternative (:func:`cjmkit.render.words.words_html`) with a "Table view" switch and a skip
    link for keyboard users.

    Parameters
    ----------
    layout_or_view
        A Bokeh layout, a :class:`JourneyMapView`, or a list of them (drawn one below the other).
    title
        The page title (escaped).
    words
        The map in words; by default the outline of the view's journey (none for a bare layout).
    top, bottom, tools, head
        Trusted HTML (escape user text first) for the header, under the text alternative,
        beside the switch (e.g. download links), and at the end of ``<head>`` (styles).
    resources
        A ``bokeh.resources.Resources`` for BokehJS; None puts it inline. ``cjmkit serve``
        passes one that loads it from the server (cached by browsers between pages).
    """
    from bokeh.core.templates import get_env

    from cjmkit.render.outline import outline
    from cjmkit.render.words import WORDS_CSS, picture_label, words_html

    if words is None and getattr(layout_or_view, "journey", None) is not None:
        words = outline(layout_or_view.journey, layout_or_view.metrics)
    items = layout_or_view if isinstance(layout_or_view, (list, tuple)) else [layout_or_view]
    roots = [_root(item) for item in items]
    # a map's Bokeh buttons would be controls inside the picture (role="img"): the page has its own
    switches = [m for root in roots for m in root.select({"name": VIEW_SWITCH}) if m.visible]
    pressed = "true" if any(m.active == 1 for m in switches) else "false"
    view_switch = (
        f'<button type="button" class="cjm-switch" id="cjm-view-switch" aria-pressed="{pressed}" '
        'aria-controls="cjm-picture" hidden>As measured</button>'
        if switches
        else ""
    )
    template = get_env().from_string("{% extends base %}\n{% from macros import embed %}\n" + _PAGE_TEMPLATE)
    variables = {
        "page_css": PAGE_CSS,
        "words_css": WORDS_CSS if words is not None else "",
        "words": words_html(words) if words is not None else "",
        "label": picture_label(words) if words is not None else f"Journey map: {title}",
        "top": top,
        "bottom": bottom,
        "tools": tools,
        "head": head,
        "switch_js": _SWITCH_JS,
        "keys_js": _KEYS_JS,
        "view_switch": view_switch,
        "view_js": _VIEW_JS if switches else "",
    }
    # file_html puts the title in <title> through an autoescaping template. Its warning that
    # Python callbacks (the view's on_select) do nothing in a static page is expected here.
    log = logging.getLogger("bokeh.embed.util")
    level = log.level
    log.setLevel(logging.ERROR)
    for switch in switches:
        switch.visible = False
    try:
        return file_html(
            roots,
            resources=resources or INLINE,
            title=no_math(title),
            template=template,
            template_variables=variables,
        )
    finally:
        log.setLevel(level)
        for switch in switches:
            switch.visible = True


def save_html(layout_or_view: Any, path: str | os.PathLike[str], title: str = "Journey map") -> Path:
    """Write the map as a self-contained HTML file that works offline and from ``file://``.

    Parameters
    ----------
    layout_or_view
        What :func:`journey_map` returns, or a :class:`JourneyMapView`.
    path
        The HTML file to write (replaced atomically).
    title
        The page title.

    Raises
    ------
    CjmError
        When the file cannot be written.
    """
    return write_file(path, html_page(layout_or_view, title).encode("utf-8"), "HTML")


def in_own_thread(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own and return what it returns (or raise what it raises).

    Playwright's sync API refuses to run in a thread where an asyncio loop is running, which is
    where a Jupyter kernel or Voila runs a button's callback (the board's Export tab).
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cjmkit-chromium") as pool:
        return pool.submit(work).result()


def chromium_for(what: str) -> str:
    """Return the Chromium to make a ``what`` (``"PNG"``, ``"PDF"``) with, or raise the sentence saying how to get one."""
    browser = find_chromium()
    if browser is None:
        raise CjmError(
            f"cannot make a {what}: no Chromium found (install it, e.g. apt-get install chromium, "
            "or set CJMKIT_CHROMIUM to its path)"
        )
    return browser


def write_file(path: str | os.PathLike[str], data: bytes, what: str) -> Path:
    """Write an export atomically (:func:`cjmkit.atomic.write_atomic`).

    A failure is one sentence naming the file (``what``: ``"PNG"``, ...).
    """
    try:
        return write_atomic(path, data)
    except StorageError as error:
        raise StorageError(f"the {what} file was not written: {error}") from None


def find_chromium() -> str | None:
    """Return the path of a Chromium/Chrome to take screenshots with, or None."""
    override = os.environ.get("CJMKIT_CHROMIUM")
    if override:
        return override if os.path.exists(override) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium") or shutil.which("google-chrome")


def save_png(
    layout_or_view: Any,
    path: str | os.PathLike[str],
    title: str = "Journey map",
    *,
    width: int = 1320,
    scale: float = 1.0,
    timeout: float = 60.0,
) -> Path:
    """Render the map to a PNG picture through headless Chromium.

    Parameters
    ----------
    layout_or_view
        What :func:`journey_map` returns, or a :class:`JourneyMapView`.
    path
        The PNG file to write.
    width
        Browser window width in CSS pixels (the picture is as tall as the map).
    scale
        Device pixel ratio (2 for a sharper, larger picture).

    Raises
    ------
    CjmError
        When no Chromium is installed or the page cannot be rendered.
    """
    browser = chromium_for("PNG")
    with tempfile.TemporaryDirectory(prefix="cjmkit-png-") as folder:
        page = Path(folder) / "map.html"
        root = _root(layout_or_view)  # the picture only: no text alternative below it
        save_html(root, page, title)
        try:
            png = in_own_thread(lambda: _screenshot_playwright(browser, page, width, scale, timeout))
        except ImportError:
            png = _screenshot_cli(browser, page, width, _height(root), timeout)
    return write_file(path, png, "PNG")


_READY = "() => window.Bokeh && Bokeh.index && Object.keys(Bokeh.index).length > 0"
_PAINTED = """() => document.readyState === 'complete'
    && Object.values(Bokeh.index).every(view => view.has_finished())"""


def _screenshot_playwright(browser: str, page_path: Path, width: int, scale: float, timeout: float) -> bytes:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=browser, args=CHROMIUM_ARGS)
            try:
                context = chromium.new_context(
                    viewport={"width": width, "height": 800}, device_scale_factor=scale
                )
                page = context.new_page()
                page.goto(page_path.as_uri())
                page.wait_for_function(_READY, timeout=timeout * 1000)
                page.wait_for_function(_PAINTED, timeout=timeout * 1000)
                root = page.locator(".bk-Column").first
                if root.count():
                    return root.screenshot(timeout=timeout * 1000)
                return page.screenshot(full_page=True, timeout=timeout * 1000)
            finally:
                chromium.close()
    except PlaywrightError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CjmError(f"cannot make a PNG: Chromium failed ({first})") from None


def _height(root: LayoutDOM) -> int:
    """About how tall the page of ``root`` is: its plots' heights and room for its text blocks."""
    from bokeh.models import Plot

    plots = [model for model in root.references() if isinstance(model, Plot)]
    height = sum((plot.frame_height or plot.height or 600) + 40 for plot in plots)
    return max(800, height + 900)


def _screenshot_cli(browser: str, page_path: Path, width: int, height: int, timeout: float) -> bytes:
    # Chromium's --screenshot takes the window, not the page: the window is made as tall as the map
    # (a fixed 2,400 px used to cut tall maps off)
    out = page_path.with_suffix(".png")
    flags = ["--hide-scrollbars", f"--window-size={width},{height}", "--virtual-time-budget=5000"]
    return run_headless(browser, page_path, [*flags, f"--screenshot={out}"], out, "PNG", timeout)


def run_headless(browser: str, page: Path, flags: list[str], out: Path, what: str, timeout: float) -> bytes:
    """Run Chromium's own headless mode on ``page`` with ``flags`` and return the file it writes to ``out``.

    The fallback when Playwright is not installed (it is a test dependency, not a runtime one).
    """
    command = [browser, "--headless", *CHROMIUM_ARGS, *flags, page.as_uri()]
    try:
        subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CjmError(f"cannot make a {what}: Chromium failed ({error})") from None
    if not out.exists() or out.stat().st_size == 0:
        raise CjmError(f"cannot make a {what}: Chromium wrote no file")
    return out.read_bytes()
