"""The journey as measured, in pandas: transitions, paths, drop-off, funnels, repeat contacts.

Every function takes *steps*: the event log mapped to the map's touchpoints by
:func:`cjmkit.metrics.events.steps` (columns ``customer``, ``time`` in UTC, ``touchpoint``,
``order`` — the touchpoint's place in the map, which breaks ties between events at the same
second — and ``segment``), and returns a DataFrame whose columns are documented on the
function. The same measures run as SQL in DuckDB or the user's database
(:mod:`cjmkit.metrics.journeys_sql`) and give the same frames; :mod:`cjmkit.metrics.events`
chooses the engine.

Definitions shared by all of them
---------------------------------
- A customer's **steps** are their mapped events in time order (ties: map order).
- ``as_of`` is the time of the data (default: the latest event). A customer whose last step is
  less than ``inactive_after`` (default 30 days) before ``as_of`` is **in progress**, not
  dropped: they may still go on.
- ``by="segment"`` groups by the event's segment (e.g. the persona), ``by="period"`` by the
  period (``day``, ``week`` starting Monday, ``month``) of the event a figure starts from.
- Times between steps are in hours; medians and p90 interpolate linearly (pandas ``quantile``,
  SQL ``percentile_cont``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cjmkit.metrics.aggregate import period_start
from cjmkit.metrics.intervals import km_median

INACTIVE_AFTER_DAYS = 30.0
"""A customer whose last step is older than this (before ``as_of``) has dropped off."""
REPEAT_WITHIN_DAYS = 7.0
"""A contact this soon after the previous one (of the same group) is a repeat contact."""
PATH_STEPS = 6
"""Paths are cut after this many steps (marked ``…``)."""
PATH_SEPARATOR = " → "

STEP_COLUMNS = ["customer", "time", "touchpoint", "order", "segment"]


def group_keys(by: str | None) -> list[str]:
    """The extra group columns of a measure for ``by`` (None, ``"segment"`` or ``"period"``)."""
    if by is None:
        return []
    if by not in ("segment", "period"):
        from cjmkit.metrics.problems import ImportProblem

        raise ImportProblem(f"a journey measure is grouped by 'segment' or 'period', not {by!r}")
    return [by]


def _with_period(frame: pd.DataFrame, by: str | None, period: str, column: str = "time") -> pd.DataFrame:
    if by == "period":
        frame = frame.assign(period=period_start(frame[column].to_numpy(), period).astype("datetime64[ns]"))
    return frame


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600.0


def _ordered(steps: pd.DataFrame) -> pd.DataFrame:
    """The steps by customer, time and place in the map (as given when already so: one pass to check)."""
    if _is_ordered(steps):
        return steps.reset_index(drop=True)
    return steps.sort_values(["customer", "time", "order"], kind="stable").reset_index(drop=True)


def _is_ordered(steps: pd.DataFrame) -> bool:
    if len(steps) < 2:
        return True
    customer = steps["customer"].to_numpy(dtype=object)
    time = steps["time"].to_numpy()
    order = steps["order"].to_numpy()
    try:
        before, same = customer[:-1] < customer[1:], customer[:-1] == customer[1:]
    except TypeError:  # not all text: let the sort decide
        return False
    earlier, same_time = time[:-1] < time[1:], time[:-1] == time[1:]
    in_order = before | (same & (earlier | (same_time & (order[:-1] <= order[1:]))))
    return bool(in_order.all())


def _runs(customer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each customer's run of rows starts, and its length (rows ordered by customer)."""
    if len(customer) == 0:
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    return starts, np.diff(np.r_[starts, len(customer)])


def data_time(steps: pd.DataFrame) -> pd.Timestamp:
    """The time of the data: the latest step (NaT without steps)."""
    return steps["time"].max() if len(steps) else pd.NaT


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


# -- transitions -------------------------------------------------------------------------------

TRANSITION_COLUMNS = [
    "from_touchpoint", "to_touchpoint", "transitions", "customers", "departures", "share",
    "median_hours", "p90_hours",
]  # fmt: skip


def transitions(steps: pd.DataFrame, *, by: str | None = None, period: str = "month") -> pd.DataFrame:
    """How customers move from one touchpoint to the next.

    Returns
    -------
    DataFrame
        One row per (``segment`` or ``period``, when grouped) ``from_touchpoint`` and
        ``to_touchpoint`` (the same touchpoint twice: a repeat), sorted by them:
        ``transitions`` (how often), ``customers`` (how many different customers),
        ``departures`` (all transitions out of ``from_touchpoint``: the n behind the share),
        ``share`` (``transitions / departures``, 0…1), ``median_hours`` and ``p90_hours``
        (time between the two steps). Grouped by period, a transition belongs to the period of
        its first step.
    """
    keys = group_keys(by)
    ordered = _ordered(steps)
    customer = ordered["customer"].to_numpy(dtype=object)
    followed = np.zeros(len(customer), dtype=bool)  # the next row is the same customer's
    followed[:-1] = customer[1:] == customer[:-1]
    moves = ordered.assign(
        to_touchpoint=ordered["touchpoint"].shift(-1),
        hours=_hours(ordered["time"].shift(-1), ordered["time"]),
    )
    moves = _with_period(moves[followed], by, period)
    moves = moves.rename(columns={"touchpoint": "from_touchpoint"})
    group = [*keys, "from_touchpoint", "to_touchpoint"]
    grouped = moves.groupby(group, sort=True)
    out = pd.DataFrame(
        {
            "transitions": grouped.size(),
            "customers": grouped["customer"].nunique(),
            "median_hours": grouped["hours"].quantile(0.5),
            "p90_hours": grouped["hours"].quantile(0.9),
        }
    ).reset_index()
    out["departures"] = out.groupby([*keys, "from_touchpoint"])["transitions"].transform("sum")
    out["share"] = out["transitions"] / out["departures"]
    return _typed(_sorted(out, group)[[*keys, *TRANSITION_COLUMNS]])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts as int64, figures as float64, text as object, periods as datetime64[ns]: the same on every engine."""
    out = frame.copy()
    for column in out.columns:
        if column in _COUNTS:
            out[column] = out[column].fillna(0).astype("int64")
        elif column in _FLOATS:
            out[column] = out[column].astype("float64")
        elif column == "period":
            out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
        else:
            out[column] = out[column].astype(object)
    return out


_COUNTS = {
    "transitions", "customers", "departures", "reached", "last_here", "dropped", "in_progress",
    "continued", "step", "contacts", "repeats", "loops", "customers_repeating", "steps",
    "reached_start", "reached_end", "waiting", "events", "rank",
}  # fmt: skip
_FLOATS = {
    "share", "median_hours", "p90_hours", "dropoff_share", "share_of_start", "share_of_previous",
    "repeat_share", "median_hours_reached", "p90_hours_reached",
}  # fmt: skip


# -- paths -------------------------------------------------------------------------------------

PATH_COLUMNS = ["rank", "path", "steps", "customers", "share"]


def paths(
    steps: pd.DataFrame,
    *,
    by: str | None = None,
    period: str = "month",
    max_steps: int = PATH_STEPS,
    top: int = 20,
) -> pd.DataFrame:
    """The most common paths through the map.

    A customer's path is their steps with repeats in a row collapsed (chat, chat, call is
    chat → call), cut after ``max_steps`` steps (then it ends in ``…``).

    Returns
    -------
    DataFrame
        Per group (``segment`` or ``period`` of the customer's first step, when grouped), the
        ``top`` paths, most customers first (ties: path text): ``rank`` (1 = most common),
        ``path`` (touchpoint ids joined by :data:`PATH_SEPARATOR`), ``steps`` (touchpoints in
        it, up to ``max_steps``), ``customers``, ``share`` (of the group's customers).
    """
    keys = group_keys(by)
    ordered = _ordered(steps)
    previous = ordered.groupby("customer", sort=False)["touchpoint"].shift(1)
    changes = ordered[ordered["touchpoint"] != previous]
    changes = changes.assign(index=changes.groupby("customer", sort=False).cumcount())
    first = _with_period(changes[changes["index"] == 0], by, period)[["customer", *keys]]
    if changes.empty:
        return _typed(pd.DataFrame(columns=[*keys, *PATH_COLUMNS]))
    # each customer's steps are one run of rows: their path is joined a column at a time
    starts, lengths = _runs(changes["customer"].to_numpy(dtype=object))
    touchpoints = changes["touchpoint"].to_numpy(dtype=object)
    path = touchpoints[starts].copy()
    for k in range(1, max_steps):
        more = lengths > k
        path[more] = path[more] + PATH_SEPARATOR + touchpoints[starts[more] + k]
    customers = changes["customer"].to_numpy(dtype=object)[starts]
    joined = pd.DataFrame({"path": path, "length": lengths}, index=pd.Index(customers, name="customer"))
    per_customer = first.set_index("customer").join(joined).reset_index()
    longer = per_customer["length"] > max_steps
    per_customer.loc[longer, "path"] = per_customer.loc[longer, "path"] + PATH_SEPARATOR + "…"
    per_customer["steps"] = per_customer["length"].clip(upper=max_steps)
    group = [*keys, "path", "steps"]
    counted = per_customer.groupby(group, sort=False).size().rename("customers").reset_index()
    if keys:
        counted["share"] = counted["customers"] / counted.groupby(keys)["customers"].transform("sum")
    else:
        counted["share"] = counted["customers"] / counted["customers"].sum()
    counted = counted.sort_values(
        [*keys, "customers", "path"], ascending=[*([True] * len(keys)), False, True]
    )
    counted["rank"] = (
        counted.groupby(keys, sort=False).cumcount() + 1 if keys else np.arange(1, len(counted) + 1)
    )
    counted = counted[counted["rank"] <= top]
    return _typed(counted[[*keys, *PATH_COLUMNS]].reset_index(drop=True))


# -- drop-off ----------------------------------------------------------------------------------

DROPOFF_COLUMNS = [
    "touchpoint",
    "reached",
    "continued",
    "last_here",
    "in_progress",
    "dropped",
    "dropoff_share",
]


def dropoff(
    steps: pd.DataFrame,
    *,
    by: str | None = None,
    period: str = "month",
    as_of: pd.Timestamp | None = None,
    inactive_after_days: float = INACTIVE_AFTER_DAYS,
) -> pd.DataFrame:
    """Where customers stop: per touchpoint, who went on and who left.

    Returns
    -------
    DataFrame
        One row per (group and) touchpoint reached: ``reached`` (customers with a step there),
        ``continued`` (of them, with a later step elsewhere or here again... any later step),
        ``last_here`` (whose latest step is here), ``in_progress`` (of those, last seen less than
        ``inactive_after_days`` before ``as_of``), ``dropped`` (the others), ``dropoff_share``
        (``dropped / reached``). Grouped by period: the period of the customer's step there
        (a customer reaching a touchpoint in two months counts in both); by segment: that
        step's segment.
    """
    keys = group_keys(by)
    ordered = _ordered(steps)
    as_of = data_time(ordered) if as_of is None else pd.Timestamp(as_of)
    ordered = ordered.assign(is_last=~ordered.duplicated("customer", keep="last"))
    ordered = _with_period(ordered, by, period)
    idle = (as_of - ordered["time"]).dt.total_seconds() > inactive_after_days * 86400.0
    ordered = ordered.assign(gone=ordered["is_last"] & idle, active=ordered["is_last"] & ~idle)
    group = [*keys, "touchpoint"]
    per_customer = ordered.groupby([*group, "customer"], sort=False).agg(
        last_here=("is_last", "any"), gone=("gone", "any"), active=("active", "any")
    )
    grouped = per_customer.groupby(group, sort=True)
    out = pd.DataFrame(
        {
            "reached": grouped.size(),
            "last_here": grouped["last_here"].sum(),
            "in_progress": grouped["active"].sum(),
            "dropped": grouped["gone"].sum(),
        }
    ).reset_index()
    out["continued"] = out["reached"] - out["last_here"]
    out["dropoff_share"] = out["dropped"] / out["reached"]
    return _typed(_sorted(out, group)[[*keys, *DROPOFF_COLUMNS]])


# -- funnel ------------------------------------------------------------------------------------

FUNNEL_COLUMNS = [
    "step", "touchpoint", "customers", "share_of_start", "share_of_previous", "dropped", "in_progress",
    "median_hours",
]  # fmt: skip


def funnel(
    steps: pd.DataFrame,
    funnel_steps: Sequence[str],
    *,
    within_hours: float | None = None,
    by: str | None = None,
    period: str = "month",
    as_of: pd.Timestamp | None = None,
    inactive_after_days: float = INACTIVE_AFTER_DAYS,
) -> pd.DataFrame:
    """How many customers go through touchpoints in order, within a time window.

    A customer enters at their first step at ``funnel_steps[0]``; they reach each next step at
    its first occurrence at or after the previous one (strictly after, when both are the same
    touchpoint) and, with ``within_hours``, no later than that many hours after entering
    ("reached the care follow-up within 48 h of the ticket").

    Returns
    -------
    DataFrame
        Per (group and) step: ``step`` (1-based), ``touchpoint``, ``customers`` (who reached
        it), ``share_of_start``, ``share_of_previous``, ``dropped`` (reached the previous step
        but not this one, and can no longer: the window closed, or, without a window, inactive
        for ``inactive_after_days``), ``in_progress`` (not yet, but still can), ``median_hours``
        (from the previous step, among those who reached this one; NaN for step 1). Grouped by
        segment or period: the entry step's.
    """
    keys = group_keys(by)
    inner = keys or ["_all"]
    ordered = _ordered(steps).assign(_all=0)
    as_of = data_time(ordered) if as_of is None else pd.Timestamp(as_of)
    last_seen = ordered.groupby("customer")["time"].max()
    entries = ordered[ordered["touchpoint"] == funnel_steps[0]].drop_duplicates("customer", keep="first")
    entries = _with_period(entries, by, period)
    reached = entries[["customer", *inner, "time"]].rename(columns={"time": "t0"}).assign(t=entries["time"])
    window = pd.Timedelta(hours=within_hours) if within_hours is not None else None
    levels = [reached.assign(hours=np.nan)]
    stuck_at = [reached.iloc[0:0].assign(open=False)]
    for index in range(1, len(funnel_steps)):
        here = ordered.loc[ordered["touchpoint"] == funnel_steps[index], ["customer", "time"]]
        joined = reached[["customer", "t0", "t"]].merge(here, on="customer", how="inner")
        strict = funnel_steps[index] == funnel_steps[index - 1]
        later = joined["time"] > joined["t"] if strict else joined["time"] >= joined["t"]
        if window is not None:
            later &= joined["time"] <= joined["t0"] + window
        first = joined[later].groupby("customer", sort=False)["time"].min().rename("next")
        # (joined with nobody, pandas names the empty index "customer": the next merge would balk)
        moved = reached.join(first, on="customer", how="inner").reset_index(drop=True)
        moved = moved.assign(hours=_hours(moved["next"], moved["t"]), t=moved["next"]).drop(columns="next")
        stuck = reached[~reached["customer"].isin(first.index)]
        if window is not None:
            still = stuck["t0"] + window > as_of
        else:
            idle = (as_of - stuck["customer"].map(last_seen)).dt.total_seconds()
            still = idle <= inactive_after_days * 86400.0
        levels.append(moved)
        stuck_at.append(stuck.assign(open=still.to_numpy(dtype=bool)))
        reached = moved
    parts = []
    for index, (level, stuck) in enumerate(zip(levels, stuck_at, strict=True)):
        counted = level.groupby(inner, sort=True).agg(
            customers=("customer", "size"), median_hours=("hours", "median")
        )
        waiting = stuck.groupby(inner, sort=True)["open"].agg(in_progress="sum", total="size")
        part = counted.join(waiting, how="outer").reset_index()
        part["dropped"] = part["total"].fillna(0) - part["in_progress"].fillna(0)
        parts.append(part.assign(step=index + 1, touchpoint=funnel_steps[index]))
    out = pd.concat(parts, ignore_index=True)
    out = _complete_funnel(out, inner, funnel_steps)
    return _typed(out[[*keys, *FUNNEL_COLUMNS]])


def _complete_funnel(out: pd.DataFrame, keys: list[str], funnel_steps: Sequence[str]) -> pd.DataFrame:
    """Every step of every group present (0 customers where nobody got there), with the shares."""
    groups = out[keys].drop_duplicates()
    if groups.empty and keys == ["_all"]:  # ungrouped, and nobody entered: every step, nobody there
        groups = pd.DataFrame({"_all": [0]})
    full = groups.merge(
        pd.DataFrame({"step": range(1, len(funnel_steps) + 1), "touchpoint": list(funnel_steps)}), how="cross"
    )
    out = full.merge(out, on=[*keys, "step", "touchpoint"], how="left")
    for column in ("customers", "dropped", "in_progress"):
        out[column] = out[column].fillna(0).astype("int64")
    out = _sorted(out, [*keys, "step"])
    start = out.groupby(keys, sort=False)["customers"].transform("first")
    previous = out.groupby(keys, sort=False)["customers"].shift(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_of_start"] = out["customers"] / start
        out["share_of_previous"] = (out["customers"] / previous).where(out["step"] > 1, 1.0)
    return out


# -- repeat contacts and loops -----------------------------------------------------------------

REPEAT_COLUMNS = [
    "touchpoint",
    "contacts",
    "customers",
    "repeats",
    "repeat_share",
    "loops",
    "customers_repeating",
]


def repeat_contacts(
    steps: pd.DataFrame,
    touchpoints: Sequence[str],
    *,
    within_days: float = REPEAT_WITHIN_DAYS,
    by: str | None = None,
    period: str = "month",
) -> pd.DataFrame:
    """Customers coming back to a group of touchpoints (e.g. support) soon after the last time.

    A step at one of ``touchpoints`` is a **repeat** when the customer's previous step at any of
    them came at most ``within_days`` before; a repeat is a **loop** when the customer was
    somewhere else on the map in between (support → care → support).

    Returns
    -------
    DataFrame
        Per (group and) touchpoint of the group that was reached: ``contacts`` (steps there),
        ``customers``, ``repeats``, ``repeat_share`` (``repeats / contacts``), ``loops``,
        ``customers_repeating`` (customers with a repeat there). Grouped by period or
        segment: the repeat step's.
    """
    keys = group_keys(by)
    ordered = _ordered(steps)
    ordered = ordered.assign(position=ordered.groupby("customer", sort=False).cumcount())
    here = ordered[ordered["touchpoint"].isin(list(touchpoints))]
    before = here.groupby("customer", sort=False)[["time", "position"]].shift(1)
    gap = (here["time"] - before["time"]).dt.total_seconds()
    repeat = gap.notna() & (gap <= within_days * 86400.0)
    here = _with_period(
        here.assign(repeat=repeat, loop=repeat & (here["position"] - before["position"] > 1)), by, period
    )
    group = [*keys, "touchpoint"]
    grouped = here.groupby(group, sort=True)
    out = pd.DataFrame(
        {
            "contacts": grouped.size(),
            "customers": grouped["customer"].nunique(),
            "repeats": grouped["repeat"].sum(),
            "loops": grouped["loop"].sum(),
            "customers_repeating": here[here["repeat"]].groupby(group, sort=True)["customer"].nunique(),
        }
    ).reset_index()
    out["customers_repeating"] = out["customers_repeating"].fillna(0)
    out["repeat_share"] = out["repeats"] / out["contacts"]
    return _typed(_sorted(out, group)[[*keys, *REPEAT_COLUMNS]])


# -- time between two touchpoints ----------------------------------------------------------------

TIME_BETWEEN_COLUMNS = [
    "from_touchpoint", "to_touchpoint", "reached_start", "reached_end", "waiting", "median_hours",
    "median_hours_reached", "p90_hours_reached",
]  # fmt: skip


def waits(
    steps: pd.DataFrame,
    start: str,
    end: str,
    *,
    by: str | None = None,
    period: str = "month",
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Hours from ``start`` to ``end`` per customer, censored while they are still on the way.

    Per customer who reached ``start``: hours from their first ``start`` to the first ``end``
    at or after it (strictly after when both are the same touchpoint), or, while they have not
    got there, to ``as_of`` (``reached`` False: censored).

    Returns columns ``customer``, the group column, ``hours``, ``reached``.
    """
    keys = group_keys(by)
    ordered = _ordered(steps)
    as_of = data_time(ordered) if as_of is None else pd.Timestamp(as_of)
    entries = ordered[ordered["touchpoint"] == start].drop_duplicates("customer", keep="first")
    entries = _with_period(entries, by, period)[["customer", *keys, "time"]]
    ends = ordered.loc[ordered["touchpoint"] == end, ["customer", "time"]].rename(columns={"time": "end"})
    joined = entries.merge(ends, on="customer", how="inner")
    later = joined["end"] > joined["time"] if start == end else joined["end"] >= joined["time"]
    first = joined[later].groupby("customer", sort=False)["end"].min()
    out = entries.join(first, on="customer")
    reached = out["end"].notna()
    hours = _hours(out["end"].where(reached, as_of), out["time"])
    return out.assign(hours=hours, reached=reached)[["customer", *keys, "hours", "reached"]]


def time_between(
    steps: pd.DataFrame,
    start: str,
    end: str,
    *,
    by: str | None = None,
    period: str = "month",
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """How long customers take from one touchpoint to another, counting those not there yet.

    Returns
    -------
    DataFrame
        Per group (one row without grouping): ``from_touchpoint``, ``to_touchpoint``,
        ``reached_start`` (customers), ``reached_end`` (of them, who got to ``end``),
        ``waiting`` (not yet), ``median_hours`` (Kaplan–Meier: those still waiting count as
        censored at ``as_of``; NaN while fewer than half got there), ``median_hours_reached``
        and ``p90_hours_reached`` (among those who got there only). Grouped by segment or
        period: the first ``start`` step's.
    """
    keys = group_keys(by)
    per_customer = waits(steps, start, end, by=by, period=period, as_of=as_of)
    return summarise_waits(per_customer, keys, start, end)


def summarise_waits(per_customer: pd.DataFrame, keys: list[str], start: str, end: str) -> pd.DataFrame:
    """The rows of :func:`time_between` from per-customer waits (``hours``, ``reached``, keys)."""
    inner = keys or ["_all"]
    frame = per_customer.assign(_all=0)
    rows = []
    for key, group in frame.groupby(inner, sort=True):
        done = group.loc[group["reached"], "hours"]
        rows.append(
            {
                **dict(zip(inner, key if isinstance(key, tuple) else (key,), strict=True)),
                "from_touchpoint": start,
                "to_touchpoint": end,
                "reached_start": len(group),
                "reached_end": int(group["reached"].sum()),
                "waiting": int((~group["reached"]).sum()),
                "median_hours": km_median(group["hours"].to_numpy(), group["reached"].to_numpy()),
                "median_hours_reached": done.quantile(0.5) if len(done) else np.nan,
                "p90_hours_reached": done.quantile(0.9) if len(done) else np.nan,
            }
        )
    out = pd.DataFrame(rows, columns=[*inner, *TIME_BETWEEN_COLUMNS])
    return _typed(out[[*keys, *TIME_BETWEEN_COLUMNS]])


# -- reach ---------------------------------------------------------------------------------------

REACH_COLUMNS = ["touchpoint", "customers", "events"]


def reach(steps: pd.DataFrame, *, by: str | None = None, period: str = "month") -> pd.DataFrame:
    """Per (group and) touchpoint with steps: ``customers`` who reached it and ``events`` there."""
    keys = group_keys(by)
    frame = _with_period(steps, by, period)
    group = [*keys, "touchpoint"]
    grouped = frame.groupby(group, sort=True)
    out = pd.DataFrame({"customers": grouped["customer"].nunique(), "events": grouped.size()}).reset_index()
    return _typed(_sorted(out, group)[[*keys, *REACH_COLUMNS]])
