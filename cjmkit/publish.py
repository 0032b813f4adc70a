"""Publish a folder of maps as a static site: no server, no kernel, any number of viewers.

:func:`publish` writes ``SITE/index.html`` (title, last update, personas and KPI summary of
each map, all escaped) and one self-contained page per map, ``SITE/NAME.html``: BokehJS is
inlined (no CDN), tooltips are Bokeh's own, and persona switching is a row of Bokeh tabs, one
map per persona, so it works from ``file://`` and from any static web server. Every file is
written atomically (:func:`cjmkit.atomic.write_atomic`), readable by everyone (a static web
server usually runs as another user).
"""

from __future__ import annotations

import html
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cjmkit.atomic import write_atomic
from cjmkit.errors import CjmError, StorageError
from cjmkit.figures import STATUS_WORDS, STATUSES
from cjmkit.folder import scan_maps
from cjmkit.model import Journey
from cjmkit.render.measured import Measured, measure, strip_folder
from cjmkit.render.pages import PANEL_CSS, feedback_html
from cjmkit.store import SUFFIX

ALL_PERSONAS = "All personas"
INDEX = "index.html"
SITE_MODE = 0o644
"""Permissions of the pages written: a static web server usually runs as another user."""
TABS = "<tabs>"
"""``map_page_html(persona=TABS)``: every persona's map in one page, as tabs (the published page)."""


@dataclass
class PublishedSite:
    """What :func:`publish` wrote.

    Attributes
    ----------
    index
        The index page.
    pages
        Map name → its page.
    pdfs
        Map name → its printed poster (with ``pdf=True``).
    skipped
        One sentence per map that could not be read (it is listed, unlinked, on the index) and
        per entry of the folder that is not a map that may be read (a named pipe, a link out of
        the folder...: not listed).
    """

    index: Path
    pages: dict[str, Path] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    pdfs: dict[str, Path] = field(default_factory=dict)


def publish(
    maps_dir: str | os.PathLike[str], out: str | os.PathLike[str], *, pdf: bool = False
) -> PublishedSite:
    """Write the static site of the maps (``*.cjm.json``) of ``maps_dir`` into ``out``.

    Parameters
    ----------
    maps_dir
        The folder of maps.
    out
        The site's folder (created if need be; existing pages of the same names are replaced).
    pdf
        Also print each map's A3 poster to ``SITE/NAME.pdf`` (needs Chromium), linked from its page.

    Returns
    -------
    PublishedSite
        The paths written and the maps skipped.

    Raises
    ------
    CjmError
        When ``maps_dir`` is not a folder or ``out`` cannot be written.
    """
    from cjmkit.store import load

    folder = Path(maps_dir)
    if not folder.is_dir():
        raise CjmError(f"{folder}: no such folder of maps")
    site = Path(out)
    if site.exists() and not site.is_dir():
        raise StorageError(f"{site} exists and is not a folder: choose another --out")
    try:
        site.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"cannot create the site folder {site} ({error.strerror or error})") from None
    result = PublishedSite(index=site / INDEX)
    scan = scan_maps(folder)
    result.skipped.extend(scan.skipped)
    entries: list[tuple[str, Journey | None, str]] = []
    names = page_names(scan.maps)
    for name, path in scan.maps.items():
        try:
            journey = load(path)
        except CjmError as error:
            result.skipped.append(str(error))
            entries.append((name, None, strip_folder(str(error), folder)))
            continue
        page = site / names[name]
        measured = measure(journey, path)
        poster = page.with_suffix(".pdf") if pdf else None
        if poster is not None:
            from cjmkit.render.pdf import save_poster

            result.pdfs[name] = save_poster(journey, poster, metrics=measured.metrics)
        html_text = map_page_html(journey, measured=measured, poster=poster.name if poster else None)
        write_atomic(page, html_text, mode=SITE_MODE)
        result.pages[name] = page
        entries.append((name, journey, ""))
    index = index_html(entries, {name: quote(page, safe="") for name, page in names.items()})
    write_atomic(result.index, index, mode=SITE_MODE)
    return result


def page_names(names: Iterable[str]) -> dict[str, str]:
    """Give each map its page's file name: ``NAME.html``, never ``index.html`` nor another's name.

    Names are compared case-insensitively (a site may land on a case-insensitive disk); a map
    whose page name is taken gets ``NAME-2.html`` (``-3``...).
    """
    taken = {INDEX.casefold()}
    pages: dict[str, str] = {}
    for name in names:
        candidate, n = f"{name}.html", 2
        while candidate.casefold() in taken:
            candidate, n = f"{name}-{n}.html", n + 1
        taken.add(candidate.casefold())
        pages[name] = candidate
    return pages


def map_page_html(
    journey: Journey,
    data_dir: str | os.PathLike[str] | None = None,
    name: str | None = None,
    *,
    measured: Measured | None = None,
    poster: str | None = None,
    downloads: str = "",
    persona: str | None = TABS,
    persona_href: Callable[[str | None], str] | None = None,
    index_href: str = INDEX,
    resources: Any = None,
) -> str:
    """Return one map as an interactive page: BokehJS inline (self-contained) unless ``resources`` says otherwise.

    Parameters
    ----------
    journey
        The map.
    data_dir, name
        Where raw data for handoff health is looked for and the map's file name without
        ``.cjm.json`` (see :func:`cjmkit.render.measured.measure`); unused when ``measured`` is given.
    measured
        The map's figures, when already measured (``cjmkit serve`` measures once per revision).
    poster
        The file name of its printed poster beside the page, linked as a download.
    downloads
        More download links as trusted HTML (a served page passes :func:`cjmkit.downloads.links_html`).
    persona
        :data:`TABS` (the published page): one tab per persona (and one for all of them), all
        in the page. A persona id, or None for all personas: that one map, and links to the
        other views made by ``persona_href(persona id or None)`` (the served viewer: one map per
        page draws sooner).
    index_href
        Where "All maps" leads.
    resources
        ``bokeh.resources.Resources`` for BokehJS; None puts it inline.
    """
    from bokeh.models import TabPanel, Tabs

    from cjmkit.render import html_page, journey_map
    from cjmkit.render.outline import outline

    if measured is None:
        map_path = Path(data_dir) / f"{name or ''}{SUFFIX}" if data_dir is not None else None
        measured = measure(journey, map_path)
    switcher = _persona_links(journey, persona, persona_href) if persona != TABS and persona_href else ""
    top = (
        f'<nav aria-label="Maps"><a href="{html.escape(index_href, quote=True)}">← All maps</a></nav>'
        f'<p class="cjm-muted">Revision {journey.revision}, updated {journey.updated:%Y-%m-%d %H:%M} UTC</p>'
        f"{switcher}"
    )
    if persona != TABS:
        body = journey_map(journey, persona=persona, metrics=measured.metrics)
    elif journey.personas:
        panels = [
            TabPanel(child=journey_map(journey, persona=p.id, metrics=measured.metrics), title=p.name)
            for p in journey.personas
        ]
        if len(journey.personas) > 1:
            panels.append(TabPanel(child=journey_map(journey, metrics=measured.metrics), title=ALL_PERSONAS))
        body = Tabs(tabs=panels, name="cjm-personas")
    else:
        body = journey_map(journey, metrics=measured.metrics)
    notes = "".join(f'<p class="cjm-muted">{html.escape(n)}</p>' for n in measured.notes)
    bottom = PANEL_CSS + f'<div class="cjm-viewer">{notes}{feedback_html(journey)}</div>'
    roots = [body, measured.new_panels()]  # (a Bokeh model lives in one page only: panels drawn anew)
    tools = downloads
    if poster:
        href = html.escape(quote(poster), quote=True)
        tools += f'<a class="cjm-download" href="{href}" download>Download the poster (PDF, A3)</a>'
    return html_page(
        roots,
        title=f"{journey.title} · cjmkit",
        words=outline(journey, measured.metrics),
        top=top,
        bottom=bottom,
        tools=tools,
        resources=resources,
    )


def _persona_links(journey: Journey, shown: str | None, href: Callable[[str | None], str]) -> str:
    """``Persona: Maya | Daniel | All personas``, the shown one in bold (a link to each other view)."""
    views: list[tuple[str | None, str]] = [(p.id, p.name) for p in journey.personas]
    if len(journey.personas) > 1 or not journey.personas:
        views.append((None, ALL_PERSONAS))
    links = []
    for key, label in views:
        if key == shown:
            links.append(f'<b aria-current="page">{html.escape(label)}</b>')
        else:
            links.append(f'<a href="{html.escape(href(key), quote=True)}">{html.escape(label)}</a>')
    return '<nav class="cjm-personas" aria-label="Personas"><p>Persona: ' + " | ".join(links) + "</p></nav>"


def index_html(
    entries: list[tuple[str, Journey | None, str]],
    pages: Mapping[str, str] | None = None,
    footer: str | None = None,
) -> str:
    """Return the site's index: one row per map (title, last update, personas, KPI summary).

    ``pages`` maps a map's name to the address of its page (default ``NAME.html``, quoted);
    ``footer`` replaces the line saying when and how the site was published.
    """
    rows = []
    for name, journey, problem in entries:
        if journey is None:
            rows.append(
                f"<tr><td>{html.escape(name)}</td><td colspan=3>cannot be shown: {html.escape(problem)}</td></tr>"
            )
            continue
        href = html.escape(pages[name] if pages is not None else quote(f"{name}.html", safe=""), quote=True)
        personas = ", ".join(p.name for p in journey.personas) or "–"
        rows.append(
            f'<tr><td><a href="{href}">{html.escape(journey.title)}</a></td>'
            f"<td>{journey.updated:%Y-%m-%d}</td><td>{html.escape(personas)}</td>"
            f"<td>{html.escape(kpi_summary(journey))}</td></tr>"
        )
    table = "".join(rows) or '<tr><td colspan="4">No maps in this folder.</td></tr>'
    if footer is None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        footer = f"Published {stamp} with cjmkit. Static pages: nothing here talks to a server."
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Journey maps · cjmkit</title>
<link rel="icon" href="data:,">
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933;
       margin: 0; background: #f5f7fa; }}
header {{ background: #1f3a5f; color: #fff; padding: 12px 24px; font-size: 18px; font-weight: bold; }}
main {{ padding: 16px 24px; }}
table {{ border-collapse: collapse; background: #fff; font-size: 15px; }}
th, td {{ text-align: left; padding: 8px 16px 8px 8px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }}
footer {{ padding: 12px 24px; color: #52606d; font-size: 12px; }}
</style>
</head>
<body>
<header>cjmkit · journey maps</header>
<main>
<h1>Journey maps</h1>
<table>
<tr><th>Map</th><th>Last update</th><th>Personas</th><th>KPIs</th></tr>
{table}
</table>
</main>
<footer>{html.escape(footer)}</footer>
</body>
</html>
"""


def kpi_summary(journey: Journey) -> str:
    """Return e.g. ``"5 KPIs: 3 on target, 1 warning, 1 off target"`` from the latest observations."""
    if not journey.kpis:
        return "no KPIs"
    from cjmkit.render.metrics_input import simple_kpi_status

    counts = Counter(simple_kpi_status(kpi).status for kpi in journey.kpis)
    parts = [f"{counts[key]} {STATUS_WORDS[key].phrase}" for key in STATUSES if counts[key]]
    total = len(journey.kpis)
    return f"{total} KPI{'s' if total != 1 else ''}: " + ", ".join(parts)
