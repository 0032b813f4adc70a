"""Map files: load, save (atomic, conflict-safe), snapshots, and an autosaving session.

A map is one UTF-8 JSON file, ``NAME.cjm.json``, written with two-space indentation and keys in
model order, so that git diffs stay small. Nothing is ever lost:

- **Atomic writes.** :func:`save` writes a temp file in the map's folder, flushes and fsyncs
  it, ``os.replace``-s it over the map and fsyncs the folder. A process killed at any moment
  leaves the old file or the new one, never half of one; a stray temp file is removed by the
  next save.
- **No silent overwrite.** Every document carries a ``revision``. Before writing, :func:`save`
  reads the revision on disk; if someone else saved in the meantime, the edit goes to a
  conflict copy beside the map (``NAME.conflict-20261126T101500Z.cjm.json``) and
  :class:`~cjmkit.errors.ConflictError` says where. The check and the replace happen under a
  lock, so two processes cannot both pass the check.
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
edit, undo and redo is saved at once, with a status line for the user interface.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cjmkit.edits import Change, Editor
from cjmkit.errors import CjmError, ConflictError, SchemaVersionError, StorageError
from cjmkit.model import Journey, journey_from_dict, utc_now

try:  # POSIX: an advisory lock makes check-and-replace atomic between processes
    import fcntl
except ImportError:  # pragma: no cover - Windows: saves still atomic, the lock is best effort
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".cjm.json"
"""File name ending of journey maps."""

HISTORY_DIR = ".cjmkit-history"
"""Hidden folder beside a map that holds its snapshots (and the lock file of its saves)."""

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
    _refuse_read_only(path)
    try:
        with _locked(path):
            _remove_stray_temp_files(path)
            on_disk = _disk_revision(path)
            if on_disk is not _MISSING and on_disk != journey.revision and not force:
                target = Path(conflict_path) if conflict_path is not None else _conflict_name(path)
                _write_atomic(target, journey.model_dump_json(indent=2) + "\n")
                raise ConflictError(_conflict_sentence(path, on_disk, journey.revision, target), str(target))
            revision, updated = journey.revision + 1, utc_now()
            text = journey.model_copy(update={"revision": revision, "updated": updated}).model_dump_json(
                indent=2
            )
            _write_atomic(path, text + "\n", keep_old=on_disk is not _MISSING, old_revision=on_disk)
    except CjmError:
        raise
    except OSError as error:
        raise StorageError(f"cannot save {path}: {error.strerror or error}") from None
    journey.revision = revision
    journey.updated = updated
    return path


def read_only(path: Pathish) -> bool:
    """True when the map file at ``path`` exists and is read-only, so :func:`save` refuses it.

    Both the permission bits and this process's access count, so a read-only map stays
    untouched for root too (root may write anything, but a read-only map says "do not").
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:  # missing (a new map) or unreadable: the save itself says what is wrong
        return False
    return stat.S_ISREG(mode) and (not mode & 0o222 or not os.access(path, os.W_OK))


def _refuse_read_only(path: Path) -> None:
    # the atomic replace would ignore the file's mode: check it first
    if read_only(path):
        raise StorageError(
            f"cannot save {path}: the file is read-only; make it writable (e.g. chmod u+w) to keep "
            "editing it, or save a copy under another name"
        )


def _conflict_sentence(path: Path, on_disk: int | None, mine: int, copy: Path) -> str:
    if on_disk is None:
        what = f"{path} was changed on disk by another program (its revision cannot be read)"
    else:
        what = (
            f"{path} was saved by someone else since you loaded it "
            f"(revision {on_disk} on disk, yours is based on revision {mine})"
        )
    return (
        f"{what}, so your edit was saved to {copy} instead: reload the map to continue from their "
        "version, or save with force to put yours over it"
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
    """Write ``text`` to ``path`` via a synced temp file and ``os.replace``; snapshot the old file."""
    folder = path.absolute().parent
    temp = folder / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with contextlib.suppress(OSError, AttributeError):  # keep the map's permissions
            os.fchmod(fd, os.stat(path).st_mode & 0o7777)
        with os.fdopen(fd, "wb") as file:
            file.write(text.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        if keep_old:
            _snapshot(path, old_revision)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(folder)
    if keep_old:
        _prune(path)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms that cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


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
    history = _history_dir(path)
    history.mkdir(exist_ok=True)
    fd = os.open(history / f"{path.name}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StorageError(
                        f"cannot save {path}: another program has been saving it for over "
                        f"{LOCK_TIMEOUT:g} seconds; try again"
                    ) from None
                time.sleep(0.005)
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
        The revision it had.
    saved
        When that version was saved (UTC).
    """

    path: Path
    revision: int
    saved: datetime

    def load(self) -> Journey:
        """Read the snapshot."""
        return load(self.path)

    def __str__(self) -> str:
        return f"revision {self.revision}, saved {self.saved:%Y-%m-%d %H:%M:%S} UTC"


def _history_dir(path: Path) -> Path:
    return path.absolute().parent / HISTORY_DIR


def _snapshot(path: Path, revision: int | None) -> None:
    """Keep the file now at ``path`` (about to be replaced) as a snapshot; never fail a save."""
    history = _history_dir(path)
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


def _snapshot_pattern(path: Path) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(_prefix(path))}\.r(\d+)(?:-\d+)?{re.escape(SUFFIX)}")


def _list_snapshots(path: Path) -> list[tuple[float, int, Path]]:
    pattern = _snapshot_pattern(path)
    found: list[tuple[float, int, Path]] = []
    try:
        entries = list(os.scandir(_history_dir(path)))
    except OSError:
        return []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match:
            with contextlib.suppress(OSError):
                found.append((entry.stat().st_mtime, int(match.group(1)), Path(entry.path)))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return found


def _prune(path: Path) -> None:
    """Keep the ``KEEP_RECENT`` newest snapshots plus ``KEEP_SPACED`` older, spaced ones.

    The older ones are chosen oldest first, each at least ``SNAPSHOT_SPACING`` after the last
    one kept, so the choice is stable from save to save and reaches far back in time.
    """
    found = _list_snapshots(path)
    older = sorted(found[KEEP_RECENT:], key=lambda item: (item[0], item[1]))
    kept: list[tuple[float, int, Path]] = []
    doomed: list[Path] = []
    for item in older:
        if not kept or item[0] - kept[-1][0] >= SNAPSHOT_SPACING:
            kept.append(item)
        else:
            doomed.append(item[2])
    doomed.extend(item[2] for item in kept[: max(0, len(kept) - KEEP_SPACED)])
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
        Snapshot(file, revision, datetime.fromtimestamp(mtime, UTC).replace(microsecond=0))
        for mtime, revision, file in _list_snapshots(_real(path))
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
        journey.revision = max((revision for _, revision, _ in _list_snapshots(path)), default=0)
    save(journey, path, force=on_disk is None)
    return journey


# -- the autosaving session --------------------------------------------------------------------

StatusListener = Callable[[str], None]

_CHECKED_BY_EDITOR = frozenset({"add", "update", "remove", "move", "journey", "batch"})


class MapSession:
    """A map open for editing: every edit, undo and redo through :attr:`editor` is saved at once.

    Use :func:`open_map` to make one.

    Attributes
    ----------
    path
        The map file.
    editor
        The :class:`~cjmkit.edits.Editor` to change the map with.
    status
        ``"saved"`` when the file holds the latest edit; otherwise one sentence saying why not,
        e.g. the conflict warning naming the conflict copy.
    conflict_path
        The conflict copy that holds the edits which could not be saved, or None.

    Notes
    -----
    On conflict the :class:`~cjmkit.errors.ConflictError` propagates from the edit call (so a
    widget can show it), the edit stays in memory and further edits go to the same conflict
    copy. :meth:`reload` takes the other writer's version; ``save(force=True)`` puts this
    one over it (their version stays in :func:`snapshots`).
    """

    def __init__(self, path: Pathish, journey: Journey) -> None:
        self.path = Path(path)
        self.editor = Editor(journey)
        self.status = "saved"
        self.conflict_path: Path | None = None
        self._listeners: list[StatusListener] = []
        self._unsubscribe: Callable[[], None] | None = self.editor.subscribe(self._autosave)

    @property
    def journey(self) -> Journey:
        """The map being edited (the editor's journey)."""
        return self.editor.journey

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (edits are no longer saved)."""
        return self._unsubscribe is None

    def on_status(self, callback: StatusListener) -> Callable[[], None]:
        """Call ``callback(status)`` whenever :attr:`status` changes; return an unsubscriber."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def _set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            for callback in list(self._listeners):
                callback(status)

    def _autosave(self, journey: Journey, change: Change) -> None:
        if change.action != "reload":
            # The editor has just checked the whole document after these edits: skip a 2nd check.
            self._save(force=False, check=change.action not in _CHECKED_BY_EDITOR)

    def save(self, *, force: bool = False) -> Path:
        """Save the map now (edits already do this); ``force=True`` overwrites a conflicting file.

        Raises
        ------
        ConflictError
            Someone else saved the map; the edit is in :attr:`conflict_path`.
        StorageError
            The file could not be written; :attr:`status` says why.
        """
        return self._save(force=force, check=True)

    def _save(self, *, force: bool, check: bool) -> Path:
        try:
            written = _save(
                self.journey, self.path, force=force, conflict_path=self.conflict_path, check=check
            )
        except ConflictError as error:
            self.conflict_path = Path(error.conflict_path) if error.conflict_path else None
            self._set_status(str(error))
            raise
        except CjmError as error:
            self._set_status(f"not saved: {error}")
            raise
        self.conflict_path = None
        self._set_status("saved")
        return written

    def reload(self) -> Journey:
        """Re-read the map from disk (e.g. to take the other writer's version after a conflict).

        The undo history is cleared: it described the version that was replaced. Edits that
        were not saved stay in :attr:`conflict_path`, if any.
        """
        journey = load(self.path)
        self.editor.replace_journey(journey, "Reload from disk")
        self.conflict_path = None
        self._set_status("saved")
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
        return f"MapSession({str(self.path)!r}, revision={self.journey.revision}, status={self.status!r})"


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
    shutil.copytree(
        source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.py", ".cjmkit-history")
    )
    return target
