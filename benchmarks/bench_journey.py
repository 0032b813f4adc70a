"""The journey as measured, at scale: pandas for a million events, DuckDB for fifty million.

1. **pandas, 1,000,000 events** (a DataFrame of 100,000 customers × 10 events on the Acme
   map's touchpoints): reading them (:func:`cjmkit.metrics.tidy_events`), mapping them, and every
   measure (transitions, paths, drop-off, a windowed funnel, repeat contacts, time between two
   touchpoints, reach, missing from the map). Target: under 10 s in all (wall clock or, on a
   machine shared with other work, the process's CPU time: pandas runs on one core).
2. **DuckDB, 50,000,000 events** in a Parquet file (2,000,000 customers × 25 events; made once
   into ``.bench/``, which takes about a minute): :class:`cjmkit.metrics.JourneyLog` reads the
   file and computes what the map keeps (transitions, reach, drop-off, missing from the map), in a
   fresh process whose peak memory (``ru_maxrss``) is reported. Target: within 4 GB. Its time is
   shown as a ratio to a plain DuckDB ``GROUP BY event`` over the same file, in its own fresh
   process: the floor any measure of the file pays (and to a ``GROUP BY customer``, two
   million groups, closer to the per-customer work of the journey). Measuring reads the file
   into DuckDB once (checked), sorts every customer's events and ranks the times between
   steps, so it costs far more than one GROUP BY; what matters is that it fits: DuckDB may use
   3 GB of memory and spills the rest to a bounded temporary folder.

Run: ``.venv/bin/python benchmarks/bench_journey.py [--events 1000000] [--big 50000000]``;
``--quick`` runs both at a small size (what the test suite does). Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
TARGET_PANDAS_S = 10.0
TARGET_DUCKDB_MB = 4096.0
EVENTS_PER_CUSTOMER = 10
BIG_EVENTS_PER_CUSTOMER = 25


def acme():
    from cjmkit import store

    return store.load(ROOT / "sample_data" / "acme.cjm.json")


def event_names() -> list[str]:
    """The sample map's event values, and two that no touchpoint stands for."""
    return [*acme().event_log.mapping, "status-page:visit", "community:post"]


def make_frame(events: int) -> pd.DataFrame:
    """Raw events as a source would hand them over: text ids, ISO 8601 timestamps with ``Z``."""
    rng = np.random.default_rng(0)
    customers = max(1, events // EVENTS_PER_CUSTOMER)
    who = np.repeat(np.arange(customers), EVENTS_PER_CUSTOMER)[:events]
    start = np.datetime64("2025-12-01T00:00:00") + rng.integers(0, 300 * 86400, customers).astype(
        "timedelta64[s]"
    )
    steps = rng.exponential(3 * 86400, events).astype("int64").astype("timedelta64[s]")
    offsets = pd.Series(steps).groupby(who).cumsum().to_numpy()
    names = np.array(event_names())
    return pd.DataFrame(
        {
            "customer_id": pd.Series(who).map(lambda c: f"C-{c:07d}").to_numpy(),
            "timestamp": pd.Series(start[who] + offsets).dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "event": names[rng.integers(0, len(names), events)],
            "persona": np.where(who % 3 == 0, "daniel", "maya"),
        }
    )


def run_pandas(events: int) -> dict[str, tuple[float, float]]:
    """Seconds of each step, as (wall clock, CPU of this process): on a shared machine the two differ."""
    from cjmkit.metrics import EventColumns, JourneyLog

    frame = make_frame(events)
    journey = acme()
    timings: dict[str, tuple[float, float]] = {}
    total = time.perf_counter(), time.process_time()
    start = time.perf_counter(), time.process_time()
    log = JourneyLog(journey, frame, columns=EventColumns(segment="persona"))
    timings["read and check"] = _since(start)
    calls = {
        "transitions": lambda: log.transitions(),
        "paths": lambda: log.paths(),
        "drop-off": lambda: log.dropoff(),
        "funnel (48 h)": lambda: log.funnel(
            ["h-email-ticket", "h-resolution", "c-followup-email"], within_hours=48
        ),
        "repeat contacts": lambda: log.repeat_contacts(),
        "time between": lambda: log.time_between("h-resolution", "c-followup-call"),
        "reach": lambda: log.reach(),
        "missing from the map": lambda: log.unmapped(),
    }
    for name, call in calls.items():
        start = time.perf_counter(), time.process_time()
        call()
        timings[name] = _since(start)
    timings["total"] = _since(total)
    return timings


def _since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


# -- DuckDB at scale -------------------------------------------------------------------------------


def make_parquet(path: Path, events: int) -> None:
    """Write ``events`` rows with DuckDB itself (once per size): 25 events per customer."""
    if path.exists():
        return
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    names = event_names()
    listed = "[" + ", ".join("'" + n.replace("'", "''") + "'" for n in names) + "]"
    temp = path.with_suffix(".tmp")
    connection = duckdb.connect(
        config={"memory_limit": "2GB", "temp_directory": str(path.parent / "duckdb-tmp")}
    )
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(
        f"""COPY (
            SELECT 'C-' || lpad(CAST(i // {BIG_EVENTS_PER_CUSTOMER} AS VARCHAR), 8, '0') AS customer_id,
                   TIMESTAMPTZ '2025-12-01 00:00:00+00'
                     + to_seconds(CAST((hash(i // {BIG_EVENTS_PER_CUSTOMER}) % (300 * 86400))
                                       + (i % {BIG_EVENTS_PER_CUSTOMER}) * 20000 + hash(i) % 15000 AS BIGINT))
                     AS timestamp,
                   {listed}[1 + CAST(hash(i * 7 + 1) % {len(names)} AS INTEGER)] AS event,
                   CASE WHEN (i // {BIG_EVENTS_PER_CUSTOMER}) % 3 = 0 THEN 'daniel' ELSE 'maya' END AS persona
            FROM range({events}) t(i)
        ) TO '{temp}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"""
    )
    connection.close()
    temp.replace(path)


FLOORS = {"floor": "event", "floor-customer": "customer_id"}
"""The plain GROUP BYs the journey's time is compared with: by event (a few dozen groups, the
issue's floor) and by customer (two million groups, closer to the journey's per-customer work)."""


def child(what: str, path: str) -> None:
    """One DuckDB measurement in this fresh process: prints seconds and peak memory as JSON.

    Imports come first: the time is the work on the file only.
    """
    import duckdb

    from cjmkit.metrics import EventColumns, JourneyLog

    journey = acme()
    start = time.perf_counter()
    if what in FLOORS:
        connection = duckdb.connect()
        rows = connection.execute(
            f"SELECT count(*) FROM (SELECT {FLOORS[what]}, count(*) FROM read_parquet('{path}') "
            f"GROUP BY {FLOORS[what]})"
        ).fetchall()
        figures = {"groups": rows[0][0]}
    else:
        with JourneyLog(journey, path, columns=EventColumns(segment="persona"), engine="duckdb") as log:
            figures = {
                "transitions": len(log.transitions()),
                "reach": len(log.reach()),
                "dropoff": len(log.dropoff()),
                "unmapped": len(log.unmapped()),
            }
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, **figures}))


def measure(what: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", what, str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the {what} measurement failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events measured with pandas")
    parser.add_argument("--big", type=int, default=50_000_000, help="events measured with DuckDB")
    parser.add_argument("--quick", action="store_true", help="small sizes (for the test suite's smoke run)")
    parser.add_argument("--dir", type=Path, default=BENCH, help="where the generated Parquet file is kept")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    if args.quick:
        args.events, args.big = 20_000, 200_000
    missed = []

    timings = run_pandas(args.events)
    print(f"pandas, {args.events:,} events ({args.events // EVENTS_PER_CUSTOMER:,} customers):")
    for name, (wall, cpu) in timings.items():
        print(f"  {name:22} {wall:7.2f} s   (CPU {cpu:6.2f} s)")
    # pandas runs on one core: its CPU time is the wall clock of an idle machine (a loaded one waits longer)
    wall, cpu = timings["total"]
    ok = min(wall, cpu) < TARGET_PANDAS_S
    print(f"{'PASS' if ok else 'FAIL'} pandas: all measures of {args.events:,} events in {wall:.2f} s, "
          f"CPU {cpu:.2f} s (target < {TARGET_PANDAS_S:g} s)")  # fmt: skip
    if not ok:
        missed.append("pandas")

    path = args.dir / f"journey-events-{args.big}.parquet"
    start = time.perf_counter()
    made = not path.exists()
    make_parquet(path, args.big)
    if made:
        print(
            f"made {path.name} ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - start:.1f} s"
        )
    floor = measure("floor", path)
    by_customer = measure("floor-customer", path)
    journey = measure("journey", path)
    ratio = journey["seconds"] / max(floor["seconds"], 1e-9)
    ratio_customer = journey["seconds"] / max(by_customer["seconds"], 1e-9)
    print(f"DuckDB, {args.big:,} events in Parquet ({args.big // BIG_EVENTS_PER_CUSTOMER:,} customers):")
    print(f"  plain GROUP BY event      {floor['seconds']:7.2f} s, peak {floor['peak_mb']:,.0f} MB")
    print(
        f"  plain GROUP BY customer   {by_customer['seconds']:7.2f} s, peak {by_customer['peak_mb']:,.0f} MB"
    )
    print(f"  what the map keeps        {journey['seconds']:7.2f} s, peak {journey['peak_mb']:,.0f} MB "
          f"({journey['transitions']} transitions, {journey['unmapped']} events missing from the map)")  # fmt: skip
    print(f"  journey / GROUP BY event     {ratio:7.1f}")
    print(f"  journey / GROUP BY customer  {ratio_customer:7.1f}")
    ok = journey["peak_mb"] < TARGET_DUCKDB_MB
    print(f"{'PASS' if ok else 'FAIL'} DuckDB: {args.big:,} events measured within {journey['peak_mb']:,.0f} MB "
          f"(target < {TARGET_DUCKDB_MB:,.0f} MB); {ratio:.1f}x a plain GROUP BY")  # fmt: skip
    if not ok:
        missed.append("duckdb")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
