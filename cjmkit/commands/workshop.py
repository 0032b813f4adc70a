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
from collections.abc import Callable, Iterator
from pathlib import Path

DEFAULT_PORT = 8867
"""Default port of the workshop (``cjmkit serve`` uses 8866, so both can run at once)."""
AUTO_ADDRESS = "auto"

DEFAULT_ROOM_PORT = 8868
"""Default port of the participants' page (the board is on 8867, the viewer on 8866)."""

WORKSHOP_CELLS = (
    "from cjmkit.widgets import load_bokeh, workshop_app\n\nload_bokeh()",
    "workshop_app()",
)
"""What ``notebooks/workshop.ipynb`` runs; used when no copy of the notebook can be found."""
WORKSHOP_TITLE = "cjmkit workshop"
"""The board's page title (the notebook's metadata title)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    workshop.add_argument("map", metavar="MAP", nargs="?", help="the map to work on (NAME.cjm.json)")
    workshop.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    workshop.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; 0.0.0.0: every interface, the board can then be "
        "edited from other machines by whoever has the link)",
    )
    workshop.add_argument(
        "--max-kernels",
        type=int,
        default=None,
        metavar="N",
        help="board pages (each with its kernel, about 200 MB) open at once at most (default: what half the "
        "free memory holds); also at most 4 per browser's address",
    )
    workshop.add_argument(
        "--room",
        nargs="?",
        const=AUTO_ADDRESS,
        metavar="ADDRESS",
        help=(
            "open the room: participants add notes and dot-vote from their phones, on a page at ADDRESS "
            "(default: this machine's address on the local network) with a join code; the board stays on --host"
        ),
    )
    workshop.add_argument(
        "--room-port",
        type=int,
        default=None,
        help=f"port of the participants' page (default with --room: {DEFAULT_ROOM_PORT}; without: any free port)",
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
    from cjmkit.serve import check_port, serve
    from cjmkit.store import load, read_only
    from cjmkit.web import new_token
    from cjmkit.widgets.app import MAP_ENV

    if args.map is None and args.room and (args.room.endswith(".json") or Path(args.room).exists()):
        args.map, args.room = args.room, AUTO_ADDRESS  # `workshop --room MAP`: --room took the map
    if args.map is None:
        raise CjmError("give the map to work on: cjmkit workshop NAME.cjm.json")
    for option, port in (("--port", args.port), ("--room-port", args.room_port)):
        if port is not None and not 0 < port < 65536:
            raise CjmError(f"{option} must be between 1 and 65535, got {port}")
    if args.port == args.room_port:
        raise CjmError(f"--port and --room-port must differ (both are {args.port})")
    path = Path(os.path.realpath(Path(args.map).expanduser()))  # (Path.resolve raises on a link loop)
    journey = load(path)  # a map that cannot be opened is one sentence here, not a broken page
    os.environ[MAP_ENV] = str(path)
    intro = f"Workshop on “{journey.title}” ({path}); every edit is saved at once. Press Ctrl+C to stop."
    if read_only(path):
        intro = (
            f"Workshop on “{journey.title}” ({path}). The map file is read-only: edits will NOT be saved "
            "until it is made writable (e.g. chmod u+w). Press Ctrl+C to stop."
        )
    check_port(args.host, args.port)  # before the room's port is taken, so that a busy --port says so
    start_room = _prepare_room(path, args)
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
            before_start=start_room,
            max_kernels=args.max_kernels,
        )


def _prepare_room(path: Path, args: argparse.Namespace) -> Callable[[], None]:
    """Bind the participants' address, open the room if asked; return what starts its server.

    Without ``--room`` the participants' page still runs, on 127.0.0.1 and a free port, so that
    "Open the room" on the board works for this machine; ``--room`` shares it on the room's
    network (port 8868 unless ``--room-port`` says otherwise).
    """
    from cjmkit.room.facilitator import ROOM_URL_ENV, open_room
    from cjmkit.room.log import RoomLog, log_path
    from cjmkit.room.server import bind_room, lan_address, room_url, serve_room
    from cjmkit.room.state import RoomState

    address = args.room or "127.0.0.1"
    if address == AUTO_ADDRESS:
        address = lan_address() or "127.0.0.1"
        if address == "127.0.0.1":
            print("No local network found: participants can join from this machine only.", flush=True)
    wanted = args.room_port if args.room_port is not None else (DEFAULT_ROOM_PORT if args.room else 0)
    sockets = bind_room(address, wanted)
    link = room_url(address, sockets[0].getsockname()[1])
    os.environ[ROOM_URL_ENV] = link
    if args.room:
        code = open_room(RoomLog(log_path(path)), RoomState())
        print(f"Room open: participants join at {link}?code={code} (join code {code}).", flush=True)
        if address not in ("127.0.0.1", "localhost", "::1"):
            print(
                "Anyone on this network with the join code can add notes and vote; the board stays on --host.",
                flush=True,
            )

    def start() -> None:
        serve_room(path, address, sockets)

    return start
