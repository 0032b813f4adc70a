"""The measures of :mod:`cjmkit.metrics.journeys` as SQL: in DuckDB, or in the user's database.

One query per measure, written once for every engine (window functions, ``percentile_cont``,
``string_agg``; a few expressions differ by dialect: :class:`Dialect`). The event log is a
relation ``raw(customer, time, event, segment)`` with ``time`` in UTC; the map's mapping joins it
as a ``VALUES`` list of bound parameters (never pasted into the SQL), which gives the relation
``steps(customer, time, touchpoint, ord, segment)`` the measures read. The heavy work (sorting
every customer's events, pairing steps, counting) runs where the data is; what comes back is
one row per touchpoint, pair, path or step. Kaplan–Meier medians come back as counts per
(hours, reached) and are finished in pandas, like everything else the frames need
(:func:`cjmkit.metrics.journeys._typed` types them the same on every engine).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cjmkit.metrics import journeys as J

Runner = Callable[[str, Mapping[str, Any]], pd.DataFrame]
"""Runs SQL with ``:name`` parameters and returns the rows as a DataFrame."""


@dataclass(frozen=True)
class Dialect:
    """What differs between databases in the measures' SQL."""

    name: str

    def hours(self, later: str, earlier: str) -> str:
        """Hours from ``earlier`` to ``later`` (two timestamps) as a double."""
        if self.name == "duckdb":
            return f"(date_diff('microsecond', {earlier}, {later}) / 3600000000.0)"
        return f"(CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION) / 3600.0)"

    def period(self, column: str, period: str) -> str:
        """The first moment of ``column``'s day, week (Monday) or month."""
        if period not in ("day", "week", "month"):
            raise ValueError(period)
        return f"date_trunc('{period}', {column})"

    def text_order(self, column: str) -> str:
        """Order text by code point, as Python does (PostgreSQL's default collation may not)."""
        return f'{column} COLLATE "C"' if self.name == "postgresql" else column

    @property
    def double(self) -> str:
        """The name of a double-precision float type."""
        return "DOUBLE" if self.name == "duckdb" else "DOUBLE PRECISION"


class SqlMeasures:
    """The journey measures on a relation of raw events, run by ``run``.

    Parameters
    ----------
    run
        Runs one query (``:name`` parameters) and returns a DataFrame.
    dialect
        ``"duckdb"`` or ``"postgresql"`` (other SQL databases: as PostgreSQL).
    raw
        SQL of a relation with columns ``customer``, ``time`` (UTC timestamp without time zone),
        ``event``, ``segment``; may use parameters given in ``params``.
    touchpoint_of, order, ignore
        The mapping (:class:`cjmkit.metrics.events.Mapping_`).
    """

    def __init__(
        self,
        run: Runner,
        dialect: str,
        raw: str,
        params: Mapping[str, Any],
        touchpoint_of: Mapping[str, str],
        order: Mapping[str, int],
        ignore: Sequence[str] = (),
    ) -> None:
        self.run = run
        self.d = Dialect(dialect)
        self.params: dict[str, Any] = dict(params)
        rows = []
        for i, (event, touchpoint) in enumerate(sorted(touchpoint_of.items())):
            self.params[f"me{i}"], self.params[f"mt{i}"], self.params[f"mo{i}"] = (
                event,
                touchpoint,
                order[touchpoint],
            )
            rows.append(f"(CAST(:me{i} AS VARCHAR), CAST(:mt{i} AS VARCHAR), CAST(:mo{i} AS INTEGER))")
        for i, event in enumerate(sorted(ignore)):
            self.params[f"ig{i}"] = event
        ignored = ", ".join(f":ig{i}" for i in range(len(ignore)))
        mapping = (
            f"mapping(event, touchpoint, ord) AS (VALUES {', '.join(rows)})"
            if rows
            else "mapping(event, touchpoint, ord) AS (SELECT CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), 0 WHERE 1 = 0)"
        )
        self.ignored = f"r.event NOT IN ({ignored})" if ignore else "1 = 1"
        self.prefix = (
            f"WITH raw AS ({raw}), {mapping}, "
            "steps AS (SELECT r.customer, r.time, m.touchpoint, m.ord, r.segment "
            "FROM raw r JOIN mapping m ON r.event = m.event)"
        )
        self._as_of: pd.Timestamp | None = None

    # -- helpers ---------------------------------------------------------------------------

    def query(self, body: str, **params: Any) -> pd.DataFrame:
        """Run ``body`` after the prefix of raw events, mapping and steps."""
        return self.run(f"{self.prefix}{body}", {**self.params, **params})

    def as_of(self) -> pd.Timestamp:
        """The time of the data: the latest step."""
        if self._as_of is None:
            frame = self.query(" SELECT MAX(time) AS t FROM steps")
            value = frame["t"].iloc[0] if len(frame) else None
            self._as_of = pd.Timestamp(value) if value is not None and pd.notna(value) else pd.NaT
        return self._as_of

    def _keys(
        self, by: str | None, period: str, column: str = "time", segment: str = "segment"
    ) -> tuple[str, str, list[str]]:
        """(select list, group list, key names) for ``by``."""
        keys = J.group_keys(by)
        if by == "period":
            return f"{self.d.period(column, period)} AS period, ", "period, ", keys
        if by == "segment":
            return f"{segment} AS segment, ", "segment, ", keys
        return "", "", keys

    def _percentile(self, q: float, value: str) -> str:
        """``percentile_cont(q)`` of ``value`` over a group whose rows carry ``rn`` and ``cnt``.

        ``rn`` is the row's rank by ``value`` (1…) and ``cnt`` the group's size: the two middle
        values are picked and interpolated, as ``percentile_cont`` and pandas do. DuckDB's own
        quantile keeps every value of every group in memory and, beyond its limit, wrote tens of
        gigabytes of temporary files for fifty million events; ranking is a sort, which spills well.
        """
        position = f"((MAX(cnt) - 1) * {float(q)!r})"
        low = f"MIN({value}) FILTER (WHERE rn = CAST(floor((cnt - 1) * {float(q)!r}) AS BIGINT) + 1)"
        high = f"MIN({value}) FILTER (WHERE rn = CAST(ceil((cnt - 1) * {float(q)!r}) AS BIGINT) + 1)"
        return f"CAST({low} + ({high} - {low}) * ({position} - floor({position})) AS {self.d.double})"

    def _window(self) -> str:
        return "PARTITION BY customer ORDER BY time, ord"

    # -- measures --------------------------------------------------------------------------

    def transitions(self, *, by: str | None = None, period: str = "month") -> pd.DataFrame:
        """As :func:`cjmkit.metrics.journeys.transitions`, in SQL."""
        select, group, keys = self._keys(by, period)
        hours = self.d.hours("next_time", "time")
        pair = f"{group}from_touchpoint, to_touchpoint"
        frame = self.query(
            f", moves AS (SELECT customer, time, touchpoint, segment, "
            f"LEAD(touchpoint) OVER ({self._window()}) AS next_tp, LEAD(time) OVER ({self._window()}) AS next_time "
            f"FROM steps), "
            f"pairs AS (SELECT {select}touchpoint AS from_touchpoint, next_tp AS to_touchpoint, customer, "
            f"{hours} AS hours FROM moves WHERE next_tp IS NOT NULL), "
            f"ranked AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY {pair} ORDER BY hours) AS rn, "
            f"COUNT(*) OVER (PARTITION BY {pair}) AS cnt FROM pairs) "
            f"SELECT {pair}, COUNT(*) AS transitions, COUNT(DISTINCT customer) AS customers, "
            f"{self._percentile(0.5, 'hours')} AS median_hours, {self._percentile(0.9, 'hours')} AS p90_hours "
            f"FROM ranked GROUP BY {pair}"
        )
        frame["departures"] = frame.groupby([*keys, "from_touchpoint"])["transitions"].transform("sum")
        frame["share"] = frame["transitions"] / frame["departures"]
        return J._typed(
            J._sorted(frame, [*keys, "from_touchpoint", "to_touchpoint"])[[*keys, *J.TRANSITION_COLUMNS]]
        )

    def paths(
        self, *, by: str | None = None, period: str = "month", max_steps: int = J.PATH_STEPS, top: int = 20
    ) -> pd.DataFrame:
        """As :func:`cjmkit.metrics.journeys.paths`, in SQL."""
        select, group, keys = self._keys(by, period, "first_time")
        partition = f"PARTITION BY {group.rstrip(', ')} " if keys else ""
        path = self.d.text_order("path")
        frame = self.query(
            f", marked AS (SELECT customer, time, ord, touchpoint, segment, "
            f"LAG(touchpoint) OVER ({self._window()}) AS prev FROM steps), "
            f"changes AS (SELECT customer, time, touchpoint, segment, "
            f"ROW_NUMBER() OVER ({self._window()}) AS idx "
            f"FROM marked WHERE prev IS NULL OR prev <> touchpoint), "
            f"per_customer AS (SELECT customer, "
            f"string_agg(CASE WHEN idx <= :max_steps THEN touchpoint END, CAST(:sep AS VARCHAR) ORDER BY idx) AS path0, "
            f"COUNT(*) AS length, MIN(CASE WHEN idx = 1 THEN segment END) AS segment, "
            f"MIN(CASE WHEN idx = 1 THEN time END) AS first_time FROM changes GROUP BY customer), "
            f"counted AS (SELECT {select}"
            f"CASE WHEN length > :max_steps THEN path0 || CAST(:ellipsis AS VARCHAR) ELSE path0 END AS path, "
            f"CASE WHEN length > :max_steps THEN CAST(:max_steps AS BIGINT) ELSE length END AS steps, COUNT(*) AS customers "
            f"FROM per_customer GROUP BY {group}"
            f"CASE WHEN length > :max_steps THEN path0 || CAST(:ellipsis AS VARCHAR) ELSE path0 END, "
            f"CASE WHEN length > :max_steps THEN CAST(:max_steps AS BIGINT) ELSE length END), "
            f"ranked AS (SELECT *, ROW_NUMBER() OVER ({partition}ORDER BY customers DESC, {path}) AS rank, "
            f"CAST(customers AS {self.d.double}) / SUM(customers) OVER ({partition.strip()}) AS share FROM counted) "
            f"SELECT * FROM ranked WHERE rank <= :top",
            max_steps=int(max_steps),
            sep=J.PATH_SEPARATOR,
            ellipsis=J.PATH_SEPARATOR + "…",
            top=int(top),
        )
        return J._typed(J._sorted(frame, [*keys, "rank"])[[*keys, *J.PATH_COLUMNS]])

    def dropoff(
        self,
        *,
        by: str | None = None,
        period: str = "month",
        as_of: pd.Timestamp | None = None,
        inactive_after_days: float = J.INACTIVE_AFTER_DAYS,
    ) -> pd.DataFrame:
        """As :func:`cjmkit.metrics.journeys.dropoff`, in SQL."""
        select, group, keys = self._keys(by, period)
        as_of = self.as_of() if as_of is None else pd.Timestamp(as_of)
        if pd.isna(as_of):
            return J._typed(pd.DataFrame(columns=[*keys, *J.DROPOFF_COLUMNS]))
        idle = f"{self.d.hours(':as_of', 'time')} > :idle_hours"
        frame = self.query(
            f", marked AS (SELECT customer, time, touchpoint, segment, "
            f"CASE WHEN ROW_NUMBER() OVER (PARTITION BY customer ORDER BY time DESC, ord DESC) = 1 "
            f"THEN 1 ELSE 0 END AS is_last FROM steps), "
            f"per_customer AS (SELECT {select}touchpoint, customer, MAX(is_last) AS last_here, "
            f"MAX(CASE WHEN is_last = 1 AND {idle} THEN 1 ELSE 0 END) AS gone, "
            f"MAX(CASE WHEN is_last = 1 AND NOT ({idle}) THEN 1 ELSE 0 END) AS active "
            f"FROM marked GROUP BY {group}touchpoint, customer) "
            f"SELECT {group}touchpoint, COUNT(*) AS reached, SUM(last_here) AS last_here, "
            f"SUM(active) AS in_progress, SUM(gone) AS dropped FROM per_customer GROUP BY {group}touchpoint",
            as_of=_stamp(as_of),
            idle_hours=float(inactive_after_days) * 24.0,
        )
        frame["continued"] = frame["reached"] - frame["last_here"]
        frame["dropoff_share"] = frame["dropped"] / frame["reached"]
        return J._typed(J._sorted(frame, [*keys, "touchpoint"])[[*keys, *J.DROPOFF_COLUMNS]])

    def funnel(
        self,
        funnel_steps: Sequence[str],
        *,
        within_hours: float | None = None,
        by: str | None = None,
        period: str = "month",
        as_of: pd.Timestamp | None = None,
        inactive_after_days: float = J.INACTIVE_AFTER_DAYS,
    ) -> pd.DataFrame:
        """As :func:`cjmkit.metrics.journeys.funnel`, in SQL."""
        select, _group, keys = self._keys(by, period, "time")
        as_of = self.as_of() if as_of is None else pd.Timestamp(as_of)
        params: dict[str, Any] = {f"f{i}": step for i, step in enumerate(funnel_steps)}
        params.update(as_of=_stamp(as_of), idle_hours=float(inactive_after_days) * 24.0)
        key_cols = "".join(f"e.{k}, " for k in keys)
        group_by = f" GROUP BY {', '.join(f'e.{k}' for k in keys)}" if keys else ""
        ctes = [
            f", last_seen AS (SELECT customer, MAX(time) AS seen FROM steps GROUP BY customer), "
            f"e AS (SELECT customer, {select}time AS t0 FROM (SELECT customer, time, segment, "
            f"ROW_NUMBER() OVER (PARTITION BY customer ORDER BY time) AS rn FROM steps WHERE touchpoint = :f0) x "
            f"WHERE rn = 1), "
            f"l1 AS (SELECT customer, t0 AS t, CAST(NULL AS {self.d.double}) AS hours FROM e)"
        ]
        parts = [f"SELECT {key_cols}1 AS step, COUNT(*) AS customers, "
                 f"CAST(NULL AS {self.d.double}) AS median_hours, 0 AS in_progress, 0 AS stuck "
                 f"FROM e{group_by}"]  # fmt: skip
        if within_hours is not None:
            params["within"] = float(within_hours)
        for index in range(1, len(funnel_steps)):
            prev, here = f"l{index}", f"l{index + 1}"
            compare = ">" if funnel_steps[index] == funnel_steps[index - 1] else ">="
            window = f" AND {self.d.hours('s.time', 'e.t0')} <= :within" if within_hours is not None else ""
            ctes.append(
                f", {here} AS (SELECT p.customer, MIN(s.time) AS t, "
                f"{self.d.hours('MIN(s.time)', 'p.t')} AS hours FROM {prev} p JOIN e ON e.customer = p.customer "
                f"JOIN steps s ON s.customer = p.customer AND s.touchpoint = :f{index} AND s.time {compare} p.t{window} "
                f"GROUP BY p.customer, p.t)"
            )
            if within_hours is not None:
                still = f"{self.d.hours(':as_of', 'e.t0')} < :within"
            else:
                still = f"{self.d.hours(':as_of', 'ls.seen')} <= :idle_hours"
            parts.append(
                f"SELECT {key_cols}{index + 1} AS step, "
                f"SUM(CASE WHEN h.customer IS NOT NULL THEN 1 ELSE 0 END) AS customers, "
                f"CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY h.hours) AS {self.d.double}) AS median_hours, "
                f"SUM(CASE WHEN h.customer IS NULL AND {still} THEN 1 ELSE 0 END) AS in_progress, "
                f"SUM(CASE WHEN h.customer IS NULL THEN 1 ELSE 0 END) AS stuck "
                f"FROM {prev} p JOIN e ON e.customer = p.customer JOIN last_seen ls ON ls.customer = p.customer "
                f"LEFT JOIN {here} h ON h.customer = p.customer{group_by}"
            )
        frame = self.query("".join(ctes) + " " + " UNION ALL ".join(parts), **params)
        frame["touchpoint"] = [funnel_steps[int(step) - 1] for step in frame["step"]]
        frame["dropped"] = frame["stuck"] - frame["in_progress"]
        inner = keys or ["_all"]
        frame = frame.assign(_all=0)
        out = J._complete_funnel(frame, inner, funnel_steps)
        return J._typed(out[[*keys, *J.FUNNEL_COLUMNS]])

    def repeat_contacts(
        self,
        touchpoints: Sequence[str],
        *,
        within_days: float = J.REPEAT_WITHIN_DAYS,
        by: str | None = None,
        period: str = "month",
    ) -> pd.DataFrame:
        """As :func:`cjmkit.metrics.journeys.repeat_contacts`, in SQL."""
        select, group, keys = self._keys(by, period)
        names = {f"g{i}": tp for i, tp in enumerate(touchpoints)}
        members = ", ".join(f":{n}" for n in names) or "NULL"
        gap = self.d.hours("time", "prev_time")
        repeat = f"(prev_time IS NOT NULL AND {gap} <= :within_hours)"
        frame = self.query(
            f", o AS (SELECT customer, time, touchpoint, segment, ROW_NUMBER() OVER ({self._window()}) AS position "
            f"FROM steps), "
            f"h AS (SELECT customer, time, touchpoint, segment, position, "
            f"LAG(time) OVER (PARTITION BY customer ORDER BY position) AS prev_time, "
            f"LAG(position) OVER (PARTITION BY customer ORDER BY position) AS prev_position "
            f"FROM o WHERE touchpoint IN ({members})) "
            f"SELECT {select}touchpoint, COUNT(*) AS contacts, COUNT(DISTINCT customer) AS customers, "
            f"SUM(CASE WHEN {repeat} THEN 1 ELSE 0 END) AS repeats, "
            f"SUM(CASE WHEN {repeat} AND position - prev_position > 1 THEN 1 ELSE 0 END) AS loops, "
            f"COUNT(DISTINCT CASE WHEN {repeat} THEN customer END) AS customers_repeating "
            f"FROM h GROUP BY {group}touchpoint",
            **names,
            within_hours=float(within_days) * 24.0,
        )
        frame["repeat_share"] = frame["repeats"] / frame["contacts"]
        return J._typed(J._sorted(frame, [*keys, "touchpoint"])[[*keys, *J.REPEAT_COLUMNS]])

    def time_between(
        self,
        start: str,
        end: str,
        *,
        by: str | None = None,
        period: str = "month",
        as_of: pd.Timestamp | None = None,
    ) -> pd.DataFrame:
        """As :func:`cjmkit.metrics.journeys.time_between`, in SQL."""
        select, _group, keys = self._keys(by, period)
        as_of = self.as_of() if as_of is None else pd.Timestamp(as_of)
        compare = ">" if start == end else ">="
        frame = self.query(
            f", e AS (SELECT customer, {select}time FROM (SELECT customer, time, segment, "
            f"ROW_NUMBER() OVER (PARTITION BY customer ORDER BY time) AS rn FROM steps WHERE touchpoint = :start) x "
            f"WHERE rn = 1), "
            f"f AS (SELECT e.customer, MIN(s.time) AS done FROM e JOIN steps s ON s.customer = e.customer "
            f"AND s.touchpoint = :end AND s.time {compare} e.time GROUP BY e.customer) "
            f"SELECT {''.join(f'e.{k}, ' for k in keys)}"
            f"CASE WHEN f.done IS NULL THEN {self.d.hours(':as_of', 'e.time')} "
            f"ELSE {self.d.hours('f.done', 'e.time')} END AS hours, "
            f"CASE WHEN f.done IS NULL THEN 0 ELSE 1 END AS reached, COUNT(*) AS n "
            f"FROM e LEFT JOIN f ON f.customer = e.customer GROUP BY {''.join(f'e.{k}, ' for k in keys)}"
            f"CASE WHEN f.done IS NULL THEN {self.d.hours(':as_of', 'e.time')} "
            f"ELSE {self.d.hours('f.done', 'e.time')} END, CASE WHEN f.done IS NULL THEN 0 ELSE 1 END",
            start=start,
            end=end,
            as_of=_stamp(as_of),
        )
        counts = frame["n"].to_numpy(dtype="int64")
        per_customer = pd.DataFrame(
            {
                **{k: np.repeat(frame[k].to_numpy(), counts) for k in keys},
                "hours": np.repeat(frame["hours"].to_numpy(dtype="float64"), counts),
                "reached": np.repeat(frame["reached"].to_numpy(dtype="int64") == 1, counts),
            }
        )
        if "period" in per_customer:
            per_customer["period"] = pd.to_datetime(per_customer["period"])
        return J.summarise_waits(per_customer, keys, start, end)

    def reach(self, *, by: str | None = None, period: str = "month") -> pd.DataFrame:
        """As :func:`cjmkit.metrics.journeys.reach`, in SQL."""
        select, group, keys = self._keys(by, period)
        frame = self.query(
            f" SELECT {select}touchpoint, COUNT(DISTINCT customer) AS customers, COUNT(*) AS events "
            f"FROM steps GROUP BY {group}touchpoint"
        )
        return J._typed(J._sorted(frame, [*keys, "touchpoint"])[[*keys, *J.REACH_COLUMNS]])

    def unmapped(self) -> pd.DataFrame:
        """As :func:`cjmkit.metrics.events.unmapped`, in SQL."""
        frame = self.query(
            f" SELECT r.event AS event, COUNT(*) AS events, COUNT(DISTINCT r.customer) AS customers "
            f"FROM raw r LEFT JOIN mapping m ON r.event = m.event WHERE m.event IS NULL AND {self.ignored} "
            f"GROUP BY r.event"
        )
        frame = frame.sort_values(["events", "event"], ascending=[False, True], kind="stable").reset_index(
            drop=True
        )
        return frame.astype({"event": object, "events": "int64", "customers": "int64"})[
            ["event", "events", "customers"]
        ]

    def totals(self) -> tuple[int, int]:
        """(customers, events) of the whole log."""
        frame = self.query(" SELECT COUNT(DISTINCT customer) AS customers, COUNT(*) AS events FROM raw")
        return int(frame["customers"].iloc[0]), int(frame["events"].iloc[0])


def _stamp(value: pd.Timestamp) -> Any:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def too_little_room(error: Exception) -> Exception | None:
    """The sentence for DuckDB running out of the memory or temporary disk it may take (else None)."""
    import duckdb

    from cjmkit.metrics.problems import ImportProblem

    if not isinstance(error, duckdb.OutOfMemoryException) and "No space left" not in str(error):
        return None
    return ImportProblem(
        f"DuckDB had too little room to measure this event log ({str(error).splitlines()[0]}); "
        "give it more memory or temporary disk with CJMKIT_DUCKDB_MEMORY and CJMKIT_DUCKDB_DISK "
        "(e.g. 8GB and 50GB), or measure the events in their database"
    )


def duckdb_runner(connection: Any) -> Runner:
    """A :data:`Runner` on a DuckDB connection (``:name`` parameters become ``$name``)."""
    import duckdb

    def run(sql: str, params: Mapping[str, Any]) -> pd.DataFrame:
        text = _PARAM.sub(lambda m: "$" + m.group(1), sql)
        used = {name: value for name, value in params.items() if f"${name}" in text}
        try:
            return connection.execute(text, used).df()
        except duckdb.Error as error:
            problem = too_little_room(error)
            if problem is None:
                raise
            raise problem from None

    return run


def sqlalchemy_runner(connection: Any) -> Runner:
    """A :data:`Runner` on an open SQLAlchemy connection."""
    import sqlalchemy as sa

    def run(sql: str, params: Mapping[str, Any]) -> pd.DataFrame:
        used = {name: value for name, value in params.items() if re.search(rf"(?<![:\w]):{name}\b", sql)}
        result = connection.execute(sa.text(sql), used)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    return run
