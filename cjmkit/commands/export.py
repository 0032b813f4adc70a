"""``cjmkit export MAP --csv DIR | --xlsx FILE``: the map as spreadsheet tables.

Writes touchpoints, handoffs, KPIs, their observations and feedback. Text cells that a
spreadsheet would run as a formula are neutralised with a leading ``'``; numbers stay numbers.
Exit 0 when written, 2 when the map or the target cannot be read or written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cjmkit import store
from cjmkit.errors import CjmError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export`` to the command line."""
    export = subparsers.add_parser(
        "export",
        help="write a map's touchpoints, KPIs and feedback as CSV files or an Excel workbook",
        description="Write touchpoints, handoffs, KPIs, observations and feedback as tables. Formula-like "
        "text is neutralised with a leading '; numbers stay numbers.",
    )
    export.add_argument("map", type=Path, metavar="MAP")
    export.add_argument("--csv", type=Path, metavar="DIR", help="write one CSV file per table into DIR")
    export.add_argument("--xlsx", type=Path, metavar="FILE", help="write one workbook with a sheet per table")
    export.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """``cjmkit export``."""
    if not (args.csv or args.xlsx):
        raise CjmError("say where to write: --csv DIR and/or --xlsx FILE")
    from cjmkit.metrics.tables import map_tables, write_csv, write_xlsx

    tables = map_tables(store.load(args.map))
    if args.csv:
        written = write_csv(tables, args.csv)
        print(f"Wrote {len(written)} CSV files into {args.csv}: {', '.join(p.name for p in written)}.")
    if args.xlsx:
        write_xlsx(tables, args.xlsx)
        print(f"Wrote {args.xlsx} with sheets {', '.join(tables)}.")
    return 0
