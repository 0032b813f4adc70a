"""Serve maps read-only to stakeholders, or a notebook with Voila, locked down.

:func:`serve` without a notebook runs the read-only viewer of :mod:`cjmkit.viewer_server`: the
pages ``cjmkit publish`` makes, built once per map revision, no kernel per visitor.

With a notebook (``cjmkit serve --notebook``, and ``cjmkit workshop`` for the board) it starts
Voila (:mod:`cjmkit.voila_app`) in this process on ONE notebook, copied into a private temporary
folder: Voila's single-notebook mode puts it at the root URL and exposes no file browser, no
contents API and no other file (the ``/voila/files/`` handler sees only that private folder, and
refuses ``.ipynb``/``.py`` anyway). The folder of maps reaches the kernel through the
``CJMKIT_MAPS_DIR`` environment variable. Every security-relevant Voila setting is given on
Voila's command line, which wins over any ``voila.json`` lying around, and Voila reads config
files only from the private folder.

Either way every request passes :class:`cjmkit.web.Guard` before any handler runs (Host, Origin,
and the token of ``cjmkit workshop``); ``serve(handlers=...)`` mounts more plain tornado
handlers behind it (see :mod:`cjmkit.web`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cjmkit.errors import CjmError

if TYPE_CHECKING:
    from cjmkit.web import Guard

DEFAULT_PORT = 8866
DEFAULT_PREHEAT = 2
"""``serve --notebook``: kernels started ahead of visitors (a Voila page came in about 2.1 s
instead of 3.2 s when the viewer was one), for about 160 MB of memory per waiting kernel."""
TEMPLATE = "cjmkit"

VIEWER_CELLS: tuple[str, ...] = (
    "from cjmkit.widgets import viewer\n\nviewer.setup()",
    "viewer.from_request()",
)
"""The code cells of the viewer notebook (``notebooks/viewer.ipynb`` holds the same cells)."""

CULL_IDLE_SECONDS = 600
CULL_INTERVAL_SECONDS = 60


def viewer_notebook(cells: Sequence[str] = VIEWER_CELLS, title: str | None = None) -> dict[str, Any]:
    """Return the viewer notebook (nbformat 4 JSON data) made of ``cells``.

    ``title`` is the page's title; None lets the notebook's output give it (as the viewer does).
    """
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell-{i}",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for i, source in enumerate(cells, start=1)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            **({"title": title} if title else {"cjmkit": {"title_in_page": True}}),
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def template_roots() -> list[Path]:
    """Return the ``share/jupyter`` folders to add to ``JUPYTER_PATH`` so our template is found.

    An installed wheel puts the template under ``sys.prefix/share/jupyter`` (found by Voila
    anyway); a source checkout has it beside the package.
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "_share" / "jupyter", here.parent / "share" / "jupyter"]
    return [path for path in candidates if (path / "voila" / "templates" / TEMPLATE / "conf.json").is_file()]


def _template_installed() -> bool:
    from jupyter_core.paths import jupyter_path

    return any((Path(p) / "voila" / "templates" / TEMPLATE / "conf.json").is_file() for p in jupyter_path())


def check_port(host: str, port: int) -> None:
    """Raise :class:`CjmError` when ``host:port`` cannot be listened on.

    Binds the way the server will (``SO_REUSEADDR``, as tornado does), so a server stopped a
    moment ago does not keep its port "in use" for a minute.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        if os.name != "nt":  # on Windows the option means something else (port stealing)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            raise CjmError(
                f"cannot listen on {host}:{port} ({error.strerror or error}); choose another port with --port"
            ) from None


def listening_message(
    host: str, port: int, *, token: str | None = None, action: str = "view these maps"
) -> str:
    """The line printed at start: the address to open, and plainly who else can ``action``.

    With a ``token`` the address carries it (``?token=...``): it is what a browser must open.
    """
    from cjmkit.web import ALL_INTERFACES, LOCAL_HOSTS, TOKEN_PARAM  # (tornado: not at CLI start-up)

    query = f"?{TOKEN_PARAM}={token}" if token else ""
    if host in ALL_INTERFACES:
        who = "anyone on the network who has this link" if token else "anyone who can reach this port"
        return (
            f"Listening on every network interface, port {port}: {who} can {action}. Open "
            f"http://127.0.0.1:{port}/{query} on this machine, or "
            f"http://<this machine's address>:{port}/{query} from another one."
        )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/{query}"
    if host in LOCAL_HOSTS:
        return f"Listening on {url} (this machine only; use --host to share)"
    who = (
        "anyone who can reach this address and has this link"
        if token
        else "anyone who can reach this address"
    )
    return f"Listening on {url}: {who} can {action} (no login is asked)."


def voila_argv(notebook: Path, host: str, port: int, private_dir: Path, *, preheat: int = 0) -> list[str]:
    """Return Voila's command line for serving ``notebook`` locked down."""
    argv = [
        str(notebook),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        f"--Voila.root_dir={private_dir}",
        f"--Voila.config_file_paths={private_dir}",
        f"--VoilaConfiguration.template={TEMPLATE}",
        "--VoilaConfiguration.theme=light",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=^$",
        r"--VoilaConfiguration.file_denylist=.*",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        "--MappingKernelManager.cull_connected=False",
    ]
    if preheat:
        argv += [
            "--VoilaConfiguration.preheat_kernel=True",
            f"--VoilaConfiguration.default_pool_size={preheat}",
        ]
    return argv


def _tornado_settings() -> dict[str, Any]:
    from cjmkit.web import SECURITY_HEADERS

    return {"headers": dict(SECURITY_HEADERS)}


def _voila_class(guard: Guard, handlers: Sequence[tuple[Any, ...]] = (), limits: Any = None) -> type:
    from cjmkit.voila_app import voila_class

    return voila_class(guard, handlers, limits)


KERNEL_CONFIG = "c.IPKernelApp.log_level = 'ERROR'\n"
"""The kernels' IPython profile: their start-up warning (a kernel on localhost TCP, which is how
Voila runs them) would otherwise be printed for every visitor, to a facilitator's terminal."""


def _not_trusted_warning(record: logging.LogRecord) -> bool:
    # our own notebook is never signed: saying so at every visit is noise
    return record.msg != "Notebook %s is not trusted"


@contextlib.contextmanager
def _private_notebook(notebook: Path) -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory(prefix="cjmkit-serve-") as tmp:
        private = Path(tmp)
        target = private / "viewer.ipynb"
        target.write_bytes(notebook.read_bytes())
        yield private, target


@contextlib.contextmanager
def _kernel_profile() -> Iterator[Path]:
    """A private IPython folder for the kernels.

    The user's start-up scripts and history stay out of pages served to others, and the
    kernels' start-up warning stays quiet.
    """
    with tempfile.TemporaryDirectory(prefix="cjmkit-ipython-") as tmp:
        profile = Path(tmp) / "profile_default"
        profile.mkdir()
        (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG, encoding="utf-8")
        yield Path(tmp)


def serve(
    maps_dir: str | os.PathLike[str] = ".",
    *,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    notebook: str | os.PathLike[str] | None = None,
    preheat: int = DEFAULT_PREHEAT,
    print_fn: Callable[[str], None] = print,
    token: str | None = None,
    handlers: Sequence[tuple[Any, ...]] = (),
    intro: str | None = None,
    action: str = "view these maps",
    before_start: Callable[[], None] | None = None,
    max_kernels: int | None = None,
) -> int:
    """Serve the read-only viewer for the maps of ``maps_dir`` until interrupted.

    Every request passes :class:`cjmkit.web.Guard` first (Host, Origin, and ``token`` when
    given): see :mod:`cjmkit.web`.

    Parameters
    ----------
    maps_dir
        Folder whose ``*.cjm.json`` maps can be viewed (``/?map=NAME`` shows ``NAME.cjm.json``).
    port, host
        Where to listen; ``host`` defaults to 127.0.0.1 (this machine only).
    notebook
        Serve this notebook instead of the viewer, with the same settings (benchmarks, tests).
    preheat
        Number of kernels started ahead of visitors, each having run the viewer's first cell
        (imports, BokehJS); 0 starts one kernel per visit, after the request.
    print_fn
        Where the start message goes.
    token
        A secret every visitor must bring (``?token=`` once, then a cookie); None asks none.
    handlers
        Plain tornado handlers ``(pattern, class[, kwargs])`` mounted in front of the server's
        own routes, behind the same guard (see :mod:`cjmkit.web` for ``cjmkit_public``).
    intro
        The line printed after the address (default: how many maps are served from where).
    action
        What a visitor can do, for the start message ("view these maps", "edit the map").
    before_start
        Called once everything is checked, just before the server starts answering: e.g. to
        start another tornado server on the same IOLoop (``cjmkit workshop --room``).
    max_kernels
        With a notebook: kernels at most, all visitors together (default: what half the free
        memory holds, :func:`cjmkit.kernel_limits.default_max_kernels`); see
        :mod:`cjmkit.kernel_limits` for the other limits.

    Returns
    -------
    int
        The exit code (0 once the server stops).
    """
    # imported here so that `cjmkit --help` and the other commands do not load tornado and Bokeh
    from cjmkit.folder import scan_maps
    from cjmkit.web import Guard

    folder = Path(maps_dir).expanduser()
    if not folder.is_dir():
        raise CjmError(f"{folder}: no such folder of maps")
    folder = Path(os.path.realpath(folder))
    if notebook is not None and not Path(notebook).is_file():
        raise CjmError(f"{notebook}: no such notebook")
    check_port(host, port)
    guard = Guard(host, port, token=token)
    scan = scan_maps(folder)
    count = len(scan.maps)

    def start_message() -> None:
        print_fn(listening_message(host, port, token=token, action=action))
        print_fn(
            intro or f"Serving {count} map{'s' if count != 1 else ''} from {folder}; press Ctrl+C to stop."
        )
        if notebook is None:
            for problem in scan.skipped:
                print_fn(f"skipped {problem}")
        sys.stdout.flush()

    if notebook is None:  # the read-only viewer: pages, no kernels
        from cjmkit.viewer_server import run

        start_message()
        run(folder, host, port, guard, handlers, before_start=before_start)
        return 0
    from cjmkit.kernel_limits import KernelLimits

    limits = KernelLimits() if max_kernels is None else KernelLimits(total=max_kernels)
    if limits.total < 1:
        raise CjmError(f"--max-kernels must be 1 or more, got {limits.total}")
    if preheat >= limits.total:
        raise CjmError(
            f"--preheat ({preheat}) must be less than --max-kernels ({limits.total}): pre-started kernels count too"
        )
    return _serve_notebook(
        Path(notebook), folder, host, port, guard, handlers, preheat, start_message, before_start, limits
    )


def _serve_notebook(
    notebook: Path,
    folder: Path,
    host: str,
    port: int,
    guard: Guard,
    handlers: Sequence[tuple[Any, ...]],
    preheat: int,
    start_message: Callable[[], None],
    before_start: Callable[[], None] | None,
    limits: Any,
) -> int:
    """Serve ``notebook`` with Voila (a kernel per visitor) until interrupted."""
    from traitlets.config import Config

    from cjmkit.widgets.viewer import BOKEHJS_IN_PAGE_ENV, MAPS_DIR_ENV

    roots = template_roots()
    os.environ[MAPS_DIR_ENV] = str(folder)
    if roots:
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [*map(str, roots), *filter(None, [os.environ.get("JUPYTER_PATH")])]
        )
    if not _template_installed():
        raise CjmError(f"the cjmkit Voila template is not installed (looked in {roots or 'JUPYTER_PATH'})")
    os.environ[BOKEHJS_IN_PAGE_ENV] = "1"
    with _private_notebook(notebook) as (private, target), _kernel_profile() as ipython:
        config = Config()
        config.Voila.tornado_settings = _tornado_settings()
        start_message()
        os.environ["IPYTHONDIR"] = str(ipython)
        app = _voila_class(guard, handlers, limits)(config=config)
        app.initialize(voila_argv(target, host, port, private, preheat=preheat))
        app.log.addFilter(_not_trusted_warning)
        if before_start is not None:
            before_start()
        app.start()
    return 0
