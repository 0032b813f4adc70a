"""A map and its measured figures, as the viewer, the published pages and ``render --measure`` show them.

:func:`measure` is the ONE place where a map meets the raw data beside it: KPI status from the
map's own observations, and support → care handoff health from the ticket and care-contact
exports next to the map file (its own ``NAME.tickets.csv`` / ``NAME.care_contacts.csv``, else
the folder's ``tickets.csv`` / ``care_contacts.csv``), and satisfaction by stage from the map's
own survey answers (``NAME.survey.csv``, written by ``cjmkit data survey``) or else its feedback.
Raw data is read only from regular files inside the folder (:func:`cjmkit.folder.data_file`). Its error policy is a parameter: a page for
visitors turns a bad export into a note under the map (``on_error="note"``), the command line
stops with the sentence (``on_error="raise"``). The metric panels are drawn from the same
figures, the first time :attr:`Measured.panels` is read.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal

from cjmkit.errors import CjmError
from cjmkit.figures import MapMetrics
from cjmkit.model import Journey
from cjmkit.store import SUFFIX

log = logging.getLogger(__name__)

OnError = Literal["note", "raise"]


class Measured:
    """A map's figures, and the panels drawn from them on first use.

    The figures the map itself needs (KPI status, handoff health) are computed at once; the panels
    are drawn the first time :attr:`panels` is read, so a live viewer can send the map first.

    Attributes
    ----------
    journey
        The map.
    status
        KPI status (:func:`cjmkit.metrics.kpi_status`).
    health
        Handoff health (:func:`cjmkit.metrics.handoff_health`), or None when not measured.
    survey
        The map's survey answers (:func:`cjmkit.metrics.read_survey`), or None.
    metrics
        KPI status and handoff health as the map draws them (the ``metrics`` of
        ``JourneyMapView``).
    notes
        Plain sentences on what could not be measured, shown under the panels.
    """

    def __init__(
        self,
        journey: Journey,
        status: Any = None,
        health: Any = None,
        metrics: MapMetrics | None = None,
        notes: list[str] | None = None,
        survey: Any = None,
    ) -> None:
        self.journey = journey
        self.status = status
        self.health = health
        self.survey = survey
        self.metrics = metrics if metrics is not None else MapMetrics()
        self.notes = notes if notes is not None else []
        self._panels: Any = None
        self._drawn = False

    @property
    def panels(self) -> Any:
        """Bokeh panels: what needs attention, KPI status, satisfaction by stage, handoff health (when measured).

        Drawn once; a Bokeh model lives in one document only, so a second page of the same
        figures takes :meth:`new_panels`.
        """
        if not self._drawn:
            self._panels = self.new_panels()
            self._drawn = True
        return self._panels

    def new_panels(self) -> Any:
        """Draw the panels again (new Bokeh models, for another page)."""
        return draw_panels(self.journey, self.status, self.health, self.survey)


def measure(
    journey: Journey, map_path: str | os.PathLike[str] | None = None, *, on_error: OnError = "note"
) -> Measured:
    """Compute the map's figures with :mod:`cjmkit.metrics`; its panels are drawn on first use.

    Parameters
    ----------
    journey
        The map.
    map_path
        Where the map file is (``NAME.cjm.json``; only its folder and name are used): the raw
        data for handoff health is looked for beside it. None measures the map alone.
    on_error
        ``"note"``: a data file that cannot be read becomes a sentence in ``notes`` (pages for
        visitors: the map is shown anyway). ``"raise"``: its :class:`~cjmkit.errors.CjmError`
        is raised (the command line).

    Returns
    -------
    Measured
        The figures, with a note for whatever was not measured and why.
    """
    from cjmkit import metrics as m
    from cjmkit.folder import file_problem
    from cjmkit.metrics.exports import survey_file

    notes: list[str] = []
    status = m.kpi_status(journey)
    health = survey = None
    answers = survey_file(Path(map_path)) if map_path is not None else None
    if answers is not None:
        try:
            survey = m.read_survey(answers)
        except CjmError as error:
            if on_error == "raise":
                raise
            notes.append(f"Survey answers are not shown: {strip_folder(str(error), answers.parent)}")
    if map_path is not None and journey.handoffs:
        path = Path(map_path)
        name = path.name.removesuffix(SUFFIX)
        for prefix in ([f"{name}."] if name else []) + [""]:
            for data in (m.TICKETS_FILE, m.CONTACTS_FILE):
                candidate = path.parent / f"{prefix}{data}"
                problem = file_problem(candidate, path.parent) if os.path.lexists(candidate) else None
                if problem is not None:
                    notes.append(f"{candidate.name} is not read: {problem}.")
        found = m.handoff_data_files(path)
        if found is not None:
            try:
                health = m.handoff_health(
                    journey, m.read_tickets(found[0]), m.read_care_contacts(found[1]), survey
                )
            except CjmError as error:
                if on_error == "raise":
                    raise
                notes.append(f"Handoff health is not shown: {strip_folder(str(error), path.parent)}")
            except Exception:  # odd raw data must not cost the visitor the map
                if on_error == "raise":
                    raise
                log.exception("handoff health of %s could not be measured", path)
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


def draw_panels(journey: Journey, status: Any, health: Any, survey: Any = None) -> Any:
    """Return the metric panels (a Bokeh column named ``cjm-panels``) for the map's figures.

    Satisfaction by stage comes from ``survey`` (the map's survey answers) when given, else from
    the map's feedback.
    """
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
    """Return ``sentence`` without the folder's path: visitors need a file's name, not where the server keeps it."""
    for prefix in {str(folder) + os.sep, os.path.realpath(folder) + os.sep, os.path.abspath(folder) + os.sep}:
        sentence = sentence.replace(prefix, "")
    return sentence
