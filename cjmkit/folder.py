"""A folder of maps that cannot hurt: which files are maps, and which raw-data files may be read.

``cjmkit serve`` and ``cjmkit publish`` show the maps of a folder to other people, so what the
folder holds is input from a stranger. :func:`scan_maps` lists the ``NAME.cjm.json`` files
directly inside it and skips, with one sentence each, anything that is not a regular file
(named pipes, devices, sockets, folders, symbolic link loops) and any symbolic link that leads
out of the folder; conflict copies (``NAME.conflict-<time>.cjm.json``), hidden files and the
snapshots in ``.cjmkit-history/`` are never maps. :func:`resolve_map` finds a map by name only
among those, so no name from a URL can reach another file. :func:`data_file` applies the same
rules to the raw-data files beside a map (``NAME.tickets.csv`` pointing at ``/etc/passwd`` is
not read).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cjmkit.store import SUFFIX

MAX_NAME = 200
"""Longest map name looked up (longer names find nothing)."""

_CONFLICT_COPY = re.compile(r"\.conflict-\d")


def is_conflict_copy(name: str) -> bool:
    """True for the name (without ``.cjm.json``) of a conflict copy, e.g. ``acme.conflict-20261126T101500Z``."""
    return bool(_CONFLICT_COPY.search(name))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def file_problem(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> str | None:
    """Return why ``path`` must not be read as a file of ``folder``, or None when it may be.

    It may be read when it is a regular file (following links) whose real place is directly
    inside ``folder``. Never opens the file and never raises.
    """
    path = Path(path)
    try:
        mode = os.stat(
            path
        ).st_mode  # follows links; a loop is ELOOP here (Path.resolve would raise RuntimeError)
    except FileNotFoundError:
        return "it does not exist (or is a broken link)"
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"
    if not stat.S_ISREG(mode):
        return f"it is {_kind(mode)}"
    if os.path.dirname(os.path.realpath(path)) != os.path.realpath(folder):
        return "it is a link to a file outside the folder"
    return None


def data_file(folder: str | os.PathLike[str], name: str) -> Path | None:
    """Return ``folder/name`` when it is a regular file inside ``folder`` (see :func:`file_problem`), else None."""
    path = Path(folder) / name
    return path if file_problem(path, folder) is None else None


@dataclass
class MapScan:
    """What :func:`scan_maps` found.

    Attributes
    ----------
    maps
        Map name → its file, sorted by name.
    skipped
        One sentence per ``*.cjm.json`` entry left out, naming it and why.
    """

    maps: dict[str, Path] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def scan_maps(folder: str | os.PathLike[str]) -> MapScan:
    """List the maps directly inside ``folder`` and say which entries were skipped and why."""
    root = Path(folder)
    scan = MapScan()
    try:
        names = sorted(os.listdir(root))
    except OSError as error:
        scan.skipped.append(f"{root}: cannot list the folder ({error.strerror or error})")
        return scan
    for entry in names:
        if not entry.endswith(SUFFIX) or entry.startswith("."):
            continue
        name = entry[: -len(SUFFIX)]
        if not name or is_conflict_copy(name):
            continue
        problem = file_problem(root / entry, root)
        if problem is not None:
            scan.skipped.append(f"{entry}: {problem}")
            continue
        scan.maps[name] = root / entry
    return scan


def list_maps(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Return ``{name: path}`` for the maps directly inside ``folder`` (see :func:`scan_maps`)."""
    return scan_maps(folder).maps


def resolve_map(folder: str | os.PathLike[str], name: object) -> Path | None:
    """Return the map called ``name`` in ``folder``, or None when there is no such map.

    ``name`` is compared with the names of the maps the folder holds, never joined to a path,
    so no ``name`` can reach a file outside it.
    """
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        return None
    return list_maps(folder).get(name)
