"""The import wizard, driven the way a user does: values, clicks, an upload."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from journeys import help_desk

from cjmkit import store
from cjmkit.edits import Editor
from cjmkit.model import Journey, Kpi
from cjmkit.widgets.import_wizard import SKIP, ImportWizard

CSV = "Date;KPI;Value\n2024-01-03;csat;80,5\n2024-01-20;csat;90\n2024-02-01;nps;12\n"


def journey() -> Journey:
    return help_desk(kpis=[Kpi(id="csat", name="CSAT", touchpoint="chat"), Kpi(id="nps", name="NPS")])


def upload(wizard: ImportWizard, name: str, content: bytes) -> None:
    wizard.upload.value = (
        {
            "name": name,
            "type": "text/csv",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime(2024, 1, 1, tzinfo=UTC),
        },
    )


def test_upload_preview_map_check_apply_undo(tmp_path):
    path = tmp_path / "wizard.cjm.json"
    store.save(journey(), path)
    with store.open_map(path) as session:
        wizard = ImportWizard(session.editor, map_dir=tmp_path)
        upload(wizard, "../../evil name.csv", CSV.encode())
        saved = tmp_path / "data" / "evil_name.csv"
        assert saved.read_text() == CSV  # kept beside the map, name made safe
        assert "<th>Date</th>" in wizard.preview_html.value
        assert (wizard.period_column.value, wizard.kpi_column.value, wizard.value_column.value) == (
            "Date",
            "KPI",
            "Value",
        )
        assert wizard.kpi_keys["csat"].value == "csat" and wizard.kpi_keys["nps"].value == "nps"

        wizard.kpi_keys["nps"].value = SKIP
        wizard.check_button.click()
        assert "3 rows read" in wizard.report.value and not wizard.apply_button.disabled
        wizard.apply_button.click()
        assert "Imported" in wizard.message.value
        assert wizard.progress.value == 1.0

    saved_map = store.load(path)  # the session saved it at once
    csat = saved_map.kpis[0]
    assert [(o.period, o.value) for o in csat.observations] == [(date(2024, 1, 1), 85.25)]
    assert csat.source.location == "data/evil_name.csv" and saved_map.kpis[1].observations == []


def test_bad_rows_block_apply_until_allowed(tmp_path):
    (tmp_path / "k.csv").write_text("date,kpi,value\n2024-01-01,csat,80\n2024-01-02,csat,lots\n")
    j = journey()
    editor = Editor(j)
    wizard = ImportWizard(editor, map_dir=tmp_path)
    assert "k.csv" in [value for _, value in wizard.files.options]
    wizard.files.value = "k.csv"  # picking a file previews it
    assert wizard.path.value == "k.csv" and "<th>kpi</th>" in wizard.preview_html.value
    wizard.check_button.click()
    assert "1 row has a value that is not a number" in wizard.report.value and "line 3" in wizard.report.value
    assert wizard.apply_button.disabled
    wizard.skip_bad_rows.value = True
    wizard.check_button.click()
    assert not wizard.apply_button.disabled
    wizard.apply_button.click()
    assert [o.value for o in j.kpis[0].observations] == [80.0]
    editor.undo()
    assert j.kpis[0].observations == []


def test_problems_are_sentences_and_the_map_stays(tmp_path):
    j = journey()
    before = j.model_dump()
    wizard = ImportWizard(Editor(j), map_dir=tmp_path)
    wizard.path.value = "missing.csv"
    wizard.preview_button.click()
    assert "missing.csv" in wizard.message.value and "⚠" in wizard.message.value
    (tmp_path / "k.csv").write_text("when,what\n2024-01-01,x\n")
    wizard.path.value = "k.csv"
    wizard.preview_button.click()
    wizard.check_button.click()
    assert "choose the KPI column" in wizard.report.value or "choose the period column" in wizard.report.value
    wizard.apply_button.click()
    assert "⚠" in wizard.message.value
    assert j.model_dump() == before


@pytest.mark.parametrize("layout", ["wide"])
def test_wide_layout_from_excel(tmp_path, layout):
    import pandas as pd

    pd.DataFrame({"month": ["2024-01-01", "2024-02-01"], "CSAT": [81, 79], "NPS": [10, 20]}).to_excel(
        tmp_path / "w.xlsx", index=False
    )
    j = journey()
    wizard = ImportWizard(Editor(j), map_dir=tmp_path)
    wizard.path.value = "w.xlsx"
    wizard.preview_button.click()
    wizard.layout.value = layout
    assert wizard.kpi_keys["csat"].value == "CSAT"
    wizard.check_button.click()
    wizard.apply_button.click()
    assert [o.value for o in j.kpis[0].observations] == [81.0, 79.0]
    assert [o.value for o in j.kpis[1].observations] == [10.0, 20.0]


def test_an_upload_of_the_same_name_keeps_the_file_it_replaces(tmp_path):
    wizard = ImportWizard(Editor(journey()), map_dir=tmp_path)
    upload(wizard, "kpi.csv", CSV.encode())
    upload(wizard, "kpi.csv", CSV.encode())  # the same bytes again: nothing to keep
    assert not (tmp_path / "data" / ".cjmkit-history").exists()

    newer = CSV + "2024-03-01;csat;95\n"
    upload(wizard, "kpi.csv", newer.encode())
    assert (tmp_path / "data" / "kpi.csv").read_text() == newer
    kept = list((tmp_path / "data" / ".cjmkit-history").iterdir())
    assert [path.read_text() for path in kept] == [CSV]
    assert "replaces the file of that name" in wizard.message.value
    assert f"data/.cjmkit-history/{kept[0].name}" in wizard.message.value
    # the upload is offered in the list of data files at once; the kept copy never is
    assert [value for _, value in wizard.files.options if value] == ["data/kpi.csv"]
    again = ImportWizard(Editor(journey()), map_dir=tmp_path)
    assert [value for _, value in again.files.options if value] == ["data/kpi.csv"]


# -- exports and dates ------------------------------------------------------------------------------

HELPDESK = (
    "Ticket #;Requester;Created;Solved;Via;Queue\n"
    "1001;C1;03/01/2024 08:00 AM +0100;03/01/2024 10:00 AM +0100;chat;chat\n"
    "1002;C2;03/01/2024 08:00 AM -0800;03/01/2024 10:00 AM -0800;chat;chat\n"
)


def test_a_ticket_export_is_mapped_with_dropdowns_and_written_beside_the_map(tmp_path):
    path = tmp_path / "desk.cjm.json"
    store.save(journey(), path)
    (tmp_path / "helpdesk.csv").write_text(HELPDESK)
    with store.open_map(path) as session:
        wizard = ImportWizard(session.editor, map_path=path)
        wizard.what.value = "tickets"
        assert wizard.kpi_part.layout.display == "none" and wizard.export_part.layout.display is None
        wizard.files.value = "helpdesk.csv"
        guessed = {role: d.value for role, d in wizard.roles.items()}
        assert guessed == {
            "ticket_id": "Ticket #", "customer_id": "Requester", "opened_at": "Created", "resolved_at": "Solved",
            "channel": "Via", "touchpoint": "Queue",
        }  # fmt: skip
        wizard.check_button.click()
        assert "read both day first and month first" in wizard.report.value and wizard.apply_button.disabled
        wizard.day_order.value = "month"
        wizard.check_button.click()
        assert "2 tickets read" in wizard.report.value and "desk.tickets.csv" in wizard.report.value
        wizard.apply_button.click()
        assert "2 tickets" in wizard.message.value and "written to desk.tickets.csv" in wizard.message.value
    written = (tmp_path / "desk.tickets.csv").read_text().splitlines()
    assert written[1] == "1001,C1,2024-03-01T07:00:00Z,2024-03-01T09:00:00Z,chat,chat"
    assert written[2] == "1002,C2,2024-03-01T16:00:00Z,2024-03-01T18:00:00Z,chat,chat"


def test_a_survey_with_a_two_line_header_and_answers_in_words(tmp_path):
    path = tmp_path / "desk.cjm.json"
    store.save(journey(), path)
    (tmp_path / "answers.csv").write_text(
        "Respondent ID,End Date,How satisfied were you?,How likely are you to recommend us?\n"
        ",,Response,Response\n"
        "9001,2024-01-15T15:04:00Z,Very satisfied,10\n9002,2024-01-16T09:30:00Z,Dissatisfied,6\n"
    )
    wizard = ImportWizard(Editor(journey()), map_path=path)
    wizard.what.value = "survey"
    wizard.files.value = "answers.csv"
    wizard.header_rows.value = 2
    assert "How satisfied were you? / Response" in wizard.roles["csat"].options
    wizard.roles["csat"].value = "How satisfied were you? / Response"
    assert wizard.roles["response_id"].value == "Respondent ID"
    assert (
        wizard.roles["nps"].value == "How likely are you to recommend us? / Response"
    )  # guessed from its words
    wizard.check_button.click()
    assert "neither a number nor" not in wizard.report.value
    assert "not a number" in wizard.report.value  # 'Very satisfied' needs its labels
    wizard.labels["csat"].value = "satisfaction-5"
    wizard.check_button.click()
    assert "2 survey answers read" in wizard.report.value and not wizard.apply_button.disabled
    wizard.apply_button.click()
    assert "written to desk.survey.csv" in wizard.message.value
    from cjmkit.metrics import read_survey

    assert read_survey(tmp_path / "desk.survey.csv")["csat"].tolist() == [5.0, 2.0]


def test_kpi_values_take_the_date_options_and_can_replace_a_source(tmp_path):
    (tmp_path / "us.csv").write_text("date,kpi,value\n01/02/2024,csat,80\n02/02/2024,csat,90\n")
    (tmp_path / "other.csv").write_text("date,kpi,value\n2024-03-01,csat,70\n")
    j = journey()
    wizard = ImportWizard(Editor(j), map_dir=tmp_path)
    wizard.files.value = "us.csv"
    wizard.check_button.click()
    assert "--dayfirst or --monthfirst" in wizard.report.value
    wizard.day_order.value = "month"
    wizard.check_button.click()
    assert wizard.apply() and [o.period for o in j.kpis[0].observations] == [
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]
    assert j.kpis[0].source.dayfirst is False
    wizard.files.value = "other.csv"
    wizard.day_order.value = "auto"
    wizard.check_button.click()
    assert not wizard.apply() and "--replace" in wizard.message.value
    wizard.replace.value = True
    assert wizard.apply() and [o.value for o in j.kpis[0].observations] == [70.0]
