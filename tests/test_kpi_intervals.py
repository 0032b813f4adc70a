"""Survey scores as KPIs: their n and 95 % interval, "too few answers", and changes called only when significant."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cjmkit.edits import Editor
from cjmkit.metrics import import_kpis, kpi_status, read_kpi_values
from cjmkit.metrics.tables import map_tables
from cjmkit.model import Journey, Kpi, KpiSource, Observation
from cjmkit.render import JourneyMapView
from cjmkit.render.metrics_input import simple_kpi_status


def survey(tmp_path, rows: list[tuple[str, int | None, int | None, int | None]]):
    path = tmp_path / "survey.csv"
    lines = ["submitted_at,csat,nps,ces"] + [
        f"{d},{'' if c is None else c},{'' if n is None else n},{'' if e is None else e}"
        for d, c, n, e in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def month(day: str, answers: list[tuple[int, int, int]]) -> list[tuple[str, int, int, int]]:
    return [(f"{day}T10:00:00Z", c, n, e) for c, n, e in answers]


def test_survey_aggregations_give_n_and_the_interval(tmp_path):
    # January: 40 answers, 30 top-box CSAT, 20 promoters, 8 detractors, CES mean 5
    rows = month(
        "2026-01-15",
        [(5 if i < 30 else 2, 10 if i < 20 else (3 if i < 28 else 8), 4 + (i % 3)) for i in range(40)],
    )
    path = survey(tmp_path, rows)
    for aggregation, key in (("csat", "csat"), ("nps", "nps"), ("ces", "ces")):
        source = KpiSource(
            kind="csv",
            location=str(path),
            layout="wide",
            period_column="submitted_at",
            aggregation=aggregation,
        )
        values = read_kpi_values(source, keys=[key]).values(key).iloc[0]
        assert values["n"] == 40
        if aggregation == "csat":
            low, high = proportion_confint(30, 40, method="wilson")
            assert values["value"] == 75.0 and (values["low"], values["high"]) == pytest.approx(
                (100 * low, 100 * high)
            )
        elif aggregation == "nps":
            assert values["value"] == 30.0 and values["low"] < 30 < values["high"]
        else:
            answers = np.array([4 + (i % 3) for i in range(40)], dtype=float)
            ref = stats.t.interval(0.95, 39, loc=answers.mean(), scale=answers.std(ddof=1) / np.sqrt(40))
            assert values["value"] == pytest.approx(answers.mean())
            assert (values["low"], values["high"]) == pytest.approx(ref, abs=1e-3)


def test_import_keeps_n_and_interval_and_status_says_too_few_answers(tmp_path):
    rows = month("2026-01-15", [(5 if i < 30 else 2, 9, 5) for i in range(40)])  # 75 %
    rows += month("2026-02-15", [(5 if i < 12 else 2, 9, 5) for i in range(16)])  # 75 %, but 16 answers
    path = survey(tmp_path, rows)
    journey = Journey(id="j", title="J", kpis=[Kpi(id="csat", name="CSAT", unit="%", target=80, warning=70)])
    editor = Editor(journey)
    source = KpiSource(
        kind="csv", location=str(path), layout="wide", period_column="submitted_at", aggregation="csat"
    )
    import_kpis(editor, source, {"csat": "csat"})
    january, february = journey.kpis[0].observations
    assert (january.n, february.n) == (40, 16) and january.low < 75 < january.high
    row = kpi_status(journey).iloc[0]
    assert (
        row["status"] == "few"
        and row["status_text"] == "Too few answers"
        and row["trend"] == "too few answers"
    )
    assert row["label"] == "Too few answers: 75 % from 16 answers (target ≥ 80 %)" and not row["worsened"]
    assert row["latest_n"] == 16 and row["latest_low"] < 75
    # refreshing changes nothing, and keeps n and the interval
    import_kpis(editor, source, {"csat": "csat"})
    assert journey.kpis[0].observations[0] == january
    # exports carry them, and the map's badge says it in words
    observations = map_tables(journey)["observations"]
    assert list(observations.columns) == ["kpi", "period", "value", "low", "high", "n", "status"]
    assert observations["n"].tolist() == [40, 16] and observations["status"].tolist() == ["warning", "few"]
    assert simple_kpi_status(journey.kpis[0]).status == "few"


def test_a_change_is_called_a_change_only_when_significant():
    def kpi(values: list[tuple[float, float, float, int]]) -> Kpi:
        return Kpi(
            id="csat", name="CSAT", unit="%", target=80, warning=60,
            observations=[Observation(period=date(2026, m + 1, 1), value=v, low=lo, high=hi, n=n)
                          for m, (v, lo, hi, n) in enumerate(values)],
        )  # fmt: skip

    noisy = Journey(id="a", title="A", kpis=[kpi([(75, 68, 81, 150), (71, 63, 78, 140)])])
    row = kpi_status(noisy).iloc[0]
    assert row["trend"] == "no clear change" and not row["worsened"] and row["change_p"] > 0.05
    assert "(95 %: 63 to 78 %, n=140)" in row["label"]
    real = Journey(id="b", title="B", kpis=[kpi([(80, 75, 84, 300), (65, 59, 70, 300)])])
    row = kpi_status(real).iloc[0]
    assert row["trend"] == "worsening" and row["worsened"] and row["change_p"] < 0.05
    plain = Journey(id="c", title="C", kpis=[Kpi(id="k", name="K", target=5, observations=[
        Observation(period=date(2026, 1, 1), value=4), Observation(period=date(2026, 2, 1), value=3)])])  # fmt: skip
    row = kpi_status(plain).iloc[0]
    assert (
        row["trend"] == "worsening" and row["worsened"] and pd.isna(row["latest_n"])
    )  # no interval: as before


def test_the_map_badge_tooltip_shows_the_interval():
    journey = Journey(id="j", title="J", kpis=[Kpi(id="csat", name="CSAT", unit="%", target=80, observations=[
        Observation(period=date(2026, 1, 1), value=82, low=77, high=86, n=260)])])  # fmt: skip
    status = simple_kpi_status(journey.kpis[0])
    assert status.status == "ok" and status.label == "82% (95%: 77 to 86%, n=260)"
    JourneyMapView(journey)  # draws
