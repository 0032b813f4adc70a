"""The read-only map viewer that ``cjmkit serve`` shows to stakeholders.

The viewer loads a map with :func:`cjmkit.store.load` and keeps only the :class:`Journey` it
returns: it holds no ``MapSession`` and no ``Editor``, and nothing in this module opens a file
for writing. Its only interactive widget is a persona Dropdown wired to
``JourneyMapView.set_persona``, so even a crafted widget message from the browser can change
what the page shows, never a file.

Which map to show comes from the page's query string (``?map=NAME``) and is looked up ONLY
among the ``*.cjm.json`` files of the folder in ``CJMKIT_MAPS_DIR``: :func:`resolve_map` compares
the name with the names of the files it lists, so ``../x``, absolute paths and unknown names
find nothing and get a friendly page.
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
from cjmkit.model import Journey

MAPS_DIR_ENV = "CJMKIT_MAPS_DIR"
SUFFIX = ".cjm.json"
FEEDBACK_SHOWN = 5
MAX_NAME = 200

_CSS = """<style>
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


def list_maps(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Return ``{name: path}`` for the ``NAME.cjm.json`` files directly inside ``folder``, by name.

    Files that resolve outside ``folder`` (symbolic links pointing elsewhere) are left out.
    """
    root = Path(folder).resolve()
    found: dict[str, Path] = {}
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return found
    for entry in entries:
        if not entry.name.endswith(SUFFIX) or entry.name.startswith("."):
            continue
        name = entry.name[: -len(SUFFIX)]
        try:
            real = entry.resolve()
        except OSError:
            continue
        if name and entry.is_file() and real.parent == root:
            found[name] = entry
    return found


def resolve_map(folder: str | os.PathLike[str], name: str) -> Path | None:
    """Return the map called ``name`` in ``folder``, or None when there is no such map.

    ``name`` is compared with the names of the files in the folder, never joined to a path,
    so no ``name`` can reach a file outside it.
    """
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        return None
    return list_maps(folder).get(name)


def map_name_from_query(query: str | None) -> str | None:
    """Return the ``map`` parameter of a query string (``"map=acme&x=1"`` → ``"acme"``), or None."""
    values = parse_qs(query or "", keep_blank_values=True).get("map")
    return values[0] if values else None


# -- the viewer -----------------------------------------------------------------------------------


def load_bokeh() -> None:
    """Load BokehJS into the page from the Python package (no CDN); call once, early."""
    from bokeh.io import output_notebook
    from bokeh.resources import INLINE

    output_notebook(INLINE, hide_banner=True)


class MapViewer:
    """A read-only view of one journey: header, personas, the map with a persona switcher, panels.

    Parameters
    ----------
    journey
        The map to show (the viewer never saves it).
    metrics
        Optional measured figures for the map (see :mod:`cjmkit.render`), e.g. KPI status.

    Attributes
    ----------
    widget
        The ipywidgets box to display.
    persona
        The persona Dropdown (the only input of the page); changing it changes the map.
    view
        The :class:`cjmkit.render.JourneyMapView` drawn in the page.
    """

    def __init__(self, journey: Journey, metrics: Any = None) -> None:
        from jupyter_bokeh.widgets import BokehModel

        from cjmkit.render import JourneyMapView

        self.journey = journey
        first = journey.personas[0].id if journey.personas else None
        self.view = JourneyMapView(journey, persona=first, metrics=metrics)
        self.persona = w.Dropdown(
            options=[(p.name, p.id) for p in journey.personas],
            value=first,
            description="Persona",
            layout=w.Layout(width="360px", display="" if journey.personas else "none"),
        )
        self.persona.observe(self._on_persona, names="value")
        self.map = BokehModel(self.view.layout)
        self.header = w.HTML(_CSS + f'<div class="cjm-viewer">{header_html(journey)}</div>')
        self.personas = w.HTML(f'<div class="cjm-viewer">{personas_html(journey)}</div>')
        self.panels = w.HTML(f'<div class="cjm-viewer">{panels_html(journey, metrics)}</div>')
        self.widget = w.VBox(
            [self.header, self.personas, self.persona, self.map, self.panels],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("cjm-viewer-root")

    def _on_persona(self, change: Mapping[str, Any]) -> None:
        if self.journey.persona(change["new"]) is not None:
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
        sentence = str(error).replace(str(path.parent) + os.sep, "").replace(str(path), path.name)
        return message_page("This map cannot be shown", sentence, back=True)
    try:
        return MapViewer(journey, metrics=map_metrics(journey)).widget
    except Exception:
        _log_exception()
        return message_page(
            "This map cannot be shown", f"The map “{_short(name)}” could not be drawn.", back=True
        )


def map_metrics(journey: Journey) -> Any:
    """Return the measured figures to show on the map (None: the map's own stand-ins)."""
    return None


def _request_query() -> str:
    try:
        from voila.utils import get_query_string

        return get_query_string() or ""
    except ImportError:
        return os.environ.get("QUERY_STRING", "")


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
        _CSS + f'<div class="cjm-viewer cjm-message"><h1>{html.escape(title)}</h1>'
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
    return w.HTML(_CSS + f'<div class="cjm-viewer cjm-index"><h1>Journey maps</h1><ul>{items}</ul></div>')


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def header_html(journey: Journey) -> str:
    """The map's title, description and last update, escaped."""
    description = f"<p>{html.escape(journey.description)}</p>" if journey.description else ""
    return (
        f"<h1>{html.escape(journey.title)}</h1>{description}"
        f'<p class="cjm-muted">Revision {journey.revision}, updated {journey.updated:%Y-%m-%d %H:%M} UTC · '
        f'<a href="?">all maps</a></p>'
    )


def personas_html(journey: Journey) -> str:
    """One card per persona: name, role, quote, goals and frustrations, escaped."""
    if not journey.personas:
        return ""
    cards = []
    for p in journey.personas:
        role = f'<div class="cjm-muted">{html.escape(p.role)}</div>' if p.role else ""
        quote = f"<blockquote>“{html.escape(p.quote)}”</blockquote>" if p.quote else ""
        goals = f"<div><b>Goals:</b> {html.escape('; '.join(p.goals))}</div>" if p.goals else ""
        pains = (
            f"<div><b>Frustrations:</b> {html.escape('; '.join(p.frustrations))}</div>"
            if p.frustrations
            else ""
        )
        cards.append(f'<div class="cjm-card"><b>{html.escape(p.name)}</b>{role}{quote}{goals}{pains}</div>')
    return f'<h2>Personas</h2><div class="cjm-cards">{"".join(cards)}</div>'


def panels_html(journey: Journey, metrics: Any = None) -> str:
    """KPI status, satisfaction by stage, handoff health and latest feedback, escaped."""
    return "".join(
        [
            kpi_status_html(journey, metrics),
            satisfaction_html(journey),
            handoffs_html(journey, metrics),
            feedback_html(journey),
        ]
    )


def kpi_status_html(journey: Journey, metrics: Any = None) -> str:
    """A table of the KPIs with their traffic light in words (not colour only)."""
    if not journey.kpis:
        return ""
    from cjmkit.render.metrics_input import as_map_metrics, simple_kpi_status

    given = as_map_metrics(metrics).kpi_status
    rows = []
    for kpi in journey.kpis:
        status = given.get(kpi.id) or simple_kpi_status(kpi)
        value = "–" if status.value is None else f"{status.value:g}{html.escape(kpi.unit)}"
        target = "–" if kpi.target is None else f"{kpi.target:g}{html.escape(kpi.unit)}"
        where = journey.touchpoint(kpi.touchpoint) if kpi.touchpoint else None
        rows.append(
            f"<tr><td>{html.escape(kpi.name)}</td><td>{html.escape(where.name if where else 'whole journey')}</td>"
            f"<td>{value}</td><td>{target}</td>"
            f'<td class="cjm-{status.status}">{html.escape(status.label or _STATUS_TEXT[status.status])}</td></tr>'
        )
    return (
        "<h2>KPI status</h2><table><tr><th>KPI</th><th>Touchpoint</th><th>Latest</th><th>Target</th>"
        f"<th>Status</th></tr>{''.join(rows)}</table>"
    )


def satisfaction_html(journey: Journey) -> str:
    """CSAT (mean, 1–5), NPS (promoters − detractors) and CES (mean, 1–7) per stage."""
    if not journey.feedback:
        return ""
    by_stage: dict[str, list[Any]] = {stage.id: [] for stage in journey.stages}
    for item in journey.feedback:
        stage = item.stage
        if stage is None and item.touchpoint:
            tp = journey.touchpoint(item.touchpoint)
            stage = tp.stage if tp else None
        if stage in by_stage:
            by_stage[stage].append(item)
    rows = []
    for stage in journey.stages:
        items = by_stage[stage.id]
        if not items:
            continue
        csat = [i.csat for i in items if i.csat is not None]
        nps = [i.nps for i in items if i.nps is not None]
        ces = [i.ces for i in items if i.ces is not None]
        nps_value = (
            f"{round(100 * (sum(n >= 9 for n in nps) - sum(n <= 6 for n in nps)) / len(nps)):+d}"
            if nps
            else "–"
        )
        rows.append(
            f"<tr><td>{html.escape(stage.name)}</td><td>{len(items)}</td>"
            f"<td>{_mean(csat)}</td><td>{nps_value}</td><td>{_mean(ces)}</td></tr>"
        )
    if not rows:
        return ""
    return (
        "<h2>Satisfaction by stage</h2><table><tr><th>Stage</th><th>Responses</th><th>CSAT (1–5)</th>"
        f"<th>NPS</th><th>CES (1–7)</th></tr>{''.join(rows)}</table>"
    )


def _mean(values: list[int]) -> str:
    return f"{sum(values) / len(values):.1f}" if values else "–"


def handoffs_html(journey: Journey, metrics: Any = None) -> str:
    """Each handoff (from → to, SLA, owners) with its health when it is measured."""
    if not journey.handoffs:
        return ""
    from cjmkit.render.metrics_input import as_map_metrics

    health = as_map_metrics(metrics).handoff_health
    rows = []
    for handoff in journey.handoffs:
        source, target = (
            journey.touchpoint(handoff.from_touchpoint),
            journey.touchpoint(handoff.to_touchpoint),
        )
        sla = f"{handoff.sla_hours:g} h" if handoff.sla_hours else "–"
        owners = " → ".join(x for x in (handoff.from_owner, handoff.to_owner) if x) or "–"
        measured = health.get(handoff.id)
        if measured is None:
            state = "not measured"
        elif measured.label:
            state = measured.label
        elif measured.within_sla_share is not None:
            state = f"{measured.within_sla_share:.0%} within SLA"
        else:
            state = "weak" if measured.weak else "ok"
        css = "cjm-bad" if measured is not None and measured.weak else ""
        rows.append(
            f"<tr><td>{html.escape(source.name if source else handoff.from_touchpoint)} → "
            f"{html.escape(target.name if target else handoff.to_touchpoint)}</td>"
            f"<td>{html.escape(handoff.trigger or '–')}</td><td>{sla}</td><td>{html.escape(owners)}</td>"
            f'<td class="{css}">{html.escape(state)}{" ⚠" if css else ""}</td></tr>'
        )
    return (
        "<h2>Handoff health</h2><table><tr><th>Handoff</th><th>Trigger</th><th>SLA</th><th>Owners</th>"
        f"<th>Health</th></tr>{''.join(rows)}</table>"
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
