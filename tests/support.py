"""Shared helpers for the test suite: a real Chromium, a real PostgreSQL and real servers on 127.0.0.1.

Browser tests use Debian's Chromium through Playwright (never ``playwright install``), database
tests Debian's PostgreSQL server (a throwaway cluster, :func:`running_postgres`). Without them
the tests skip with a clear reason, except when ``CI=true``: then a missing browser or server
fails, so CI can never pass by skipping them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parent.parent
SAMPLE_MAP = REPO / "sample_data" / "acme.cjm.json"


def unavailable(reason: str) -> NoReturn:
    """Skip a test that needs something this machine lacks; under ``CI=true`` fail instead, so that
    CI can never pass by skipping."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)
    raise AssertionError("unreachable")


def require_chromium() -> str:
    """Return the Chromium path, or skip (fail under ``CI=true``) when there is none."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    reason = f"browser test needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    unavailable(reason)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    condition: Callable[[], object], timeout: float = 60.0, interval: float = 0.1, what: str = ""
) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or condition}")
        time.sleep(interval)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


@contextlib.contextmanager
def running_server(
    args: list[str],
    port: int,
    path: str = "/",
    cwd: Path | None = None,
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
    info: dict[str, object] | None = None,
) -> Iterator[str]:
    """Run a server command (e.g. ``cjmkit serve``) and yield its base URL once it answers.

    ``args`` are passed to ``python -m``-style commands as given; the process is stopped (and
    killed if need be) when the block ends. Its output goes to a log shown on failure. ``env``
    adds environment variables; ``info``, when given, receives the ``process`` and the ``log``
    file (read it before the block ends).
    """
    log = Path(tempfile.gettempdir()) / f"cjmkit-test-server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args,
            cwd=cwd or REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    if info is not None:
        info.update(process=process, log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _answers(base + path):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"server {args} did not start:\n{log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


def kernels_of(process: subprocess.Popen) -> list[int]:
    """Return the process ids of the Jupyter kernels a server process started (and still runs)."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        with contextlib.suppress(psutil.Error):
            if any("ipykernel" in part for part in child.cmdline()):
                found.append(child.pid)
    return found


def run_async(coroutine: Any) -> Any:
    """Run a coroutine to its end in a thread of its own (Playwright's sync API may hold this thread's loop)."""
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def memory_mb(pid: int) -> float:
    """Resident memory of a process and all its children (kernels included), in MB."""
    import psutil

    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += child.memory_info().rss
    return total / 2**20


def cjmkit_command(*args: str) -> list[str]:
    """The command line that runs ``cjmkit ARGS`` with this interpreter."""
    return [sys.executable, "-m", "cjmkit.cli", *args]


# -- PostgreSQL ----------------------------------------------------------------------------------

POSTGRES_BIN_DIRS = sorted(
    Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
)


def _postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (newest version), or None."""
    for folder in POSTGRES_BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and Path(found).with_name("initdb").exists() else None


def require_postgres() -> Path:
    """Return the folder of PostgreSQL's server programs, or skip (fail under ``CI=true``)."""
    folder = _postgres_bin()
    if folder is not None:
        return folder
    reason = "database test needs Debian's PostgreSQL server (apt-get install postgresql)"
    unavailable(reason)


AXE_DIR = Path(os.environ.get("CJMKIT_AXE_DIR", Path.home() / ".cache" / "cjmkit-tests" / "axe"))
"""Where the npm package ``axe-core`` is installed for the accessibility tests (``.ci/run`` puts it there)."""


def require_axe() -> Path:
    """Return the path of ``axe.min.js``, installing ``axe-core`` from npm into :data:`AXE_DIR` if need be.

    Without npm or the registry the test skips with the reason; under ``CI=true`` it fails.
    """
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists():
        return script
    problem = "npm is not installed (apt-get install npm)"
    npm = shutil.which("npm")
    if npm is not None:
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        command = [
            npm,
            "install",
            "--prefix",
            str(AXE_DIR),
            "--no-audit",
            "--no-fund",
            "--no-save",
            "axe-core@4",
        ]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
            problem = (result.stderr.strip().splitlines() or ["npm install axe-core failed"])[-1]
        except (OSError, subprocess.TimeoutExpired) as error:
            problem = f"npm install axe-core failed ({error})"
        if script.exists():
            return script
    reason = f"accessibility test needs the npm package axe-core in {AXE_DIR}: {problem}"
    unavailable(reason)


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (see :func:`running_postgres`).

    Attributes
    ----------
    port
        The loopback port it listens on.
    user, password
        Its superuser and that user's password (password authentication only).
    """

    def __init__(self, port: int, password: str) -> None:
        self.port = port
        self.user = "postgres"
        self.password = password

    def url(self, database: str = "postgres", *, user: str | None = None, password: str | None = None) -> str:
        """An SQLAlchemy URL (psycopg 3) of one of its databases, with the password in it."""
        user = user or self.user
        secret = self.password if password is None else password
        return f"postgresql+psycopg://{user}:{secret}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs: object):
        """A psycopg 3 connection (autocommit) to one of its databases, as the superuser."""
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database,
            autocommit=True,
            connect_timeout=10,
            **kwargs,
        )

    def create_database(self, name: str) -> str:
        """Create a fresh database (dropping one of that name first); return its URL."""
        with self.connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}" STRATEGY = FILE_COPY')
        return self.url(name)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Create and start a PostgreSQL cluster in a temporary folder; stop and remove it afterwards.

    ``initdb`` refuses to run as root, so as root the cluster belongs to the unprivileged
    ``postgres`` user that Debian's package creates. It listens on a free port of 127.0.0.1 only
    (its Unix socket stays in the temporary folder) and asks every client for a password.
    """
    import secrets

    binaries = require_postgres()
    folder = Path(tempfile.mkdtemp(prefix="cjmkit-pg-"))
    password = secrets.token_urlsafe(16)
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    (folder / "password").write_text(password + "\n")
    if as_user:
        os.chown(folder / "password", owner.pw_uid, owner.pw_gid)
    data, log = folder / "data", folder / "server.log"
    port = free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            detail = done.stdout[-2000:] + done.stderr[-2000:]
            if log.exists():
                detail += log.read_text(errors="replace")[-2000:]
            raise AssertionError(f"{' '.join(args[:2])} failed: {detail}")

    try:
        run(
            str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
            f"--pwfile={folder / 'password'}", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off -c max_connections=40"
        run(
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        yield PostgresServer(port, password)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(folder, ignore_errors=True)


AXE_RUN = """async () => {
    const results = await axe.run(document, {resultTypes: ['violations']});
    return results.violations
        .filter(v => ['critical', 'serious', 'moderate'].includes(v.impact))
        .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')})`);
}"""
"""Run axe-core on the page; return one line per critical, serious or moderate violation."""


def axe_violations(page: object, script: Path) -> list[str]:
    """Inject axe-core into ``page`` (a Playwright page) and list its violations that matter."""
    page.add_script_tag(path=str(script))  # type: ignore[attr-defined]
    return page.evaluate(AXE_RUN)  # type: ignore[attr-defined]


VIEWPORTS = [(1024, 768), (1280, 800), (1920, 1080)]
"""The screens people use: a small laptop, a laptop, a desktop."""
