"""Measured figures for journey maps: KPI import and monitoring, satisfaction, handoffs.

pandas only (no Bokeh, no widgets); every function returns DataFrames with documented columns.
The modules fall in two halves:

- **ingest** (reading what people bring): ``sources`` (where a source is, what it may read),
  ``textfiles`` (CSV layout, dates, numbers), ``files`` (KPI values from CSV, Excel, Parquet),
  ``sql`` and ``readonly`` (KPI values from databases, checked and read-only), ``readers``
  (one entry per kind of source: values and previews), ``aggregate`` (rows → period values),
  ``records`` (ticket, care-contact and survey exports), ``labels`` (answer labels → scores),
  ``exports`` (a helpdesk's export → the map's standard file), ``importers`` (import and
  refresh through the :class:`~cjmkit.edits.Editor`), ``library`` (reusable KPI definitions),
  ``events`` (event logs: customer, time, event, mapped to touchpoints);
- **analysis** (what the figures say): ``monitoring`` (KPI status and trends), ``satisfaction``
  (CSAT / NPS / CES with intervals), ``handoff`` (support → care follow-up), ``intervals``
  (the statistics), ``map_input`` (the figures the map draws), ``tables`` (everything as tables
  to export), ``journeys`` and ``journeys_sql`` (the journey as measured: transitions, paths,
  drop-off, funnels, repeats, time between, in pandas or as SQL), ``journey_log`` (one entry to
  them on pandas, DuckDB or the user's database), ``measured`` (what a map keeps of them).

>>> from cjmkit.metrics import import_kpis, kpi_status, warnings          # doctest: +SKIP
>>> report = import_kpis(session.editor, KpiSource(kind="csv", location="kpi_daily.csv"),
...                      ["csat", "nps"], map_dir=session.path.parent)  # doctest: +SKIP
>>> kpi_status(session.journey)                                         # doctest: +SKIP
"""

from cjmkit.metrics import exports
from cjmkit.metrics.events import EventColumns, read_events, tidy_events
from cjmkit.metrics.handoff import (
    CONTACTS_FILE,
    TICKETS_FILE,
    fell_through,
    follow_ups,
    handoff_data_files,
    handoff_health,
    handoff_trend,
    read_care_contacts,
    read_tickets,
)
from cjmkit.metrics.importers import (
    ImportReport,
    ImportResult,
    import_kpis,
    kind_of,
    location_for,
    read_kpi_values,
    refresh,
)
from cjmkit.metrics.journey_log import JourneyLog
from cjmkit.metrics.library import KpiDefinition, LibraryError, attach, load_library, save_definition
from cjmkit.metrics.map_input import map_metrics
from cjmkit.metrics.measured import measure_journey, refresh_event_log
from cjmkit.metrics.monitoring import MIN_RESPONSES, judge, kpi_status, observations, warnings, worsened
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.satisfaction import (
    attach_comments,
    comment_to_opportunity,
    comments,
    feedback_frame,
    read_survey,
    score_changes,
    scores,
    stage_scores,
)

__all__ = [
    "CONTACTS_FILE",
    "MIN_RESPONSES",
    "TICKETS_FILE",
    "EventColumns",
    "ImportProblem",
    "ImportReport",
    "ImportResult",
    "JourneyLog",
    "KpiDefinition",
    "LibraryError",
    "attach",
    "attach_comments",
    "comment_to_opportunity",
    "comments",
    "exports",
    "feedback_frame",
    "fell_through",
    "follow_ups",
    "handoff_data_files",
    "handoff_health",
    "handoff_trend",
    "import_kpis",
    "judge",
    "kind_of",
    "kpi_status",
    "load_library",
    "location_for",
    "map_metrics",
    "measure_journey",
    "observations",
    "read_care_contacts",
    "read_events",
    "read_kpi_values",
    "read_survey",
    "read_tickets",
    "refresh",
    "refresh_event_log",
    "save_definition",
    "score_changes",
    "scores",
    "stage_scores",
    "tidy_events",
    "warnings",
    "worsened",
]
