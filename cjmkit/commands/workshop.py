"""``cjmkit workshop MAP``: the workshop board in the browser (Voila), for facilitators.

The board is ``notebooks/workshop.ipynb`` served by the same locked-down Voila launcher as
``cjmkit serve`` (:func:`cjmkit.serve.serve`: sources stripped, no tracebacks, no files
served); its kernels open the map named by the ``CJMKIT_MAP`` environment variable.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

DEFAULT_PORT = 8867
"""Default port of the workshop (``cjmkit serve`` uses 8866, so both can run at once)."""

WORKSHOP_CELLS = (
    "from cjmkit.widgets import load_bokeh, workshop_app\n\nload_bokeh()",
    "workshop_app()",
)
"""What ``notebooks/workshop.ipynb`` runs; used when no copy of the notebook can be found."""
WORKSHOP_TITLE = "cjmkit workshop"
"""The board's page title (the notebook's metadata title)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``workshop`` to the command line."""
    workshop = subparsers.add_parser(
        "workshop",
        help="run the workshop board on a map in the browser",
        description=(
            "Open the workshop board (editors and live map, every edit saved at once) on MAP in the "
            "browser, with no code in sight. Prints the address to open: it carries a secret token "
            "(set CJMKIT_TOKEN to choose it), and anyone with that link who can reach the server can "
            "edit the map. Listens on 127.0.0.1 (this machine only) unless --host says otherwise."
        ),
    )
    workshop.add_argument("map", metavar="MAP", help="the map to work on (NAME.cjm.json)")
    workshop.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    workshop.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; 0.0.0.0: every interface, the board can then be "
        "edited from other machines by whoever has the link)",
    )
    workshop.set_defaults(func=cmd_workshop)


def find_notebook() -> Path | None:
    """Return ``workshop.ipynb``: the repository's ``notebooks/``, else the packaged copy."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (
        package.parent / "notebooks" / "workshop.ipynb",
        package / "_notebooks" / "workshop.ipynb",
    ):
        if candidate.is_file():
            return candidate
    return None


@contextlib.contextmanager
def workshop_notebook() -> Iterator[Path]:
    """Yield the workshop notebook's path, writing one from :data:`WORKSHOP_CELLS` if none is found."""
    found = find_notebook()
    if found is not None:
        yield found
        return
    with tempfile.TemporaryDirectory(prefix="cjmkit-workshop-") as tmp:
        from cjmkit.serve import viewer_notebook

        path = Path(tmp) / "workshop.ipynb"
        path.write_text(
            json.dumps(viewer_notebook(WORKSHOP_CELLS, title=WORKSHOP_TITLE), indent=1), encoding="utf-8"
        )
        yield path


def cmd_workshop(args: argparse.Namespace) -> int:
    """Check the map, then serve the board on it until interrupted."""
    from cjmkit.errors import CjmError
    from cjmkit.serve import serve
    from cjmkit.store import load
    from cjmkit.web import new_token
    from cjmkit.widgets.app import MAP_ENV

    if not 0 < args.port < 65536:
        raise CjmError(f"--port must be between 1 and 65535, got {args.port}")
    path = Path(args.map).expanduser().resolve()
    journey = load(path)  # a map that cannot be opened is one sentence here, not a broken page
    os.environ[MAP_ENV] = str(path)
    intro = f"Workshop on “{journey.title}” ({path}); every edit is saved at once. Press Ctrl+C to stop."
    with workshop_notebook() as notebook:
        # No pre-heated kernels: one started before the page is asked for would hold the map as it
        # was then, and a reload would show (and then save over) an old version.
        return serve(
            path.parent,
            port=args.port,
            host=args.host,
            notebook=notebook,
            preheat=0,
            token=new_token(),
            intro=intro,
            action="edit the map",
        )
