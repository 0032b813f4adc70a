"""The room log: an append-only, fsync'd record of everything a workshop room said and did.

``NAME.room.jsonl`` lives beside ``NAME.cjm.json``. Each line is one JSON object, an *event*:
a participant's note or votes (appended by the participant server) or a facilitator's action
(appended by the board: open the room, accept a note, start a voting round...). The room's
state, inbox and tallies are rebuilt from these lines (see :mod:`cjmkit.room.state`), so the
log is the one thing that must survive a crash:

- **Acknowledged means on disk.** :meth:`RoomLog.append` writes the line with one ``write`` on
  a file opened ``O_APPEND``, then ``fsync``; only then does it return, and only then does the
  server answer the participant.
- **A retry is counted once.** Every event carries an ``id`` (made by the client for
  submissions); an event whose id is already in the log is not written again, across
  processes too: appends hold an exclusive lock on the file and read what others appended
  before checking the id.
- **A torn last line is harmless.** A process killed in the middle of a write can leave a last
  line without its newline; readers ignore it and the next append cuts it off first (it was
  never acknowledged).
- **Bounded.** Submissions are refused once the log reaches :data:`MAX_BYTES`, with a sentence
  saying so; the facilitator's own events still fit (a small reserve), so the room can be closed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cjmkit.atomic import lock_exclusively
from cjmkit.errors import StorageError

SUFFIX = ".room.jsonl"
"""File name ending of room logs (``NAME.room.jsonl`` beside ``NAME.cjm.json``)."""

MAX_BYTES = 16 * 1024 * 1024
"""Submissions are refused once the log is this big (about 40,000 notes)."""

RESERVE_BYTES = 1024 * 1024
"""Room left beyond :data:`MAX_BYTES` for the facilitator's events (closing the room...)."""

MAX_LINE_BYTES = 64 * 1024
"""The longest event accepted (a note is at most a few KB)."""

ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{6,80}$")
"""What an event id looks like (client-made ids included)."""

LOCK_TIMEOUT = 10.0


class RoomLogFull(StorageError):
    """The room log reached its size cap; the submission was not recorded."""


def log_path(map_path: str | os.PathLike[str]) -> Path:
    """Return the room log's path for a map: ``NAME.room.jsonl`` beside ``NAME.cjm.json``."""
    path = Path(map_path)
    name = path.name
    base = name[: -len(".cjm.json")] if name.endswith(".cjm.json") else path.stem
    return path.with_name(base + SUFFIX)


def new_id(prefix: str = "ev") -> str:
    """Return a fresh event id (for events made on the server or the board)."""
    return f"{prefix}-{uuid.uuid4().hex}"


class RoomLog:
    """Read and append the events of one room log.

    The object remembers how far it has read; :meth:`read_new` returns the events appended
    since (by this process or any other), so a server and a board can each follow the log.

    Parameters
    ----------
    path
        The ``NAME.room.jsonl`` file (created on the first append).
    max_bytes
        The size cap for submissions (see :data:`MAX_BYTES`).
    """

    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.ids: set[str] = set()
        self.skipped = 0  # complete lines that were not events (edited by hand, corrupted)
        self._offset = 0
        self._pending: list[dict[str, Any]] = []
        self._inode: tuple[int, int] | None = None

    # -- reading -------------------------------------------------------------------------------

    def read_new(self) -> list[dict[str, Any]]:
        """Return the events appended since the last call (all of them on the first call)."""
        self._scan()
        events, self._pending = self._pending, []
        return events

    def _scan(self) -> None:
        """Read complete lines past the offset into ``_pending``; stop before a torn last line."""
        try:
            with open(self.path, "rb") as file:
                stat = os.fstat(file.fileno())
                identity = (stat.st_dev, stat.st_ino)
                if self._inode is not None and (identity != self._inode or stat.st_size < self._offset):
                    # replaced or truncated by hand: read it again from the start
                    self._offset, self.ids = 0, set()
                self._inode = identity
                if stat.st_size <= self._offset:
                    return
                file.seek(self._offset)
                data = file.read(stat.st_size - self._offset)
        except FileNotFoundError:
            return
        except OSError as error:
            raise StorageError(f"cannot read the room log {self.path}: {error.strerror or error}") from None
        end = data.rfind(b"\n")
        if end < 0:
            return
        for raw in data[: end + 1].splitlines():
            event = _parse(raw)
            if event is None:
                self.skipped += raw.strip() != b""
                continue
            if event["id"] in self.ids:
                continue  # written twice by hand, or by a cjmkit without the lock: count it once
            self.ids.add(event["id"])
            self._pending.append(event)
        self._offset += end + 1

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Every event of the log, from the start (a fresh read, offsets untouched)."""
        return iter(RoomLog(self.path).read_new())

    def size(self) -> int:
        """The log's size in bytes (0 when it does not exist yet)."""
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0

    # -- appending -----------------------------------------------------------------------------

    def append(self, event: dict[str, Any], *, facilitator: bool = False) -> bool:
        """Append one event and fsync it; return False when its id is already in the log.

        Parameters
        ----------
        event
            A JSON-able dict with an ``"id"`` (see :data:`ID_PATTERN`) and a ``"type"``; an
            ``"at"`` time (seconds since the epoch) is added when missing.
        facilitator
            The facilitator's own events may use the reserve beyond the cap.

        Raises
        ------
        RoomLogFull
            The log reached its cap (a participant's submission; the sentence says so).
        StorageError
            The event is malformed, or the log could not be written (disk full...).
        """
        event_id = event.get("id")
        if not isinstance(event_id, str) or not ID_PATTERN.match(event_id):
            raise StorageError(
                f"a room event needs an id of 6 to 80 letters, digits or -_.:, got {event_id!r}"
            )
        if not isinstance(event.get("type"), str):
            raise StorageError("a room event needs a type")
        event = {"id": event_id, "type": event["type"], "at": round(time.time(), 3)} | event
        line = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        if len(line) > MAX_LINE_BYTES:
            raise StorageError(
                f"a room event is at most {MAX_LINE_BYTES // 1024} KB, this one is {len(line)} bytes"
            )
        try:
            with self._locked() as fd:
                self._scan()  # whatever other processes appended, so that their ids count
                if event_id in self.ids:
                    return False
                size = self._cut_torn_line(fd)
                cap = self.max_bytes + (RESERVE_BYTES if facilitator else 0)
                if size + len(line) > cap:
                    raise RoomLogFull(
                        f"the room log {self.path.name} is full ({self.max_bytes // (1024 * 1024)} MB): "
                        "the facilitator can close the room, or move the log away to start a new one"
                    )
                written = os.write(fd, line)
                if written != len(line):  # a short write (disk full): cut it off, report it
                    os.ftruncate(fd, size)
                    raise OSError(28, "No space left on device")
                os.fsync(fd)
        except StorageError:
            raise
        except OSError as error:
            raise StorageError(f"cannot write the room log {self.path}: {error.strerror or error}") from None
        self._scan()  # our own line, so that read_new() returns it in order like everyone else's
        return True

    def _cut_torn_line(self, fd: int) -> int:
        """Truncate a last line left without its newline by a killed writer; return the size."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0
        tail_start = max(0, size - MAX_LINE_BYTES - 1)
        tail = os.pread(fd, size - tail_start, tail_start)
        if tail.endswith(b"\n"):
            return size
        cut = tail.rfind(b"\n")
        new_size = tail_start + cut + 1 if cut >= 0 else tail_start
        os.ftruncate(fd, new_size)
        os.fsync(fd)
        return new_size

    @contextlib.contextmanager
    def _locked(self) -> Iterator[int]:
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            lock_exclusively(
                fd,
                LOCK_TIMEOUT,
                f"cannot write the room log {self.path}: another program has held it for over "
                f"{LOCK_TIMEOUT:g} seconds",
                poll=0.002,
            )
            yield fd
        finally:
            os.close(fd)


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
    ):
        return None
    return event


__all__ = ["MAX_BYTES", "SUFFIX", "RoomLog", "RoomLogFull", "log_path", "new_id"]
