"""Ticket, care-contact and survey exports without glue: mapping, header lines, dates, labels.

An export as a helpdesk or survey tool writes it goes in with ``cjmkit data`` and comes out as
the map's standard files; the viewer, ``cjmkit publish`` and ``cjmkit render --measure`` then show
the right figures from them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from journeys import help_desk, save_map, write
from support import cjmkit_command

from cjmkit import store
from cjmkit.cli import main
from cjmkit.commands import data as data_command
from cjmkit.metrics import ImportProblem, exports, read_survey, read_tickets
from cjmkit.metrics.labels import apply_labels, label_map


@pytest.fixture
def map_path(tmp_path: Path) -> Path:
    return save_map(help_desk(care=True), tmp_path, "desk")


# A helpdesk export: a title line, its own column names, semicolons, US dates with AM/PM and offsets.
HELPDESK = (
    "Ticket report, exported 03/04/2024\n"
    "Ticket #;Requester;Created;Solved;Via;Queue\n"
    "1001;C1;03/01/2024 08:00 AM +0100;03/01/2024 10:00 AM +0100;chat;chat\n"
    "1002;C2;03/01/2024 08:00 AM -0800;03/01/2024 10:00 AM -0800;chat;chat\n"
    "1003;C3;03/01/2024 08:00 PM +0100;03/01/2024 11:00 PM +0100;chat;chat\n"
    "1004;C4;03/13/2024 09:00 AM +0000;;chat;chat\n"
)
CALLS = (
    "Call log\n"
    "Customer;About ticket;Called at\n"
    "C1;1001;2024-03-02 09:30 +01:00\n"
    "C2;1002;2024-03-02 04:00 -08:00\n"
    "C3;1003;2024-03-02 23:30 +00:00\n"
)
TICKET_MAPPING = [
    "--column", "ticket_id=Ticket #", "--column", "customer_id=Requester", "--column", "opened_at=Created",
    "--column", "resolved_at=Solved", "--column", "channel=Via", "--column", "touchpoint=Queue",
]  # fmt: skip


def test_helpdesk_exports_come_in_with_a_mapping_and_the_map_shows_the_right_figures(map_path, capsys):
    folder = map_path.parent
    write(folder / "helpdesk.csv", HELPDESK)
    write(folder / "calls.csv", CALLS)
    assert (
        main(
            ["data", "tickets", str(map_path), str(folder / "helpdesk.csv"), *TICKET_MAPPING, "--monthfirst"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "4 tickets" in out and "written to desk.tickets.csv" in out and "resolved_at from 'Solved'" in out
    written = (folder / "desk.tickets.csv").read_text().splitlines()
    assert written[0] == "ticket_id,customer_id,opened_at,resolved_at,channel,touchpoint"
    assert written[1] == "1001,C1,2024-03-01T07:00:00Z,2024-03-01T09:00:00Z,chat,chat"
    assert written[4].endswith("2024-03-13T09:00:00Z,,chat,chat")
    columns = [
        "--column",
        "customer_id=Customer",
        "--column",
        "ticket_id=About ticket",
        "--column",
        "contacted_at=Called at",
    ]
    assert main(["data", "contacts", str(map_path), str(folder / "calls.csv"), *columns]) == 0
    out = capsys.readouterr().out
    # 1001: 09:00Z → 08:30Z next day, 23.5 h; 1002: 18:00Z → 12:00Z, 18 h; 1003: 22:00Z → 23:30Z, 25.5 h
    assert "Chat → Thank-you call: 66.7 % followed up within 24 h; 0 fell through" in out

    # the viewer and publish read the standard files
    from cjmkit.render.measured import measure

    measured = measure(store.load(map_path), folder / "desk.cjm.json")
    row = measured.health.iloc[0]
    assert (row["resolved"], row["within_sla"]) == (3, 2) and row["median_hours"] == pytest.approx(23.5)
    assert measured.metrics.handoff_health["h"].within_sla_share == pytest.approx(2 / 3)
    # render --measure
    from cjmkit.commands.render import measured_metrics

    assert measured_metrics(store.load(map_path), map_path).handoff_health[
        "h"
    ].within_sla_share == pytest.approx(2 / 3)
    site = folder / "site"
    done = subprocess.run(
        cjmkit_command("publish", str(folder), "--out", str(site)), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "66.7 % followed up within 24 h" in (site / "desk.html").read_text(encoding="utf-8")


def test_an_ambiguous_export_is_refused_and_nothing_is_written(map_path, capsys):
    folder = map_path.parent
    write(folder / "helpdesk.csv", HELPDESK.replace("03/13/2024", "03/12/2024"))
    assert main(["data", "tickets", str(map_path), str(folder / "helpdesk.csv"), *TICKET_MAPPING]) == 2
    err = capsys.readouterr().err
    assert "--dayfirst or --monthfirst" in err and "line 3" in err and "column 'Created'" in err
    assert not (folder / "desk.tickets.csv").exists()
    # one column that settles the order settles it for the export's other dates
    write(folder / "helpdesk.csv", HELPDESK)
    assert main(["data", "tickets", str(map_path), str(folder / "helpdesk.csv"), *TICKET_MAPPING]) == 0
    assert "2024-03-01T09:00:00Z" in (folder / "desk.tickets.csv").read_text()


def test_a_wrong_mapping_names_the_columns_the_export_has(map_path, capsys):
    folder = map_path.parent
    write(folder / "helpdesk.csv", HELPDESK)
    args = ["data", "tickets", str(map_path), str(folder / "helpdesk.csv"), "--column", "resolved_at=Closed"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "has no column" in err and "'Closed'" in err and "'Solved'" in err and "--column" in err
    assert (
        main(["data", "tickets", str(map_path), str(folder / "helpdesk.csv"), "--column", "solved=Solved"])
        == 2
    )
    assert "no column role 'solved'" in capsys.readouterr().err


def test_a_new_import_keeps_the_file_it_replaces(map_path, capsys):
    folder = map_path.parent
    write(folder / "helpdesk.csv", HELPDESK)
    args = ["data", "tickets", str(map_path), str(folder / "helpdesk.csv"), *TICKET_MAPPING, "--monthfirst"]
    assert main(args) == 0
    first = (folder / "desk.tickets.csv").read_bytes()
    write(folder / "helpdesk.csv", HELPDESK.replace("1004;", "1005;"))
    assert main(args) == 0
    assert "the file it replaced is kept as" in capsys.readouterr().out
    kept = list((folder / ".cjmkit-history").glob("desk.tickets.*.csv"))
    assert len(kept) == 1 and kept[0].read_bytes() == first


# -- surveys ----------------------------------------------------------------------------------------

# A survey tool's two-line header: the question above, the kind of answer below; merged cells empty.
TWO_LINE = (
    "Respondent ID,Collector ID,End Date,How satisfied were you with our support?,Which stage?,"
    "How likely are you to recommend us?,Tell us more\n"
    ",,,Response,Response,Response,Open-Ended Response\n"
    '9001,C1,01/15/2024 3:04 PM,Very satisfied,help,10 - Extremely likely,"Great, thanks"\n'
    "9002,C1,01/16/2024 9:30 AM,Dissatisfied,help,6,Too slow\n"
    "9003,C1,01/17/2024 1:00 PM,Satisfied,stay,9,\n"
    "9004,C1,01/31/2024 11:59 PM,Neither satisfied nor dissatisfied,stay,0 - Not at all likely,\n"
)


def test_a_survey_export_with_a_two_line_header_and_labels(map_path, capsys):
    folder = map_path.parent
    write(folder / "answers.csv", TWO_LINE)
    args = [
        "data", "survey", str(map_path), str(folder / "answers.csv"), "--header-rows", "2",
        "--column", "response_id=Respondent ID",
        "--column", "submitted_at=End Date",
        "--column", "csat=How satisfied were you with our support? / Response",
        "--column", "stage=Which stage?",
        "--column", "nps=How likely are you to recommend us?",
        "--column", "comment=Tell us more",
        "--labels", "csat=satisfaction-5", "--labels", "nps=nps", "--monthfirst",
    ]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    survey = read_survey(folder / "desk.survey.csv")
    assert survey["csat"].tolist() == [5.0, 2.0, 4.0, 3.0]
    assert survey["nps"].tolist() == [10.0, 6.0, 9.0, 0.0]
    assert survey["submitted_at"].tolist()[0] == pd.Timestamp("2024-01-15T15:04:00")
    assert survey["comment"].tolist()[0] == "Great, thanks"
    # the viewer's satisfaction panel reads the map's own survey file
    from cjmkit.render.measured import measure

    measured = measure(store.load(map_path), folder / "desk.cjm.json")
    assert measured.survey is not None and len(measured.survey) == 4
    assert measured.panels is not None


def test_a_three_line_header_answers_to_the_short_names_of_its_first_line(tmp_path):
    path = write(
        tmp_path / "q.csv",
        "ResponseId,EndDate,Q1,Q2\n"
        "Response ID,End Date,How satisfied?,Recommend?\n"
        '{"ImportId":"_recordId"},{"ImportId":"endDate"},{"ImportId":"QID1"},{"ImportId":"QID2"}\n'
        "R1,2024-01-01T10:00:00Z,Very satisfied,9\n",
    )
    survey = read_survey(
        path,
        header_rows=3,
        columns={"response_id": "ResponseId", "submitted_at": "EndDate", "csat": "Q1", "nps": "Q2"},
        labels={"csat": "csat"},
    )
    assert survey[["response_id", "csat", "nps"]].values.tolist() == [["R1", 5.0, 9.0]]


def test_unknown_labels_name_the_line_and_scores_stay_in_range(tmp_path):
    path = write(tmp_path / "s.csv", "response_id,csat\nR1,Very satisfied\nR2,Over the moon\nR3,7\n")
    with pytest.raises(ImportProblem) as caught:
        read_survey(path, labels={"csat": "csat"})
    message = str(caught.value)
    assert "line 3" in message and "'Over the moon'" in message and "outside 1–5" in message


def test_ready_label_maps_read_the_usual_wordings():
    csat, ces, nps = label_map("csat"), label_map("ces"), label_map("nps")
    assert [csat[w] for w in ("very dissatisfied", "neutral", "very satisfied")] == [1, 3, 5]
    assert [ces[w] for w in ("strongly disagree", "neither agree nor disagree", "strongly agree")] == [
        1,
        4,
        7,
    ]
    texts, unknown = apply_labels(
        pd.Series(
            ["Extremely likely", "0 - Not at all likely", "10 (Extremely likely)", "7", "  VERY Satisfied. "]
        ),
        {**nps, **csat},
    )
    assert texts.tolist() == ["10", "0", "10", "7", "5"] and not unknown.any()
    assert label_map("Happy=5, Sad = 1") == {"happy": 5.0, "sad": 1.0}
    with pytest.raises(ImportProblem, match=r"no ready answer labels 'stars'"):
        label_map("stars")


def test_the_command_line_knows_the_same_roles_as_the_importer():
    assert data_command.ROLES == exports.ROLES


def test_read_tickets_takes_a_mapping_in_python(tmp_path):
    write(tmp_path / "t.csv", HELPDESK)
    frame = read_tickets(
        tmp_path / "t.csv",
        columns={
            "ticket_id": "Ticket #",
            "customer_id": "Requester",
            "resolved_at": "Solved",
            "touchpoint": "Queue",
        },
        dayfirst=False,
    )
    assert frame["resolved_at"].tolist()[:2] == [
        pd.Timestamp("2024-03-01T09:00"),
        pd.Timestamp("2024-03-01T18:00"),
    ]
    assert json.dumps(frame.attrs["columns"])  # the mapping used is reported
