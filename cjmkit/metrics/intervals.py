"""How sure a figure is: 95 % intervals, significant changes and times with people still waiting.

Every function works on plain numbers or numpy arrays (one value per group), so the tables of
:mod:`cjmkit.metrics` compute all their intervals at once.

Intervals (95 %)
----------------
Proportions (top-two-box CSAT, shares)
    Wilson score interval: stays inside 0…1 and is honest for small n and shares near 0 or 1.
NPS
    Adjusted Wald (Rocks 2016; Sauro and Lewis 2021): add 3/4 of a promoter, 3/4 of a detractor
    and 3/2 of a passive (n + 3 in all), then the Wald interval of a difference of two
    proportions around the adjusted NPS. The score shown is the plain NPS.
Means (CES, mean CSAT)
    Student's t interval, ``mean ± t(0.975, n − 1) · sd / √n`` (sample sd, n − 1); none below
    two answers.

A change between two periods is **significant** when it is unlikely to be noise at the 95 %
level: a two-proportion z-test (pooled) for top-box shares, a z-test on the difference of the
two adjusted NPS estimates, Welch's t-test for means, and, when only a figure's interval is
known (a KPI observation with ``low``/``high``), a z-test with the standard errors read off the
intervals.

Waiting times with people still waiting
---------------------------------------
:func:`kaplan_meier` and :func:`km_median` count a ticket that is still waiting for its
follow-up as *censored* (known to wait at least this long) instead of leaving it out: leaving
them out makes a handoff that gets slower look faster, because its slowest cases are the ones
not there yet.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TypeAlias

import numpy as np
import pandas as pd

Z95 = 1.959963984540054
"""The 97.5 % quantile of the standard normal distribution (two-sided 95 %)."""

ArrayLike: TypeAlias = float | int | np.ndarray | pd.Series


def _arrays(*values: ArrayLike) -> list[np.ndarray]:
    return [np.asarray(v, dtype="float64") for v in values]


def wilson(successes: ArrayLike, n: ArrayLike, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``successes / n``.

    Returns
    -------
    (low, high)
        Arrays of proportions in 0…1; NaN where ``n`` is 0.
    """
    k, total = _arrays(successes, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / total
        z2 = z * z
        centre = (p + z2 / (2 * total)) / (1 + z2 / total)
        half = z * np.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
        low, high = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
    empty = total <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def nps_interval(
    promoters: ArrayLike, detractors: ArrayLike, n: ArrayLike, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald interval of an NPS, in NPS points (−100…+100).

    Parameters
    ----------
    promoters, detractors, n
        Answers of 9–10, answers of 0–6, and all answers (0–10).

    Returns
    -------
    (low, high)
        NaN where ``n`` is 0.
    """
    pro, det, total = _arrays(promoters, detractors, n)
    adjusted = total + 3.0
    p_pro, p_det = (pro + 0.75) / adjusted, (det + 0.75) / adjusted
    centre = p_pro - p_det
    half = z * np.sqrt((p_pro + p_det - centre**2) / adjusted)
    low, high = np.clip(centre - half, -1.0, 1.0) * 100.0, np.clip(centre + half, -1.0, 1.0) * 100.0
    empty = total <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


# -- Student's t ------------------------------------------------------------------------------


def _t_two_sided(t: float, df: int) -> float:
    """P(|T| < t) for Student's t with ``df`` degrees of freedom (exact finite series)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2 == 1:
        if df == 1:
            return 2 * theta / math.pi
        term, total = 1.0, 1.0
        for k in range(3, df - 1, 2):  # 2·4…(k−1) / 3·5…k, times cos^(k−1)
            term *= (k - 1) / k * c2
            total += term
        return 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total)
    term, total = 1.0, 1.0
    for k in range(2, df, 2):  # 1·3…(k−1) / 2·4…k, times cos^k
        term *= (k - 1) / k * c2
        total += term
    return math.sin(theta) * total


@lru_cache(maxsize=4096)
def t_quantile(df: int, level: float = 0.95) -> float:
    """The two-sided ``level`` quantile of Student's t: ``P(|T| < q) = level``.

    Exact (bisection on the finite series of the distribution) up to 2,000 degrees of freedom;
    beyond, the Cornish–Fisher expansion, which is then exact to 1e-9.
    """
    if df < 1:
        return math.nan
    z = Z95 if level == 0.95 else _normal_quantile(0.5 + level / 2)
    if df > 2000:
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        return z + g1 / df + g2 / df**2 + g3 / df**3
    low, high = z, 20.0 if df > 2 else 1e3
    while _t_two_sided(high, df) < level:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if _t_two_sided(mid, df) < level:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return (low + high) / 2


def _normal_quantile(p: float) -> float:
    # Acklam's rational approximation refined by one Newton step on erf: ~1e-15
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
         -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
         -1.328068155288572e01)  # fmt: skip
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
         4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    elif p > 1 - 0.02425:
        return -_normal_quantile(1 - p)
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
            * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        )
    error = 0.5 * math.erfc(-x / math.sqrt(2)) - p
    return x - error * math.sqrt(2 * math.pi) * math.exp(x * x / 2)


def t_interval(mean: ArrayLike, sd: ArrayLike, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Student's t interval of a mean: ``mean ± t(0.975, n − 1) · sd / √n``.

    ``sd`` is the sample standard deviation (n − 1). NaN where n < 2.
    """
    m, s, total = _arrays(mean, sd, n)
    counts = np.nan_to_num(total, nan=0.0).astype("int64")
    quantiles = np.array([t_quantile(int(c) - 1) if c >= 2 else np.nan for c in counts.ravel()])
    quantiles = quantiles.reshape(counts.shape) if counts.shape else quantiles.reshape(())
    with np.errstate(invalid="ignore", divide="ignore"):
        half = quantiles * s / np.sqrt(total)
    return m - half, m + half


# -- changes between periods -------------------------------------------------------------------


def _two_sided_p(z: np.ndarray) -> np.ndarray:
    from math import erfc, sqrt

    return np.vectorize(lambda v: erfc(abs(v) / sqrt(2)) if np.isfinite(v) else np.nan, otypes=[float])(z)


def proportion_change(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike) -> np.ndarray:
    """Two-sided p-value of a change in a proportion (pooled two-proportion z-test)."""
    a, na, b, nb = _arrays(k1, n1, k2, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (a + b) / (na + nb)
        se = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        z = (b / nb - a / na) / se
    z = np.where((se == 0) & (a / np.maximum(na, 1) == b / np.maximum(nb, 1)), 0.0, z)
    return _two_sided_p(z)


def nps_change(
    pro1: ArrayLike, det1: ArrayLike, n1: ArrayLike, pro2: ArrayLike, det2: ArrayLike, n2: ArrayLike
) -> np.ndarray:
    """Two-sided p-value of a change in NPS (z-test on the adjusted-Wald estimates)."""
    p1, d1, t1, p2, d2, t2 = _arrays(pro1, det1, n1, pro2, det2, n2)

    def adjusted(p: np.ndarray, d: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = t + 3.0
        pp, dd = (p + 0.75) / m, (d + 0.75) / m
        return pp - dd, (pp + dd - (pp - dd) ** 2) / m

    with np.errstate(invalid="ignore", divide="ignore"):
        e1, v1 = adjusted(p1, d1, t1)
        e2, v2 = adjusted(p2, d2, t2)
        z = (e2 - e1) / np.sqrt(v1 + v2)
    return np.where((t1 > 0) & (t2 > 0), _two_sided_p(z), np.nan)


def mean_change(
    mean1: ArrayLike, sd1: ArrayLike, n1: ArrayLike, mean2: ArrayLike, sd2: ArrayLike, n2: ArrayLike
) -> np.ndarray:
    """Two-sided p-value of a change in a mean (Welch's t-test); NaN below two answers a side."""
    m1, s1, t1, m2, s2, t2 = np.broadcast_arrays(*_arrays(mean1, sd1, n1, mean2, sd2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        v1, v2 = s1**2 / t1, s2**2 / t2
        t = (m2 - m1) / np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (t1 - 1) + v2**2 / (t2 - 1))
    out = np.full(t.shape, np.nan)
    for i in np.ndindex(t.shape):
        if t1[i] < 2 or t2[i] < 2:
            continue
        if v1[i] + v2[i] == 0:  # no spread at all: only equal means are no change
            out[i] = 1.0 if m1[i] == m2[i] else 0.0
        elif np.isfinite(t[i]):
            freedom = max(1, round(float(df[i]))) if np.isfinite(df[i]) else 1
            out[i] = 1.0 - _t_two_sided(abs(float(t[i])), freedom)
    return out


def interval_change(
    value1: ArrayLike, low1: ArrayLike, high1: ArrayLike, value2: ArrayLike, low2: ArrayLike, high2: ArrayLike
) -> np.ndarray:
    """Two-sided p-value of a change, when only each figure's 95 % interval is known.

    The standard error of each figure is read off its interval (half its width over 1.96); a
    z-test on the difference follows. This is what :func:`cjmkit.metrics.kpi_status` does for
    KPI observations that carry ``low`` and ``high``.
    """
    v1, l1, h1, v2, l2, h2 = _arrays(value1, low1, high1, value2, low2, high2)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(((h1 - l1) / (2 * Z95)) ** 2 + ((h2 - l2) / (2 * Z95)) ** 2)
        z = (v2 - v1) / se
    z = np.where((se == 0) & (v1 == v2), 0.0, z)
    return _two_sided_p(z)


SIGNIFICANT = 0.05
"""A change is called a change when its two-sided p-value is below this (95 %)."""


def change_words(change: float, p_value: float, direction: str = "higher") -> str:
    """How a change between periods is put into words.

    Returns ``"better"`` or ``"worse"`` (judged with ``direction``) when the change is significant
    at 95 %, ``"no clear change"`` when it is not, and ``""`` when it cannot be judged.
    """
    if p_value is None or not np.isfinite(p_value) or change is None or not np.isfinite(change):
        return ""
    if p_value >= SIGNIFICANT or change == 0:
        return "no clear change"
    up = change > 0
    return "better" if up == (direction == "higher") else "worse"


# -- Kaplan–Meier -----------------------------------------------------------------------------


def kaplan_meier(durations: ArrayLike, observed: ArrayLike) -> pd.DataFrame:
    """The Kaplan–Meier estimate of how long people wait, counting those still waiting.

    Parameters
    ----------
    durations
        Time each person waited: until the event (``observed`` True) or, for someone still
        waiting, until now (``observed`` False: censored). NaN durations are left out.
    observed
        Whether the event (e.g. the follow-up) happened.

    Returns
    -------
    DataFrame
        One row per distinct event time, ascending: ``time``, ``at_risk`` (still waiting just
        before), ``events`` (ending then), ``censored`` (leaving unobserved then),
        ``survival`` (share still waiting just after).
    """
    times, seen = _arrays(durations, observed)
    keep = np.isfinite(times)
    times, seen = times[keep], seen[keep].astype(bool)
    columns = ["time", "at_risk", "events", "censored", "survival"]
    if len(times) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    order = np.argsort(times, kind="stable")
    times, seen = times[order], seen[order]
    unique, first = np.unique(times, return_index=True)
    events = np.add.reduceat(seen.astype("int64"), first)
    counts = np.diff(np.append(first, len(times)))
    at_risk = len(times) - first
    with np.errstate(invalid="ignore", divide="ignore"):
        survival = np.cumprod(1.0 - events / at_risk)
    frame = pd.DataFrame(
        {
            "time": unique,
            "at_risk": at_risk.astype("int64"),
            "events": events.astype("int64"),
            "censored": (counts - events).astype("int64"),
            "survival": survival,
        }
    )
    return frame[frame["events"] > 0].reset_index(drop=True)


def km_median(durations: ArrayLike, observed: ArrayLike) -> float:
    """The Kaplan–Meier median wait: the first time at which half or more have had the event.

    NaN when fewer than half ever did (while the rest still wait): the median is then longer
    than anyone has waited yet, which is worth saying rather than guessing.
    """
    curve = kaplan_meier(durations, observed)
    reached = curve[curve["survival"] <= 0.5 + 1e-12]
    return float(reached["time"].iloc[0]) if len(reached) else math.nan
