"""The ``cjmkit`` command line.

Each group of subcommands lives in a module of :mod:`cjmkit.commands` with a
``register(subparsers)`` function that adds its parsers and sets ``func`` on them; ``func``
takes the parsed arguments and returns the exit code. Every :class:`~cjmkit.errors.CjmError`
becomes one line on stderr and exit code 2, never a traceback.

Whatever a command prints passes through :class:`PrintableStream`: text from a map (a title, a
name, a file name in an error) cannot move the cursor, retitle the terminal or hide text with
escape codes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

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
    "cjmkit.commands.data",
    "cjmkit.commands.journey",
    "cjmkit.commands.export",
)
"""Modules that add subcommands, in the order they appear in ``cjmkit --help``."""


_UNPRINTABLE = dict.fromkeys(
    [
        *range(0x00, 0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
"""C0 and C1 control characters (tab and newline kept) and bidirectional overrides."""


def printable(text: str) -> str:
    """Return ``text`` without control characters (escape sequences) or bidirectional overrides."""
    return text.translate(_UNPRINTABLE)


class PrintableStream:
    """A text stream that drops control characters from what is written (see :func:`printable`)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` without its control characters."""
        return self._stream.write(printable(text))

    def writelines(self, lines: Any) -> None:
        """Write each line without its control characters."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


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
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PrintableStream(sys.stdout), PrintableStream(sys.stderr)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _run(argv: Sequence[str] | None) -> int:
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
