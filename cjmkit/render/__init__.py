"""Pictures of a journey: the Bokeh journey map and its export to HTML and PNG.

Render never imports ipywidgets: the same map works in JupyterLab, in Voila and in a static
HTML file.

>>> from cjmkit.render import JourneyMapView, save_html
>>> view = JourneyMapView(journey, persona="maya")        # doctest: +SKIP
>>> view.on_select(lambda touchpoint_id: print(touchpoint_id))  # doctest: +SKIP
>>> save_html(view, "map.html", title=journey.title)       # doctest: +SKIP
"""

from cjmkit.render.export import find_chromium, html_page, save_html, save_png
from cjmkit.render.journey_map import JourneyMapView, journey_map
from cjmkit.render.layout import SOURCE_NAMES, map_data
from cjmkit.render.metrics_input import (
    HandoffHealth,
    KpiStatus,
    MapMetrics,
    as_map_metrics,
    simple_kpi_status,
)

_PANELS = ("handoff_panel", "kpi_panel", "metrics_dashboard", "satisfaction_panel", "warnings_panel")


def __getattr__(name: str) -> object:
    # The metric panels (cjmkit.render.panels) need pandas: import them on first use only.
    if name in _PANELS:
        from cjmkit.render import panels

        return getattr(panels, name)
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
    "save_html",
    "save_png",
    "simple_kpi_status",
    "warnings_panel",
]
