"""Ticket, care-contact and survey exports brought in without glue: mapped, checked, standardised.

A helpdesk or survey tool exports its own column names, header layout and date style. Importing
an export reads it with a column mapping (``{"resolved_at": "Solved at"}``), the number of
header lines, the date format or day/month order, the time zone of timestamps written without an
offset and, for surveys, answer labels → scores; then it writes the map's own standard file
beside the map:

================= ========================== =====================================================
kind              file beside ``NAME.cjm.json`` columns
================= ========================== =====================================================
``tickets``       ``NAME.tickets.csv``        ``ticket_id, customer_id, opened_at, resolved_at,
                                              channel, touchpoint``
``contacts``      ``NAME.care_contacts.csv``  ``contact_id, customer_id, ticket_id, contacted_at,
                                              kind``
``survey``        ``NAME.survey.csv``         ``response_id, customer_id, ticket_id, submitted_at,
                                              touchpoint, stage, persona, csat, nps, ces, comment``
================= ========================== =====================================================

Timestamps are written in UTC with a ``Z`` (ISO 8601), so every reader gets the same instants.
The viewer, ``cjmkit publish`` and ``cjmkit render --measure`` read these files as they are
(:func:`cjmkit.metrics.handoff_data_files`, :func:`survey_file`): the mapping is applied once, at
import, and nothing else needs to know about the export's shape. A file replaced by a new import
is kept in ``.cjmkit-history/`` beside the map. Nothing is written when the export has a problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cjmkit.atomic import write_keeping
from cjmkit.errors import StorageError
from cjmkit.folder import data_file
from cjmkit.metrics.handoff import (
    CONTACT_COLUMNS,
    CONTACTS_FILE,
    TICKET_COLUMNS,
    TICKETS_FILE,
    read_care_contacts,
    read_tickets,
)
from cjmkit.metrics.problems import ImportProblem
from cjmkit.metrics.satisfaction import SURVEY_COLUMNS, read_survey
from cjmkit.store import SUFFIX

SURVEY_FILE = "survey.csv"

KINDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "tickets": (TICKETS_FILE, TICKET_COLUMNS, ("opened_at", "resolved_at")),
    "contacts": (CONTACTS_FILE, CONTACT_COLUMNS, ("contacted_at",)),
    "survey": (SURVEY_FILE, SURVEY_COLUMNS, ("submitted_at",)),
}
"""Kind of export → (standard file name, its columns, its timestamp columns)."""

READERS = {"tickets": read_tickets, "contacts": read_care_contacts, "survey": read_survey}

ROLES: dict[str, tuple[str, ...]] = {kind: columns for kind, (_, columns, _) in KINDS.items()}
"""The column roles of each kind of export (what a mapping maps)."""


def standard_path(map_path: str | Path, kind: str) -> Path:
    """The map's own standard file of this kind: ``NAME.tickets.csv`` beside ``NAME.cjm.json``."""
    path = Path(map_path)
    name = path.name.removesuffix(SUFFIX)
    return path.parent / f"{name}.{KINDS[kind][0]}"


def survey_file(map_path: str | Path) -> Path | None:
    """The map's own ``NAME.survey.csv``, when there is one.

    Only a regular file inside the map's folder: a link out of the folder, a named pipe or a
    device is never read (:func:`cjmkit.folder.data_file`).
    """
    path = standard_path(map_path, "survey")
    return data_file(path.parent, path.name)


def read_export(kind: str, path: str | Path, **options: Any) -> pd.DataFrame:
    """Read an export of one kind with a mapping and date options (see :func:`import_export`)."""
    if kind not in READERS:
        raise ImportProblem(f"an export is one of {', '.join(READERS)}, not {kind!r}")
    if kind != "survey":
        options.pop("labels", None)
    return READERS[kind](path, **options)


def standard_frame(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as the standard file holds them: its columns, timestamps as ISO 8601 UTC with ``Z``."""
    _, columns, stamps = KINDS[kind]
    out = pd.DataFrame({c: frame.get(c, "") for c in columns}, index=frame.index)
    for column in stamps:
        values = pd.to_datetime(out[column])
        text = values.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        out[column] = text.where(values.notna(), "")
    for column in ("csat", "nps", "ces"):
        if column in out:
            numbers = pd.to_numeric(out[column], errors="coerce")
            out[column] = numbers.map(lambda v: "" if pd.isna(v) else f"{v:g}")
    return out


@dataclass
class ExportImport:
    """What importing an export did.

    Attributes
    ----------
    kind
        ``tickets``, ``contacts`` or ``survey``.
    written
        The standard file written beside the map.
    rows
        Rows written.
    rows_skipped
        Bad rows left out (only with ``skip_bad_rows``), and one sentence per kind of them.
    kept
        Where the file it replaced is kept (None: there was none, or it was the same).
    first, last
        The earliest and latest timestamp (UTC), NaT without any.
    columns
        Role → the export's column it was read from.
    """

    kind: str
    written: Path
    rows: int
    rows_skipped: int = 0
    skipped: list[str] = field(default_factory=list)
    kept: Path | None = None
    first: pd.Timestamp = pd.NaT
    last: pd.Timestamp = pd.NaT
    columns: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One sentence: ``"4,980 tickets from 2025-12-01 to 2026-11-30 (UTC) written to acme.tickets.csv"``."""
        noun = {"tickets": "tickets", "contacts": "care contacts", "survey": "survey answers"}[self.kind]
        span = ""
        if pd.notna(self.first):
            span = f" from {self.first:%Y-%m-%d %H:%M} to {self.last:%Y-%m-%d %H:%M} (UTC)"
        text = f"{self.rows:,} {noun}{span} written to {self.written.name}"
        if self.rows_skipped:
            text += f"; {self.rows_skipped} bad row{'s' if self.rows_skipped != 1 else ''} left out"
        return text


def import_export(
    kind: str,
    map_path: str | Path,
    export: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    header_rows: int = 1,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    labels: Mapping[str, Any] | None = None,
    skip_bad_rows: bool = False,
) -> ExportImport:
    """Read a ticket, care-contact or survey export and write the map's standard file from it.

    Parameters
    ----------
    kind
        ``"tickets"``, ``"contacts"`` or ``"survey"``.
    map_path
        The map (``NAME.cjm.json``); the file is written beside it.
    export
        The export as the tool wrote it (CSV: any encoding, delimiter, comment lines...).
    columns
        Role → the export's column name, e.g. ``{"ticket_id": "Ticket #", "resolved_at": "Solved"}``
        (see :data:`ROLES`); roles not named are looked for under their own name.
    header_rows
        How many lines the export's header spans.
    date_format, dayfirst, timezone
        How its timestamps are written; ``timezone`` is the zone of those without an offset.
    labels
        Survey only: score column → answer labels (a ready map's name or a mapping).
    skip_bad_rows
        Leave out rows that cannot be read (counted) instead of refusing the export.

    Raises
    ------
    ImportProblem
        A problem with the export (file, line, column named); nothing is written.
    StorageError
        The standard file cannot be written.
    """
    map_path = Path(map_path)
    if not map_path.parent.is_dir():
        raise StorageError(f"cannot write beside {map_path}: the folder {map_path.parent} does not exist")
    frame = read_export(
        kind,
        export,
        columns=columns,
        header_rows=header_rows,
        date_format=date_format,
        dayfirst=dayfirst,
        timezone=timezone,
        labels=labels,
        skip_bad_rows=skip_bad_rows,
    )
    table = standard_frame(kind, frame)
    target = standard_path(map_path, kind)
    text = table.to_csv(index=False, lineterminator="\n")
    kept = write_keeping(target, text.encode("utf-8"))
    stamps = (
        pd.concat([pd.to_datetime(frame[c]) for c in KINDS[kind][2] if c in frame]) if len(frame) else None
    )
    first = stamps.min() if stamps is not None and stamps.notna().any() else pd.NaT
    last = stamps.max() if stamps is not None and stamps.notna().any() else pd.NaT
    return ExportImport(
        kind=kind,
        written=target,
        rows=len(table),
        rows_skipped=int(frame.attrs.get("rows_skipped", 0)),
        skipped=list(frame.attrs.get("skipped", [])),
        kept=kept,
        first=first,
        last=last,
        columns=dict(frame.attrs.get("columns", {})),
    )


GUESSES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("ticket", "ticket #", "ticket number", "case id", "case number", "case", "id"),
    "customer_id": (
        "customer",
        "requester",
        "requester id",
        "customer number",
        "user id",
        "account id",
        "client id",
    ),
    "opened_at": ("created at", "created", "opened", "date opened", "created date"),
    "resolved_at": (
        "solved at",
        "solved",
        "resolved",
        "closed at",
        "closed",
        "date closed",
        "resolution date",
    ),
    "touchpoint": ("queue", "group", "touch point"),
    "channel": ("via", "source", "medium"),
    "contact_id": ("call id", "activity id"),
    "contacted_at": ("contact date", "called at", "call date", "date", "timestamp", "activity date"),
    "kind": ("type", "contact type", "activity type"),
    "response_id": ("respondent id", "response", "responseid", "submission id", "#"),
    "submitted_at": (
        "end date",
        "submitted",
        "submitted at",
        "date submitted",
        "enddate",
        "timestamp",
        "date",
    ),
    "csat": ("satisfaction", "csat score"),
    "nps": ("recommend", "likelihood to recommend", "nps score"),
    "ces": ("effort", "customer effort", "ces score"),
    "comment": ("comments", "feedback", "verbatim", "open-ended response", "why"),
}
"""Column names tried for each role when nobody mapped it (the import wizard's first guess)."""


def guess_roles(kind: str, columns: list[str]) -> dict[str, str | None]:
    """A first guess of which column holds each role (by name; None: no column found)."""
    from cjmkit.metrics.textfiles import normalise_name

    by_norm = {normalise_name(c): c for c in reversed(columns)}
    taken: set[str] = set()
    guessed: dict[str, str | None] = {}
    for role in ROLES[kind]:
        names = (role, *GUESSES.get(role, ()))
        found = next(
            (
                by_norm[normalise_name(n)]
                for n in names
                if by_norm.get(normalise_name(n)) not in (None, *taken)
            ),
            None,
        )
        if found is None:  # a question such as "How likely are you to recommend us?"
            words = [normalise_name(n) for n in GUESSES.get(role, ()) if len(n) > 5]
            found = next(
                (c for c in columns if c not in taken and any(w in normalise_name(c) for w in words)), None
            )
        guessed[role] = found
        if found is not None:
            taken.add(found)
    return guessed


def mapping_from(specs: list[str] | None, kind: str) -> dict[str, str]:
    """``["resolved_at=Solved at", ...]`` → ``{"resolved_at": "Solved at"}``, roles checked."""
    mapping: dict[str, str] = {}
    for spec in specs or []:
        role, sep, name = spec.partition("=")
        role = role.strip()
        if not sep or not role or not name.strip():
            raise ImportProblem(f"--column {spec!r}: write ROLE=NAME, e.g. --column resolved_at='Solved at'")
        if role not in ROLES[kind]:
            raise ImportProblem(
                f"--column {spec!r}: {kind} have no column role {role!r}; the roles are: {', '.join(ROLES[kind])}"
            )
        mapping[role] = name.strip()
    return mapping


def labels_from(specs: list[str] | None) -> dict[str, str]:
    """``["csat=satisfaction-5", "nps=nps"]`` → ``{"csat": "satisfaction-5", ...}`` (for :func:`read_survey`)."""
    labels: dict[str, str] = {}
    for spec in specs or []:
        role, sep, value = spec.partition("=")
        if not sep or role.strip() not in ("csat", "nps", "ces") or not value.strip():
            raise ImportProblem(
                f"--labels {spec!r}: write SCORE=LABELS with SCORE csat, nps or ces, e.g. --labels "
                "csat=satisfaction-5 or --labels 'ces=Very easy=7,Easy=6'"
            )
        labels[role.strip()] = value.strip()
    return labels
