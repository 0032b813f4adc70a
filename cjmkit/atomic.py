"""Writing files so that a crash never leaves half of one, and keeping what a write replaces.

Every file cjmkit writes for a person (maps, published pages, pictures and prints, tables and
workbooks, kept raw data, uploads, the KPI library, the trust record) goes through
:func:`write_atomic`:

1. the content goes into a temp file in the target's own folder (``.NAME.PID.RANDOM.tmp``, so
   the final step is a rename within one file system);
2. the temp file is flushed and fsync'd;
3. ``os.replace`` puts it over the target in one step;
4. the folder is fsync'd, so the rename itself survives a power cut.

A process killed at any moment leaves the old file or the new one, never half of one, and any
error removes the temp file. A read-only target is refused (the replace would otherwise ignore
its mode); a new file keeps the mode of the one it replaces, or gets the usual ``0o666`` less
the umask.

Older versions worth keeping go into :data:`HISTORY_DIR` beside the file: the store's
snapshots of a map, and data files that an upload or an export import replaces
(:func:`keep_replaced`, :func:`write_keeping`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from cjmkit.errors import StorageError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writers are not serialised
    fcntl = None  # type: ignore[assignment]

HISTORY_DIR = ".cjmkit-history"
"""Hidden folder beside a map that holds its snapshots, replaced data files and lock files."""

Content = bytes | str | Callable[[BinaryIO], object]
"""What :func:`write_atomic` writes: bytes, text (as UTF-8), or a function that writes into
the open binary temp file (``frame.to_csv(file)``, ``pd.ExcelWriter(file)``)."""

PathLike = str | os.PathLike[str]


def history_dir(path: PathLike) -> Path:
    """Return the history folder of the file at ``path`` (it need not exist yet)."""
    return Path(path).absolute().parent / HISTORY_DIR


def read_only(path: PathLike) -> bool:
    """True when the file at ``path`` exists and is read-only, so :func:`write_atomic` refuses it.

    Both the permission bits and this process's access count, so a read-only file stays
    untouched for root too (root may write anything, but a read-only file says "do not").
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:  # missing (a new file) or unreadable: the write itself says what is wrong
        return False
    return stat.S_ISREG(mode) and (not mode & 0o222 or not os.access(path, os.W_OK))


def refuse_read_only(path: PathLike, *, verb: str = "write") -> None:
    """Raise :class:`StorageError` when the file at ``path`` is read-only.

    ``verb`` names what was refused: ``"cannot save MAP: the file is read-only..."``.
    """
    if read_only(path):
        raise StorageError(
            f"cannot {verb} {path}: the file is read-only; make it writable (e.g. chmod u+w) to "
            "change it, or write a copy under another name"
        )


def write_atomic(path: PathLike, content: Content, *, mode: int | None = None) -> Path:
    """Write a file so that it is either entirely the old one or entirely the new one.

    Parameters
    ----------
    path
        The file to write; its folder is created when missing.
    content
        Bytes, text (written as UTF-8), or a function given the open binary temp file.
    mode
        The new file's permissions; by default those of the file it replaces, else
        ``0o666`` less the umask (what ``open`` would give).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    StorageError
        When the file is read-only or cannot be written (one sentence naming it); nothing
        was changed and no temp file is left.
    """
    path = Path(path)
    refuse_read_only(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, content, mode=mode)
    except OSError as error:
        raise StorageError(f"cannot write {path}: {error.strerror or error}") from None
    return path


def replace_file(
    path: Path,
    content: Content,
    *,
    mode: int | None = None,
    before_replace: Callable[[], object] | None = None,
) -> None:
    """The steps of :func:`write_atomic` for callers with their own checks, lock and errors.

    ``before_replace`` runs once the new content is safely on disk, just before it replaces the
    old file (the store snapshots the old map then). Raises ``OSError``; never leaves a temp file.
    """
    folder = path.absolute().parent
    temp = folder / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        if mode is None:
            with contextlib.suppress(OSError):  # keep the replaced file's permissions
                os.fchmod(fd, os.stat(path).st_mode & 0o7777)
        else:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as file:
            if isinstance(content, bytes):
                file.write(content)
            elif isinstance(content, str):
                file.write(content.encode("utf-8"))
            else:
                content(file)
            file.flush()
            os.fsync(file.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    fsync_folder(folder)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform can open folders)."""
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


def keep_replaced(target: PathLike, content: bytes) -> Path | None:
    """Keep the file that ``content`` is about to replace in :data:`HISTORY_DIR` beside it.

    Returns where it is kept (``NAME.20261126T101500.csv``); nothing is kept when there is no
    such file or it already holds exactly ``content`` (sizes are compared first, so a large
    file is read only when it may be the same). Raises ``OSError``.
    """
    target = Path(target)
    try:
        if target.stat().st_size == len(content) and target.read_bytes() == content:
            return None
    except FileNotFoundError:
        return None
    history = history_dir(target)
    history.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    kept, n = history / f"{target.stem}.{stamp}{target.suffix}", 2
    while kept.exists():
        kept, n = history / f"{target.stem}.{stamp}-{n}{target.suffix}", n + 1
    try:  # a second name for the old file: the new one then replaces it in one step
        os.link(target, kept)
    except OSError:
        shutil.copy2(target, kept)
    return kept


def write_keeping(target: PathLike, content: bytes) -> Path | None:
    """Write ``content`` to ``target`` atomically, keeping a different old file first.

    Returns where the old file is kept (see :func:`keep_replaced`), or None.

    Raises
    ------
    StorageError
        When the file is read-only or cannot be written; the old file is untouched.
    """
    target = Path(target)
    refuse_read_only(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        kept = keep_replaced(target, content)
        replace_file(target, content)
    except OSError as error:
        raise StorageError(f"cannot write {target}: {error.strerror or error}") from None
    return kept


def lock_exclusively(fd: int, timeout: float, refusal: str, poll: float = 0.005) -> None:
    """Take the exclusive advisory lock of the open file ``fd``, waiting at most ``timeout`` seconds.

    The lock is released when ``fd`` is closed (or its process dies). Without ``fcntl`` (Windows)
    nothing is locked.

    Raises
    ------
    StorageError
        With the sentence ``refusal`` when another process held the lock all that time.
    """
    if fcntl is None:  # pragma: no cover
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise StorageError(refusal) from None
            time.sleep(poll)
