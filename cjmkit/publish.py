"""Publish a folder of maps as a static site: no server, no kernel, any number of viewers.

:func:`publish` writes ``SITE/index.html`` (title, last update, personas and KPI summary of
each map, all escaped) and one self-contained page per map, ``SITE/NAME.html``: BokehJS is
inlined (no CDN), tooltips are Bokeh's own, and persona switching is a row of Bokeh tabs, one
map per persona, so it works from ``file://`` and from any static web server. Every file is
written atomically (temp file, then ``os.replace``).
"""

from __future__ import annotations

import html
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from cjmkit.errors import CjmError, StorageError
from cjmkit.folder import scan_maps
from cjmkit.model import Journey
from cjmkit.widgets.viewer import PANEL_CSS, feedback_html, measure, strip_folder

ALL_PERSONAS = "All personas"
INDEX = "index.html"


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
        poster = page.with_suffix(".pdf") if pdf else None
        if poster is not None:
            from cjmkit.render.pdf import save_poster

            result.pdfs[name] = save_poster(journey, poster, metrics=measure(journey, folder, name).metrics)
        _write(page, map_page_html(journey, folder, name, poster=poster.name if poster else None))
        result.pages[name] = page
        entries.append((name, journey, ""))
    _write(result.index, index_html(entries, names))
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
    poster: str | None = None,
    downloads: str = "",
) -> str:
    """Return one map as a self-contained interactive page: BokehJS inline, one tab per persona.

    ``data_dir`` is where raw data for handoff health is looked for, ``name`` the map's file
    name without ``.cjm.json`` (see :func:`cjmkit.widgets.viewer.measure`), ``poster`` the file
    name of its printed poster beside the page, linked as a download; ``downloads`` more
    download links as trusted HTML (a served page passes :func:`cjmkit.downloads.links_html`).
    """
    from bokeh.models import TabPanel, Tabs

    from cjmkit.render import html_page, journey_map
    from cjmkit.render.outline import outline

    measured = measure(journey, data_dir, name)
    top = (
        '<nav aria-label="Maps"><a href="index.html">← All maps</a></nav>'
        f'<p class="cjm-muted">Revision {journey.revision}, updated {journey.updated:%Y-%m-%d %H:%M} UTC</p>'
    )
    if journey.personas:
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
    roots = [body] + ([measured.panels] if measured.panels is not None else [])
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
    )


def index_html(entries: list[tuple[str, Journey | None, str]], pages: Mapping[str, str] | None = None) -> str:
    """Return the site's index: one row per map (title, last update, personas, KPI summary).

    ``pages`` maps a map's name to its page's file name (default ``NAME.html``).
    """
    rows = []
    for name, journey, problem in entries:
        if journey is None:
            rows.append(
                f"<tr><td>{html.escape(name)}</td><td colspan=3>cannot be shown: {html.escape(problem)}</td></tr>"
            )
            continue
        page = pages[name] if pages is not None else f"{name}.html"
        href = html.escape(quote(page, safe=""), quote=True)
        personas = ", ".join(p.name for p in journey.personas) or "–"
        rows.append(
            f'<tr><td><a href="{href}">{html.escape(journey.title)}</a></td>'
            f"<td>{journey.updated:%Y-%m-%d}</td><td>{html.escape(personas)}</td>"
            f"<td>{html.escape(kpi_summary(journey))}</td></tr>"
        )
    table = "".join(rows) or '<tr><td colspan="4">No maps in this folder.</td></tr>'
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
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
<footer>Published {stamp} with cjmkit. Static pages: nothing here talks to a server.</footer>
</body>
</html>
"""


def kpi_summary(journey: Journey) -> str:
    """Return e.g. ``"5 KPIs: 3 on target, 1 warning, 1 off target"`` from the latest observations."""
    if not journey.kpis:
        return "no KPIs"
    from cjmkit.render.metrics_input import simple_kpi_status

    counts = Counter(simple_kpi_status(kpi).status for kpi in journey.kpis)
    words = [
        ("ok", "on target"),
        ("warning", "warning"),
        ("bad", "off target"),
        ("none", "no target or data"),
    ]
    parts = [f"{counts[key]} {word}" for key, word in words if counts[key]]
    total = len(journey.kpis)
    return f"{total} KPI{'s' if total != 1 else ''}: " + ", ".join(parts)


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # a static web server usually runs as another user
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(f"cannot write {path} ({error.strerror or error})") from None
