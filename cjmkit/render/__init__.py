"""Pictures of a journey: the Bokeh journey map and its export to HTML and PNG.

Render never imports ipywidgets: the same map works in JupyterLab (through jupyter_bokeh), in
Voila and in a static HTML file.

- :func:`journey_map` returns the map as a Bokeh layout (header with persona cards, legend,
  figure); :class:`JourneyMapView` keeps the figure and its data sources so that
  ``view.update(journey)`` redraws in place after an edit, ``view.set_persona(id)`` switches the
  emotion curve and ``view.on_select(callback)`` hears taps on touchpoint cards.
- ``metrics`` (optional) is a :class:`~cjmkit.figures.MapMetrics` (the contract between
  metrics and render, defined beside the model in :mod:`cjmkit.figures`), filled by
  :func:`cjmkit.metrics.map_metrics`; in a notebook a dict of the same shape works too
  (``{"kpi_status": {kpi_id: {"status": "ok"|"warning"|"bad"|"none", "value": float, "label":
  str}}, "handoff_health": {handoff_id: {"within_sla_share": float, "weak": bool, "label":
  str}}}``, read once by :func:`~cjmkit.figures.as_map_metrics`). Without it, KPI status is the
  latest observation against the KPI's target and warning levels, and handoffs show their SLA
  only.
- :func:`save_html` writes a self-contained page (BokehJS inline, no request to any other
  host) with the map in words beside the picture (:mod:`cjmkit.render.words`); :func:`save_png`
  takes a picture of it with headless Chromium.
- :func:`save_poster` and :func:`save_handout` (:mod:`cjmkit.render.pdf`) print an A3 poster
  and an A4 handout; :func:`save_deck` (:mod:`cjmkit.render.deck`) writes a PowerPoint deck.
  All three say what the map says in words through :func:`cjmkit.render.outline.outline`.

>>> from cjmkit.render import JourneyMapView, save_html
>>> view = JourneyMapView(journey, persona="maya")        # doctest: +SKIP
>>> view.on_select(lambda touchpoint_id: print(touchpoint_id))  # doctest: +SKIP
>>> save_html(view, "map.html", title=journey.title)       # doctest: +SKIP
"""

from cjmkit.figures import HandoffHealth, KpiStatus, MapMetrics, as_map_metrics
from cjmkit.render.export import find_chromium, html_page, save_html, save_png
from cjmkit.render.journey_map import JourneyMapView, journey_map
from cjmkit.render.layout import SOURCE_NAMES, map_data
from cjmkit.render.metrics_input import simple_kpi_status

_PANELS = ("handoff_panel", "kpi_panel", "metrics_dashboard", "satisfaction_panel", "warnings_panel")


_PRINTED = {"save_poster": "pdf", "save_handout": "pdf", "save_deck": "deck"}


def __getattr__(name: str) -> object:
    # The metric panels (cjmkit.render.panels) need pandas, the deck python-pptx: import on first use.
    if name in _PANELS:
        from cjmkit.render import panels

        return getattr(panels, name)
    if name in _PRINTED:
        import importlib

        return getattr(importlib.import_module(f"cjmkit.render.{_PRINTED[name]}"), name)
    raise AttributeError(f"module 'cjmkit.render' has no attribute {name!r}")


__all__ = [
    "SOURCE_NAMES",
    "HandoffHealth",
    "JourneyMapView",
    "KpiStatus",
    "MapMetrics",
    "as_map_metrics",
    "find_chromium",
    "handoff_panel",
    "html_page",
    "journey_map",
    "kpi_panel",
    "map_data",
    "metrics_dashboard",
    "satisfaction_panel",
    "save_deck",
    "save_handout",
    "save_html",
    "save_png",
    "save_poster",
    "simple_kpi_status",
    "warnings_panel",
]
