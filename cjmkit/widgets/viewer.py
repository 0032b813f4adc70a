"""The live read-only map viewer: a widget for notebooks, and ``notebooks/viewer.ipynb`` for Voila.

``cjmkit serve`` shows stakeholders pages that need no kernel (:mod:`cjmkit.viewer_server`);
this widget is the same view in a notebook, or served live with
``cjmkit serve --notebook notebooks/viewer.ipynb``. What it measures and the HTML it shows
come from :mod:`cjmkit.render.measured` and :mod:`cjmkit.render.pages`, as for the published
pages.

The viewer loads a map with :func:`cjmkit.store.load` and keeps only the :class:`Journey` it
returns: it holds no ``MapSession`` and no ``Editor``, and nothing in this module opens a file
for writing. Its only interactive widget is a persona Dropdown wired to
``JourneyMapView.set_persona``, so even a crafted widget message from the browser can change
what the page shows, never a file.

Which map to show comes from the page's query string (``?map=NAME``) and is looked up ONLY
among the ``*.cjm.json`` files of the folder in ``CJMKIT_MAPS_DIR``:
:func:`cjmkit.folder.resolve_map` compares the name with the names of the maps it lists, so
``../x``, absolute paths and unknown names find nothing and get a friendly page.
"""

from __future__ import annotations

import html
import os
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as w

from cjmkit.errors import CjmError
from cjmkit.folder import list_maps, resolve_map
from cjmkit.model import Journey
from cjmkit.render.measured import Measured, measure, strip_folder
from cjmkit.render.pages import PANEL_CSS, feedback_html

MAPS_DIR_ENV = "CJMKIT_MAPS_DIR"
BOKEHJS_IN_PAGE_ENV = "CJMKIT_BOKEHJS_IN_PAGE"
"""Set by ``cjmkit serve``, whose page template loads BokehJS itself: :func:`setup` then skips it."""


# -- which map ------------------------------------------------------------------------------------


def map_name_from_query(query: str | None) -> str | None:
    """Return the ``map`` parameter of a query string (``"map=acme&x=1"`` → ``"acme"``), or None."""
    values = parse_qs(query or "", keep_blank_values=True).get("map")
    return values[0] if values else None


# -- the viewer -----------------------------------------------------------------------------------


BOKEH_COMPONENTS = ["bokeh", "bokeh-widgets"]
"""The BokehJS bundles the map needs (core, and widgets for its Divs): 1.6 MB instead of 3.9 MB
(no GL, tables or MathJax), which the browser of every visitor must parse before the map shows."""


def setup() -> None:
    """Load BokehJS into the page (from the Python package, no CDN) and import what the viewer uses.

    Call once, in the notebook's first cell: with preheated kernels this runs before anyone
    asks for a page, so visitors do not wait for it. Under ``cjmkit serve`` the page already
    has BokehJS (``$CJMKIT_BOKEHJS_IN_PAGE``), so nothing is sent.
    """
    from bokeh.io import output_notebook
    from bokeh.resources import Resources

    import cjmkit.metrics
    import cjmkit.render.panels
    import cjmkit.store  # noqa: F401

    if os.environ.get(BOKEHJS_IN_PAGE_ENV) != "1":
        output_notebook(Resources(mode="inline", components=BOKEH_COMPONENTS), hide_banner=True)


class MapViewer:
    """A read-only view of one journey: the map with a persona switcher, then the metric panels.

    The map (title, description, persona cards, emotion curve, lanes, handoffs, KPI badges) is one
    ``BokehModel``; the panels (what needs attention, KPI status, satisfaction by stage, handoff
    health) are a second one, drawn once the browser reports the map drawn (Bokeh's
    ``DocumentReady``) or when :meth:`show_panels` is called, so visitors see the map about a
    second sooner. The latest feedback is escaped HTML below them.

    Parameters
    ----------
    journey
        The map to show (the viewer never saves it).
    measured
        Its figures (:func:`measure`); None measures the map alone (no raw data).
    name
        The map's name in the served folder: the header then links its PDF and PowerPoint
        downloads (``cjmkit serve`` answers them).

    Attributes
    ----------
    widget
        The ipywidgets box to display.
    persona
        The persona Dropdown (the only input of the page); changing it changes the map.
    view
        The :class:`cjmkit.render.JourneyMapView` drawn in the page.
    panels
        The box that holds the panels once they are shown (empty before).
    """

    def __init__(self, journey: Journey, measured: Measured | None = None, name: str | None = None) -> None:
        from bokeh.events import DocumentReady
        from jupyter_bokeh.widgets import BokehModel

        from cjmkit.render import JourneyMapView

        self.measured = measured if measured is not None else measure(journey)
        self.journey = journey
        first = journey.personas[0].id if journey.personas else None
        self.view = JourneyMapView(journey, persona=first, metrics=self.measured.metrics)
        self.persona = w.Dropdown(
            options=[(p.name, p.id) for p in journey.personas],
            value=first,
            description="Persona",
            layout=w.Layout(width="320px", display="" if journey.personas else "none"),
        )
        self.persona.observe(self._on_persona, names="value")
        self.map = BokehModel(self.view.layout)
        # the browser tells the map's document when it is drawn; only then are the panels built and sent
        self.view.layout.document.on_event(DocumentReady, self._on_map_drawn)
        self.panels = w.VBox(layout=w.Layout(width="100%"))
        self.header = w.HTML(
            _title(journey.title) + PANEL_CSS + f'<div class="cjm-viewer">{header_html(journey, name)}</div>'
        )
        notes = "".join(f'<p class="cjm-muted">{html.escape(n)}</p>' for n in self.measured.notes)
        self.feedback = w.HTML(f'<div class="cjm-viewer">{notes}{feedback_html(journey)}</div>')
        self.widget = w.VBox(
            [w.HBox([self.persona, self.header]), self.map, self.panels, self.feedback],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("cjm-viewer-root")

    def show_panels(self) -> None:
        """Draw the metric panels below the map (once; later calls do nothing)."""
        if self.panels.children:
            return
        from jupyter_bokeh.widgets import BokehModel

        try:
            drawn = self.measured.panels
            self.panels.children = [BokehModel(drawn)] if drawn is not None else [w.HTML("")]
        except Exception:  # the map is already shown: say the panels are missing, no traceback
            _log_exception()
            self.panels.children = [
                w.HTML('<div class="cjm-viewer"><p class="cjm-muted">The panels cannot be shown.</p></div>')
            ]

    def _on_map_drawn(self, _event: Any) -> None:
        self.show_panels()

    def _on_persona(self, change: Mapping[str, Any]) -> None:
        # only ids of the map's personas reach the view; anything else a browser sends is ignored
        if isinstance(change["new"], str) and self.journey.persona(change["new"]) is not None:
            self.view.set_persona(change["new"])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def from_request(folder: str | os.PathLike[str] | None = None, query: str | None = None) -> w.Widget:
    """Return the widget for this page request: a map, the list of maps, or a friendly message.

    Parameters
    ----------
    folder
        The folder of maps; by default ``$CJMKIT_MAPS_DIR``.
    query
        The query string; by default the one Voila gives the kernel.

    Never raises: a problem becomes a sentence on the page (details go to the server's log).
    """
    try:
        folder = folder if folder is not None else os.environ.get(MAPS_DIR_ENV, "")
        if not folder or not Path(folder).is_dir():
            return message_page("No maps here", "This server has no folder of maps to show.")
        if query is None:
            query = _request_query()
        name = map_name_from_query(query)
        if name is None:
            return index_page(folder)
        path = resolve_map(folder, name)
        if path is None:
            return message_page(
                "No such map",
                f"There is no map called “{_short(name)}” here.",
                back=True,
            )
        return _viewer_for(path, name)
    except Exception:  # the page must never show a traceback
        _log_exception()
        return message_page("Something went wrong", "This page cannot be shown right now.", back=True)


def _viewer_for(path: Path, name: str) -> w.Widget:
    from cjmkit.store import load

    try:
        journey = load(path)
    except CjmError as error:
        return message_page("This map cannot be shown", strip_folder(str(error), path.parent), back=True)
    try:
        return MapViewer(journey, measure(journey, path), name=name).widget
    except Exception:
        _log_exception()
        return message_page(
            "This map cannot be shown", f"The map “{_short(name)}” could not be drawn.", back=True
        )


def _request_query() -> str:
    from cjmkit.widgets.voila_request import query_string

    return query_string()


def _log_exception() -> None:
    # to the kernel's real stderr (the server's log), not to the cell output the page shows
    traceback.print_exc(file=sys.__stderr__)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- pages made of HTML ---------------------------------------------------------------------------


def message_page(title: str, sentence: str, back: bool = False) -> w.HTML:
    """Return a friendly page: a heading, one sentence, and a link to the list of maps."""
    link = '<p><a href="?">See all maps</a></p>' if back else ""
    return w.HTML(
        _title(title) + PANEL_CSS + f'<div class="cjm-viewer cjm-message"><h1>{html.escape(title)}</h1>'
        f"<p>{html.escape(sentence)}</p>{link}</div>"
    )


def index_page(folder: str | os.PathLike[str]) -> w.HTML:
    """Return the list of the folder's maps as links (``?map=NAME``)."""
    from cjmkit.store import load

    rows = []
    for name, path in list_maps(folder).items():
        try:
            journey = load(path)
            title, detail = journey.title, f"updated {journey.updated:%Y-%m-%d}"
        except CjmError:
            title, detail = name, "cannot be read"
        href = "?" + html.escape(f"map={_quote(name)}", quote=True)
        rows.append(
            f'<li><a href="{href}">{html.escape(title)}</a> '
            f'<span class="cjm-muted">({html.escape(name)}, {html.escape(detail)})</span></li>'
        )
    items = "".join(rows) or "<li>No maps in this folder yet.</li>"
    return w.HTML(
        _title("Journey maps")
        + PANEL_CSS
        + f'<div class="cjm-viewer cjm-index"><h1>Journey maps</h1><ul>{items}</ul></div>'
    )


def _title(text: str) -> str:
    # the page's <head> has no title (see the cjmkit Voila template): this one becomes it
    return f"<title>{html.escape(_short(text))} · cjmkit</title>"


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def header_html(journey: Journey, name: str | None = None) -> str:
    """The header of a map's page.

    The map's revision and last update, a link to the list of maps (the map shows the title),
    and, given the map's ``name``, links to download it as PDF and PowerPoint
    (:mod:`cjmkit.downloads`).
    """
    downloads = ""
    if name is not None:
        from cjmkit.downloads import download_links

        links = " · ".join(
            f'<a href="{html.escape(href, quote=True)}" download>{html.escape(label)}</a>'
            for label, href in download_links(name)
        )
        downloads = f" · Download: {links}"
    return (
        f'<span class="cjm-muted">Revision {journey.revision}, updated {journey.updated:%Y-%m-%d %H:%M} UTC · '
        f'<a href="?">all maps</a>{downloads}</span>'
    )
