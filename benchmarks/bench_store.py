"""How long loading and saving a map takes, for generated maps of 100 and 1,000 touchpoints.

Target: saving a 1,000-touchpoint map stays under 50 ms at p99, so that saving on every edit
is free in a workshop. A save here is the whole thing: cross-entity check, serialisation,
revision check under the lock, temp file, fsync, snapshot link, ``os.replace``, folder fsync.

The floor is writing the same text with a plain ``Path.write_text`` (no fsync, no lock, not
atomic): the ratio shows what safety costs.

Run: ``.venv/bin/python benchmarks/bench_store.py [--saves 200] [--dir FOLDER]``
(the folder decides the disk that is measured; default: a temp folder).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cjmkit.store import load, open_map, save
from cjmkit.synthetic import synthetic_journey

TARGET_P99_MS = 50.0


CPU_MS: dict[str, list[float]] = {}


def timings(action: Callable[[int], object], runs: int, label: str = "") -> list[float]:
    """Run ``action(i)`` ``runs`` times; return each wall-clock duration in milliseconds.

    The CPU time of each run is kept in ``CPU_MS[label]``: on a busy machine the two differ.
    """
    durations, cpu = [], []
    for i in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action(i)
        durations.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    CPU_MS[label] = cpu
    return durations


def p99(values: list[float]) -> float:
    if len(values) < 2:  # (a --saves small enough for a smoke run)
        return max(values)
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def row(label: str, values: list[float]) -> str:
    return f"  {label:<34} median {statistics.median(values):7.2f} ms   p99 {p99(values):7.2f} ms"


def bench(size: int, saves: int, folder: Path) -> float:
    """Print the figures for one map size; return the p99 of a save."""
    journey = synthetic_journey(size)
    path = folder / f"bench-{size}.cjm.json"
    save(journey, path)
    kilobytes = path.stat().st_size / 1024
    print(f"{size:,} touchpoints ({kilobytes:,.0f} KiB on disk)")

    save_ms = timings(lambda i: save(journey, path), saves, "save")
    text = journey.model_dump_json(indent=2) + "\n"
    floor_path = folder / f"floor-{size}.json"
    floor_ms = timings(lambda i: floor_path.write_text(text, encoding="utf-8"), saves)
    load_ms = timings(lambda i: load(path), max(20, saves // 5))
    with open_map(path) as session:
        first = session.journey.touchpoints[0].id
        edit_ms = timings(
            lambda i: session.editor.update("touchpoints", first, description=f"edit {i}"), max(2, saves // 2)
        )

    print(row("save", save_ms))
    print(row("save, CPU time only", CPU_MS["save"]))
    print(row("floor (write_text, not safe)", floor_ms))
    print(row("load", load_ms))
    print(row("edit + autosave (MapSession)", edit_ms))
    ratio = statistics.median(save_ms) / statistics.median(floor_ms)
    print(f"  save / floor (median)              {ratio:7.1f}x")
    return p99(save_ms)


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg()) + f" on {os.cpu_count()} CPUs"
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=200, help="saves timed per map size (default 200)")
    parser.add_argument("--dir", type=Path, default=None, help="folder to write in (default: a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        print(f"cjmkit.store benchmark, {args.saves} saves per size, in {folder}")
        print(f"load average before: {load_average()}\n")
        results = {size: bench(size, args.saves, Path(folder)) for size in (100, 1000)}
    print(f"\nload average after: {load_average()} (on a busy machine wall-clock figures include waiting)")
    verdict = "PASS" if results[1000] < TARGET_P99_MS else "FAIL"
    print(
        f"Target: save of 1,000 touchpoints p99 < {TARGET_P99_MS:g} ms: "
        f"measured {results[1000]:.1f} ms ({TARGET_P99_MS / results[1000]:.1f}x headroom) -> {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
