"""``cjmkit data``: bring ticket, care-contact and survey exports in beside a map, without glue.

``cjmkit data tickets MAP EXPORT --column resolved_at='Solved at' ...`` reads a helpdesk's export
with a column mapping, header lines, date style and time zone, and writes the map's own
``NAME.tickets.csv`` (``contacts``: ``NAME.care_contacts.csv``; ``survey``: ``NAME.survey.csv``,
with ``--labels`` for answers exported as words). The viewer, ``cjmkit publish`` and
``cjmkit render --measure`` read those files. Exit codes: 0 written; 2 a problem you can fix
(nothing written).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cjmkit.commands.kpi import add_date_options
from cjmkit.errors import CjmError

ROLES = {
    "tickets": ("ticket_id", "customer_id", "opened_at", "resolved_at", "channel", "touchpoint"),
    "contacts": ("contact_id", "customer_id", "ticket_id", "contacted_at", "kind"),
    "survey": (
        "response_id", "customer_id", "ticket_id", "submitted_at", "touchpoint", "stage", "persona",
        "csat", "nps", "ces", "comment",
    ),
}  # fmt: skip
"""The column roles for the help text (cjmkit.metrics.exports.ROLES; a copy, so that the command
line starts without pandas; a test keeps them equal)."""

EXAMPLES = {
    "tickets": "--column ticket_id='Ticket ID' --column resolved_at='Solved at' --column touchpoint=Queue",
    "contacts": "--column customer_id=Requester --column contacted_at='Call date'",
    "survey": "--column csat='How satisfied were you?' --labels csat=satisfaction-5 --header-rows 2",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``data tickets | contacts | survey`` to the command line."""
    data = subparsers.add_parser(
        "data",
        help="bring ticket, care-contact and survey exports in beside a map (column mapping, dates, labels)",
        description="Read a ticket, care-contact or survey export as your tool wrote it and write the map's "
        "standard file beside it (NAME.tickets.csv, NAME.care_contacts.csv, NAME.survey.csv), which the "
        "viewer, publish and render --measure read. Exit codes: 0 written; 2 a problem you can fix.",
    )
    kinds = data.add_subparsers(dest="data_kind", metavar="KIND")
    kinds.required = True
    for kind, help_text in (
        ("tickets", "a helpdesk's ticket export → NAME.tickets.csv"),
        ("contacts", "care contacts (calls, emails, check-ins) → NAME.care_contacts.csv"),
        ("survey", "survey answers (CSAT, NPS, CES, comments) → NAME.survey.csv"),
    ):
        parser = kinds.add_parser(
            kind,
            help=help_text,
            description=f"{help_text}. Column roles: {', '.join(ROLES[kind])}. Example: {EXAMPLES[kind]}",
        )
        parser.add_argument("map", type=Path, metavar="MAP")
        parser.add_argument(
            "export", type=Path, metavar="EXPORT", help="the export (CSV, any encoding/delimiter)"
        )
        parser.add_argument(
            "--column",
            action="append",
            metavar="ROLE=NAME",
            help="which column of the export holds a role (repeat; roles not named keep their own name)",
        )
        parser.add_argument(
            "--header-rows", type=int, default=1, metavar="N", help="lines the header spans (default 1)"
        )
        add_date_options(parser)
        if kind == "survey":
            parser.add_argument(
                "--labels",
                action="append",
                metavar="SCORE=LABELS",
                help="answers written as words: csat=satisfaction-5, ces=agreement-7, nps=nps (ready maps), "
                "or pairs such as 'csat=Happy=5,Unhappy=1'; repeat per score",
            )
        parser.add_argument(
            "--skip-bad-rows", action="store_true", help="leave out unreadable rows (counted)"
        )
        parser.set_defaults(func=cmd_data, kind=kind)


def cmd_data(args: argparse.Namespace) -> int:
    """``cjmkit data KIND MAP EXPORT``: write the standard file, then say what it holds."""
    from cjmkit import store
    from cjmkit.metrics import exports, handoff

    if args.header_rows < 1:
        raise CjmError("--header-rows: a header spans at least 1 line")
    if not args.map.is_file():
        raise CjmError(f"cannot open {args.map}: the map does not exist")
    journey = store.load(args.map)
    done = exports.import_export(
        args.kind,
        args.map,
        args.export,
        columns=exports.mapping_from(args.column, args.kind),
        header_rows=args.header_rows,
        date_format=args.date_format,
        dayfirst=args.dayfirst,
        timezone=args.timezone,
        labels=exports.labels_from(getattr(args, "labels", None)),
        skip_bad_rows=args.skip_bad_rows,
    )
    print(f"{done.summary()}.")
    renamed = {role: column for role, column in done.columns.items() if column != role}
    if renamed:
        print("  read " + ", ".join(f"{role} from {column!r}" for role, column in renamed.items()))
    for line in done.skipped:
        print(f"  - {line}")
    if done.kept is not None:
        print(f"  the file it replaced is kept as {done.kept}")
    found = handoff.handoff_data_files(args.map) if journey.handoffs and args.kind != "survey" else None
    if found is not None:
        health = handoff.handoff_health(
            journey, handoff.read_tickets(found[0]), handoff.read_care_contacts(found[1])
        )
        print("Handoff health now:")
        for _, row in health.iterrows():
            print(f"  {row['name']}: {row['label']}")
    elif args.kind != "survey" and journey.handoffs:
        missing = (
            "care contacts (cjmkit data contacts)"
            if args.kind == "tickets"
            else "tickets (cjmkit data tickets)"
        )
        print(f"Handoff health is measured once the {missing} are there too.")
    return 0
