"""Trust: a map's stored sources run only after the person on this machine trusted them.

A map file is input from someone else. A data source stored in it that runs SQL, connects to a
database or reads environment variables (``${DB_PASSWORD}``) could drop a table, run a shell
command on a database host or send a secret to a stranger's server. So such a source is refused
until it was trusted here, as Jupyter refuses to run a notebook's output scripts until the
notebook is trusted:

- the trust record lives **outside the map**, in ``trusted_sources.json`` of the trust folder
  (``$CJMKIT_TRUST_DIR``, else ``$XDG_DATA_HOME/cjmkit``, else ``~/.local/share/cjmkit``);
- it is keyed by the source's **content** (a SHA-256 digest of everything stored in it but the
  KPI key), so a source edited by anyone, a query changed by one character, needs trust again;
- ``cjmkit kpi trust MAP`` shows each such source first (its URL without password, the
  variables it reads, its table or full query) and then records it; a source the person gave
  on this machine (``cjmkit kpi import --url ... --query ...``, the import wizard) is trusted as
  it is stored.

A source that reads a data file outside the map's folder (an absolute path, ``~``, ``..``) needs
trust too: a map should not make your machine read ``~/.ssh`` or ``/etc`` into it. Sources that
only read a data file (CSV, Excel, Parquet) in the map's folder need no trust.

Other stored sources (e.g. event logs) use the same functions: :func:`needs_trust`,
:func:`is_trusted`, :func:`require_trusted` and :func:`trust`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel

from cjmkit.atomic import write_atomic
from cjmkit.errors import CjmError, StorageError
from cjmkit.model import Journey, utc_now

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: writes stay atomic, the lock is best effort
    fcntl = None  # type: ignore[assignment]

TRUST_DIR_ENV = "CJMKIT_TRUST_DIR"
"""Environment variable naming the folder of the trust record (tests point it at a temp folder)."""

TRUST_FILE = "trusted_sources.json"

VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
"""``${NAME}`` or ``$NAME`` in a stored location: filled in from the environment when read."""

_PASSWORD = re.compile(r"(://[^:/@?#]*:)([^@/?#]*)(@)")

IGNORED_FIELDS = frozenset({"key"})
"""Fields of a stored source that do not take part in its digest (which KPI key it feeds)."""


class UntrustedSource(CjmError):
    """A stored source would run, connect or expand, but nobody trusted it on this machine."""


def trust_dir() -> Path:
    """The folder of the trust record (``$CJMKIT_TRUST_DIR``, ``$XDG_DATA_HOME/cjmkit``, ``~/.local/share/cjmkit``)."""
    if os.environ.get(TRUST_DIR_ENV):
        return Path(os.environ[TRUST_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "cjmkit"


def _as_dict(source: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(source, BaseModel):
        return source.model_dump(mode="json")
    return json.loads(json.dumps(dict(source), default=str))


def variables(source: BaseModel | Mapping[str, Any]) -> list[str]:
    """The environment variables a source's location reads (``DB_PASSWORD``...), in order."""
    location = str(_as_dict(source).get("location") or "")
    return list(dict.fromkeys(a or b for a, b in VARIABLE.findall(location)))


def leaves_folder(location: str) -> bool:
    """Whether a stored file location reaches outside the map's folder (absolute, ``~``, ``..``)."""
    text = location.replace("\\", "/")
    return (
        text.startswith(("/", "~"))
        or bool(re.match(r"^[A-Za-z]:/", text))
        or ".." in PurePosixPath(text).parts
    )


def needs_trust(source: BaseModel | Mapping[str, Any]) -> bool:
    """Whether a stored source needs this machine's trust.

    So when it runs SQL, connects to a database, reads environment variables or reads a file
    outside the map's folder.
    """
    data = _as_dict(source)
    location = str(data.get("location") or "")
    return data.get("kind") == "sql" or "://" in location or bool(variables(data)) or leaves_folder(location)


def digest(source: BaseModel | Mapping[str, Any]) -> str:
    """The content key of a stored source: SHA-256 of its canonical JSON (``key`` left out)."""
    data = {k: v for k, v in _as_dict(source).items() if k not in IGNORED_FIELDS}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def hide_password(location: str) -> str:
    """A location fit to show: a password in a URL becomes ``***`` (a ``${VAR}`` stays visible)."""
    return _PASSWORD.sub(
        lambda m: m.group(1) + (m.group(2) if VARIABLE.fullmatch(m.group(2)) else "***") + m.group(3),
        location,
    )


# -- the record --------------------------------------------------------------------------------


def _record_path() -> Path:
    return trust_dir() / TRUST_FILE


def _read_record() -> dict[str, Any]:
    path = _record_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        # an unreadable record trusts nothing; it is rewritten by the next trust
        return {}
    sources = data.get("sources") if isinstance(data, dict) else None
    return sources if isinstance(sources, dict) else {}


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    folder = trust_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = open(folder / f".{TRUST_FILE}.lock", "a+")  # noqa: SIM115 - closed below
    except OSError as error:
        raise StorageError(f"cannot write the trust record in {folder}: {error.strerror or error}") from None
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()


def _write_record(sources: dict[str, Any]) -> None:
    path = _record_path()
    text = json.dumps({"version": 1, "sources": sources}, indent=2, sort_keys=True, ensure_ascii=False)
    try:
        write_atomic(path, text + "\n", mode=0o600)  # only this person decides what runs here
    except StorageError as error:
        raise StorageError(f"the trust record was not changed: {error}") from None


def is_trusted(source: BaseModel | Mapping[str, Any]) -> bool:
    """Whether this exact source content was trusted on this machine (or needs no trust)."""
    return not needs_trust(source) or digest(source) in _read_record()


def trust(sources: Iterable[BaseModel | Mapping[str, Any]], *, where: str = "") -> int:
    """Record sources as trusted on this machine; return how many were not trusted before.

    Parameters
    ----------
    sources
        Stored sources (a :class:`~cjmkit.model.KpiSource`, or any mapping with ``kind`` and
        ``location``). Sources that need no trust are ignored.
    where
        Where they come from (a map's path), kept in the record to help a person reading it.
        The record keeps no query and no password: only digests, a location without password
        and this hint.
    """
    wanted = [s for s in sources if needs_trust(s)]
    if not wanted:
        return 0
    with _locked():
        record = _read_record()
        added = 0
        for source in wanted:
            key = digest(source)
            added += key not in record
            record[key] = {
                "trusted": utc_now().isoformat().replace("+00:00", "Z"),
                "location": hide_password(str(_as_dict(source).get("location") or "")),
                "map": where,
            }
        _write_record(record)
    return added


def revoke(sources: Iterable[BaseModel | Mapping[str, Any]]) -> int:
    """Forget that sources were trusted; return how many were trusted."""
    keys = {digest(s) for s in sources if needs_trust(s)}
    if not keys:
        return 0
    with _locked():
        record = _read_record()
        removed = [k for k in keys if k in record]
        for key in removed:
            del record[key]
        if removed:
            _write_record(record)
    return len(removed)


# -- a map's stored sources --------------------------------------------------------------------


@dataclass
class StoredSource:
    """One distinct source stored in a map, and the places that use it.

    Attributes
    ----------
    source
        The stored source (as in the map).
    places
        Where it is stored, e.g. ``["kpis[2].source", "kpis[3].source"]``.
    users
        What it feeds, e.g. ``["KPI csat", "KPI nps"]``.
    """

    source: Any
    places: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)

    @property
    def needs_trust(self) -> bool:
        """Whether it runs SQL, connects or reads environment variables."""
        return needs_trust(self.source)

    @property
    def trusted(self) -> bool:
        """Whether it may run on this machine."""
        return is_trusted(self.source)


def stored_sources(journey: Journey) -> list[StoredSource]:
    """Every distinct source stored in a map (sources differing only in their key are one)."""
    found: dict[str, StoredSource] = {}
    for i, kpi in enumerate(journey.kpis):
        if kpi.source is None:
            continue
        entry = found.setdefault(digest(kpi.source), StoredSource(kpi.source))
        entry.places.append(f"kpis[{i}].source")
        entry.users.append(f"KPI {kpi.id}")
    log = journey.event_log
    if log is not None and log.source is not None:
        entry = found.setdefault(digest(log.source), StoredSource(log.source))
        entry.places.append("event_log.source")
        entry.users.append("the event log")
    return list(found.values())


def refusal(source: BaseModel | Mapping[str, Any], users: Iterable[str] = (), map_path: str = "MAP") -> str:
    """The sentence that refuses an untrusted source, naming what it feeds and how to trust it."""
    data = _as_dict(source)
    what = ", ".join(users)
    does = "runs SQL on" if data.get("kind") == "sql" else "reads"
    reads = variables(data)
    extra = (
        f" and fills in the environment variable{'s' if len(reads) != 1 else ''} {', '.join(reads)}"
        if reads
        else ""
    )
    return (
        f"{what + ': ' if what else ''}the source {does} {hide_password(str(data.get('location') or ''))}{extra}, "
        f"and nobody trusted it on this machine, so nothing was sent: read it with "
        f"'cjmkit kpi trust {map_path}' and trust it there if it is yours"
    )


def require_trusted(
    source: BaseModel | Mapping[str, Any], users: Iterable[str] = (), map_path: str = "MAP"
) -> None:
    """Raise :class:`UntrustedSource` unless the source needs no trust or was trusted here."""
    if not is_trusted(source):
        raise UntrustedSource(refusal(source, users, map_path))


def describe(entry: StoredSource) -> list[str]:
    """Lines that show a stored source in full: what it feeds, where it reads, what it runs.

    The first line names its users; the others are indented by two spaces. A URL's
    password is hidden; a query is shown whole, line by line.
    """
    data = _as_dict(entry.source)
    lines = [", ".join(entry.users), f"  {'stored in':12} {', '.join(entry.places)}"]
    kind = str(data.get("kind") or "")
    location = hide_password(str(data.get("location") or ""))
    verb = "connects to" if kind == "sql" and "://" in location else "reads"
    lines.append(f"  {verb:12} {location} ({kind})")
    reads = variables(data)
    if reads:
        state = ", ".join(f"{name} ({'set' if name in os.environ else 'not set'})" for name in reads)
        lines.append(f"  {'fills in':12} environment variable{'s' if len(reads) != 1 else ''} {state}")
    if data.get("table"):
        lines.append(f"  {'table':12} {data['table']}")
    if data.get("query"):
        query = str(data["query"]).strip().splitlines() or [""]
        lines.append(f"  {'runs':12} {query[0]}")
        lines.extend(f"  {'':12} {line}" for line in query[1:])
    if entry.needs_trust:
        lines.append(
            f"  {'trusted':12} {'yes, on this machine' if entry.trusted else 'NO: refused until trusted'}"
        )
    return lines
