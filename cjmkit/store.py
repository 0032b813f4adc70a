"""Map files: load, save (atomic, conflict-safe), snapshots, and an autosaving, merging session.

A map is one UTF-8 JSON file, ``NAME.cjm.json``, written with two-space indentation and keys in
model order, so that git diffs stay small. Nothing is ever lost:

- **Atomic writes.** :func:`save` writes through :func:`cjmkit.atomic.replace_file` (a temp file
  in the map's folder, flushed and fsync'd, ``os.replace``-d over the map, the folder fsync'd),
  as every file cjmkit writes. A process killed at any moment leaves the old file or the new
  one, never half of one; a stray temp file is removed by the next save.
- **No silent overwrite.** Every document carries a ``revision``, which only ever goes up.
  Before writing, the revision on disk is read under a lock. A :class:`MapSession` (a board,
  a notebook) whose map was saved by someone else meanwhile *merges*: it replays its own
  edits (operations of the :class:`~cjmkit.edits.Editor`, addressed by ids) on their version
  and saves the result as the next revision, so edits to different items or fields never
  conflict and dot votes add up. Only a true conflict (the same field changed to two values,
  or an edit of something deleted) is reported (:attr:`MapSession.conflicts`), in plain
  words, with both values; the map keeps the version saved first and the other one is kept
  in the history folder (a snapshot marked "aside"). A whole document saved with :func:`save`
  over a newer file, or a file that cannot be read any more, goes to a conflict copy beside
  the map (``NAME.conflict-20261126T101500Z.cjm.json``): the last resort.
- **The file's mode is honoured.** A read-only map is refused on save with a sentence
  saying so (the atomic replace would otherwise ignore the mode), by every save path.
- **Opening never blocks.** :func:`read_regular` opens non-blocking and reads only regular
  files, so a FIFO or a device named ``*.cjm.json`` is one sentence, not a hang.
- **Snapshots.** Before a save replaces the map, the old file is hard-linked (copied where
  links are not possible) into ``.cjmkit-history/`` beside the map. The last few saves are
  kept, plus older ones at least ten minutes apart, so after a bad edit and a kernel restart
  a facilitator finds both "one step back" and "the map as it was an hour ago" in
  :func:`snapshots`; :func:`restore_snapshot` puts one back (itself a save, so undoable too).

:func:`open_map` returns a :class:`MapSession`: an :class:`~cjmkit.edits.Editor` whose every
edit, undo and redo is saved at once, merged with other writers' edits, with a status line
for the user interface.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cjmkit.atomic import (
    HISTORY_DIR,
    history_dir,
    lock_exclusively,
    read_only,
    refuse_read_only,
    replace_file,
)
from cjmkit.edits import Change, Editor
from cjmkit.errors import CjmError, ConflictError, InvalidEdit, SchemaVersionError, StorageError
from cjmkit.model import Journey, journey_from_dict, utc_now
from cjmkit.ops import Conflict, Op, replay

try:  # POSIX: an advisory lock makes check-and-replace atomic between processes
    import fcntl
except ImportError:  # pragma: no cover - Windows: saves still atomic, the lock is best effort
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".cjm.json"
"""File name ending of journey maps."""

KEEP_RECENT = 5
"""Snapshots of the most recent saves that are always kept."""

KEEP_SPACED = 10
"""How many older snapshots are kept besides the recent ones."""

SNAPSHOT_SPACING = 600.0
"""Older snapshots are kept only when at least this many seconds apart."""

LOCK_TIMEOUT = 10.0
"""How long a save waits for another process that is saving the same map, in seconds."""

Pathish = str | os.PathLike[str]

# -- loading -----------------------------------------------------------------------------------


def load(path: Pathish) -> Journey:
    """Read a journey map file.

    Parameters
    ----------
    path
        The ``.cjm.json`` file.

    Returns
    -------
    Journey
        The validated (and, for older files, migrated) document.

    Raises
    ------
    StorageError
        The file is missing, a folder, unreadable, not UTF-8, not JSON, or JSON that is not an
        object; the sentence names the file (and line and column for JSON errors).
    SchemaVersionError
        The file comes from a newer major version of cjmkit.
    InvalidJourney
        The document breaks the rules (e.g. a touchpoint in a stage that does not exist),
        listing every problem and its place.
    """
    path = Path(path)
    data = _parse(_read_text(path), path)
    try:
        return journey_from_dict(data, source=str(path))
    except SchemaVersionError as error:
        raise SchemaVersionError(f"{path}: {error}") from None
    except CjmError:
        raise
    except Exception as error:  # a migration tripping over an odd old shape must not be a traceback
        raise StorageError(f"{path} could not be read as a journey map ({error!r})") from None


def read_regular(path: Pathish) -> bytes:
    """Return the bytes of the regular file at ``path``, never blocking on anything else.

    The file is opened non-blocking and checked before it is read, so a FIFO, a device or a
    socket given as a map (or lying in a folder of maps) raises at once instead of hanging.

    Raises
    ------
    StorageError
        ``path`` is not a regular file (a folder, a FIFO, a device...).
    OSError
        It cannot be opened (missing, permission denied, a symbolic link loop...).
    """
    with open_regular(path) as file:
        return file.read()


@contextlib.contextmanager
def open_regular(path: Pathish) -> Iterator[BinaryIO]:
    """Open the regular file at ``path`` for reading in binary, never blocking (see :func:`read_regular`)."""
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    )
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise StorageError(f"cannot open {path}: it is a folder, not a map file")
        if not stat.S_ISREG(mode):
            raise StorageError(f"cannot open {path}: it is {_file_kind(mode)}, not a regular file")
        yield file


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _read_text(path: Path) -> str:
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        raise StorageError(f"cannot open {path}: the file does not exist") from None
    except IsADirectoryError:
        raise StorageError(f"cannot open {path}: it is a folder, not a map file") from None
    except PermissionError:
        if path.is_dir():
            raise StorageError(f"cannot open {path}: it is a folder, not a map file") from None
        raise StorageError(f"cannot open {path}: permission denied") from None
    except OSError as error:
        raise StorageError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise StorageError(
            f"{path} is not UTF-8 text (byte 0x{raw[error.start]:02x} at line {line}, column {column}); "
            "save it as UTF-8 and try again"
        ) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true or false"}


def _parse(text: str, path: Path) -> Any:
    if not text.strip():
        raise StorageError(f"{path} is empty, not a journey map")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        reason = error.msg.lower().removesuffix(" at")  # "invalid control character at"
        raise StorageError(
            f"{path} is not valid JSON: {reason} at line {error.lineno}, column {error.colno}"
        ) from None
    except ValueError as error:
        raise StorageError(f"{path} is not valid JSON: {error}") from None
    except RecursionError:
        raise StorageError(f"{path} is not a journey map: its JSON is nested too deeply") from None
    if not isinstance(data, dict):
        kind = "null" if data is None else _JSON_KINDS.get(type(data), type(data).__name__)
        raise StorageError(
            f"{path} holds {kind}, but a journey map is a JSON object with a title, stages and touchpoints"
        )
    return data


# -- saving ------------------------------------------------------------------------------------


def save(
    journey: Journey, path: Pathish, *, force: bool = False, conflict_path: Pathish | None = None
) -> Path:
    """Write a journey map atomically, refusing to overwrite someone else's newer save.

    On success ``journey.revision`` goes up by one and ``journey.updated`` is set to now, in
    place, so that ``load(save(j, p)) == j``.

    Parameters
    ----------
    journey
        The document. It is checked first: an invalid map is never written.
    path
        Where to write it (``NAME.cjm.json``). The folder must exist.
    force
        Overwrite the file even if its revision on disk differs from ``journey.revision``
        (the version on disk is still kept as a snapshot).
    conflict_path
        Where to write the edit on conflict; default: a new
        ``NAME.conflict-<UTC time>.cjm.json`` beside the map. :class:`MapSession` passes its
        current conflict copy so that a run of edits in conflict fills one copy, not many.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ConflictError
        The file on disk has another revision (someone else saved it); the edit was written
        to ``error.conflict_path`` instead and ``journey`` is unchanged.
    InvalidJourney
        The document breaks the rules; nothing was written.
    StorageError
        The file could not be written (folder missing, permission denied, disk full...).
    """
    return _save(journey, path, force=force, conflict_path=conflict_path, check=True)


def _save(
    journey: Journey, path: Pathish, *, force: bool, conflict_path: Pathish | None, check: bool
) -> Path:
    path = _real(path)
    if check:
        journey.check(source=str(path))
    if path.is_dir():
        raise StorageError(f"cannot save to {path}: it is a folder, not a map file")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise StorageError(f"cannot save {path}: the folder {folder} does not exist")
    refuse_read_only(path, verb="save")
    try:
        with _locked(path):
            _remove_stray_temp_files(path)
            on_disk = _disk_revision(path)
            if on_disk is not _MISSING and on_disk != journey.revision and not force:
                target = Path(conflict_path) if conflict_path is not None else _conflict_name(path)
                _write_atomic(target, journey.model_dump_json(indent=2) + "\n")
                raise ConflictError(_conflict_sentence(path, on_disk, journey.revision, target), str(target))
            _write_revision(path, journey, on_disk)
    except CjmError:
        raise
    except OSError as error:
        raise StorageError(f"cannot save {path.name}: {error.strerror or error}") from None
    return path


def _write_revision(path: Path, journey: Journey, on_disk: Any) -> None:
    """Write ``journey`` as the next revision after both its own and the one on disk (under the lock).

    The revision only ever goes up, even when a version is put over a newer one.
    """
    base = max(journey.revision, on_disk if isinstance(on_disk, int) else 0)
    revision, updated = base + 1, utc_now()
    text = journey.model_copy(update={"revision": revision, "updated": updated}).model_dump_json(indent=2)
    _write_atomic(path, text + "\n", keep_old=on_disk is not _MISSING, old_revision=on_disk)
    journey.revision = revision
    journey.updated = updated


def _conflict_sentence(path: Path, on_disk: int | None, mine: int, copy: Path) -> str:
    kept = f"so your version was kept in {copy.name} beside it: nothing is lost"
    if on_disk is None:
        return (
            f"The map file {path.name} was changed by another program and cannot be read now, {kept}. "
            "Put a good version of the map back (History), then open it again"
        )
    return (
        f"{path.name} was saved by someone else (revision {on_disk}) after the version yours is based on "
        f"(revision {mine}), {kept}. Open the map again to go on from the saved version"
    )


_MISSING: Any = object()
_HEAD_BYTES = 65536
_MAX_REVISION_DIGITS = 18
_REVISION_IN_HEAD = re.compile(rb'\n  "revision": (\d+)\s*[,}\n]')


def _disk_revision(path: Path) -> Any:
    """Return the revision of the file on disk, ``None`` when unreadable, ``_MISSING`` when absent.

    Files written by cjmkit have ``"revision"`` near the top at two-space indentation, where
    only top-level keys are (a JSON string cannot hold a raw newline), so the first bytes
    suffice; anything else is parsed in full.
    """
    try:
        with open_regular(path) as file:
            head = file.read(_HEAD_BYTES)
            if head.startswith(b'{\n  "'):
                match = _REVISION_IN_HEAD.search(head)
                if match and len(match.group(1)) <= _MAX_REVISION_DIGITS:
                    return int(match.group(1))
            raw = head + file.read()
    except FileNotFoundError:
        return _MISSING
    except StorageError as error:
        raise StorageError(str(error).replace("cannot open", "cannot save to", 1)) from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    revision = data.get("revision", 0)
    return revision if isinstance(revision, int) and not isinstance(revision, bool) else None


def revision_on_disk(path: Pathish) -> int | None:
    """Return the revision of the map file at ``path`` as saved, or None when it cannot be read.

    Cheap for files cjmkit wrote (only the first bytes are read), so a board can poll it to
    notice that someone else saved the map.
    """
    try:
        revision = _disk_revision(Path(path))
    except (OSError, StorageError):
        return None
    return None if revision is _MISSING else revision


def _write_atomic(path: Path, text: str, *, keep_old: bool = False, old_revision: int | None = None) -> None:
    """Write ``text`` to ``path`` atomically (:func:`cjmkit.atomic.replace_file`); snapshot the old file."""
    replace_file(path, text, before_replace=(lambda: _snapshot(path, old_revision)) if keep_old else None)
    if keep_old:
        _prune(path)


_STRAY_AGE_WITHOUT_LOCK = 600.0


def _remove_stray_temp_files(path: Path) -> None:
    # Called under the lock: every writer of this map holds it while its temp file exists,
    # so any temp file of this map seen now was left by a killed process. Without a lock
    # (no fcntl) only old ones are surely stray.
    prefix = f".{path.name}."
    cutoff = time.time() - _STRAY_AGE_WITHOUT_LOCK if fcntl is None else float("inf")
    with contextlib.suppress(OSError), os.scandir(path.absolute().parent) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the exclusive lock for saving ``path`` (a lock file in the history folder)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    history = history_dir(path)
    history.mkdir(exist_ok=True)
    fd = os.open(history / f"{path.name}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        lock_exclusively(
            fd,
            LOCK_TIMEOUT,
            f"cannot save {path}: another program has been saving it for over {LOCK_TIMEOUT:g} seconds; try again",
        )
        yield
    finally:
        os.close(fd)  # releases the lock (so does the death of the process)


def _real(path: Pathish) -> Path:
    """The file a map path stands for: a symlinked map is saved where the link points."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _prefix(path: Path) -> str:
    name = path.name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name


def _utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _conflict_name(path: Path) -> Path:
    base = f"{_prefix(path)}.conflict-{_utc_stamp()}"
    candidate, n = path.with_name(base + SUFFIX), 2
    while candidate.exists():
        candidate, n = path.with_name(f"{base}-{n}{SUFFIX}"), n + 1
    return candidate


# -- snapshots ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """An earlier version of a map, kept in the history folder beside it.

    Attributes
    ----------
    path
        The snapshot file (a complete map; :func:`load` reads it).
    revision
        The revision it had (for a version set aside, the revision it would have had).
    saved
        When that version was saved (UTC).
    aside
        True for a version that was not kept on the map because of a true conflict between
        two writers (see :class:`MapSession`): kept here so that nothing is lost.
    """

    path: Path
    revision: int
    saved: datetime
    aside: bool = False

    def load(self) -> Journey:
        """Read the snapshot."""
        return load(self.path)

    def __str__(self) -> str:
        what = f"revision {self.revision}, saved {self.saved:%Y-%m-%d %H:%M:%S} UTC"
        return what + (" (set aside in a conflict)" if self.aside else "")


def _snapshot(path: Path, revision: int | None) -> None:
    """Keep the file now at ``path`` (about to be replaced) as a snapshot; never fail a save."""
    history = history_dir(path)
    base = f"{_prefix(path)}.r{revision or 0}"
    target, n = history / f"{base}{SUFFIX}", 2
    try:
        current = os.stat(path)
        while target.exists():
            if os.path.samestat(os.stat(target), current):
                return  # already kept (a save that failed after linking)
            target, n = history / f"{base}-{n}{SUFFIX}", n + 1
        try:
            os.link(path, target)
        except OSError:  # file systems without hard links
            shutil.copy2(path, target)
    except OSError:
        pass


def _keep_aside(path: Path, journey: Journey, revision: int) -> Path | None:
    """Keep a version that a conflict left off the map in the history folder; never fail a save."""
    history = history_dir(path)
    base = f"{_prefix(path)}.r{revision}-aside"
    target, n = history / f"{base}{SUFFIX}", 2
    try:
        history.mkdir(exist_ok=True)
        while target.exists():
            target, n = history / f"{base}-{n}{SUFFIX}", n + 1
        _write_atomic(
            target, journey.model_copy(update={"revision": revision}).model_dump_json(indent=2) + "\n"
        )
    except OSError:
        return None
    return target


def _snapshot_pattern(path: Path) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(_prefix(path))}\.r(\d+)(-aside)?(?:-\d+)?{re.escape(SUFFIX)}")


def _list_snapshots(path: Path) -> list[tuple[float, int, Path, bool]]:
    pattern = _snapshot_pattern(path)
    found: list[tuple[float, int, Path, bool]] = []
    try:
        entries = list(os.scandir(history_dir(path)))
    except OSError:
        return []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match:
            with contextlib.suppress(OSError):
                found.append(
                    (entry.stat().st_mtime, int(match.group(1)), Path(entry.path), bool(match.group(2)))
                )
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return found


KEEP_ASIDE = 50
"""How many versions set aside in conflicts are kept (they are never pruned with the others)."""


def _prune(path: Path) -> None:
    """Keep the ``KEEP_RECENT`` newest snapshots plus ``KEEP_SPACED`` older, spaced ones.

    The older ones are chosen oldest first, each at least ``SNAPSHOT_SPACING`` after the last
    one kept, so the choice is stable from save to save and reaches far back in time. Versions
    set aside in conflicts are kept apart (the newest ``KEEP_ASIDE``).
    """
    every = _list_snapshots(path)
    found = [item for item in every if not item[3]]
    older = sorted(found[KEEP_RECENT:], key=lambda item: (item[0], item[1]))
    kept: list[tuple[float, int, Path, bool]] = []
    doomed: list[Path] = []
    for item in older:
        if not kept or item[0] - kept[-1][0] >= SNAPSHOT_SPACING:
            kept.append(item)
        else:
            doomed.append(item[2])
    doomed.extend(item[2] for item in kept[: max(0, len(kept) - KEEP_SPACED)])
    doomed.extend(item[2] for item in [item for item in every if item[3]][KEEP_ASIDE:])
    for victim in doomed:
        with contextlib.suppress(OSError):
            victim.unlink()


def snapshots(path: Pathish) -> list[Snapshot]:
    """List the kept earlier versions of a map, newest first.

    Parameters
    ----------
    path
        The map file.
    """
    return [
        Snapshot(file, revision, datetime.fromtimestamp(mtime, UTC).replace(microsecond=0), aside)
        for mtime, revision, file, aside in _list_snapshots(_real(path))
    ]


def restore_snapshot(path: Pathish, snapshot: Snapshot | Pathish) -> Journey:
    """Put an earlier version of a map back, as a new save (so it can be undone the same way).

    Parameters
    ----------
    path
        The map file.
    snapshot
        One of :func:`snapshots` (or the path of a snapshot file).

    Returns
    -------
    Journey
        The restored map, as now saved (with the next revision number).

    Raises
    ------
    ConflictError
        Someone saved the map while it was being restored.
    """
    path = _real(path)
    source = snapshot.path if isinstance(snapshot, Snapshot) else Path(snapshot)
    journey = load(source)
    on_disk = _disk_revision(path)  # the save below checks it again, under the lock
    if isinstance(on_disk, int):
        journey.revision = on_disk
    else:  # the map is missing or unreadable: number the restore after every kept version
        journey.revision = max((item[1] for item in _list_snapshots(path)), default=0)
    save(journey, path, force=on_disk is None)
    return journey


# -- the autosaving session --------------------------------------------------------------------

StatusListener = Callable[[str], None]

SYNC_INTERVAL = 0.5
"""Reading :attr:`MapSession.journey` looks at the file for others' edits at most this often (s)."""


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when a file is replaced or written: modification time, size and inode."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


class MapSession:
    """A map open for editing: every edit, undo and redo through :attr:`editor` is saved at once.

    Use :func:`open_map` to make one. Several sessions (two boards, a board and a notebook, in
    one process or many) can edit one map at once:

    - **Saving merges.** When someone else saved the map since this session last saved or
      looked, the edits not yet saved are replayed on their version (see :mod:`cjmkit.ops`)
      and the result is saved as the next revision, then taken in here (:meth:`Editor.adopt
      <cjmkit.edits.Editor.adopt>`: the undo history is kept). Edits to different items, or
      to different fields of one item, never conflict; dot votes add up; notes added by two
      people are both kept.
    - **True conflicts ask.** When both changed the same field to different values, or one
      changed what the other deleted, the map keeps the version saved first, this session's
      version is kept in the history folder (a snapshot marked ``aside``), and the conflict is
      added to :attr:`conflicts` with a plain sentence naming the item and both values;
      :meth:`resolve` puts "mine" back as a new edit, or lets it go.
    - **Others' edits come in.** :meth:`sync` takes in what others saved (a board calls it a
      few times a second from its event loop); reading :attr:`journey` calls it too, at most
      every :data:`SYNC_INTERVAL` seconds, so a notebook sees the room's edits without a loop.
    - **Last resort.** When the file on disk cannot be read any more (edited by hand, broken),
      nothing can be merged: the edits are written to a conflict copy beside the map,
      :attr:`conflict_path` names it and :attr:`status` says so in one sentence.

    Attributes
    ----------
    path
        The map file.
    editor
        The :class:`~cjmkit.edits.Editor` to change the map with.
    status
        ``"saved"`` when the file holds the latest edit; otherwise one sentence saying why not.
    saved_at
        When the file last held every edit of this session (UTC).
    conflicts
        True conflicts found while merging, not yet resolved, oldest first.
    conflict_path
        The conflict copy that holds edits which could not be saved, or None.
    """

    def __init__(self, path: Pathish, journey: Journey) -> None:
        self.path = Path(path)
        self.editor = Editor(journey)
        self.status = "saved"
        self.saved_at: datetime = utc_now()
        self.conflicts: list[Conflict] = []
        self.conflict_path: Path | None = None
        self._pending: list[tuple[str, tuple[Op, ...]]] = []
        self._listeners: list[StatusListener] = []
        self._stamp = _stamp(_real(self.path))
        self._looked = time.monotonic()
        self._busy = False
        self._unsubscribe: Callable[[], None] | None = self.editor.subscribe(self._autosave)

    @property
    def journey(self) -> Journey:
        """The map being edited; reading it first takes in edits others saved (see :meth:`sync`)."""
        if not self._busy and time.monotonic() - self._looked >= SYNC_INTERVAL:
            self.sync()
        return self.editor.journey

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (edits are no longer saved)."""
        return self._unsubscribe is None

    @property
    def pending(self) -> int:
        """How many edits are not saved yet (0 when :attr:`status` is ``"saved"``)."""
        return len(self._pending)

    def on_status(self, callback: StatusListener) -> Callable[[], None]:
        """Call ``callback(status)`` when :attr:`status` or :attr:`conflicts` change; return an unsubscriber."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def _set_status(self, status: str, *, always: bool = False) -> None:
        if status != self.status or always:
            self.status = status
            for callback in list(self._listeners):
                callback(status)

    def _autosave(self, journey: Journey, change: Change) -> None:
        if change.action in ("reload", "merge") or not change.ops or self.closed:
            return
        self._pending.append((change.description, change.ops))
        # The editor has just checked the whole document after these edits: skip a 2nd check.
        self._save(force=False, check=False)

    def save(self, *, force: bool = False) -> Path:
        """Save the map now (edits already do this), merging with what others saved meanwhile.

        ``force=True`` writes this version over whatever is on disk instead of merging (the
        version replaced stays in :func:`snapshots`; the revision still goes up).

        Raises
        ------
        ConflictError
            The file on disk cannot be read, so nothing could be merged; the edits are in
            :attr:`conflict_path`.
        StorageError
            The file could not be written; :attr:`status` says why.
        """
        return self._save(force=force, check=True)

    def _save(self, *, force: bool, check: bool) -> Path:
        path = _real(self.path)
        journey = self.editor.journey
        merged: tuple[Journey, Any] | None = None
        self._busy = True
        try:
            if check:
                journey.check(source=path.name)
            if path.is_dir():
                raise StorageError(f"cannot save to {path.name}: it is a folder, not a map file")
            if not path.absolute().parent.is_dir():
                raise StorageError(
                    f"cannot save {path.name}: its folder {path.absolute().parent} does not exist"
                )
            refuse_read_only(path, verb="save")
            with _locked(path):
                _remove_stray_temp_files(path)
                on_disk = _disk_revision(path)
                if on_disk is _MISSING or on_disk == journey.revision or force:
                    _write_revision(path, journey, on_disk)
                elif on_disk is None:
                    self._last_resort(path, on_disk)
                else:
                    merged = self._merge(path, on_disk)
        except ConflictError as error:
            self.conflict_path = Path(error.conflict_path) if error.conflict_path else None
            self._set_status(str(error))
            raise
        except CjmError as error:
            self._set_status(f"not saved: {error}")
            raise
        except OSError as error:
            self._set_status(f"not saved: cannot save {path.name}: {error.strerror or error}")
            raise StorageError(f"cannot save {path.name}: {error.strerror or error}") from None
        finally:
            self._busy = False
        self._pending.clear()
        self.conflict_path = None
        self.saved_at = utc_now()
        self._stamp = _stamp(path)
        self._looked = time.monotonic()
        if merged is not None:
            theirs, result = merged
            self.conflicts.extend(result.conflicts)
            self.editor.adopt(theirs, "Merged with edits saved by someone else", result.renames)
        self._set_status("saved", always=merged is not None and bool(merged[1].conflicts))
        return path

    def _merge(self, path: Path, on_disk: int) -> tuple[Journey, Any]:
        """Replay the pending edits on the version on disk and save that (under the lock)."""
        try:
            theirs = load(path)
        except CjmError:
            self._last_resort(path, None)
        result = replay(theirs, self._pending)
        if result.conflicts:
            mine = self.editor.journey.model_copy()
            _keep_aside(path, mine, on_disk + 1)
        theirs.revision = on_disk
        _write_revision(path, theirs, on_disk)
        return theirs, result

    def _last_resort(self, path: Path, on_disk: int | None) -> None:
        """The map on disk cannot be read: keep this version in a conflict copy, and say so."""
        journey = self.editor.journey
        target = self.conflict_path if self.conflict_path is not None else _conflict_name(path)
        _write_atomic(target, journey.model_dump_json(indent=2) + "\n")
        raise ConflictError(_conflict_sentence(path, on_disk, journey.revision, target), str(target))

    def sync(self) -> bool:
        """Take in the edits someone else saved since; return True when the map changed.

        Cheap when nothing changed (one ``stat`` of the file). Edits of this session that are
        not saved yet are merged and saved first.
        """
        if self._busy or self.closed:
            return False
        self._looked = time.monotonic()
        path = _real(self.path)
        stamp = _stamp(path)
        if stamp == self._stamp:
            return False
        revision = revision_on_disk(path)
        if revision is None or revision <= self.editor.journey.revision:
            self._stamp = stamp
            return False
        if self._pending:
            try:
                self._save(force=False, check=False)
            except CjmError:
                return False
            return True
        try:
            theirs = load(path)
        except CjmError:
            self._stamp = stamp
            return False
        self._stamp = stamp
        if theirs.revision <= self.editor.journey.revision:
            return False
        self._busy = True
        try:
            self.editor.adopt(theirs, "Edits saved by someone else")
        finally:
            self._busy = False
        if self.status != "saved" and not self._pending:
            self.conflict_path = None
            self._set_status("saved")
        return True

    def resolve(self, conflict: Conflict, *, keep_mine: bool) -> None:
        """Settle a true conflict: put this session's version back (``keep_mine``) or let it go.

        Keeping mine is a new, undoable edit, saved at once; the version it replaces stays in
        :func:`snapshots`. Letting it go changes nothing (the version set aside stays there).

        Raises
        ------
        InvalidEdit
            Mine cannot be put back on the map as it is now (the sentence says why); the
            conflict stays listed.
        """
        if keep_mine and conflict.fix:
            self.editor.apply(conflict.fix, _keep_mine_description(conflict))
        elif keep_mine:
            raise InvalidEdit("there is nothing of yours to put back for this one; it is kept in the history")
        if conflict in self.conflicts:
            self.conflicts.remove(conflict)
        self._set_status(self.status, always=True)

    def reload(self) -> Journey:
        """Re-read the map from disk, dropping edits that were not saved (and the undo history)."""
        journey = load(self.path)
        self._pending.clear()
        self.conflicts.clear()
        self.editor.replace_journey(journey, "Reload from disk")
        self.conflict_path = None
        self._stamp = _stamp(_real(self.path))
        self._set_status("saved", always=True)
        return journey

    def restore(self, snapshot: Snapshot | Pathish) -> Journey:
        """Put a snapshot of this map back (see :func:`restore_snapshot`) and continue from it."""
        restore_snapshot(self.path, snapshot)
        return self.reload()

    def snapshots(self) -> list[Snapshot]:
        """The kept earlier versions of this map, newest first."""
        return snapshots(self.path)

    def close(self) -> None:
        """Stop saving edits (the file already holds every saved one)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def __enter__(self) -> MapSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        journey = self.editor.journey
        return f"MapSession({str(self.path)!r}, revision={journey.revision}, status={self.status!r})"


def _keep_mine_description(conflict: Conflict) -> str:
    sentence = conflict.sentence.split(":")[0] if conflict.sentence else "my version"
    return f"Put mine back ({sentence})"


def open_map(path: Pathish, *, create: Journey | None = None) -> MapSession:
    """Open a map for editing; every edit made through the session's editor is saved at once.

    Parameters
    ----------
    path
        The ``.cjm.json`` file.
    create
        A journey to save at ``path`` when there is no file yet (e.g. from a template).
        Ignored when the file exists.

    Returns
    -------
    MapSession

    Examples
    --------
    >>> with open_map("acme.cjm.json") as session:
    ...     session.editor.add("stages", {"name": "Renew"})
    ...     session.status
    'saved'
    """
    path = Path(path)
    if create is not None and not path.exists():
        save(create, path)
        return MapSession(path, create)
    return MapSession(path, load(path))


__all__ = [
    "HISTORY_DIR",
    "MapSession",
    "Snapshot",
    "load",
    "open_map",
    "read_only",
    "restore_snapshot",
    "save",
    "snapshots",
]


WORKDIR_ENV = "CJMKIT_WORKDIR"
"""Environment variable naming the folder :func:`work_copy` copies into (e.g. set by tests)."""


def work_copy(folder: Pathish, name: str) -> Path:
    """Copy a folder of maps and raw data to a work folder and return the copy's path.

    For notebooks and demos that edit a map without touching the original (such as
    ``sample_data/``). The copy goes to ``$CJMKIT_WORKDIR/NAME`` when that variable is set, else
    to a new temporary folder; Python files are left out, existing copies are refreshed.

    Parameters
    ----------
    folder
        The folder to copy.
    name
        The name of the copy's folder.
    """
    import tempfile

    source = Path(folder)
    if not source.is_dir():
        raise StorageError(f"cannot copy {source}: it is not a folder")
    base = Path(os.environ.get(WORKDIR_ENV) or tempfile.mkdtemp(prefix="cjmkit-"))
    target = base / name
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.py", HISTORY_DIR))
    return target
