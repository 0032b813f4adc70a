"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import SAMPLE_MAP, PostgresServer, require_chromium, running_postgres

from cjmkit.render.export import CHROMIUM_ARGS  # the flags cjmkit itself starts Chromium with

os.environ.setdefault("BOKEH_RESOURCES", "inline")


@pytest.fixture(autouse=True)
def private_trust_records(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test (and every process it starts) keeps trusted sources in a folder of its own,
    never in the real home folder, and starts with nothing trusted."""
    folder = tmp_path_factory.mktemp("trust")
    monkeypatch.setenv("CJMKIT_TRUST_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on 127.0.0.1 for the whole session (skips, or fails under CI=true,
    without Debian's postgresql package). Tests make their own databases with
    ``postgres.create_database(name)``."""
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright (skips, or fails under CI=true, without one)."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh browser page (own context: no shared cookies or cache)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sample_map(tmp_path: Path) -> Path:
    """A private copy of the sample map, safe to edit."""
    target = tmp_path / "acme.cjm.json"
    shutil.copyfile(SAMPLE_MAP, target)
    return target
