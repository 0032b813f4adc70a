"""How fast does a stakeholder see the map, and does ``cjmkit serve`` hold a crowd?

In one run, with headless Chromium (each load in a fresh browser context: nothing cached):

- floor: an empty Voila page (``cjmkit serve --notebook`` on a notebook with a single Label,
  the same locked-down Voila with its pre-started kernels), navigation → the Label is shown:
  what a page with a kernel costs at the very least;
- viewer: ``cjmkit serve`` on the sample map (pages without kernels), navigation → the map is
  drawn (every Bokeh view finished). Target: viewer / floor ≤ 1.0 (medians of ``--runs``);
- burst: ``--burst`` visitors (30) at once on the viewer. ``--browsers`` of them (3) are real
  Chromium pages, timed to the drawn map; the others fetch what a browser fetches (the page,
  then its scripts, gzip accepted) with plain HTTP clients, timed to the last byte. This
  machine has two cores: thirty Chromium renderers on it would measure the renderers, not the
  server, while each real visitor draws the map on their own machine. Targets: the slowest
  visitor ≤ 2 × the floor, and the server's memory (its resident set, with any children)
  grows by ≤ 300 MB;
- static: the page ``cjmkit publish`` writes, opened from file:// (for reference).

Prints the figures and ratios; exits 1 when a target is missed.

Run: ``.venv/bin/python benchmarks/bench_serve.py [--runs 5] [--burst 30] [--browsers 3]``
(``--preheat N``: kernels the floor's Voila starts ahead, default what ``cjmkit serve
--notebook`` does).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from support import CHROMIUM, SAMPLE_MAP, cjmkit_command, free_port, memory_mb, running_server  # noqa: E402

from cjmkit.render.export import CHROMIUM_ARGS  # noqa: E402
from cjmkit.serve import DEFAULT_PREHEAT  # noqa: E402

TARGET_ONE = 1.0
TARGET_BURST = 2.0
TARGET_MEMORY_MB = 300.0
SETTLE_SECONDS = 15.0
"""Quiet time before the floor's timed series, so that its pool of kernels is full."""
FLOOR_CELL = "import ipywidgets\n\nipywidgets.Label('floor ready')"
DRAWN = """() => {
    const views = Object.values((window.Bokeh && window.Bokeh.index) || {});
    return views.length > 0 && views.every(view => view.has_finished());
}"""
# In every burst page: note when the map is drawn (ms since the page's navigation started).
MARK_DRAWN = f"""(() => {{
    const drawn = {DRAWN};
    const poll = () => {{ if (drawn()) window.__cjmDrawn = performance.timeOrigin + performance.now();
                          else setTimeout(poll, 20); }};
    poll();
}})();"""


def _maps(folder: Path) -> None:
    if SAMPLE_MAP.exists():
        for name in ("acme.cjm.json", "tickets.csv", "care_contacts.csv"):
            shutil.copyfile(SAMPLE_MAP.parent / name, folder / name)
        return
    from cjmkit.store import save
    from cjmkit.synthetic import synthetic_journey

    print("(sample_data/acme.cjm.json missing: using a synthetic map of 30 touchpoints)")
    save(synthetic_journey(30), folder / "acme.cjm.json")


def _floor_notebook(folder: Path) -> Path:
    from cjmkit.serve import viewer_notebook

    path = folder / "floor.ipynb"
    path.write_text(json.dumps(viewer_notebook([FLOOR_CELL], title="floor")), encoding="utf-8")
    return path


def _time_loads(browser, url: str, ready, runs: int) -> list[float]:
    """Load ``url`` ``runs`` times, one after the other; seconds from navigation to ``ready``."""
    times = []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        if ready.startswith("()"):
            page.wait_for_function(ready, timeout=120_000, polling=20)
        else:
            page.wait_for_selector(ready, state="visible", timeout=120_000)
        times.append(time.perf_counter() - start)
        context.close()
    return times


def _http_visitor(url: str, start: threading.Barrier, times: list[float]) -> None:
    """Fetch the page and its scripts as a browser would (gzip accepted); record the seconds it took."""
    headers = {"Accept-Encoding": "gzip"}
    start.wait()
    began = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as response:
        page = response.read()
    import gzip

    html = gzip.decompress(page).decode("utf-8") if page[:2] == b"\x1f\x8b" else page.decode("utf-8")
    base = url.split("/?")[0]
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        with urllib.request.urlopen(
            urllib.request.Request(base + src, headers=headers), timeout=120
        ) as response:
            response.read()
    times.append(time.perf_counter() - began)


def _burst(
    browser, url: str, visitors: int, browsers: int, server_pid: int
) -> tuple[list[float], list[float], float]:
    """``visitors`` at once: ``browsers`` Chromium pages and the rest HTTP clients. Return their times and memory growth."""
    baseline = memory_mb(server_pid)
    peak = [baseline]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            peak[0] = max(peak[0], memory_mb(server_pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    clients = max(visitors - browsers, 0)
    barrier = threading.Barrier(clients + 1)
    http_times: list[float] = []
    threads = [
        threading.Thread(target=_http_visitor, args=(url, barrier, http_times)) for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(browsers)]
    pages = []
    for context in contexts:
        context.add_init_script(MARK_DRAWN)
        pages.append(context.new_page())
    began = time.time()
    barrier.wait()
    for page in pages:
        page.goto(url, wait_until="commit")
    browser_times = []
    for page in pages:
        page.wait_for_function("() => window.__cjmDrawn !== undefined", timeout=180_000, polling=50)
        browser_times.append(page.evaluate("window.__cjmDrawn") / 1000 - began)
    for thread in threads:
        thread.join(timeout=180)
    sampling.set()
    sampler.join()
    for context in contexts:
        context.close()
    return browser_times, http_times, peak[0] - baseline


def _line(label: str, times: list[float]) -> str:
    shown = ", ".join(f"{x:.2f}" for x in times[:10]) + (" ..." if len(times) > 10 else "")
    return f"{label:28} median {statistics.median(times):6.2f} s   slowest {max(times):6.2f} s   ({shown})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="single-visitor loads of each page (medians)")
    parser.add_argument("--burst", type=int, default=30, help="visitors at once")
    parser.add_argument("--browsers", type=int, default=3, help="of the burst, real Chromium pages")
    parser.add_argument(
        "--preheat",
        type=int,
        default=DEFAULT_PREHEAT,
        help="kernels the floor's Voila starts ahead (0: none)",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from cjmkit.publish import publish

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        maps = folder / "maps"
        maps.mkdir()
        _maps(maps)
        floor_notebook = _floor_notebook(folder)
        site = publish(maps, folder / "site")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        port_v, port_f = free_port(), free_port()
        viewer_cmd = cjmkit_command("serve", str(maps), "--port", str(port_v))
        floor_cmd = cjmkit_command(
            "serve",
            str(maps),
            "--port",
            str(port_f),
            "--notebook",
            str(floor_notebook),
            "--preheat",
            str(args.preheat),
        )
        info: dict[str, object] = {}
        with running_server(floor_cmd, port_f, path="/favicon.ico") as base_f:
            _time_loads(browser, base_f + "/", "text=floor ready", 1)  # warms the server's caches
            if args.preheat:
                time.sleep(SETTLE_SECONDS)  # the pool refills
            floor = _time_loads(browser, base_f + "/", "text=floor ready", args.runs)
        with running_server(viewer_cmd, port_v, path="/favicon.ico", info=info) as base_v:
            url = base_v + "/?map=acme"
            _time_loads(browser, url, DRAWN, 1)  # the page is built once per revision: not timed
            viewer = _time_loads(browser, url, DRAWN, args.runs)
            burst_browsers, burst_http, growth = _burst(
                browser, url, args.burst, min(args.browsers, args.burst), info["process"].pid
            )
        static = _time_loads(browser, site.pages["acme"].as_uri(), DRAWN, args.runs)
        browser.close()

    f, v = statistics.median(floor), statistics.median(viewer)
    slowest = max(burst_browsers + burst_http)
    one, crowd = v / f, slowest / f
    print(
        f"floor: an empty Voila page with {args.preheat} pre-started kernel(s); viewer: cjmkit serve, no kernels"
    )
    print(_line("floor (empty Voila page)", floor))
    print(_line("viewer, one visitor", viewer))
    print(_line("static published page", static))
    print(_line(f"burst: {len(burst_browsers)} Chromium visitors", burst_browsers))
    if burst_http:
        print(_line(f"burst: {len(burst_http)} HTTP visitors", burst_http))
    print(f"viewer / floor = {one:.2f} (target ≤ {TARGET_ONE}): {'PASS' if one <= TARGET_ONE else 'FAIL'}")
    print(
        f"burst of {args.burst}: slowest / floor = {crowd:.2f} (target ≤ {TARGET_BURST}): "
        f"{'PASS' if crowd <= TARGET_BURST else 'FAIL'}"
    )
    print(
        f"burst of {args.burst}: server memory growth {growth:.0f} MB (target ≤ {TARGET_MEMORY_MB:.0f}): "
        f"{'PASS' if growth <= TARGET_MEMORY_MB else 'FAIL'}"
    )
    return 0 if one <= TARGET_ONE and crowd <= TARGET_BURST and growth <= TARGET_MEMORY_MB else 1


if __name__ == "__main__":
    sys.exit(main())
