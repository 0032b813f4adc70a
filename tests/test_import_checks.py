"""Imports that check: scales, periods, replaced sources, remembered options, survey scores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from journeys import write

from cjmkit import store
from cjmkit.cli import main
from cjmkit.edits import Editor
from cjmkit.metrics import ImportProblem, import_kpis, refresh
from cjmkit.metrics.library import attach
from cjmkit.model import Journey, Kpi, KpiSource, Observation


def journey(**kpi: object) -> Journey:
    return Journey(id="j", title="Checks", kpis=[Kpi(id="score", name="Score", **kpi)])


def csv(path: Path, rows: str) -> KpiSource:
    write(path, "date,kpi,value\n" + rows)
    return KpiSource(kind="csv", location=str(path))


def test_a_value_outside_the_kpis_scale_is_refused_with_its_row(tmp_path):
    j = journey(scale_min=1, scale_max=5)
    source = csv(tmp_path / "k.csv", "2024-01-03,score,4.5\n2024-01-09,score,87\n2024-01-10,score,92\n")
    before = j.model_dump()
    with pytest.raises(ImportProblem) as caught:
        import_kpis(Editor(j), source, ["score"])
    message = str(caught.value)
    assert (
        "2 rows have a value outside the scale 1–5" in message and "line 3" in message and "'87'" in message
    )
    assert j.model_dump() == before
    report = import_kpis(Editor(j), source, ["score"], allow_out_of_scale=True)
    assert report.changed == 1 and j.kpis[0].observations[0].value == pytest.approx(61.1666666667)
    assert j.kpis[0].source.allow_out_of_scale  # remembered: refresh does the same
    assert refresh(Editor(j), tmp_path).failed == []


def test_the_fast_path_checks_the_scale_and_leaves_bad_rows_to_the_careful_one(tmp_path, monkeypatch):
    from cjmkit.metrics import files

    monkeypatch.setattr(files, "BATCH_ROWS", 64)  # several batches, as in a large file
    rows = "".join(f"2024-01-{1 + i % 28:02d},score,{1 + i % 5}\n" for i in range(500))
    j = journey(scale_min=1, scale_max=5)
    careful = files.RowAggregator

    def fast_only(*args, **kwargs):
        raise AssertionError("a clean file within the scale took the careful path")

    monkeypatch.setattr(files, "RowAggregator", fast_only)
    import_kpis(Editor(j), csv(tmp_path / "ok.csv", rows), ["score"])
    assert j.kpis[0].observations[0].value == pytest.approx(3.0)
    monkeypatch.setattr(files, "RowAggregator", careful)
    with pytest.raises(ImportProblem, match=r"line 502.*'70'"):
        import_kpis(Editor(j), csv(tmp_path / "k.csv", rows + "2024-02-01,score,70\n"), ["score"])


def test_a_sum_outside_the_scale_names_its_period(tmp_path):
    j = journey(scale_min=0, scale_max=100)
    source = csv(tmp_path / "k.csv", "2024-01-03,score,60\n2024-01-09,score,70\n2024-02-01,score,10\n")
    with pytest.raises(
        ImportProblem, match=r"would get 130 for the month of 2024-01-01 .*outside its scale 0–100"
    ):
        import_kpis(Editor(j), source.model_copy(update={"aggregation": "sum"}), ["score"])


def test_library_kpis_carry_their_scale(tmp_path):
    j = Journey(id="j", title="Lib")
    kpi = attach(Editor(j), "csat_score", None)
    assert (kpi.scale_min, kpi.scale_max) == (1, 5)
    assert attach(Editor(j), "nps", None).scale_min == -100
    with pytest.raises(ImportProblem, match=r"scale 1–5"):
        import_kpis(Editor(j), csv(tmp_path / "k.csv", "2024-01-01,csat_score,70\n"), ["csat_score"])


def test_a_finer_period_is_refused_and_periods_never_mix(tmp_path):
    # measured per month, with values typed in by hand
    j = journey(observations=[Observation(period=date(2023, 12, 1), value=3)])
    weekly = csv(tmp_path / "k.csv", "2024-01-03,score,1\n2024-01-10,score,2\n").model_copy(
        update={"period": "week"}
    )
    with pytest.raises(ImportProblem, match=r"measured per month.*--allow-finer-period"):
        import_kpis(Editor(j), weekly, ["score"])
    with pytest.raises(
        ImportProblem, match=r"already has values per month \(2023-12-01 … 2023-12-01\); .* would be mixed"
    ):
        import_kpis(Editor(j), weekly, ["score"], allow_finer_period=True)
    import_kpis(Editor(j), weekly, ["score"], allow_finer_period=True, replace=True)
    assert j.kpis[0].frequency == "week" and [o.period for o in j.kpis[0].observations] == [
        date(2024, 1, 1),
        date(2024, 1, 8),
    ]
    # the same file per month is another reading of it: it replaces the weekly one only when asked
    with pytest.raises(
        ImportProblem, match=r"already reads its values from k.csv with another period: .*--replace"
    ):
        import_kpis(Editor(j), weekly.model_copy(update={"period": "month"}), ["score"])


def test_replacing_a_stored_source_needs_replace(tmp_path):
    j = journey()
    first = csv(tmp_path / "a.csv", "2024-01-03,score,1\n")
    second = csv(tmp_path / "b.csv", "2024-02-03,score,2\n")
    import_kpis(Editor(j), first, ["score"])
    import_kpis(Editor(j), first, ["score"], skip_bad_rows=True)  # the same source with an option: fine
    with pytest.raises(ImportProblem, match=r"already reads its values from a.csv.*--replace"):
        import_kpis(Editor(j), second, ["score"])
    import_kpis(Editor(j), second, ["score"], replace=True)
    assert j.kpis[0].source.location.endswith("b.csv")
    assert [o.value for o in j.kpis[0].observations] == [2.0]


def test_skip_bad_rows_is_remembered_for_refresh(tmp_path, capsys):
    path = tmp_path / "m.cjm.json"
    store.save(journey(), path)
    write(tmp_path / "k.csv", "date,kpi,value\n2024-01-03,score,1\n2024-01-04,score,oops\n")
    assert (
        main(["kpi", "import", str(path), str(tmp_path / "k.csv"), "--kpi", "score", "--skip-bad-rows"]) == 0
    )
    assert store.load(path).kpis[0].source.skip_bad_rows
    capsys.readouterr()
    assert main(["kpi", "refresh", str(path)]) == 0, capsys.readouterr().err
    assert "1 bad row left out" in capsys.readouterr().out


def test_cli_refuses_out_of_scale_and_allows_it_when_asked(tmp_path, capsys):
    path = tmp_path / "m.cjm.json"
    store.save(
        journey(scale_min=1, scale_max=5, observations=[Observation(period=date(2023, 1, 1), value=4)]), path
    )
    write(tmp_path / "k.csv", "date,kpi,value\n2024-01-03,score,70\n2024-02-03,score,95\n")
    args = ["kpi", "import", str(path), str(tmp_path / "k.csv"), "--kpi", "score"]
    assert main(args) == 2
    assert "outside the scale 1–5" in capsys.readouterr().err
    assert [o.value for o in store.load(path).kpis[0].observations] == [4.0]
    assert main([*args, "--allow-out-of-scale"]) == 0


# -- survey scores as KPIs ---------------------------------------------------------------------------


SURVEY = (
    "submitted,How likely are you to recommend us?,How satisfied are you?,It was easy to get help\n"
    "2024-01-05,10 - Extremely likely,Very satisfied,Strongly agree\n"
    "2024-01-09,9,Satisfied,Agree\n"
    "2024-01-12,7,Neither satisfied nor dissatisfied,Somewhat agree\n"
    "2024-01-20,3,Very dissatisfied,Strongly disagree\n"
    "2024-02-02,0 - Not at all likely,Dissatisfied,Disagree\n"
)


def test_nps_csat_and_ces_import_from_a_survey_export_with_answer_labels(tmp_path, capsys):
    path = tmp_path / "m.cjm.json"
    j = Journey(id="m", title="Survey")
    for definition in ("nps", "csat", "ces"):
        attach(Editor(j), definition, None)
    store.save(j, path)
    write(tmp_path / "survey.csv", SURVEY)
    base = [
        "kpi",
        "import",
        str(path),
        str(tmp_path / "survey.csv"),
        "--layout",
        "wide",
        "--period-column",
        "submitted",
    ]
    assert (
        main(
            [
                *base,
                "--kpi",
                "nps=How likely are you to recommend us?",
                "--aggregation",
                "nps",
                "--labels",
                "nps",
            ]
        )
        == 0
    )
    assert (
        main([*base, "--kpi", "csat=How satisfied are you?", "--aggregation", "csat", "--labels", "csat"])
        == 0
    )
    assert main([*base, "--kpi", "ces=It was easy to get help", "--labels", "ces"]) == 0
    kpis = {k.id: [(o.period, round(o.value, 2)) for o in k.observations] for k in store.load(path).kpis}
    # January: promoters 2 of 4, detractors 1 (3) → NPS 25; February: one detractor → −100
    assert kpis["nps"] == [(date(2024, 1, 1), 25.0), (date(2024, 2, 1), -100.0)]
    # CSAT: 2 of 4 answers 4–5 in January → 50 %; February 0 %
    assert kpis["csat"] == [(date(2024, 1, 1), 50.0), (date(2024, 2, 1), 0.0)]
    # CES 2.0 on 7 points: (7 + 6 + 5 + 1) / 4
    assert kpis["ces"] == [(date(2024, 1, 1), 4.75), (date(2024, 2, 1), 2.0)]
    capsys.readouterr()
    assert main(["kpi", "refresh", str(path)]) == 0  # the labels are remembered with the source
    assert "0 observations added or changed" in capsys.readouterr().out


def test_unknown_answer_labels_are_bad_rows_named_with_their_line(tmp_path):
    write(tmp_path / "s.csv", "date,csat\n2024-01-01,Very satisfied\n2024-01-02,Meh\n")
    source = KpiSource(
        kind="csv", location=str(tmp_path / "s.csv"), layout="wide", period_column="date", kpi_column=None,
        value_column=None, aggregation="csat", labels={"very satisfied": 5},
    )  # fmt: skip
    j = Journey(id="j", title="S", kpis=[Kpi(id="csat", name="CSAT")])
    with pytest.raises(ImportProblem, match=r"neither a number nor one of the answer labels.*line 3.*'Meh'"):
        import_kpis(Editor(j), source, ["csat"])
