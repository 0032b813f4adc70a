"""``cjmkit kpi``: import, refresh and monitor a map's KPIs.

Subcommands
-----------
``cjmkit kpi import MAP FILE --kpi ID[=KEY] ...``
    Read KPI values from a CSV, Excel, Parquet or SQLite file (or ``--url`` for any SQLAlchemy
    database) into the map's KPIs, as one undoable, saved edit; the source is remembered.
``cjmkit kpi refresh MAP``
    Re-import every remembered source without asking anything (for cron); each source is
    reported, one that fails leaves its KPIs unchanged, and the exit code is 2 if any failed.
    The map's event log is measured again too, when it has one (as ``cjmkit journey refresh``).
``cjmkit kpi trust MAP``
    Show every stored source that runs SQL, connects to a database, reads environment
    variables or reads a file outside the map's folder, and trust it on this machine (refresh
    refuses such a source until then).
``cjmkit kpi status MAP``
    Print every KPI's status and trend, then the warnings list (most urgent first).
``cjmkit kpi add MAP LIBRARY_ID --touchpoint TP``
    Add a KPI from the library to a touchpoint; ``cjmkit kpi library`` lists the library.

Exit codes
----------
0
    Done; for ``status``: no KPI is bad (warnings may be listed).
1
    ``status`` only: at least one KPI is bad, so cron or CI can alert.
2
    A problem the user can fix (a bad file, an unknown KPI, a source that failed or is not
    trusted, ...); one sentence on stderr and the map unchanged (``refresh``: the KPIs of the
    sources that failed unchanged).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, get_args

from cjmkit import store
from cjmkit.errors import CjmError
from cjmkit.model import Aggregation, Frequency, KpiSource

if TYPE_CHECKING:
    import pandas as pd

# pandas and cjmkit.metrics are imported inside the commands, so that every other cjmkit
# command starts without them.

EXIT_OK, EXIT_BAD_KPI, EXIT_USER_ERROR = 0, 1, 2


def _real(path: Path) -> Path:
    # os.path.realpath, unlike Path.resolve, does not raise on a link loop: load() says what is wrong
    return Path(os.path.realpath(path))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kpi import | refresh | status | add | library`` to the command line."""
    kpi = subparsers.add_parser(
        "kpi",
        help="import, refresh and monitor KPIs",
        description="Import, refresh and monitor a map's KPIs. Exit codes: 0 ok; 1 (status) a KPI is bad; "
        "2 a problem you can fix.",
    )
    commands = kpi.add_subparsers(dest="kpi_command", metavar="COMMAND")
    commands.required = True

    imp = commands.add_parser(
        "import",
        help="import KPI values from a file or database",
        description="Import KPI values into the map (one undoable, saved edit); the source is remembered "
        "for 'cjmkit kpi refresh'.",
    )
    imp.add_argument("map", type=Path, metavar="MAP")
    imp.add_argument("file", nargs="?", metavar="FILE", help="CSV, .xlsx, .parquet or SQLite (.db) file")
    imp.add_argument("--url", help="an SQLAlchemy database URL instead of FILE")
    imp.add_argument(
        "--kpi",
        action="append",
        required=True,
        metavar="ID[=KEY]",
        help="a KPI of the map, and how the source names it (its value in the KPI column, or its "
        "column in wide layout); repeat for several",
    )
    imp.add_argument("--kind", choices=("csv", "excel", "parquet", "sql"), help="default: from the file name")
    imp.add_argument("--layout", choices=("long", "wide"), default="long")
    imp.add_argument("--period-column", default="period", help="dates (default: period, or date...)")
    imp.add_argument("--kpi-column", default="kpi", help="which KPI a row is about (long layout)")
    imp.add_argument("--value-column", default="value", help="the values (long layout)")
    imp.add_argument("--touchpoint-column", help="only rows of each KPI's touchpoint are used")
    imp.add_argument("--period", choices=get_args(Frequency), default="month")
    imp.add_argument(
        "--aggregation",
        choices=get_args(Aggregation),
        default="mean",
        help="how rows become one value per period (default: mean; rate = 100 × the mean of 0/1 values, "
        "a percentage; last = the period's last row, in a database the row with the latest date)",
    )
    imp.add_argument("--table", help="SQL table, or Excel sheet name")
    imp.add_argument("--query", help="SQL SELECT to read instead of a table")
    add_date_options(imp)
    imp.add_argument(
        "--labels",
        action="append",
        metavar="NAME|LABEL=SCORE,...",
        help="answer labels to scores, for survey exports: a ready map (csat, ces, nps, satisfaction-5, "
        "agreement-5, agreement-7, effort-5, likelihood-11) or pairs such as 'Happy=5,Unhappy=1'; repeatable",
    )
    imp.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="leave out unreadable rows (counted; remembered for refresh)",
    )
    imp.add_argument(
        "--replace",
        action="store_true",
        help="let this source replace the one a KPI has, and its values (those the source lacks are dropped)",
    )
    imp.add_argument(
        "--allow-out-of-scale",
        action="store_true",
        help="import values outside the KPI's scale (e.g. 70-95 into a 1-5 score; remembered)",
    )
    imp.add_argument(
        "--allow-finer-period",
        action="store_true",
        help="measure a KPI per a shorter period than it is defined for (e.g. weekly instead of monthly)",
    )
    imp.set_defaults(func=cmd_import)

    ref = commands.add_parser("refresh", help="re-import every remembered source (no questions; for cron)")
    ref.add_argument("map", type=Path, metavar="MAP")
    ref.add_argument("--skip-bad-rows", action="store_true")
    ref.set_defaults(func=cmd_refresh)

    trust = commands.add_parser(
        "trust",
        help="show the map's SQL, database, ${VAR} and outside-file sources, then trust them on this machine",
        description="Show every source stored in the map that runs SQL, connects to a database, fills in "
        "environment variables or reads a file outside the map's folder, then trust them on this machine "
        "(refresh refuses them until then). The "
        "record stays outside the map, keyed by each source's content: an edited source needs trust again.",
    )
    trust.add_argument("map", type=Path, metavar="MAP")
    trust.add_argument("--yes", "-y", action="store_true", help="trust without asking (after showing them)")
    trust.add_argument("--revoke", action="store_true", help="forget the trust of the map's sources")
    trust.set_defaults(func=cmd_trust)

    status = commands.add_parser(
        "status",
        help="print KPI status and warnings; exit 1 when a KPI is bad",
        description="Print every KPI's status and trend and the warnings list. Exit 0: no KPI is bad; "
        "1: at least one KPI is bad; 2: a problem you can fix.",
    )
    status.add_argument("map", type=Path, metavar="MAP")
    status.add_argument("--tickets", type=Path, help="tickets CSV, to judge the handoffs")
    status.add_argument("--contacts", type=Path, help="care contacts CSV (with --tickets)")
    status.add_argument("--survey", type=Path, help="survey CSV (default: the map's own feedback)")
    status.set_defaults(func=cmd_status)

    add = commands.add_parser("add", help="add a KPI from the library to a touchpoint")
    add.add_argument("map", type=Path, metavar="MAP")
    add.add_argument("definition", metavar="LIBRARY_ID")
    add.add_argument("--touchpoint", help="touchpoint id (default: the whole journey)")
    add.add_argument("--id", dest="kpi_id", help="the new KPI's id")
    add.add_argument("--target", type=float)
    add.add_argument("--warning", type=float)
    add.set_defaults(func=cmd_add)

    lib = commands.add_parser("library", help="list the KPI library")
    lib.add_argument("--map", type=Path, help="also read kpi_library.json beside this map")
    lib.set_defaults(func=cmd_library)


def add_date_options(parser: argparse.ArgumentParser) -> None:
    """``--date-format``, ``--dayfirst`` / ``--monthfirst`` and ``--timezone`` (remembered with a source)."""
    parser.add_argument(
        "--date-format",
        metavar="FORMAT",
        help="how dates are written, e.g. '%%m/%%d/%%Y %%I:%%M %%p' (default: recognised; 01/02/2025 is never guessed)",
    )
    order = parser.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst", dest="dayfirst", action="store_const", const=True, help="01/02/2025 is 1 February"
    )
    order.add_argument(
        "--monthfirst", dest="dayfirst", action="store_const", const=False, help="01/02/2025 is January 2"
    )
    parser.add_argument(
        "--timezone",
        metavar="ZONE",
        help="the time zone of timestamps written without an offset, e.g. Europe/Berlin (default UTC; "
        "offsets in the data are always honoured)",
    )


def parse_kpis(specs: list[str]) -> dict[str, str]:
    """``["csat", "nps=NPS score"]`` → ``{"csat": "csat", "nps": "NPS score"}``."""
    mapping: dict[str, str] = {}
    for spec in specs:
        kpi_id, _, key = spec.partition("=")
        if not kpi_id.strip():
            raise CjmError(f"--kpi {spec!r}: give a KPI id, e.g. --kpi csat or --kpi csat=CSAT")
        mapping[kpi_id.strip()] = key.strip() or kpi_id.strip()
    return mapping


def cmd_import(args: argparse.Namespace) -> int:
    """``cjmkit kpi import``."""
    from cjmkit.metrics import importers

    if bool(args.file) == bool(args.url):
        raise CjmError("give either FILE or --url")
    map_dir = _real(args.map).parent
    if args.url:
        location, kind = args.url, "sql"
    else:
        kind = args.kind or importers.kind_of(args.file)
        path = Path(args.file)
        if not path.exists():
            raise CjmError(f"cannot read {path}: no such file")
        location = f"sqlite:///{_real(path)}" if kind == "sql" else str(_real(path))
    from cjmkit.metrics.labels import label_map

    wide = args.layout == "wide"
    source = checked(
        KpiSource,
        kind=kind,
        location=importers.location_for(location, map_dir),
        table=args.table,
        query=args.query,
        layout=args.layout,
        period_column=args.period_column,
        kpi_column=None if wide else args.kpi_column,
        value_column=None if wide else args.value_column,
        touchpoint_column=args.touchpoint_column,
        period=args.period,
        aggregation=args.aggregation,
        date_format=args.date_format,
        dayfirst=args.dayfirst,
        timezone=args.timezone,
        labels=label_map(*args.labels) if args.labels else None,
    )
    with store.open_map(args.map) as session:
        report = importers.import_kpis(
            session.editor,
            source,
            parse_kpis(args.kpi),
            map_dir=map_dir,
            skip_bad_rows=args.skip_bad_rows,
            replace=args.replace,
            allow_out_of_scale=args.allow_out_of_scale,
            allow_finer_period=args.allow_finer_period,
        )
    print(f"Imported into {args.map}: {report.summary()}.")
    for line in [*report.skipped, *report.notes]:
        print(f"  - {line}")
    return EXIT_OK


T = TypeVar("T")


def checked(model: type[T], **values: object) -> T:
    """Build a model from command-line values; a bad value is one sentence naming the option."""
    from pydantic import ValidationError

    from cjmkit.model import problems_of

    try:
        return model(**values)
    except ValidationError as error:
        problems = [p.replace("_", "-", p.index(":")) if ":" in p else p for p in problems_of(error)]
        raise CjmError("; ".join(f"--{p}" for p in problems)) from None


def cmd_refresh(args: argparse.Namespace) -> int:
    """``cjmkit kpi refresh``: every source is tried and reported; exit 2 when any failed.

    The map's event log, when it has one, is one more source: it is measured again
    (:func:`cjmkit.metrics.measured.refresh_event_log`) and reported like the KPI sources.
    """
    from cjmkit.metrics import importers

    with store.open_map(args.map) as session:
        log = session.journey.event_log
        has_log = log is not None and log.source is not None
        has_kpis = any(k.source for k in session.journey.kpis)
        if not has_kpis and not has_log:
            print(f"{args.map}: no KPI has a source to refresh (import one with 'cjmkit kpi import').")
            return EXIT_OK
        failed = 0
        if has_kpis:
            report = importers.refresh(
                session.editor,
                _real(args.map).parent,
                skip_bad_rows=args.skip_bad_rows,
                map_name=str(args.map),
            )
            print(f"Refreshed {args.map}: {report.summary()}.")
            for outcome in report.sources:
                print(f"  {outcome.line()}")
            for line in [*report.skipped, *report.notes]:
                print(f"  - {line}")
            failed += len(report.failed)
        if has_log:
            from cjmkit.metrics.measured import refresh_event_log

            try:
                measured = refresh_event_log(session.editor, _real(args.map).parent, map_name=str(args.map))
            except CjmError as error:
                print(f"  FAILED  the event log: {error}")
                failed += 1
            else:
                print(f"Measured the event log of {args.map}: {measured.summary()}.")
                for note in measured.notes:
                    print(f"  - {note}")
    if failed:
        print(
            f"cjmkit kpi refresh: {failed} source{'s' if failed != 1 else ''} failed; "
            "what they feed is unchanged (see above)",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    return EXIT_OK


def cmd_trust(args: argparse.Namespace) -> int:
    """``cjmkit kpi trust``: show each source that needs trust, ask, record."""
    from cjmkit import trust
    from cjmkit.metrics import readonly

    journey = store.load(args.map)
    entries = [entry for entry in trust.stored_sources(journey) if entry.needs_trust]
    if args.revoke:
        removed = trust.revoke(entry.source for entry in entries)
        print(f"{args.map}: {removed} source{'s' if removed != 1 else ''} no longer trusted on this machine.")
        return EXIT_OK
    if not entries:
        print(f"{args.map}: no source runs SQL, connects to a database, reads environment variables or "
              "reads a file outside the map's folder; nothing needs trust.")  # fmt: skip
        return EXIT_OK
    print(
        f"Sources in {args.map} that run SQL, connect to a database, read environment variables or read "
        "a file outside the map's folder:\n"
    )
    acceptable = []
    for number, entry in enumerate(entries, 1):
        lines = trust.describe(entry)
        print(f"{number}. {lines[0]}")
        for line in lines[1:]:
            print(f"   {line}")
        query = getattr(entry.source, "query", None)
        if query:
            try:
                readonly.check_query(query, readonly.backend(entry.source.location))
            except CjmError as error:
                print(f"   REFUSED ANYWAY: {error}; it will not be trusted")
                continue
        acceptable.append(entry)
        print()
    waiting = [entry for entry in acceptable if not entry.trusted]
    if not waiting:
        print("All of them are trusted on this machine already." if acceptable else "Nothing was trusted.")
        return EXIT_OK if acceptable else EXIT_USER_ERROR
    count = f"{len(waiting)} source{'s' if len(waiting) != 1 else ''}"
    if not args.yes:
        if not sys.stdin.isatty():
            raise CjmError(
                f"nothing was trusted: read the {count} above, then run 'cjmkit kpi trust {args.map} --yes' "
                "if they are yours"
            )
        answer = input(f"Trust these {count} on this machine? Only if you know them. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was trusted.")
            return EXIT_USER_ERROR
    trust.trust((entry.source for entry in waiting), where=str(_real(args.map)))
    print(f"Trusted {count} on this machine: 'cjmkit kpi refresh {args.map}' runs them now.")
    return EXIT_OK


def _status_table(status: pd.DataFrame) -> str:
    import numpy as np
    import pandas as pd

    from cjmkit.metrics import monitoring

    rows = [("KPI", "STATUS", "LATEST", "TARGET", "TREND", "PERIOD")]
    for _, row in status.iterrows():
        target = row["target"]
        sign = "≥" if row["direction"] == "higher" else "≤"
        rows.append(
            (
                str(row["name"]),
                str(row["status_text"]).upper(),
                monitoring.format_value(row["latest"], row["unit"]),
                f"{sign} {monitoring.format_value(target, row['unit'])}" if np.isfinite(target) else "–",
                str(row["trend"] or "–") + (" (worse)" if row["worsened"] else ""),
                row["latest_period"].strftime("%Y-%m-%d") if pd.notna(row["latest_period"]) else "–",
            )
        )
    widths = [min(40, max(len(r[i]) for r in rows)) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell[:40].ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def cmd_status(args: argparse.Namespace) -> int:
    """``cjmkit kpi status``: the table, the warnings; exit 1 when any KPI is bad."""
    from cjmkit.metrics import handoff, monitoring, satisfaction

    journey = store.load(args.map)
    status = monitoring.kpi_status(journey)
    health = None
    if args.tickets or args.contacts:
        if not (args.tickets and args.contacts):
            raise CjmError("--tickets and --contacts go together")
        survey = satisfaction.read_survey(args.survey) if args.survey else None
        health = handoff.handoff_health(
            journey, handoff.read_tickets(args.tickets), handoff.read_care_contacts(args.contacts), survey
        )
    responses = satisfaction.read_survey(args.survey) if args.survey else satisfaction.feedback_frame(journey)
    stages = satisfaction.stage_scores(responses, journey)
    listed = monitoring.warnings(journey, handoffs=health, stages=stages, status=status)
    print(f"{journey.title}: {len(status)} KPIs")
    if len(status):
        print(_status_table(status))
    print()
    if listed.empty:
        print("Nothing needs attention.")
    else:
        print(f"Needs attention ({len(listed)}, most urgent first):")
        for _, row in listed.iterrows():
            print(f"  {row['severity'].upper():8} {row['message']}")
    bad = int((status["status"] == "bad").sum()) if len(status) else 0
    if bad:
        print(f"\n{bad} KPI{'s are' if bad != 1 else ' is'} bad.", file=sys.stderr)
        return EXIT_BAD_KPI
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    """``cjmkit kpi add``."""
    from cjmkit.metrics import library

    overrides = {k: v for k, v in (("target", args.target), ("warning", args.warning)) if v is not None}
    definitions = library.load_library(_real(args.map).parent)
    with store.open_map(args.map) as session:
        kpi = library.attach(
            session.editor,
            args.definition,
            args.touchpoint,
            kpi_id=args.kpi_id,
            library=definitions,
            **overrides,
        )
    print(f"Added KPI {kpi.id!r} ({kpi.name}) to {args.map}.")
    return EXIT_OK


def cmd_library(args: argparse.Namespace) -> int:
    """``cjmkit kpi library``."""
    from cjmkit.metrics import library

    definitions = library.load_library(_real(args.map).parent if args.map else None)
    for d in definitions.values():
        better = "higher" if d.direction == "higher" else "lower"
        thresholds = (
            f"target {d.target:g}, warning {d.warning:g}"
            if d.target is not None and d.warning is not None
            else ""
        )
        print(f"{d.id:26} {d.name} [{d.unit}, {better} is better; {thresholds}]")
    return EXIT_OK
