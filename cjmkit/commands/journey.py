"""``cjmkit journey``: the journey as measured from an event log, beside the journey as drawn.

Subcommands
-----------
``cjmkit journey source MAP FILE [--map EVENT=TOUCHPOINT ...] [--ignore EVENT ...]``
    Keep an event log in the map (a CSV, Excel or Parquet file: customer, timestamp, event; or
    ``--url`` with ``--table``/``--query``: a PostgreSQL database, where the measures then run),
    with the mapping of its events to the map's touchpoints, and measure it at once.
``cjmkit journey refresh MAP``
    Measure the stored event log again; the map keeps what it shows "as measured" (for cron:
    nothing changes when nothing changed).
``cjmkit journey show MAP WHAT``
    Print a measure as a table (``transitions``, ``paths``, ``dropoff``, ``funnel A B C``,
    ``repeats``, ``between A B``, ``reach``, ``unmapped``), optionally ``--by segment|period``,
    ``--csv OUT``.

Exit codes: 0 done; 2 a problem you can fix (one sentence on stderr, the map unchanged).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cjmkit import store
from cjmkit.errors import CjmError

EXIT_OK = 0
MEASURES = (
    "transitions",
    "paths",
    "dropoff",
    "funnel",
    "repeats",
    "between",
    "reach",
    "unmapped",
    "unreached",
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``journey source | refresh | show`` to the command line."""
    journey = subparsers.add_parser(
        "journey",
        help="measure the journey from an event log: flows, paths, drop-off, funnels",
        description="The journey as measured from an event log (customer, timestamp, event), beside the journey "
        "as drawn. Exit codes: 0 ok; 2 a problem you can fix.",
    )
    commands = journey.add_subparsers(dest="journey_command", metavar="COMMAND")
    commands.required = True

    source = commands.add_parser(
        "source",
        help="keep an event log in the map and measure it",
        description="Keep an event log in the map (where it is, how its events map to touchpoints) and measure "
        "it; the map then shows the journey as measured everywhere (viewer, published pages, render).",
    )
    source.add_argument("map", type=Path, metavar="MAP")
    source.add_argument(
        "file", type=Path, nargs="?", metavar="FILE", help="CSV, .xlsx or .parquet file of events"
    )
    source.add_argument(
        "--url",
        help="a PostgreSQL database instead of FILE (SQLAlchemy URL; a password as ${VAR}); the measures run there",
    )
    source.add_argument("--table", help="the table of events (with --url; or the Excel sheet)")
    source.add_argument("--query", help="a SELECT of the events (with --url)")
    source.add_argument("--customer-column", default="customer_id")
    source.add_argument("--time-column", default="timestamp")
    source.add_argument("--event-column", default="event")
    source.add_argument("--segment-column", help="e.g. the persona of each event's customer")
    from cjmkit.commands.kpi import add_date_options

    add_date_options(source)  # the same --timezone, --dayfirst / --monthfirst and --date-format as imports
    source.add_argument(
        "--map",
        dest="mapping",
        action="append",
        default=[],
        metavar="EVENT=TOUCHPOINT",
        help="the touchpoint an event value stands for (repeat; events named like a touchpoint need none; "
        "what the map's event log mapped before is kept)",
    )
    source.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="EVENT",
        help="an event that is no step (added to those ignored before)",
    )
    source.add_argument(
        "--survey", type=Path, help="survey CSV for the measured emotion curve (default: the one kept before)"
    )
    source.set_defaults(func=cmd_source)

    refresh = commands.add_parser(
        "refresh", help="measure the stored event log again (no questions; for cron)"
    )
    refresh.add_argument("map", type=Path, metavar="MAP")
    refresh.add_argument("--engine", choices=("auto", "pandas", "duckdb"), default="auto")
    refresh.set_defaults(func=cmd_refresh)

    show = commands.add_parser(
        "show",
        help="print a journey measure as a table",
        description="Print a measure of the stored event log: transitions, paths, dropoff, funnel STEP STEP..., "
        "repeats [TOUCHPOINT...], between START END, reach, unmapped (missing from the map), unreached.",
    )
    show.add_argument("map", type=Path, metavar="MAP")
    show.add_argument("what", choices=MEASURES, metavar="WHAT", help=", ".join(MEASURES))
    show.add_argument("touchpoints", nargs="*", metavar="TOUCHPOINT", help="steps of a funnel, or START END")
    show.add_argument("--by", choices=("segment", "period"))
    show.add_argument("--period", choices=("day", "week", "month"), default="month")
    show.add_argument("--within", type=float, metavar="HOURS", help="funnel: time window from the first step")
    show.add_argument(
        "--days", type=float, default=7.0, help="repeats: back within this many days (default 7)"
    )
    show.add_argument("--events", type=Path, help="an event log file instead of the map's stored one")
    show.add_argument("--engine", choices=("auto", "pandas", "duckdb"), default="auto")
    show.add_argument("--csv", type=Path, metavar="OUT", help="also write the table as CSV (formula-safe)")
    show.set_defaults(func=cmd_show)


def parse_mapping(specs: list[str]) -> dict[str, str]:
    """``["ticket:chat=h-chat"]`` → ``{"ticket:chat": "h-chat"}`` (the last ``=`` splits)."""
    mapping = {}
    for spec in specs:
        event, sep, touchpoint = spec.rpartition("=")
        if not sep or not event.strip() or not touchpoint.strip():
            raise CjmError(f"--map {spec!r}: write EVENT=TOUCHPOINT, e.g. --map 'ticket:chat=h-chat'")
        mapping[event.strip()] = touchpoint.strip()
    return mapping


def cmd_source(args: argparse.Namespace) -> int:
    """``cjmkit journey source``."""
    from cjmkit import trust
    from cjmkit.metrics import importers
    from cjmkit.metrics.measured import refresh_event_log
    from cjmkit.model import EventLog, EventSource

    if bool(args.file) == bool(args.url):
        raise CjmError("give either FILE or --url")
    map_dir = args.map.resolve().parent
    if args.url:
        kind, location = "sql", importers.location_for(args.url, map_dir)  # refuses a literal password
        if not (args.table or args.query):
            raise CjmError("with --url, say which --table or --query holds the events")
    else:
        if not args.file.exists():
            raise CjmError(f"cannot read {args.file}: no such file")
        kind = importers.kind_of(args.file)
        location = importers.location_for(str(args.file.resolve()), map_dir)
        if kind == "sql":
            raise CjmError(f"{args.file}: give a database as --url postgresql://... with --table or --query")
    given = parse_mapping(args.mapping)
    with store.open_map(args.map) as session:
        # A new source for the same journey keeps what was said of its events before (the new
        # --map and --ignore win), so changing one option never drops the whole mapping.
        before = session.journey.event_log
        kept = {
            e: tp for e, tp in (before.mapping if before else {}).items() if session.journey.touchpoint(tp)
        }
        mapping = {**kept, **given}
        ignore = list(dict.fromkeys([*(before.ignore if before else []), *args.ignore]))
        ignore = [event for event in ignore if event not in given]
        for event in args.ignore:
            mapping.pop(event, None)
        unknown = sorted({tp for tp in given.values() if session.journey.touchpoint(tp) is None})
        if unknown:
            have = ", ".join(tp.id for tp in session.journey.touchpoints[:30])
            names = ", ".join(map(repr, unknown))
            raise CjmError(f"--map names touchpoint {names}, which the map does not have ({have})")
        if args.survey and not args.survey.exists():
            raise CjmError(f"cannot read {args.survey}: no such file")
        survey = (
            importers.location_for(str(args.survey.resolve()), map_dir)
            if args.survey
            else (before.survey if before else None)
        )
        log = EventLog(
            source=EventSource(
                kind=kind,  # type: ignore[arg-type]
                location=location,
                table=args.table,
                query=args.query,
                customer_column=args.customer_column,
                time_column=args.time_column,
                event_column=args.event_column,
                segment_column=args.segment_column,
                timezone=args.timezone,
                date_format=args.date_format,
                dayfirst=args.dayfirst,
            ),
            mapping=mapping,
            ignore=ignore,
            survey=survey,
        )
        if log.source is not None and trust.needs_trust(log.source):
            # given here by the person at this machine: trusted as given (a query must still be one SELECT)
            trust.trust([log.source], where=str(args.map.resolve()))
        with session.editor.batch("Keep an event log"):  # if it cannot be measured, nothing is kept
            session.editor.set_journey(event_log=log)
            report = refresh_event_log(session.editor, map_dir, map_name=str(args.map))
    print(f"Event log kept in {args.map}: {report.summary()}.")
    _notes(report)
    return EXIT_OK


def _notes(report: Any) -> None:
    for note in report.notes:
        print(f"  - {note}")
    if report.unreached:
        shown = ", ".join(report.unreached[:10]) + (" …" if len(report.unreached) > 10 else "")
        print(f"  - nobody reached: {shown}")


def cmd_refresh(args: argparse.Namespace) -> int:
    """``cjmkit journey refresh``."""
    from cjmkit.metrics.measured import refresh_event_log

    with store.open_map(args.map) as session:
        report = refresh_event_log(
            session.editor, args.map.resolve().parent, engine=args.engine, map_name=str(args.map)
        )
    print(f"Measured {args.map}: {report.summary()}.")
    _notes(report)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """``cjmkit journey show``."""
    import pandas as pd

    from cjmkit.metrics.journey_log import JourneyLog

    journey = store.load(args.map)
    events = args.events if args.events is not None else None
    with JourneyLog(journey, events, map_dir=args.map.resolve().parent, engine=args.engine) as log:
        frame = _measure(log, args)
    if frame.empty:
        print("(no rows)")
    else:
        with pd.option_context("display.max_rows", 200, "display.width", 160, "display.max_colwidth", 60):
            print(frame.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    if args.csv:
        from cjmkit.metrics.tables import write_csv

        written = write_csv({args.csv.stem: frame}, args.csv.parent)
        print(f"Wrote {written[0]}.", file=sys.stderr)
    return EXIT_OK


def _measure(log: Any, args: argparse.Namespace) -> Any:
    by, period, tps = args.by, args.period, args.touchpoints
    if args.what == "funnel":
        if not tps:
            raise CjmError(
                "funnel: give its steps, e.g. cjmkit journey show MAP funnel h-chat c-followup-call"
            )
        return log.funnel(tps, within_hours=args.within, by=by, period=period)
    if args.what == "between":
        if len(tps) != 2:
            raise CjmError("between: give a start and an end touchpoint, e.g. between h-chat c-followup-call")
        return log.time_between(tps[0], tps[1], by=by, period=period)
    if args.what == "repeats":
        return log.repeat_contacts(tps or None, within_days=args.days, by=by, period=period)
    if args.what in ("unmapped", "unreached"):
        return getattr(log, args.what)()
    return getattr(log, args.what)(by=by, period=period)
