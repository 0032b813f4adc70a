"""95 % intervals, significant changes and Kaplan-Meier medians, checked against scipy and statsmodels.

The reference figures are computed independently by scipy / statsmodels (test dependencies
only); cjmkit must agree to within 0.1 points (percentage points, NPS points, CES points).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from journeys import help_desk
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import DescrStatsW

from cjmkit.metrics import handoff_health, handoff_trend, read_care_contacts, read_tickets
from cjmkit.metrics.intervals import (
    change_words,
    interval_change,
    kaplan_meier,
    km_median,
    mean_change,
    nps_change,
    nps_interval,
    proportion_change,
    t_interval,
    t_quantile,
    wilson,
)
from cjmkit.metrics.satisfaction import score_changes, scores

POINTS = 0.1


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (10, 10), (41, 50), (170, 220), (1, 1000)])
def test_wilson_matches_statsmodels(k, n):
    low, high = wilson(k, n)
    ref_low, ref_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert 100 * low == pytest.approx(100 * ref_low, abs=POINTS)
    assert 100 * high == pytest.approx(100 * ref_high, abs=POINTS)


def _nps_reference(promoters: int, passives: int, detractors: int) -> tuple[float, float]:
    """Adjusted Wald the other way round: the z-interval of the mean of +1/0/-1 scores on the
    sample augmented by 3/4 promoter, 3/2 passive and 3/4 detractor (population variance)."""
    augmented = DescrStatsW(
        [1.0, 0.0, -1.0], weights=[promoters + 0.75, passives + 1.5, detractors + 0.75], ddof=0
    )
    scale = math.sqrt(augmented.var / augmented.sum_weights)
    low, high = stats.norm.interval(0.95, loc=augmented.mean, scale=scale)
    return 100 * low, 100 * high


@pytest.mark.parametrize(
    ("pro", "pas", "det"), [(60, 25, 15), (5, 3, 2), (0, 10, 0), (30, 0, 70), (400, 350, 250)]
)
def test_nps_adjusted_wald_matches_an_independent_computation(pro, pas, det):
    low, high = nps_interval(pro, det, pro + pas + det)
    ref_low, ref_high = _nps_reference(pro, pas, det)
    assert float(low) == pytest.approx(max(ref_low, -100), abs=POINTS)
    assert float(high) == pytest.approx(min(ref_high, 100), abs=POINTS)


@pytest.mark.parametrize("n", [2, 3, 5, 12, 31, 250, 5000])
def test_t_interval_matches_scipy(n):
    rng = np.random.default_rng(n)
    answers = rng.integers(1, 8, size=n).astype(float)
    mean, sd = answers.mean(), answers.std(ddof=1)
    low, high = t_interval(mean, sd, n)
    ref = stats.t.interval(0.95, n - 1, loc=mean, scale=sd / math.sqrt(n))
    assert float(low) == pytest.approx(ref[0], abs=POINTS / 100)
    assert float(high) == pytest.approx(ref[1], abs=POINTS / 100)
    assert t_quantile(n - 1) == pytest.approx(stats.t.ppf(0.975, n - 1), abs=1e-9)


def test_no_interval_without_answers_or_from_one_answer():
    assert all(np.isnan(v) for v in wilson(0, 0))
    assert all(np.isnan(v) for v in nps_interval(0, 0, 0))
    assert all(np.isnan(v) for v in t_interval(4.0, np.nan, 1))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 400), st.integers(0, 400), st.integers(0, 400))
def test_intervals_hold_their_estimate(pro, pas, det):
    n = pro + pas + det
    if n == 0:
        return
    low, high = wilson(pro, n)
    assert low - 1e-12 <= pro / n <= high + 1e-12 and 0 <= low <= high <= 1
    low, high = nps_interval(pro, det, n)
    assert -100 <= low <= high <= 100


def test_changes_match_scipy_and_statsmodels():
    _z, p = proportions_ztest([120, 150], [200, 210])
    assert float(proportion_change(120, 200, 150, 210)) == pytest.approx(p, abs=1e-9)
    welch = stats.ttest_ind_from_stats(5.1, 1.2, 80, 5.5, 1.1, 90, equal_var=False)
    assert float(mean_change(5.1, 1.2, 80, 5.5, 1.1, 90)) == pytest.approx(welch.pvalue, abs=2e-3)
    # NPS: the difference of two adjusted estimates over the root of their summed variances
    p1, d1, n1, p2, d2, n2 = 50, 30, 120, 80, 20, 130
    e1, e2 = (p1 + 0.75 - d1 - 0.75) / (n1 + 3), (p2 + 0.75 - d2 - 0.75) / (n2 + 3)
    v1 = ((p1 + 0.75) / (n1 + 3) + (d1 + 0.75) / (n1 + 3) - e1**2) / (n1 + 3)
    v2 = ((p2 + 0.75) / (n2 + 3) + (d2 + 0.75) / (n2 + 3) - e2**2) / (n2 + 3)
    expected = 2 * stats.norm.sf(abs(e2 - e1) / math.sqrt(v1 + v2))
    assert float(nps_change(p1, d1, n1, p2, d2, n2)) == pytest.approx(expected, abs=1e-9)
    # from intervals alone (a KPI observation with low and high)
    se1, se2 = 2.0, 3.0
    expected = 2 * stats.norm.sf(5.0 / math.hypot(se1, se2))
    got = interval_change(
        70, 70 - 1.959964 * se1, 70 + 1.959964 * se1, 75, 75 - 1.959964 * se2, 75 + 1.959964 * se2
    )
    assert float(got) == pytest.approx(expected, abs=1e-6)


def test_change_words():
    assert change_words(5.0, 0.01) == "better" and change_words(-5.0, 0.01) == "worse"
    assert change_words(-5.0, 0.01, "lower") == "better"
    assert change_words(5.0, 0.2) == "no clear change"
    assert change_words(np.nan, 0.01) == "" and change_words(5.0, np.nan) == ""


def test_score_changes_call_only_significant_changes_a_change():
    # 100 answers a month: 60 % top-box, then 63 % (noise), then 85 % (a real change)
    rows = []
    for month, top in (("2026-01-15", 60), ("2026-02-15", 63), ("2026-03-15", 85)):
        for i in range(100):
            rows.append({"submitted_at": pd.Timestamp(month), "csat": 5.0 if i < top else 2.0,
                         "nps": np.nan, "ces": np.nan, "touchpoint": "x", "stage": "", "persona": ""})  # fmt: skip
    frame = score_changes(pd.DataFrame(rows), period="month")
    assert list(frame["csat_trend"]) == ["", "no clear change", "better"]
    assert frame["csat"].tolist() == [60.0, 63.0, 85.0]
    few = score_changes(pd.DataFrame(rows[:10] + rows[100:110]), period="month")
    assert list(few["csat_trend"]) == ["", "too few answers"]


def test_scores_carry_intervals_and_offer_the_mean_csat():
    answers = pd.DataFrame(
        {"csat": [5, 4, 4, 3, 2, 5, 1, 4], "nps": [10, 9, 7, 6, 3, 9, 0, 8], "ces": [7, 6, 5, 5, 2, 6, 1, 4],
         "submitted_at": pd.Timestamp("2026-01-01"), "touchpoint": "x", "stage": "", "persona": ""}
    )  # fmt: skip
    top2 = scores(answers).iloc[0]
    ref = proportion_confint(5, 8, method="wilson")
    assert top2["csat"] == 62.5 and top2["csat_low"] == pytest.approx(100 * ref[0], abs=POINTS)
    ref = stats.t.interval(0.95, 7, loc=answers["ces"].mean(), scale=answers["ces"].std() / math.sqrt(8))
    assert (top2["ces_low"], top2["ces_high"]) == pytest.approx(ref, abs=POINTS / 10)
    mean = scores(answers, csat="mean").iloc[0]
    ref = stats.t.interval(0.95, 7, loc=answers["csat"].mean(), scale=answers["csat"].std() / math.sqrt(8))
    assert mean["csat"] == pytest.approx(3.5) and (mean["csat_low"], mean["csat_high"]) == pytest.approx(ref)
    ref = _nps_reference(3, 2, 3)
    assert (top2["nps_low"], top2["nps_high"]) == pytest.approx(ref, abs=POINTS)


# -- Kaplan-Meier ---------------------------------------------------------------------------------


def test_km_median_matches_statsmodels():
    rng = np.random.default_rng(7)
    for _ in range(5):
        waited = rng.exponential(20, 300).round(2)
        seen = rng.random(300) < 0.7
        assert km_median(waited, seen) == pytest.approx(SurvfuncRight(waited, seen.astype(int)).quantile(0.5))


def test_km_by_hand():
    # waits 2 (done), 3 (still waiting), 5 (done), 8 (done), 9 (still waiting)
    curve = kaplan_meier([2, 3, 5, 8, 9], [True, False, True, True, False])
    assert curve["time"].tolist() == [2, 5, 8]
    assert curve["survival"].tolist() == pytest.approx([4 / 5, 4 / 5 * 2 / 3, 4 / 5 * 2 / 3 * 1 / 2])
    assert km_median([2, 3, 5, 8, 9], [True, False, True, True, False]) == 8
    # fewer than half ever done: the median is longer than anyone waited so far
    assert math.isnan(km_median([1, 10, 10, 10], [True, False, False, False]))


def test_a_handoff_getting_worse_is_not_shown_as_faster(tmp_path):
    """January: 4 tickets, each followed up in 10 h. February: 4 tickets, one followed up in 2 h,
    three never (past their SLA when the data ends). Leaving those three out would show February
    as five times faster (2 h); counted as censored, February's median is longer than any wait
    seen so far (NaN), not shorter."""
    tickets = ["ticket_id,customer_id,opened_at,resolved_at,touchpoint"]
    contacts = ["customer_id,ticket_id,contacted_at"]
    for i in range(4):
        tickets.append(f"j{i},c{i},2026-01-0{i + 1}T08:00:00Z,2026-01-0{i + 1}T10:00:00Z,chat")
        contacts.append(f"c{i},j{i},2026-01-0{i + 1}T20:00:00Z")
    for i in range(4):
        tickets.append(f"f{i},d{i},2026-02-0{i + 1}T08:00:00Z,2026-02-0{i + 1}T10:00:00Z,chat")
    contacts.append("d0,f0,2026-02-01T12:00:00Z")  # the only February follow-up: 2 h
    tickets.append("late,e,2026-02-06T08:00:00Z,2026-02-06T09:00:00Z,chat")  # the data ends here
    (tmp_path / "t.csv").write_text("\n".join(tickets) + "\n")
    (tmp_path / "c.csv").write_text("\n".join(contacts) + "\n")
    t, c = read_tickets(tmp_path / "t.csv"), read_care_contacts(tmp_path / "c.csv")
    trend = handoff_trend(help_desk(care=True), t, c).set_index("period")
    january, february = trend.loc[pd.Timestamp("2026-01-01")], trend.loc[pd.Timestamp("2026-02-01")]
    assert january["median_hours"] == 10.0
    # February: 1 of 5 followed up (2 h), the rest still not: the median is not 2 h but unknown (> all waits)
    assert math.isnan(february["median_hours"])
    naive = (
        pd.to_datetime("2026-02-01T12:00:00") - pd.to_datetime("2026-02-01T10:00:00")
    ).total_seconds() / 3600
    assert naive == 2.0  # what leaving the waiting tickets out would have shown
    # the last ticket is 0 h old at the data's time: waiting, not fallen through
    assert february["waiting"] == 1 and february["within_sla_pct"] == 25.0
    health = handoff_health(help_desk(care=True), t, c).iloc[0]
    assert (health["resolved"], health["waiting"], health["fell_through"]) == (9, 1, 3)
    low, high = proportion_confint(5, 8, method="wilson")
    assert (health["within_sla_low"], health["within_sla_high"]) == pytest.approx((100 * low, 100 * high))
