"""``cjmkit serve``: show the maps of a folder read-only in the browser (pages without kernels), or a notebook with Voila."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` to the command line."""
    from cjmkit.serve import DEFAULT_PORT, DEFAULT_PREHEAT

    serve = subparsers.add_parser(
        "serve",
        help="show a folder's maps read-only in the browser",
        description=(
            "Serve a read-only viewer of the maps (*.cjm.json) of MAPS_DIR: / lists the maps, /?map=NAME shows "
            "NAME.cjm.json (&persona=ID another persona's view). Pages are built once per map revision and "
            "need no kernel, so a crowd can open them at once. --notebook serves a notebook with Voila "
            "instead (a kernel per visitor). Listens on 127.0.0.1 (this machine only) unless --host says "
            "otherwise."
        ),
    )
    serve.add_argument(
        "maps_dir", nargs="?", default=".", metavar="MAPS_DIR", help="folder of maps (default: .)"
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; 0.0.0.0: every interface, anyone who can reach "
        "the port can view the maps)",
    )
    serve.add_argument(
        "--preheat",
        type=int,
        default=DEFAULT_PREHEAT,
        metavar="N",
        help=f"with --notebook: kernels started ahead of visitors, for a faster first paint "
        f"(default: {DEFAULT_PREHEAT}; 0: none)",
    )
    serve.add_argument(
        "--max-kernels",
        type=int,
        default=None,
        metavar="N",
        help="with --notebook: kernels at most, all visitors together (default: what half the free memory "
        "holds, at about 200 MB a kernel); a visitor over it gets a page that tries again by itself",
    )
    serve.add_argument(
        "--notebook",
        default=None,
        metavar="NOTEBOOK",
        help="serve this notebook with Voila instead (sources hidden, no tracebacks, no files; a kernel per "
        "visitor), with MAPS_DIR in $CJMKIT_MAPS_DIR",
    )
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the viewer server until interrupted."""
    from cjmkit.errors import CjmError
    from cjmkit.serve import serve

    if not 0 < args.port < 65536:
        raise CjmError(f"--port must be between 1 and 65535, got {args.port}")
    if args.preheat < 0:
        raise CjmError(f"--preheat must be 0 or more, got {args.preheat}")
    if args.notebook is None:  # the viewer: pages and their downloads, no kernels
        return serve(args.maps_dir, port=args.port, host=args.host)
    from pathlib import Path

    from cjmkit.downloads import DownloadCache, download_routes

    # the live viewer notebook links /download/NAME/poster.pdf, handout.pdf and deck.pptx
    cache = DownloadCache(Path(args.maps_dir).expanduser())
    try:
        return serve(
            args.maps_dir,
            port=args.port,
            host=args.host,
            notebook=args.notebook,
            preheat=args.preheat,
            handlers=download_routes(cache),
            max_kernels=args.max_kernels,
        )
    finally:
        cache.close()
