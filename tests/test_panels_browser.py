"""The metric panels in a real Chromium: in a static page and in Voila, offline, hostile text as text."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from support import SAMPLE_MAP, free_port, running_server

from cjmkit import store
from cjmkit.metrics import warnings
from cjmkit.render import save_html
from cjmkit.render.panels import metrics_dashboard

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
PAINTED = """() => window.Bokeh && Object.keys(Bokeh.index).length > 0
    && Object.values(Bokeh.index).every(view => view.has_finished())"""


def hostile_map(tmp_path: Path) -> Path:
    journey = store.load(SAMPLE_MAP)
    journey.kpis[0].name = f"{XSS} CSAT"
    path = tmp_path / "hostile.cjm.json"
    store.save(journey, path, force=True)
    return path


def test_static_page_draws_the_panels_offline(tmp_path, page):
    journey = store.load(hostile_map(tmp_path))
    html = save_html(metrics_dashboard(journey, listed=warnings(journey)), tmp_path / "panels.html", "Panels")
    outside: list[str] = []
    page.on(
        "request",
        lambda request: outside.append(request.url) if not request.url.startswith("file:") else None,
    )
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page.goto(html.as_uri())
    page.wait_for_function(PAINTED, timeout=60_000)
    assert page.locator(".bk-Canvas").count() >= 1
    assert page.get_by_text("Needs attention").count() == 1
    assert page.get_by_text(f"{XSS} CSAT", exact=False).count() >= 1  # shown as text in the list
    assert not alerts and not outside


def test_voila_shows_the_panels(tmp_path, page):
    hostile_map(tmp_path)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from bokeh.io import show\n"
            "from jupyter_bokeh.widgets import BokehModel\n"
            "from cjmkit import store\n"
            "from cjmkit.metrics import warnings\n"
            "from cjmkit.render.panels import kpi_panel, warnings_panel\n"
            "from cjmkit.widgets import load_bokeh\n"
            "load_bokeh()\n"
            "journey = store.load('hostile.cjm.json')"
        ),
        nbformat.v4.new_code_cell("show(kpi_panel(journey))"),
        nbformat.v4.new_code_cell("BokehModel(warnings_panel(warnings(journey)))"),
    ]
    nbformat.write(notebook, tmp_path / "panels.ipynb")
    port = free_port()
    command = [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
               "--Voila.port_retries=0", "panels.ipynb"]  # fmt: skip
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    with running_server(command, port, cwd=tmp_path) as base:
        page.goto(base + "/", timeout=120_000)
        page.get_by_text("Needs attention").wait_for(timeout=120_000)
        page.wait_for_function(PAINTED, timeout=60_000)
        assert page.locator(".bk-Canvas").count() >= 1
        assert page.get_by_text("Bad", exact=False).count() >= 1
    assert not alerts
