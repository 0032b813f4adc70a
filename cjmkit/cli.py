"""The ``cjmkit`` command line.

Each group of subcommands lives in a module of :mod:`cjmkit.commands` with a
``register(subparsers)`` function that adds its parsers and sets ``func`` on them; ``func``
takes the parsed arguments and returns the exit code. Every :class:`~cjmkit.errors.CjmError`
becomes one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from cjmkit import __version__
from cjmkit.errors import CjmError

COMMAND_MODULES = (
    "cjmkit.commands.core",
    "cjmkit.commands.history",
    "cjmkit.commands.render",
    "cjmkit.commands.serve",
    "cjmkit.commands.publish",
    "cjmkit.commands.workshop",
    "cjmkit.commands.demo",
    "cjmkit.commands.kpi",
    "cjmkit.commands.export",
)
"""Modules that add subcommands, in the order they appear in ``cjmkit --help``."""


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the whole command line."""
    parser = argparse.ArgumentParser(
        prog="cjmkit",
        description="Customer journey maps for workshops: create, check, render, measure and share them.",
    )
    parser.add_argument("--version", action="version", version=f"cjmkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 for a problem the user can fix)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CjmError as error:
        print(f"cjmkit {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cjmkit {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `cjmkit history MAP | head`: the reader has all it wanted
        # Python would complain again when it flushes stdout at exit: point stdout at nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # a bug: say so in one line unless asked for the details
        if os.environ.get("CJMKIT_DEBUG"):
            raise
        print(
            f"cjmkit {args.command}: unexpected error ({type(error).__name__}: {error}); "
            "set CJMKIT_DEBUG=1 to see the details",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
