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

__all__ = [
    "SOURCE_NAMES",
    "HandoffHealth",
    "JourneyMapView",
    "KpiStatus",
    "MapMetrics",
    "as_map_metrics",
    "find_chromium",
    "html_page",
    "journey_map",
    "map_data",
    "save_html",
    "save_png",
    "simple_kpi_status",
]
