"""The support → care handoff, measured from tickets and care contacts.

A resolved ticket is **followed up** by the first care contact at or after its ``resolved_at``
that either names the ticket (``ticket_id``) or, when the contact names no ticket, is for the
same customer. It is followed up **within SLA** when that contact came at most the handoff's
``sla_hours`` (default :data:`DEFAULT_SLA_HOURS`) after resolution. A resolved ticket never
followed up is a customer who **fell through**. Open tickets (no ``resolved_at``) are not
counted.

Tickets belong to the handoffs that start at their touchpoint (``Handoff.from_touchpoint ==
ticket.touchpoint``); a ticket whose touchpoint starts no handoff is not counted (the number is
in ``frame.attrs["unmatched_tickets"]``).

A resolved ticket not followed up yet whose SLA has not run out at the time of the data
(``as_of``: by default the latest timestamp in the tickets and contacts) is **waiting**: it is
not judged yet, neither within SLA nor fallen through. The **median time to follow-up** is the
Kaplan–Meier median (:func:`cjmkit.metrics.intervals.km_median`): a ticket never followed up
counts as waiting at least until ``as_of`` (censored) instead of being left out, so a handoff
whose slowest cases pile up is not shown as getting faster.

A handoff is **weak** when less than ``weak_below`` percent (default :data:`WEAK_BELOW`, 80 %) of
its judged tickets (resolved, not waiting) were followed up within SLA.

Everything is vectorised (a merge on ticket ids and one ``merge_asof`` per customer), so
200,000 tickets take well under two seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.folder import data_file
from cjmkit.metrics.aggregate import period_start
from cjmkit.metrics.intervals import km_median, nps_interval, wilson
from cjmkit.metrics.monitoring import format_value
from cjmkit.metrics.records import read_table
from cjmkit.model import Journey
from cjmkit.store import SUFFIX

DEFAULT_SLA_HOURS = 24.0
WEAK_BELOW = 80.0

TICKETS_FILE = "tickets.csv"
CONTACTS_FILE = "care_contacts.csv"

TICKET_COLUMNS = ("ticket_id", "customer_id", "opened_at", "resolved_at", "channel", "touchpoint")
CONTACT_COLUMNS = ("contact_id", "customer_id", "ticket_id", "contacted_at", "kind")


def handoff_data_files(map_path: str | Path) -> tuple[Path, Path] | None:
    """Return the ticket and care-contact exports that belong to the map at ``map_path``.

    ``NAME.tickets.csv`` and ``NAME.care_contacts.csv`` beside ``NAME.cjm.json`` are the map's
    own; otherwise ``tickets.csv`` and ``care_contacts.csv`` in its folder serve every map there.
    Only regular files directly inside the folder count (:func:`cjmkit.folder.data_file`): a
    link out of the folder, a named pipe or a device is never read. Returns None when neither
    pair is complete.
    """
    path = Path(map_path)
    name = path.name.removesuffix(SUFFIX)
    for prefix in ([f"{name}."] if name else []) + [""]:
        tickets = data_file(path.parent, f"{prefix}{TICKETS_FILE}")
        contacts = data_file(path.parent, f"{prefix}{CONTACTS_FILE}")
        if tickets is not None and contacts is not None:
            return tickets, contacts
    return None


def read_tickets(path: str | Path, *, skip_bad_rows: bool = False, **options: Any) -> pd.DataFrame:
    """Read a ticket export: ``ticket_id, customer_id, opened_at, resolved_at, channel, touchpoint``.

    ``resolved_at`` is empty for open tickets; ``channel`` is optional. Timestamps become UTC
    (offsets honoured). ``options`` go to :func:`cjmkit.metrics.records.read_table`: ``columns``
    (role → the export's name, e.g. ``{"resolved_at": "Solved at"}``), ``header_rows``,
    ``date_format``, ``dayfirst``, ``timezone`` (of timestamps written without an offset).
    """
    return read_table(
        path,
        ["ticket_id", "customer_id", "resolved_at", "touchpoint"],
        ["opened_at", "channel"],
        dates=["opened_at", "resolved_at"],
        skip_bad_rows=skip_bad_rows,
        **options,
    )


def read_care_contacts(path: str | Path, *, skip_bad_rows: bool = False, **options: Any) -> pd.DataFrame:
    """Read care contacts: ``contact_id, customer_id, ticket_id, contacted_at, kind``.

    ``ticket_id`` (empty when a contact is not about a ticket), ``contact_id`` and ``kind`` are
    optional. ``options`` as for :func:`read_tickets`.
    """
    return read_table(
        path,
        ["customer_id", "contacted_at"],
        ["contact_id", "ticket_id", "kind"],
        dates=["contacted_at"],
        skip_bad_rows=skip_bad_rows,
        **options,
    )


def utc(values: pd.Series) -> pd.Series:
    """Timestamps as UTC without a time zone attached: aware ones converted, naive ones taken as UTC."""
    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.tz_convert(None).astype("datetime64[ns]")


def _text(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.strip()


def follow_ups(tickets: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """The first care follow-up of every resolved ticket.

    Returns
    -------
    DataFrame
        One row per resolved ticket: ``ticket_id``, ``customer_id``, ``touchpoint``,
        ``resolved_at``, ``followed_at`` (NaT when never followed up), ``hours`` (resolved →
        followed up; NaN when never).
    """
    resolved = tickets.loc[
        tickets["resolved_at"].notna(), ["ticket_id", "customer_id", "touchpoint", "resolved_at"]
    ]
    resolved = resolved.assign(
        ticket_id=_text(resolved["ticket_id"]),
        customer_id=_text(resolved["customer_id"]),
        touchpoint=_text(resolved["touchpoint"]),
        resolved_at=utc(resolved["resolved_at"]),
    ).reset_index(drop=True)
    contacts = contacts.loc[contacts["contacted_at"].notna()]
    contact_ticket = (
        _text(contacts["ticket_id"]) if "ticket_id" in contacts else pd.Series("", index=contacts.index)
    )
    contacted = utc(contacts["contacted_at"])

    # positions, not string indexes: ticket i of ``resolved`` is row i
    resolved["row"] = np.arange(len(resolved))
    never = np.datetime64("NaT", "ns")
    linked = pd.DataFrame({"ticket_id": contact_ticket, "contacted_at": contacted})[
        (contact_ticket != "").to_numpy()
    ]
    linked = linked.merge(resolved[["ticket_id", "resolved_at", "row"]], on="ticket_id", how="inner")
    linked = linked[linked["contacted_at"] >= linked["resolved_at"]]
    by_ticket = linked.groupby("row")["contacted_at"].min()
    first = np.full(len(resolved), never, dtype="datetime64[ns]")
    first[by_ticket.index.to_numpy()] = by_ticket.to_numpy(dtype="datetime64[ns]")

    unlinked = pd.DataFrame({"customer_id": _text(contacts["customer_id"]), "contacted_at": contacted})[
        (contact_ticket == "").to_numpy()
    ]
    unlinked = unlinked.sort_values("contacted_at", kind="stable")
    second = np.full(len(resolved), never, dtype="datetime64[ns]")
    if len(unlinked) and len(resolved):
        left = resolved[["row", "customer_id", "resolved_at"]].sort_values("resolved_at", kind="stable")
        matched = pd.merge_asof(
            left,
            unlinked,
            left_on="resolved_at",
            right_on="contacted_at",
            by="customer_id",
            direction="forward",
            allow_exact_matches=True,
        )
        second[matched["row"].to_numpy()] = matched["contacted_at"].to_numpy(dtype="datetime64[ns]")
    followed = np.where(np.isnat(first) | (~np.isnat(second) & (second < first)), second, first)
    resolved["followed_at"] = pd.Series(followed, index=resolved.index, dtype="datetime64[ns]")
    resolved = resolved.drop(columns="row")
    resolved["hours"] = (resolved["followed_at"] - resolved["resolved_at"]).dt.total_seconds() / 3600.0
    return resolved


def data_time(tickets: pd.DataFrame, contacts: pd.DataFrame) -> pd.Timestamp:
    """The time the data describes: the latest timestamp in the tickets and care contacts (NaT when none)."""
    stamps = [
        utc(frame[column]).max()
        for frame, columns in ((tickets, ("opened_at", "resolved_at")), (contacts, ("contacted_at",)))
        for column in columns
        if column in frame and len(frame)
    ]
    stamps = [s for s in stamps if pd.notna(s)]
    return max(stamps) if stamps else pd.NaT


def _as_of(tickets: pd.DataFrame, contacts: pd.DataFrame, as_of: pd.Timestamp | str | None) -> pd.Timestamp:
    """The time the figures are for, as a UTC time without time zone (the data's latest by default)."""
    if as_of is None:
        return data_time(tickets, contacts)
    stamp = pd.Timestamp(as_of)
    return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp


def _judged(matched: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Add ``within``, ``waiting`` and ``wait_hours`` (to follow-up, or to ``as_of`` while waiting)."""
    followed = matched["followed_at"].notna()
    waited = (pd.Timestamp(as_of) - matched["resolved_at"]).dt.total_seconds() / 3600.0
    return matched.assign(
        within=matched["hours"].notna() & (matched["hours"] <= matched["sla_hours"]),
        waiting=~followed & (waited < matched["sla_hours"]),
        wait_hours=matched["hours"].where(followed, waited.clip(lower=0.0)),
        followed=followed,
    )


def _by_handoff(journey: Journey, frame: pd.DataFrame, default_sla_hours: float) -> pd.DataFrame:
    handoffs = pd.DataFrame(
        [
            {
                "handoff": h.id,
                "touchpoint": h.from_touchpoint,
                "sla_hours": h.sla_hours if h.sla_hours is not None else default_sla_hours,
            }
            for h in journey.handoffs
        ],
        columns=["handoff", "touchpoint", "sla_hours"],
    )
    return frame.merge(handoffs, on="touchpoint", how="inner")


def _name(journey: Journey, handoff_id: str) -> str:
    handoff = journey.find("handoffs", handoff_id)
    if handoff is None:
        return handoff_id
    start = journey.touchpoint(handoff.from_touchpoint)  # type: ignore[attr-defined]
    end = journey.touchpoint(handoff.to_touchpoint)  # type: ignore[attr-defined]
    return (
        f"{start.name if start else handoff.from_touchpoint} → {end.name if end else handoff.to_touchpoint}"  # type: ignore[attr-defined]
    )


def handoff_health(
    journey: Journey,
    tickets: pd.DataFrame,
    contacts: pd.DataFrame,
    survey: pd.DataFrame | None = None,
    *,
    weak_below: float = WEAK_BELOW,
    default_sla_hours: float = DEFAULT_SLA_HOURS,
    as_of: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """How well each handoff of the map works.

    Parameters
    ----------
    journey
        The map (its handoffs, their SLAs).
    tickets, contacts
        Frames of :func:`read_tickets` and :func:`read_care_contacts`.
    survey
        Optional survey frame (:func:`cjmkit.metrics.satisfaction.read_survey`); answers that
        name a ticket compare satisfaction of followed-up and not-followed-up customers.
    weak_below
        Within-SLA share (%) below which a handoff is weak.
    default_sla_hours
        SLA for handoffs that have none.
    as_of
        The time of the data (default: its latest timestamp): tickets not followed up by then
        are waiting (within their SLA) or fell through (past it).

    Returns
    -------
    DataFrame
        One row per handoff of the map, document order: ``handoff``, ``name``
        (``"Chat → Thank-you call"``), ``from_touchpoint``, ``to_touchpoint``, ``sla_hours``,
        ``resolved`` (tickets), ``followed_up``, ``waiting`` (not followed up yet, SLA not run
        out), ``within_sla``, ``within_sla_pct`` (% of resolved tickets that are not waiting;
        NaN without any), ``within_sla_low``, ``within_sla_high`` (its Wilson 95 % interval),
        ``median_hours`` (Kaplan–Meier median time to follow-up, tickets not followed up
        counted as censored; NaN when fewer than half were ever followed up),
        ``fell_through`` (resolved, not followed up, past the SLA), ``csat_followed``,
        ``csat_not_followed`` (top-two-box CSAT %, from answers naming the ticket), each with
        ``_low`` and ``_high`` (Wilson 95 %), ``nps_followed``, ``nps_not_followed`` (each with
        an adjusted-Wald ``_low``/``_high``), ``answers_followed``, ``answers_not_followed``,
        ``weak`` (bool), ``weak_below``, ``status`` ("ok", "weak", "no data") and ``label`` (one
        line of text).
    """
    ups = follow_ups(tickets, contacts)
    as_of = _as_of(tickets, contacts, as_of)
    matched = _judged(_by_handoff(journey, ups, default_sla_hours), as_of)
    grouped = matched.groupby("handoff", sort=False)
    stats = pd.DataFrame(
        {
            "resolved": grouped.size(),
            "followed_up": grouped["followed_at"].count(),
            "waiting": grouped["waiting"].sum(),
            "within_sla": grouped["within"].sum(),
        }
    )
    medians = {
        str(name): km_median(group["wait_hours"].to_numpy(), group["followed"].to_numpy())
        for name, group in grouped
    }
    satisfaction = _satisfaction(matched, survey)
    rows = []
    for handoff in journey.handoffs:
        row = stats.loc[handoff.id].to_dict() if handoff.id in stats.index else {}
        resolved = int(row.get("resolved", 0))
        within = int(row.get("within_sla", 0))
        waiting = int(row.get("waiting", 0))
        judged = resolved - waiting
        share = 100.0 * within / judged if judged else np.nan
        low, high = (100.0 * v for v in wilson(within, judged))
        sat = satisfaction.get(handoff.id, {})
        weak = bool(judged and share < weak_below)
        sla = handoff.sla_hours if handoff.sla_hours is not None else default_sla_hours
        followed = int(row.get("followed_up", 0))
        lost = resolved - followed - waiting
        if not resolved:
            label = "No resolved tickets yet"
        elif not judged:
            label = f"{waiting} waiting for their follow-up, none judged yet"
        else:
            label = (
                f"{format_value(share, '%')} followed up within {format_value(sla, 'h')}; {lost} fell through"
            )
        rows.append(
            {
                "handoff": handoff.id,
                "name": _name(journey, handoff.id),
                "from_touchpoint": handoff.from_touchpoint,
                "to_touchpoint": handoff.to_touchpoint,
                "sla_hours": float(sla),
                "resolved": resolved,
                "followed_up": followed,
                "waiting": waiting,
                "within_sla": within,
                "within_sla_pct": share,
                "within_sla_low": float(low),
                "within_sla_high": float(high),
                "median_hours": medians.get(handoff.id, np.nan),
                "fell_through": lost,
                **{
                    f"{score}_{side}{part}": sat.get((score + part, followed_flag), np.nan)
                    for score in ("csat", "nps")
                    for side, followed_flag in (("followed", True), ("not_followed", False))
                    for part in ("", "_low", "_high")
                },
                "answers_followed": int(sat.get(("n", True), 0)),
                "answers_not_followed": int(sat.get(("n", False), 0)),
                "weak": weak,
                "weak_below": float(weak_below),
                "status": "no data" if not judged else ("weak" if weak else "ok"),
                "label": label,
            }
        )
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    starts = sorted({h.from_touchpoint for h in journey.handoffs})
    frame.attrs["unmatched_tickets"] = int(len(ups) - ups["touchpoint"].isin(starts).sum())
    return frame


_COLUMNS = [
    "handoff", "name", "from_touchpoint", "to_touchpoint", "sla_hours", "resolved", "followed_up", "waiting",
    "within_sla", "within_sla_pct", "within_sla_low", "within_sla_high", "median_hours", "fell_through",
    "csat_followed", "csat_followed_low", "csat_followed_high",
    "csat_not_followed", "csat_not_followed_low", "csat_not_followed_high",
    "nps_followed", "nps_followed_low", "nps_followed_high",
    "nps_not_followed", "nps_not_followed_low", "nps_not_followed_high",
    "answers_followed", "answers_not_followed", "weak", "weak_below", "status", "label",
]  # fmt: skip


def _satisfaction(
    matched: pd.DataFrame, survey: pd.DataFrame | None
) -> dict[str, dict[tuple[str, bool], float]]:
    if survey is None or survey.empty or "ticket_id" not in survey:
        return {}
    answers = survey.assign(ticket_id=_text(survey["ticket_id"]))
    answers = answers[answers["ticket_id"] != ""]
    joined = matched[["handoff", "ticket_id", "followed_at"]].merge(
        answers[["ticket_id", "csat", "nps"]], on="ticket_id", how="inner"
    )
    if joined.empty:
        return {}
    joined["followed"] = joined["followed_at"].notna()
    csat, nps = joined["csat"].astype("float64"), joined["nps"].astype("float64")
    out: dict[str, dict[tuple[str, bool], float]] = {}
    for (handoff, followed), group in joined.groupby(["handoff", "followed"]):
        entry = out.setdefault(str(handoff), {})
        answers, ratings = csat[group.index].dropna(), nps[group.index].dropna()
        top, pro, det = int((answers >= 4).sum()), int((ratings >= 9).sum()), int((ratings <= 6).sum())
        key = bool(followed)
        entry[("csat", key)] = 100.0 * top / len(answers) if len(answers) else np.nan
        low, high = wilson(top, len(answers))
        entry[("csat_low", key)], entry[("csat_high", key)] = 100.0 * float(low), 100.0 * float(high)
        entry[("nps", key)] = 100.0 * (pro - det) / len(ratings) if len(ratings) else np.nan
        low, high = nps_interval(pro, det, len(ratings))
        entry[("nps_low", key)], entry[("nps_high", key)] = float(low), float(high)
        entry[("n", key)] = float(len(group))
    return out


def fell_through(
    journey: Journey,
    tickets: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    default_sla_hours: float = DEFAULT_SLA_HOURS,
    as_of: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """The customers who fell through.

    Resolved tickets not followed up by care within their SLA and still not followed up at
    ``as_of`` (default: the data's latest timestamp).

    Returns
    -------
    DataFrame
        ``handoff``, ``ticket_id``, ``customer_id``, ``touchpoint``, ``resolved_at``, oldest
        first.
    """
    as_of = _as_of(tickets, contacts, as_of)
    matched = _judged(_by_handoff(journey, follow_ups(tickets, contacts), default_sla_hours), as_of)
    lost = matched[~matched["followed"] & ~matched["waiting"]]
    columns = ["handoff", "ticket_id", "customer_id", "touchpoint", "resolved_at"]
    return lost.sort_values("resolved_at", kind="stable")[columns].reset_index(drop=True)


def handoff_trend(
    journey: Journey,
    tickets: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    period: str = "month",
    default_sla_hours: float = DEFAULT_SLA_HOURS,
    as_of: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Within-SLA share and median time to follow-up per handoff and period of resolution.

    To chart it or store it as a KPI. Tickets still waiting (SLA not run out at ``as_of``) are
    not judged; the median is Kaplan–Meier's (tickets not followed up count as censored), so
    the latest periods, whose slow cases are still waiting, do not look faster than they are.

    Returns
    -------
    DataFrame
        ``handoff``, ``period`` (first day), ``resolved``, ``waiting``, ``within_sla``,
        ``within_sla_pct`` (of resolved tickets not waiting), ``within_sla_low``,
        ``within_sla_high`` (Wilson 95 %), ``median_hours`` (Kaplan–Meier).
    """
    as_of = _as_of(tickets, contacts, as_of)
    matched = _judged(_by_handoff(journey, follow_ups(tickets, contacts), default_sla_hours), as_of)
    matched["period"] = period_start(matched["resolved_at"].to_numpy(), period)
    grouped = matched.groupby(["handoff", "period"])
    out = pd.DataFrame(
        {
            "resolved": grouped.size(),
            "waiting": grouped["waiting"].sum(),
            "within_sla": grouped["within"].sum(),
            "median_hours": grouped.apply(
                lambda g: km_median(g["wait_hours"].to_numpy(), g["followed"].to_numpy()),
                include_groups=False,
            ),
        }
    ).reset_index()
    judged = out["resolved"] - out["waiting"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["within_sla_pct"] = 100.0 * out["within_sla"] / judged
    low, high = wilson(out["within_sla"], judged)
    out["within_sla_low"], out["within_sla_high"] = 100.0 * low, 100.0 * high
    columns = ["handoff", "period", "resolved", "waiting", "within_sla", "within_sla_pct"]
    return out[[*columns, "within_sla_low", "within_sla_high", "median_hours"]]
