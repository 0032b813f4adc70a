"""Every benchmark script still runs, at a size small enough for the suite (its figures mean nothing here).

The targets are checked by ``make bench`` on a quiet machine; these runs only make sure a script
does not break unnoticed, and that it prints its verdicts and exits 0 or 1 by them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, require_chromium

pytestmark = pytest.mark.slow


def _run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    verdicts = [line for line in result.stdout.splitlines() if "PASS" in line or "FAIL" in line]
    assert verdicts, result.stdout
    # the exit code follows the verdicts: 1 exactly when a target was missed
    assert result.returncode == int(any("FAIL" in line for line in verdicts)), result.stdout
    return result.stdout


@pytest.mark.parametrize(
    ("script", "args"),
    [
        ("bench_store.py", ["--saves", "3"]),
        ("bench_workshop.py", ["--edits", "2"]),
        ("bench_render.py", []),
        ("bench_room.py", ["--participants", "3", "--seconds", "4"]),
    ],
)
def test_benchmark_runs(script: str, args: list[str], tmp_path: Path) -> None:
    _run(script, *args, *(["--dir", str(tmp_path)] if "--saves" in args or "--edits" in args else []))


def test_metrics_benchmark_runs(tmp_path: Path) -> None:
    out = _run("bench_metrics.py", "--rows", "2000", "--tickets", "2000", "--dir", str(tmp_path))
    assert "import ratio" in out and "handoff" in out


def test_journey_benchmark_runs(tmp_path: Path) -> None:
    out = _run("bench_journey.py", "--quick", "--dir", str(tmp_path))
    assert "pandas: all measures" in out and "x a plain GROUP BY" in out


@pytest.mark.browser
def test_serve_benchmark_runs() -> None:
    require_chromium()
    out = _run("bench_serve.py", "--runs", "1", "--preheat", "0", "--burst", "4", "--browsers", "1")
    assert "viewer / floor" in out and "static published page" in out
    assert "burst of 4: slowest / floor" in out and "server memory growth" in out


@pytest.mark.browser
def test_export_benchmark_runs() -> None:
    require_chromium()
    out = _run("bench_export.py", "--runs", "1", "--only", "html,pdf-handout")
    assert "html" in out and "pdf-handout" in out and "ratio to target" in out
