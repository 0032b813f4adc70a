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

A handoff is **weak** when less than ``weak_below`` percent (default :data:`WEAK_BELOW`, 80 %) of
its resolved tickets were followed up within SLA.

Everything is vectorised (a merge on ticket ids and one ``merge_asof`` per customer), so
200,000 tickets take well under two seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cjmkit.metrics.aggregate import period_start
from cjmkit.metrics.files import read_table
from cjmkit.metrics.monitoring import format_value
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
    Returns None when neither pair is complete.
    """
    path = Path(map_path)
    name = path.name.removesuffix(SUFFIX)
    for prefix in ([f"{name}."] if name else []) + [""]:
        tickets, contacts = path.parent / f"{prefix}{TICKETS_FILE}", path.parent / f"{prefix}{CONTACTS_FILE}"
        if tickets.is_file() and contacts.is_file():
            return tickets, contacts
    return None


def read_tickets(path: str | Path, *, skip_bad_rows: bool = False) -> pd.DataFrame:
    """Read a ticket export: ``ticket_id, customer_id, opened_at, resolved_at, channel, touchpoint``.

    ``resolved_at`` is empty for open tickets; ``channel`` is optional.
    """
    return read_table(
        path,
        ["ticket_id", "customer_id", "resolved_at", "touchpoint"],
        ["opened_at", "channel"],
        dates=["opened_at", "resolved_at"],
        skip_bad_rows=skip_bad_rows,
    )


def read_care_contacts(path: str | Path, *, skip_bad_rows: bool = False) -> pd.DataFrame:
    """Read care contacts: ``contact_id, customer_id, ticket_id, contacted_at, kind``.

    ``ticket_id`` (empty when a contact is not about a ticket), ``contact_id`` and ``kind`` are
    optional.
    """
    return read_table(
        path,
        ["customer_id", "contacted_at"],
        ["contact_id", "ticket_id", "kind"],
        dates=["contacted_at"],
        skip_bad_rows=skip_bad_rows,
    )


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
        resolved_at=pd.to_datetime(resolved["resolved_at"]).astype("datetime64[ns]"),
    ).reset_index(drop=True)
    contacts = contacts.loc[contacts["contacted_at"].notna()]
    contact_ticket = (
        _text(contacts["ticket_id"]) if "ticket_id" in contacts else pd.Series("", index=contacts.index)
    )
    contacted = pd.to_datetime(contacts["contacted_at"]).astype("datetime64[ns]")

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

    Returns
    -------
    DataFrame
        One row per handoff of the map, document order: ``handoff``, ``name``
        (``"Chat → Thank-you call"``), ``from_touchpoint``, ``to_touchpoint``, ``sla_hours``,
        ``resolved`` (tickets), ``followed_up``, ``within_sla``, ``within_sla_pct`` (%, NaN
        without tickets), ``median_hours`` (to follow-up, among followed-up tickets),
        ``fell_through`` (resolved, never followed up), ``csat_followed``, ``csat_not_followed``
        (CSAT %, from answers naming the ticket), ``nps_followed``, ``nps_not_followed``,
        ``answers_followed``, ``answers_not_followed``, ``weak`` (bool), ``weak_below``,
        ``status`` ("ok", "weak", "no data") and ``label`` (one line of text).
    """
    ups = follow_ups(tickets, contacts)
    matched = _by_handoff(journey, ups, default_sla_hours)
    matched["within"] = matched["hours"].notna() & (matched["hours"] <= matched["sla_hours"])
    grouped = matched.groupby("handoff", sort=False)
    stats = pd.DataFrame(
        {
            "resolved": grouped.size(),
            "followed_up": grouped["followed_at"].count(),
            "within_sla": grouped["within"].sum(),
            "median_hours": grouped["hours"].median(),
        }
    )
    satisfaction = _satisfaction(matched, survey)
    rows = []
    for handoff in journey.handoffs:
        row = stats.loc[handoff.id].to_dict() if handoff.id in stats.index else {}
        resolved = int(row.get("resolved", 0))
        within = int(row.get("within_sla", 0))
        share = 100.0 * within / resolved if resolved else np.nan
        sat = satisfaction.get(handoff.id, {})
        weak = bool(resolved and share < weak_below)
        sla = handoff.sla_hours if handoff.sla_hours is not None else default_sla_hours
        followed = int(row.get("followed_up", 0))
        if not resolved:
            label = "No resolved tickets yet"
        else:
            label = (
                f"{format_value(share, '%')} followed up within {format_value(sla, 'h')}; "
                f"{resolved - followed} fell through"
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
                "within_sla": within,
                "within_sla_pct": share,
                "median_hours": float(row.get("median_hours", np.nan)),
                "fell_through": resolved - followed,
                "csat_followed": sat.get(("csat", True), np.nan),
                "csat_not_followed": sat.get(("csat", False), np.nan),
                "nps_followed": sat.get(("nps", True), np.nan),
                "nps_not_followed": sat.get(("nps", False), np.nan),
                "answers_followed": int(sat.get(("n", True), 0)),
                "answers_not_followed": int(sat.get(("n", False), 0)),
                "weak": weak,
                "weak_below": float(weak_below),
                "status": "no data" if not resolved else ("weak" if weak else "ok"),
                "label": label,
            }
        )
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    starts = sorted({h.from_touchpoint for h in journey.handoffs})
    frame.attrs["unmatched_tickets"] = int(len(ups) - ups["touchpoint"].isin(starts).sum())
    return frame


_COLUMNS = [
    "handoff", "name", "from_touchpoint", "to_touchpoint", "sla_hours", "resolved", "followed_up",
    "within_sla", "within_sla_pct", "median_hours", "fell_through", "csat_followed", "csat_not_followed",
    "nps_followed", "nps_not_followed", "answers_followed", "answers_not_followed", "weak", "weak_below",
    "status", "label",
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
    joined["csat_top"] = (csat >= 4).astype("float64").where(csat.notna())
    joined["nps_score"] = np.where(nps >= 9, 100.0, np.where(nps <= 6, -100.0, 0.0))
    joined["nps_score"] = joined["nps_score"].where(nps.notna())
    out: dict[str, dict[tuple[str, bool], float]] = {}
    for (handoff, followed), group in joined.groupby(["handoff", "followed"]):
        entry = out.setdefault(str(handoff), {})
        entry[("csat", bool(followed))] = float(group["csat_top"].mean() * 100.0)
        entry[("nps", bool(followed))] = float(group["nps_score"].mean())
        entry[("n", bool(followed))] = float(len(group))
    return out


def fell_through(
    journey: Journey,
    tickets: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    default_sla_hours: float = DEFAULT_SLA_HOURS,
) -> pd.DataFrame:
    """The customers who fell through: resolved tickets never followed up by care.

    Returns
    -------
    DataFrame
        ``handoff``, ``ticket_id``, ``customer_id``, ``touchpoint``, ``resolved_at``, oldest
        first.
    """
    matched = _by_handoff(journey, follow_ups(tickets, contacts), default_sla_hours)
    lost = matched[matched["followed_at"].isna()]
    columns = ["handoff", "ticket_id", "customer_id", "touchpoint", "resolved_at"]
    return lost.sort_values("resolved_at", kind="stable")[columns].reset_index(drop=True)


def handoff_trend(
    journey: Journey,
    tickets: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    period: str = "month",
    default_sla_hours: float = DEFAULT_SLA_HOURS,
) -> pd.DataFrame:
    """Within-SLA share per handoff and period of resolution (to chart it or store it as a KPI).

    Returns
    -------
    DataFrame
        ``handoff``, ``period`` (first day), ``resolved``, ``within_sla``, ``within_sla_pct``.
    """
    matched = _by_handoff(journey, follow_ups(tickets, contacts), default_sla_hours)
    matched["within"] = matched["hours"].notna() & (matched["hours"] <= matched["sla_hours"])
    matched["period"] = period_start(matched["resolved_at"].to_numpy(), period)
    grouped = matched.groupby(["handoff", "period"])
    out = pd.DataFrame({"resolved": grouped.size(), "within_sla": grouped["within"].sum()}).reset_index()
    out["within_sla_pct"] = 100.0 * out["within_sla"] / out["resolved"]
    return out
