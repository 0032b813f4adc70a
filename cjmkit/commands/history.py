"""History subcommands: ``history`` lists the kept earlier versions of a map, ``restore`` puts one back."""

from __future__ import annotations

import argparse
from pathlib import Path

from cjmkit import store
from cjmkit.errors import CjmError, StorageError
from cjmkit.summary import counts


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``history`` and ``restore`` to the command line."""
    history = subparsers.add_parser(
        "history", help="list the earlier versions of a map kept beside it, newest first"
    )
    history.add_argument("map", type=Path, metavar="MAP")
    history.set_defaults(func=cmd_history)

    restore = subparsers.add_parser(
        "restore", help="put an earlier version of a map back (as a new save, so it can be restored back)"
    )
    restore.add_argument("map", type=Path, metavar="MAP")
    restore.add_argument(
        "revision", type=int, metavar="REVISION", help="the revision to restore (see history)"
    )
    restore.set_defaults(func=cmd_restore)


def _kept(path: Path) -> list[store.Snapshot]:
    """The kept versions of ``path``; a map that was deleted or broken still has its history."""
    kept = store.snapshots(path)
    if not kept and not path.is_file():
        raise StorageError(f"{path}: no such map file, and no earlier versions of it are kept")
    return kept


def _describe(path: Path) -> str:
    try:
        journey = store.load(path)
    except CjmError:
        return "cannot be read" if path.exists() else "missing"
    return f"“{journey.title}”: {counts(journey)}"


def cmd_history(args: argparse.Namespace) -> int:
    """``cjmkit history MAP``: one line per kept version, with what it held."""
    path = args.map
    kept = _kept(path)
    revision = store.revision_on_disk(path)
    print(f"{path} now: {f'revision {revision}, ' if revision is not None else ''}{_describe(path)}")
    if not kept:
        print("No earlier versions are kept yet (each save keeps the version it replaces).")
        return 0
    for snapshot in kept:
        print(
            f"  revision {snapshot.revision:>4}  saved {snapshot.saved:%Y-%m-%d %H:%M:%S} UTC  {_describe(snapshot.path)}"
        )
    print(f"Put one back with: cjmkit restore {path} REVISION")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """``cjmkit restore MAP REVISION``: save the newest kept version with that revision as the map."""
    path = args.map
    kept = _kept(path)
    chosen = next((snapshot for snapshot in kept if snapshot.revision == args.revision), None)
    if chosen is None:
        revisions = ", ".join(str(snapshot.revision) for snapshot in kept) or "none"
        raise StorageError(
            f"{path}: no kept version has revision {args.revision} (kept: {revisions}); see cjmkit history {path}"
        )
    replaced = store.revision_on_disk(path)
    journey = store.restore_snapshot(path, chosen)
    kept_note = f"; revision {replaced} is kept in its history" if replaced is not None else ""
    print(
        f"Restored revision {args.revision} of {path} (saved {chosen.saved:%Y-%m-%d %H:%M:%S} UTC) "
        f"as revision {journey.revision}{kept_note}."
    )
    return 0
