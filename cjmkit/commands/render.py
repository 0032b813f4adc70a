"""``cjmkit render MAP --html OUT.html --png OUT.png --pdf OUT.pdf --pdf-handout OUT.pdf --pptx OUT.pptx``.

Pictures, print-outs and a deck of a map, each written atomically (never half a file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cjmkit import store
from cjmkit.errors import CjmError
from cjmkit.figures import MapMetrics
from cjmkit.model import Journey


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``render`` to the command line."""
    render = subparsers.add_parser(
        "render",
        help="draw a map as offline HTML, a PNG picture, a PDF poster or handout, a PowerPoint deck",
        description=(
            "Draw the journey map. --html writes a self-contained interactive page (works offline, "
            "from file://); --png takes a picture of it, --pdf prints an A3 landscape poster and "
            "--pdf-handout an A4 handout (one stage per page), all with headless Chromium; --pptx "
            "writes a PowerPoint deck (a slide per stage with editable tables, KPIs, handoffs)."
        ),
    )
    render.add_argument("map", type=Path, metavar="MAP", help="the .cjm.json map")
    render.add_argument("--html", type=Path, metavar="OUT.html", help="write a self-contained HTML page")
    render.add_argument("--png", type=Path, metavar="OUT.png", help="write a PNG picture (needs Chromium)")
    render.add_argument(
        "--pdf",
        type=Path,
        metavar="OUT.pdf",
        help="print an A3 landscape poster, then the map in words (needs Chromium)",
    )
    render.add_argument(
        "--pdf-handout",
        type=Path,
        metavar="OUT.pdf",
        help="print an A4 handout: a cover, then one stage per page as text (needs Chromium)",
    )
    render.add_argument(
        "--pptx",
        type=Path,
        metavar="OUT.pptx",
        help="write a PowerPoint deck (its map picture needs Chromium)",
    )
    render.add_argument("--persona", metavar="ID", help="draw this persona's emotion curve (default: all)")
    render.add_argument(
        "--measure",
        action="store_true",
        help="show measured KPI status and support → care handoff health, from the map's KPIs and "
        "the tickets.csv and care_contacts.csv beside the map (NAME.tickets.csv and "
        "NAME.care_contacts.csv when the map has its own)",
    )
    render.add_argument(
        "--as-measured",
        action="store_true",
        help="open the map on the journey as measured from its event log (the page can switch back)",
    )
    render.add_argument("--title", help="page title (default: the map's title)")
    render.add_argument(
        "--scale", type=float, default=1.0, help="PNG pixel ratio, e.g. 2 for sharper (default 1)"
    )
    render.set_defaults(func=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    """Render MAP to the files asked for."""
    outputs = [args.html, args.png, args.pdf, args.pdf_handout, args.pptx]
    if all(out is None for out in outputs):
        raise CjmError(
            "say what to write: --html OUT.html, --png OUT.png, --pdf OUT.pdf, --pdf-handout OUT.pdf "
            "and/or --pptx OUT.pptx"
        )
    for flag, out, suffix in (("--pdf", args.pdf, ".pdf"), ("--pdf-handout", args.pdf_handout, ".pdf")):
        if out is not None and out.suffix.lower() != suffix:
            raise CjmError(f"{flag} {out}: the file name must end in {suffix}")
    if args.pptx is not None and args.pptx.suffix.lower() != ".pptx":
        raise CjmError(f"--pptx {args.pptx}: the file name must end in .pptx")
    if not 0.5 <= args.scale <= 4:
        raise CjmError(f"--scale must be between 0.5 and 4, got {args.scale:g}")
    from cjmkit.render import JourneyMapView, save_html, save_png

    journey = store.load(args.map)
    metrics = measured_metrics(journey, args.map) if args.measure else None
    view = JourneyMapView(journey, persona=args.persona, metrics=metrics)
    if args.as_measured:
        view.set_view("measured")
    title = args.title or journey.title
    if args.html is not None:
        print(f"wrote {save_html(view, args.html, title)}")
    if args.png is not None:
        print(f"wrote {save_png(view, args.png, title, scale=args.scale)}")
    if args.pdf is not None or args.pdf_handout is not None:
        from cjmkit.render.pdf import save_handout, save_poster

        if args.pdf is not None:
            print(
                f"wrote {save_poster(journey, args.pdf, metrics=metrics, persona=args.persona, title=title)}"
            )
        if args.pdf_handout is not None:
            print(f"wrote {save_handout(journey, args.pdf_handout, metrics=metrics, title=title)}")
    if args.pptx is not None:
        from cjmkit.render.deck import save_deck

        print(f"wrote {save_deck(journey, args.pptx, metrics=metrics, persona=args.persona, title=title)}")
    return 0


def measured_metrics(journey: Journey, map_path: Path) -> MapMetrics:
    """KPI traffic lights and handoff health for the map, measured as the viewer and publish measure them.

    A ticket export that cannot be read stops the command (exit 2); what is not measured is a
    note on stderr.
    """
    from cjmkit.render.measured import measure

    measured = measure(journey, map_path, on_error="raise")
    for note in measured.notes:
        print(f"note: {note}", file=sys.stderr)
    return measured.metrics
