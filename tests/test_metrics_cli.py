"""``cjmkit kpi import | refresh | status | add`` and ``cjmkit export``: exit codes, files, formula safety."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from support import cjmkit_command

from cjmkit import store
from cjmkit.cli import main
from cjmkit.metrics.tables import neutralise_text
from cjmkit.model import Feedback, Journey, Kpi, Lane, Observation, Stage, Touchpoint


@pytest.fixture
def map_path(tmp_path: Path) -> Path:
    journey = Journey(
        id="j",
        title="CLI test",
        stages=[Stage(id="help", name="Help")],
        lanes=[Lane(id="support", name="Support", kind="support")],
        touchpoints=[Touchpoint(id="chat", stage="help", lane="support", name="=cmd|' /C calc'!A0")],
        kpis=[
            Kpi(id="csat", name="CSAT", touchpoint="chat", unit="%", target=80, warning=70),
            Kpi(id="nps", name="NPS", target=30, warning=0),
        ],
        feedback=[
            Feedback(id="f1", touchpoint="chat", csat=5, comment="@SUM(1+1)*cmd|' /C calc'!A0"),
            Feedback(id="f2", touchpoint="chat", csat=2, comment="-2 stars"),
        ],
    )
    path = tmp_path / "test.cjm.json"
    store.save(journey, path)
    (tmp_path / "kpis.csv").write_text(
        "date;kpi;value\n2024-01-03;CSAT;85,5\n2024-01-04;nps;40\n2024-02-03;CSAT;90\n"
    )
    return path


def test_import_refresh_status_round_trip(map_path, capsys):
    folder = map_path.parent
    assert (
        main(["kpi", "import", str(map_path), str(folder / "kpis.csv"), "--kpi", "csat=CSAT", "--kpi", "nps"])
        == 0
    )
    assert "2 KPIs, 3 observations" in capsys.readouterr().out
    journey = store.load(map_path)
    assert [(o.period, o.value) for o in journey.kpis[0].observations] == [
        (date(2024, 1, 1), 85.5),
        (date(2024, 2, 1), 90.0),
    ]
    assert journey.kpis[0].source.location == "kpis.csv" and journey.kpis[0].source.key == "CSAT"
    revision = journey.revision

    assert main(["kpi", "refresh", str(map_path)]) == 0
    assert "0 observations" in capsys.readouterr().out
    assert store.load(map_path).revision == revision  # nothing changed, nothing written

    assert main(["kpi", "status", str(map_path)]) == 0
    out = capsys.readouterr().out
    assert "CSAT" in out and "OK" in out and "Nothing needs attention" in out


def test_status_exits_1_when_a_kpi_is_bad(map_path, capsys):
    with store.open_map(map_path) as session:
        session.editor.update("kpis", "nps", observations=[Observation(period=date(2024, 1, 1), value=-10)])
    assert main(["kpi", "status", str(map_path)]) == 1
    captured = capsys.readouterr()
    assert "BAD" in captured.out and "KPI NPS is Bad" in captured.out and "1 KPI is bad" in captured.err


def test_user_errors_exit_2_and_leave_the_map_alone(map_path, capsys):
    before = map_path.read_bytes()
    (map_path.parent / "broken.csv").write_text(
        "date,kpi,value\n2024-01-01,csat,80\n2024-01-02,csat,eighty\n"
    )
    assert main(["kpi", "import", str(map_path), str(map_path.parent / "broken.csv"), "--kpi", "csat"]) == 2
    err = capsys.readouterr().err
    assert "broken.csv" in err and "line 3" in err and "'value'" in err and "1 row" in err
    assert main(["kpi", "import", str(map_path), str(map_path.parent / "kpis.csv"), "--kpi", "nope"]) == 2
    assert main(["kpi", "status", str(map_path.parent / "missing.cjm.json")]) == 2
    assert map_path.read_bytes() == before


def test_skip_bad_rows_reports_the_count(map_path, capsys):
    (map_path.parent / "broken.csv").write_text(
        "date,kpi,value\n2024-01-01,csat,80\n2024-01-02,csat,eighty\n"
    )
    code = main(
        [
            "kpi",
            "import",
            str(map_path),
            str(map_path.parent / "broken.csv"),
            "--kpi",
            "csat",
            "--skip-bad-rows",
        ]
    )
    assert code == 0
    assert "1 bad row left out" in capsys.readouterr().out


def test_add_from_library(map_path, capsys):
    assert (
        main(
            [
                "kpi",
                "add",
                str(map_path),
                "time_to_resolution",
                "--touchpoint",
                "chat",
                "--target",
                "12",
                "--warning",
                "24",
            ]
        )
        == 0
    )
    kpi = store.load(map_path).kpis[-1]
    assert (kpi.id, kpi.touchpoint, kpi.target, kpi.direction) == (
        "time_to_resolution-chat",
        "chat",
        12,
        "lower",
    )
    assert main(["kpi", "library"]) == 0
    assert "handoff_within_sla" in capsys.readouterr().out


def test_refresh_runs_as_a_command(map_path):
    main(["kpi", "import", str(map_path), str(map_path.parent / "kpis.csv"), "--kpi", "nps"])
    (map_path.parent / "kpis.csv").write_text("date;kpi;value\n2024-03-01;nps;50\n")
    done = subprocess.run(
        cjmkit_command("kpi", "refresh", str(map_path)), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert [o.value for o in store.load(map_path).kpis[1].observations] == [40.0, 50.0]


# -- export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2 stars", "'-2 stars"), ("@cmd", "'@cmd"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("-3.5", "-3.5"), ("fine", "fine"), (-3.5, -3.5), (None, None)],
)  # fmt: skip
def test_neutralise_text(value, expected):
    assert neutralise_text(value) == expected


def test_export_csv_and_xlsx_are_safe_and_numbers_stay_numbers(map_path, tmp_path, capsys):
    with store.open_map(map_path) as session:
        session.editor.update("kpis", "nps", observations=[Observation(period=date(2024, 1, 1), value=-12.5)])
    out = tmp_path / "tables"
    book = tmp_path / "map.xlsx"
    assert main(["export", str(map_path), "--csv", str(out), "--xlsx", str(book)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "feedback.csv",
        "handoffs.csv",
        "kpis.csv",
        "observations.csv",
        "touchpoints.csv",
    ]
    touchpoints = pd.read_csv(out / "touchpoints.csv", encoding="utf-8-sig")
    assert touchpoints.loc[0, "name"] == "'=cmd|' /C calc'!A0"
    feedback = pd.read_csv(out / "feedback.csv", encoding="utf-8-sig")
    assert list(feedback["comment"]) == ["'@SUM(1+1)*cmd|' /C calc'!A0", "'-2 stars"]
    observations = pd.read_csv(out / "observations.csv", encoding="utf-8-sig")
    assert observations.loc[0, "value"] == -12.5

    workbook = openpyxl.load_workbook(book)
    assert workbook.sheetnames == ["touchpoints", "handoffs", "kpis", "observations", "feedback"]
    name = workbook["touchpoints"]["B2"]
    assert name.data_type == "s" and name.value.startswith("'=")
    value = workbook["observations"]["C2"]
    assert value.value == -12.5 and value.data_type == "n"
    for row in workbook["feedback"].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"


def test_export_needs_a_target(map_path, capsys):
    assert main(["export", str(map_path)]) == 2
    assert "--csv" in capsys.readouterr().err


def test_status_of_the_sample_map_with_handoffs_and_survey(sample_map, capsys):
    data = Path(__file__).resolve().parent.parent / "sample_data"
    code = main(
        ["kpi", "status", str(sample_map), "--tickets", str(data / "tickets.csv"),
         "--contacts", str(data / "care_contacts.csv"), "--survey", str(data / "survey.csv")]
    )  # fmt: skip
    out = capsys.readouterr().out
    journey = store.load(sample_map)
    from cjmkit.metrics import kpi_status

    assert code == (1 if (kpi_status(journey)["status"] == "bad").any() else 0)
    assert "Needs attention" in out and "Handoff " in out
    assert all(k.name[:40] in out for k in journey.kpis)


def test_refresh_of_the_sample_map_twice(sample_map, capsys):
    import shutil

    data = Path(__file__).resolve().parent.parent / "sample_data"
    for name in ("kpi_daily.csv", "events.csv", "survey.csv"):  # its KPI sources and its event log
        shutil.copy(data / name, sample_map.parent / name)
    assert main(["kpi", "refresh", str(sample_map)]) == 0
    once = store.load(sample_map)
    assert main(["kpi", "refresh", str(sample_map)]) == 0
    out = capsys.readouterr().out
    assert "0 observations" in out and out.rstrip().endswith("nothing changed.")
    assert store.load(sample_map).revision == once.revision
