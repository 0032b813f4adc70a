"""Benchmark the journey map: build, serialise, HTML size, and update() after one edit vs a rebuild.

Run: ``python benchmarks/bench_render.py`` (prints figures and PASS/FAIL per target; exits 1 when a target is missed).

Targets (issue 3): a 200-touchpoint map builds in under 300 ms; ``update()`` after one edit at
1,000 touchpoints takes under 50 ms and is at least 10x faster than a rebuild.

``update`` is the Python side alone; ``sent`` is the same update on a map shown in a document
whose every change is serialised as a PATCH-DOC message, as jupyter_bokeh and the Bokeh server
do: what a live map in a notebook or the workshop board pays. Figures are medians of wall
time, with the CPU time beside (a busy machine inflates the wall time, not the CPU time).
"""

from __future__ import annotations

import gc
import logging
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bokeh.document import Document
from bokeh.embed import json_item
from bokeh.protocol import Protocol

from cjmkit.edits import Editor
from cjmkit.render import JourneyMapView, html_page, journey_map
from cjmkit.store import load
from cjmkit.synthetic import synthetic_journey

SIZES = (50, 200, 1000)
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "acme.cjm.json"


def timed(
    work: Callable[[], object], before: Callable[[], object] | None = None, repeats: int = 9
) -> tuple[float, float]:
    """Median wall and CPU time of ``work`` in ms (``before`` runs untimed before each try)."""
    times, cpu = [], []
    for _ in range(repeats):
        if before is not None:
            before()
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu)


def shown(view: JourneyMapView) -> list[int]:
    """Serialise every change of ``view`` as jupyter_bokeh does; the list collects message sizes."""
    document = Document()
    document.add_root(view.layout)
    sizes: list[int] = []
    protocol = Protocol()

    def send(event: object) -> None:
        sizes.append(len(protocol.create("PATCH-DOC", [event]).content_json))

    document.on_change(send)
    return sizes


def measure(n: int) -> dict[str, float]:
    """Build, serialise, size, update-after-one-edit and rebuild figures for ``n`` touchpoints."""
    journey = synthetic_journey(n, seed=1)
    JourneyMapView(journey)  # warm caches and imports
    figures: dict[str, float] = {}
    figures["build"], _ = timed(lambda: JourneyMapView(journey))
    view = JourneyMapView(journey)
    figures["serialise"], _ = timed(lambda: html_page(view, "bench"), repeats=3)
    figures["html_kb"] = len(html_page(view, "bench").encode("utf-8")) / 1024
    editor = Editor(journey)
    counter = iter(range(10**6))

    def one_edit() -> None:
        tp = journey.touchpoints[n // 2]
        editor.update("touchpoints", tp.id, name=f"Renamed touchpoint {next(counter)}")

    figures["update"], figures["update_cpu"] = timed(
        lambda: view.update(journey), before=one_edit, repeats=15
    )
    live = JourneyMapView(journey)
    sizes = shown(live)
    figures["sent"], figures["sent_cpu"] = timed(lambda: live.update(journey), before=one_edit, repeats=15)
    figures["sent_kb"] = sum(sizes) / 15 / 1024
    figures["rebuild"], _ = timed(lambda: JourneyMapView(journey), before=one_edit)
    return figures


def sample_models() -> None:
    """Print the sample map's Bokeh model count and the time to serialise it (what a viewer visit pays)."""
    journey = load(SAMPLE)
    models = len(list(journey_map(journey).references()))
    # a layout serialises once per document, so every try gets a fresh one, built untimed
    layouts = [journey_map(journey) for _ in range(9)]
    documents = []
    for _ in range(9):
        documents.append(Document())
        documents[-1].add_root(journey_map(journey))
    quiet = logging.getLogger("bokeh.embed.util")  # json_item warns the map has Python callbacks
    quiet.disabled = True
    try:
        as_item, _ = timed(lambda: json_item(layouts.pop()))
    finally:
        quiet.disabled = False
    as_doc, _ = timed(lambda: documents.pop().to_json())
    print(f"sample map (acme): {models} Bokeh models; serialising it: json_item {as_item:.1f} ms, "
          f"Document.to_json {as_doc:.1f} ms\n")  # fmt: skip


def main() -> int:
    sample_models()
    print(f"{'touchpoints':>11} {'build ms':>9} {'serialise ms':>12} {'HTML KB':>8} {'update ms':>10} "
          f"{'(CPU)':>6} {'sent ms':>8} {'(CPU)':>6} {'sent KB':>8} {'rebuild ms':>10} {'ratio':>6}")  # fmt: skip
    results: dict[int, dict[str, float]] = {}
    for n in SIZES:
        r = results[n] = measure(n)
        print(f"{n:>11} {r['build']:>9.1f} {r['serialise']:>12.1f} {r['html_kb']:>8.0f} {r['update']:>10.1f} "
              f"{r['update_cpu']:>6.1f} {r['sent']:>8.1f} {r['sent_cpu']:>6.1f} {r['sent_kb']:>8.1f} "
              f"{r['rebuild']:>10.1f} {r['rebuild'] / r['sent']:>5.1f}x")  # fmt: skip
    print()
    big, mid = results[1000], results[200]
    checks = [
        ("build of a 200-touchpoint map < 300 ms", mid["build"] < 300, f"{mid['build']:.1f} ms"),
        ("update() after one edit at 1,000 touchpoints < 50 ms", big["update"] < 50, f"{big['update']:.1f} ms"),
        ("update() of a shown map, sent, at 1,000 touchpoints < 50 ms", big["sent"] < 50,
         f"{big['sent']:.1f} ms (CPU {big['sent_cpu']:.1f} ms, {big['sent_kb']:.1f} KB)"),
        ("update() sent at 1,000 touchpoints >= 10x faster than a rebuild", big["rebuild"] / big["sent"] >= 10,
         f"{big['rebuild'] / big['sent']:.1f}x"),
    ]  # fmt: skip
    for label, ok, figure in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {figure}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
