"""How fast does a stakeholder see the map? ``cjmkit serve`` against a floor, and the static page.

In one run, with headless Chromium (median of 5 loads, each in a fresh browser context):

- viewer: ``cjmkit serve`` on the sample map, navigation → the map's canvas is drawn;
- floor: the same locked-down server showing a notebook with a single Label, navigation → the
  Label is shown (what Voila itself costs: a kernel, the page, the widget manager);
- static: the page ``cjmkit publish`` writes for the sample map, opened from file://.

Prints the three medians and viewer/floor (target ≤ 1.5). ``--preheat N`` serves both with N
pre-started kernels (default: what ``cjmkit serve`` does); ``--preheat 0`` shows what they save.
``--gap S`` waits S seconds between loads (a pool of kernels refills between visitors; back to
back, the default, is a burst of visitors that draws on it faster than it refills). Each timed
series starts after 15 s of quiet, so both servers start it with their pool full.

Run: ``.venv/bin/python benchmarks/bench_serve.py [--preheat N] [--runs 5]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from support import CHROMIUM, SAMPLE_MAP, cjmkit_command, free_port, running_server  # noqa: E402

from cjmkit.render.export import CHROMIUM_ARGS  # noqa: E402
from cjmkit.serve import DEFAULT_PREHEAT  # noqa: E402

TARGET = 1.5
SETTLE_SECONDS = 15.0
"""Quiet time before each timed series, so that both servers' pools of kernels are full."""
FLOOR_CELL = "import ipywidgets\n\nipywidgets.Label('floor ready')"


def _maps(folder: Path) -> None:
    if SAMPLE_MAP.exists():
        shutil.copyfile(SAMPLE_MAP, folder / "acme.cjm.json")
        return
    from cjmkit.store import save
    from cjmkit.synthetic import synthetic_journey

    print("(sample_data/acme.cjm.json missing: using a synthetic map of 30 touchpoints)")
    save(synthetic_journey(30), folder / "acme.cjm.json")


def _floor_notebook(folder: Path) -> Path:
    from cjmkit.serve import viewer_notebook

    path = folder / "floor.ipynb"
    path.write_text(json.dumps(viewer_notebook([FLOOR_CELL])), encoding="utf-8")
    return path


def _settle(preheat: int) -> None:
    if preheat:
        time.sleep(SETTLE_SECONDS)


def _time_loads(browser, url: str, selector: str, runs: int, gap: float = 0.0) -> list[float]:
    times = []
    for run in range(runs):
        if run and gap:
            time.sleep(gap)  # visitors one at a time: the kernel pool refills between them
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(selector, state="visible", timeout=120_000)
        times.append(time.perf_counter() - start)
        context.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--preheat", type=int, default=DEFAULT_PREHEAT, help="pre-started kernels for both servers (0: none)"
    )
    parser.add_argument(
        "--gap", type=float, default=0.0, help="seconds between loads (0: back to back, a burst of visitors)"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from cjmkit.publish import publish

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        maps = folder / "maps"
        maps.mkdir()
        _maps(maps)
        floor = _floor_notebook(folder)
        site = publish(maps, folder / "site")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        extra = ["--preheat", str(args.preheat)]
        port_v, port_f = free_port(), free_port()
        viewer_cmd = cjmkit_command("serve", str(maps), "--port", str(port_v), *extra)
        floor_cmd = cjmkit_command(
            "serve", str(maps), "--port", str(port_f), "--notebook", str(floor), *extra
        )
        with running_server(viewer_cmd, port_v) as base_v, running_server(floor_cmd, port_f) as base_f:
            # one untimed load each warms the server's caches; then each series starts, like a server
            # that has been up a while, with its pool of kernels full (the same for both)
            _time_loads(browser, base_f + "/", "text=floor ready", 1)
            _time_loads(browser, base_v + "/?map=acme", ".bk-Canvas", 1)
            _settle(args.preheat)
            viewer = _time_loads(browser, base_v + "/?map=acme", ".bk-Canvas", args.runs, args.gap)
            _settle(args.preheat)
            floor_times = _time_loads(browser, base_f + "/", "text=floor ready", args.runs, args.gap)
        static = _time_loads(browser, site.pages["acme"].as_uri(), ".bk-Canvas", args.runs)
        browser.close()

    v, f, s = (statistics.median(x) for x in (viewer, floor_times, static))
    ratio = v / f
    print(f"preheated kernels: {args.preheat}; {args.gap:g} s between loads")
    print(f"viewer (sample map)   median {v:6.2f} s   runs {', '.join(f'{x:.2f}' for x in viewer)}")
    print(f"floor (one Label)     median {f:6.2f} s   runs {', '.join(f'{x:.2f}' for x in floor_times)}")
    print(f"static published page median {s:6.2f} s   runs {', '.join(f'{x:.2f}' for x in static)}")
    print(f"viewer / floor = {ratio:.2f} (target ≤ {TARGET}): {'PASS' if ratio <= TARGET else 'FAIL'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
