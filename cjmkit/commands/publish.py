"""``cjmkit publish``: write a static site of a folder's maps (no server needed)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``publish`` to the command line."""
    publish = subparsers.add_parser(
        "publish",
        help="write a static HTML site of a folder's maps",
        description=(
            "Write SITE/index.html listing the maps of MAPS_DIR and one self-contained interactive page per "
            "map (tooltips and persona switching work without a server; opens from file:// too)."
        ),
    )
    publish.add_argument("maps_dir", type=Path, metavar="MAPS_DIR", help="folder of maps (*.cjm.json)")
    publish.add_argument(
        "--out", type=Path, required=True, metavar="SITE", help="folder to write the site to"
    )
    publish.add_argument(
        "--pdf", action="store_true", help="also print each map's A3 poster to SITE/NAME.pdf (needs Chromium)"
    )
    publish.set_defaults(func=cmd_publish)


def cmd_publish(args: argparse.Namespace) -> int:
    """Write the site and say where it is."""
    from cjmkit.publish import publish
    from cjmkit.store import SUFFIX

    site = publish(args.maps_dir, args.out, pdf=args.pdf)
    count = len(site.pages)
    posters = f", {len(site.pdfs)} PDF poster{'s' if len(site.pdfs) != 1 else ''}" if args.pdf else ""
    print(
        f"Wrote {count} map page{'s' if count != 1 else ''}{posters} and {site.index}{':' if count else ''}"
    )
    for name, page in site.pages.items():
        poster = f" and {site.pdfs[name].name}" if name in site.pdfs else ""
        print(f"  {page}{poster}  ({name}{SUFFIX})")
    for problem in site.skipped:
        print(f"skipped {problem}")
    return 0
