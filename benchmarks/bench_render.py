"""Benchmark the journey map: build, serialise, HTML size, and update() after one edit vs a rebuild.

Run: ``python benchmarks/bench_render.py`` (prints figures and PASS/FAIL per target; exits 0).

Targets (issue 3): a 200-touchpoint map builds in under 300 ms; ``update()`` after one edit at
1,000 touchpoints takes under 50 ms and is at least 10x faster than a rebuild.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

from cjmkit.edits import Editor
from cjmkit.render import JourneyMapView, html_page
from cjmkit.synthetic import synthetic_journey

SIZES = (50, 200, 1000)


def timed(work: Callable[[], object], before: Callable[[], object] | None = None, repeats: int = 9) -> float:
    """Median wall time of ``work`` in milliseconds (``before`` runs untimed before each try)."""
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        gc.collect()
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(n: int) -> dict[str, float]:
    """Build, serialise, size, update-after-one-edit and rebuild figures for ``n`` touchpoints."""
    journey = synthetic_journey(n, seed=1)
    JourneyMapView(journey)  # warm caches and imports
    figures = {"build": timed(lambda: JourneyMapView(journey))}
    view = JourneyMapView(journey)
    figures["serialise"] = timed(lambda: html_page(view, "bench"), repeats=3)
    figures["html_kb"] = len(html_page(view, "bench").encode("utf-8")) / 1024
    editor = Editor(journey)
    counter = iter(range(10**6))

    def one_edit() -> None:
        tp = journey.touchpoints[n // 2]
        editor.update("touchpoints", tp.id, name=f"Renamed touchpoint {next(counter)}")

    figures["update"] = timed(lambda: view.update(journey), before=one_edit, repeats=15)
    figures["rebuild"] = timed(lambda: JourneyMapView(journey), before=one_edit)
    return figures


def main() -> None:
    print(f"{'touchpoints':>11} {'build ms':>9} {'serialise ms':>12} {'HTML KB':>8} {'update ms':>10} "
          f"{'rebuild ms':>10} {'ratio':>6}")  # fmt: skip
    results: dict[int, dict[str, float]] = {}
    for n in SIZES:
        r = results[n] = measure(n)
        print(f"{n:>11} {r['build']:>9.1f} {r['serialise']:>12.1f} {r['html_kb']:>8.0f} {r['update']:>10.1f} "
              f"{r['rebuild']:>10.1f} {r['rebuild'] / r['update']:>5.1f}x")  # fmt: skip
    print()
    big, mid = results[1000], results[200]
    checks = [
        ("build of a 200-touchpoint map < 300 ms", mid["build"] < 300, f"{mid['build']:.1f} ms"),
        ("update() after one edit at 1,000 touchpoints < 50 ms", big["update"] < 50, f"{big['update']:.1f} ms"),
        ("update() at 1,000 touchpoints >= 10x faster than a rebuild", big["rebuild"] / big["update"] >= 10,
         f"{big['rebuild'] / big['update']:.1f}x"),
    ]  # fmt: skip
    for label, ok, figure in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {figure}")


if __name__ == "__main__":
    main()
