"""The read-only map viewer that ``cjmkit serve`` shows to stakeholders.

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
from cjmkit.store import SUFFIX

MAPS_DIR_ENV = "CJMKIT_MAPS_DIR"
BOKEHJS_IN_PAGE_ENV = "CJMKIT_BOKEHJS_IN_PAGE"
"""Set by ``cjmkit serve``, whose page template loads BokehJS itself: :func:`setup` then skips it."""
FEEDBACK_SHOWN = 5

PANEL_CSS = """<style>
.cjm-viewer { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; }
.cjm-viewer h1 { font-size: 28px; margin: 4px 0 4px 0; }
.cjm-viewer h2 { font-size: 19px; margin: 18px 0 6px 0; }
.cjm-viewer .cjm-muted { color: #52606d; }
.cjm-viewer table { border-collapse: collapse; font-size: 14px; }
.cjm-viewer th, .cjm-viewer td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #e4e7eb; }
.cjm-viewer .cjm-cards { display: flex; flex-wrap: wrap; gap: 12px; }
.cjm-viewer .cjm-card { border: 1px solid #cbd2d9; border-radius: 8px; padding: 8px 12px; max-width: 320px; }
.cjm-viewer .cjm-ok { color: #1b6e3a; } .cjm-viewer .cjm-warning { color: #8a5a00; }
.cjm-viewer .cjm-bad { color: #b3261e; } .cjm-viewer .cjm-none { color: #52606d; }
.cjm-viewer blockquote { margin: 4px 0 10px 0; padding-left: 10px; border-left: 3px solid #cbd2d9; }
</style>"""

_STATUS_TEXT = {
    "ok": "● on target",
    "warning": "▲ warning",
    "bad": "■ off target",
    "none": "○ no target/data",
}


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


class Measured:
    """What the viewer shows beside the map.

    The figures the map itself needs (KPI status, handoff health) are computed at once; the panels
    are drawn the first time :attr:`panels` is read, so the viewer can send the map first.

    Attributes
    ----------
    metrics
        KPI status and handoff health for the map (the ``metrics`` of ``JourneyMapView``).
    notes
        Plain sentences on what could not be measured, shown under the panels.
    """

    def __init__(
        self,
        journey: Journey,
        status: Any = None,
        health: Any = None,
        metrics: dict[str, Any] | None = None,
        notes: list[str] | None = None,
        survey: Any = None,
    ) -> None:
        self.journey = journey
        self.status = status
        self.health = health
        self.survey = survey
        self.metrics = metrics
        self.notes = notes if notes is not None else []
        self._panels: Any = None
        self._drawn = False

    @property
    def panels(self) -> Any:
        """Bokeh panels: what needs attention, KPI status, satisfaction by stage, handoff health (when measured)."""
        if not self._drawn:
            self._panels = _draw_panels(self.journey, self.status, self.health, self.survey)
            self._drawn = True
        return self._panels


def measure(
    journey: Journey, folder: str | os.PathLike[str] | None = None, name: str | None = None
) -> Measured:
    """Compute the map's figures with :mod:`cjmkit.metrics`; its panels are drawn on first use.

    Handoff health is measured from the ticket and care-contact exports in ``folder``: the
    map's own ``NAME.tickets.csv`` and ``NAME.care_contacts.csv`` when ``name`` is given and
    they are there, else the folder's ``tickets.csv`` and ``care_contacts.csv``
    (:func:`cjmkit.metrics.handoff_data_files`). Satisfaction by stage comes from the map's own
    ``NAME.survey.csv`` when there is one (``cjmkit data survey``), else from its feedback. A file
    that cannot be read is reported in ``notes``, never raised.
    """
    from cjmkit import metrics as m
    from cjmkit.metrics.exports import survey_file

    notes: list[str] = []
    status = m.kpi_status(journey)
    health = None
    survey = None
    answers = survey_file(Path(folder) / f"{name}{SUFFIX}") if folder is not None and name else None
    if answers is not None:
        try:
            survey = m.read_survey(answers)
        except CjmError as error:
            notes.append(f"Survey answers are not shown: {strip_folder(str(error), Path(folder))}")
    if folder is not None and journey.handoffs:
        found = m.handoff_data_files(Path(folder) / f"{name or ''}{SUFFIX}")
        if found is not None:
            try:
                health = m.handoff_health(
                    journey, m.read_tickets(found[0]), m.read_care_contacts(found[1]), survey
                )
            except CjmError as error:
                notes.append(f"Handoff health is not shown: {strip_folder(str(error), Path(folder))}")
            except Exception:  # odd raw data must not cost the visitor the map
                _log_exception()
                notes.append("Handoff health is not shown: the ticket data could not be read.")
        else:
            notes.append(
                f"Handoff health is not measured: no {m.TICKETS_FILE} and {m.CONTACTS_FILE} beside the map."
            )
    return Measured(
        journey,
        status=status,
        health=health,
        metrics=m.map_metrics(journey, status=status, handoffs=health),
        notes=notes,
        survey=survey,
    )


def _draw_panels(journey: Journey, status: Any, health: Any, survey: Any = None) -> Any:
    from bokeh.layouts import column

    from cjmkit import metrics as m
    from cjmkit.render import panels as p

    if survey is not None:
        stages = m.stage_scores(survey, journey)
    else:
        stages = m.stage_scores(m.feedback_frame(journey), journey) if journey.feedback else None
    listed = m.warnings(journey, handoffs=health, stages=stages, status=status)
    parts = [p.warnings_panel(listed)]
    if journey.kpis:
        parts.append(p.kpi_panel(journey, status))
    if stages is not None:
        parts.append(p.satisfaction_panel(stages))
    if health is not None and len(health):
        parts.append(p.handoff_panel(health))
    return column(*parts, name="cjm-panels")


def strip_folder(sentence: str, folder: Path) -> str:
    # viewers need the file's name, not where the server keeps it
    for prefix in {str(folder) + os.sep, str(folder.resolve()) + os.sep}:
        sentence = sentence.replace(prefix, "")
    return sentence


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
        return MapViewer(journey, measure(journey, path.parent, name), name=name).widget
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
    """The map's revision and last update, a link to the list of maps (the map shows the title),
    and, given the map's ``name``, links to download it as PDF and PowerPoint (:mod:`cjmkit.downloads`)."""
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


def feedback_html(journey: Journey, count: int = FEEDBACK_SHOWN) -> str:
    """The latest verbatims (newest first), escaped."""
    items = [item for item in journey.feedback if item.comment.strip()]
    items.sort(key=lambda item: (item.received is not None, item.received), reverse=True)
    if not items:
        return ""
    quotes = []
    for item in items[:count]:
        where = journey.touchpoint(item.touchpoint) if item.touchpoint else None
        stage = journey.stage(item.stage) if item.stage else None
        persona = journey.persona(item.persona) if item.persona else None
        bits = [
            item.received.isoformat() if item.received else "",
            where.name if where else (stage.name if stage else ""),
            persona.name if persona else "",
            f"CSAT {item.csat}" if item.csat is not None else "",
        ]
        meta = " · ".join(b for b in bits if b)
        quotes.append(
            f"<blockquote>“{html.escape(item.comment)}”<br>"
            f'<span class="cjm-muted">{html.escape(meta)}</span></blockquote>'
        )
    return f"<h2>Latest feedback</h2>{''.join(quotes)}"
