"""The journey as measured, at scale: pandas for a million events, DuckDB for fifty million.

1. **pandas, 1,000,000 events** (a DataFrame of 100,000 customers × 10 events on the Acme
   map's touchpoints): reading them (:func:`cjmkit.metrics.tidy_events`), mapping them, and every
   measure (transitions, paths, drop-off, a windowed funnel, repeat contacts, time between two
   touchpoints, reach, missing from the map). Target: under 10 s in all.
2. **DuckDB, 50,000,000 events** in a Parquet file (2,000,000 customers × 25 events; made once
   into ``.bench/``, which takes about a minute): :class:`cjmkit.metrics.JourneyLog` reads the
   file and computes what the map keeps (transitions, reach, drop-off, missing from the map), in a
   fresh process whose peak memory (``ru_maxrss``) is reported. Target: within 4 GB. Its time is
   shown as a ratio to a plain DuckDB ``GROUP BY event`` over the same file, in its own fresh
   process: the floor any measure of the file pays.

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


def run_pandas(events: int) -> dict[str, float]:
    from cjmkit.metrics import EventColumns, JourneyLog

    frame = make_frame(events)
    journey = acme()
    timings: dict[str, float] = {}
    total = time.perf_counter()
    start = time.perf_counter()
    log = JourneyLog(journey, frame, columns=EventColumns(segment="persona"))
    timings["read and check"] = time.perf_counter() - start
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
        start = time.perf_counter()
        call()
        timings[name] = time.perf_counter() - start
    timings["total"] = time.perf_counter() - total
    return timings


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


def child(what: str, path: str) -> None:
    """One DuckDB measurement in this fresh process: prints seconds and peak memory as JSON.

    Imports come first: the time is the work on the file only.
    """
    import duckdb

    from cjmkit.metrics import EventColumns, JourneyLog

    journey = acme()
    start = time.perf_counter()
    if what == "floor":
        connection = duckdb.connect()
        rows = connection.execute(
            f"SELECT event, count(*) FROM read_parquet('{path}') GROUP BY event"
        ).fetchall()
        figures = {"groups": len(rows)}
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
    for name, seconds in timings.items():
        print(f"  {name:22} {seconds:7.2f} s")
    ok = timings["total"] < TARGET_PANDAS_S
    print(f"{'PASS' if ok else 'FAIL'} pandas: all measures of {args.events:,} events in {timings['total']:.2f} s "
          f"(target < {TARGET_PANDAS_S:g} s)")  # fmt: skip
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
    journey = measure("journey", path)
    ratio = journey["seconds"] / max(floor["seconds"], 1e-9)
    print(f"DuckDB, {args.big:,} events in Parquet ({args.big // BIG_EVENTS_PER_CUSTOMER:,} customers):")
    print(f"  plain GROUP BY event      {floor['seconds']:7.2f} s, peak {floor['peak_mb']:,.0f} MB")
    print(f"  what the map keeps        {journey['seconds']:7.2f} s, peak {journey['peak_mb']:,.0f} MB "
          f"({journey['transitions']} transitions, {journey['unmapped']} events missing from the map)")  # fmt: skip
    print(f"  journey / GROUP BY ratio  {ratio:7.1f}")
    ok = journey["peak_mb"] < TARGET_DUCKDB_MB
    print(f"{'PASS' if ok else 'FAIL'} DuckDB: {args.big:,} events measured within {journey['peak_mb']:,.0f} MB "
          f"(target < {TARGET_DUCKDB_MB:,.0f} MB); {ratio:.1f}x a plain GROUP BY")  # fmt: skip
    if not ok:
        missed.append("duckdb")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
