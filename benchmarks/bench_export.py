"""Benchmark what stakeholders get: each export of the sample map, as ``cjmkit render`` makes it.

Run: ``python benchmarks/bench_export.py`` (prints figures and PASS/FAIL per target; exits 1 when a
target is missed). ``--runs N`` times each export N times (median); ``--only pdf,pptx`` picks some.

Target (issue 14): each export of the sample map (measured, with its ticket data) takes under
20 s on 2 cores: the HTML page, the PNG picture, the A3 poster PDF, the A4 handout PDF and the
PowerPoint deck. Each figure is wall time from the map file to the written file, the way the
command line runs it, Chromium's start included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cjmkit import metrics as m
from cjmkit import store
from cjmkit.render import JourneyMapView, find_chromium, save_html, save_png

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "acme.cjm.json"
TARGET_S = 20.0


def exports(folder: Path) -> dict[str, object]:
    """Name → a function writing that export of the sample map into ``folder``."""
    from cjmkit.render.deck import save_deck
    from cjmkit.render.pdf import save_handout, save_poster

    def measured():
        journey = store.load(SAMPLE)
        found = m.handoff_data_files(SAMPLE)
        health = m.handoff_health(journey, m.read_tickets(found[0]), m.read_care_contacts(found[1]))
        return journey, m.map_metrics(journey, status=m.kpi_status(journey), handoffs=health)

    def html() -> None:
        journey, metrics = measured()
        save_html(
            JourneyMapView(journey, persona="maya", metrics=metrics), folder / "acme.html", journey.title
        )

    def png() -> None:
        journey, metrics = measured()
        save_png(JourneyMapView(journey, persona="maya", metrics=metrics), folder / "acme.png", journey.title)

    def poster() -> None:
        journey, metrics = measured()
        save_poster(journey, folder / "acme.pdf", metrics=metrics, persona="maya")

    def handout() -> None:
        journey, metrics = measured()
        save_handout(journey, folder / "acme-handout.pdf", metrics=metrics)

    def deck() -> None:
        journey, metrics = measured()
        save_deck(journey, folder / "acme.pptx", metrics=metrics, persona="maya")

    return {"html": html, "png": png, "pdf": poster, "pdf-handout": handout, "pptx": deck}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per export (median)")
    parser.add_argument("--only", default="", help="comma-separated exports to time (default: all)")
    args = parser.parse_args()
    if find_chromium() is None:
        print("FAIL: no Chromium to print with (apt-get install chromium)")
        return 1
    missed = False
    with tempfile.TemporaryDirectory(prefix="cjmkit-bench-export-") as folder:
        jobs = exports(Path(folder))
        wanted = [name for name in args.only.split(",") if name] or list(jobs)
        print(f"sample map, {args.runs} run(s) each; target < {TARGET_S:.0f} s per export")
        for name in wanted:
            times = []
            for _ in range(max(1, args.runs)):
                start = time.perf_counter()
                jobs[name]()
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 1024
            ok = median < TARGET_S
            missed |= not ok
            print(
                f"{'PASS' if ok else 'FAIL'} {name:12} {median:6.2f} s (ratio to target {median / TARGET_S:.2f}; "
                f"slowest {max(times):.2f} s; folder {size:,.0f} KB)"
            )
            for path in Path(folder).iterdir():
                path.unlink()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
