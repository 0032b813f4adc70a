"""KPI import: messy CSVs, Excel, Parquet, SQL aggregated in the database, refresh, no half imports."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from journeys import help_desk, named_kpis, write

from cjmkit.edits import Editor
from cjmkit.errors import CjmError
from cjmkit.metrics import ImportProblem, import_kpis, location_for, read_kpi_values, refresh
from cjmkit.model import Journey, KpiSource, Observation


def journey(*kpi_ids: str, touchpoint: str | None = None) -> Journey:
    return help_desk(kpis=named_kpis(*kpi_ids, touchpoint=touchpoint))


def values(result, key: str) -> dict[str, float]:
    frame = result.values(key)
    return {p.strftime("%Y-%m-%d"): v for p, v in zip(frame["period"], frame["value"], strict=True)}


CLEAN = "date,kpi,value\n2024-01-01,csat,80\n2024-01-15,csat,90\n2024-02-03,csat,70\n2024-01-02,nps,10\n"


# -- aggregation, periods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aggregation", "january"),
    [("mean", 85.0), ("sum", 170.0), ("count", 2.0), ("min", 80.0), ("max", 90.0), ("last", 90.0)],
)
def test_aggregations_per_month(tmp_path, aggregation, january):
    path = write(tmp_path / "k.csv", CLEAN)
    result = read_kpi_values(
        KpiSource(kind="csv", location=str(path), period_column="date", aggregation=aggregation)
    )
    assert values(result, "csat")["2024-01-01"] == january
    assert values(result, "csat")["2024-02-01"] == (1.0 if aggregation == "count" else 70.0)


def test_rate_is_the_percentage_of_ones(tmp_path):
    path = write(
        tmp_path / "k.csv",
        "date,kpi,value\n2024-01-01,sla,1\n2024-01-02,sla,0\n2024-01-03,sla,1\n2024-01-04,sla,1\n",
    )
    result = read_kpi_values(
        KpiSource(kind="csv", location=str(path), period_column="date", aggregation="rate")
    )
    assert values(result, "sla") == {"2024-01-01": 75.0}


def test_rate_refuses_values_outside_zero_one(tmp_path):
    path = write(tmp_path / "k.csv", "date,kpi,value\n2024-01-01,sla,1\n2024-01-02,sla,5\n")
    with pytest.raises(ImportProblem) as caught:
        read_kpi_values(KpiSource(kind="csv", location=str(path), period_column="date", aggregation="rate"))
    assert "line 3" in str(caught.value) and "outside 0…1" in str(caught.value)


def test_weeks_start_on_monday_and_days_are_days(tmp_path):
    # 2024-01-07 is a Sunday, 2024-01-08 a Monday
    path = write(
        tmp_path / "k.csv", "date,kpi,value\n2024-01-07,a,1\n2024-01-08,a,3\n2024-01-14T23:00:00,a,5\n"
    )
    weekly = read_kpi_values(KpiSource(kind="csv", location=str(path), period="week", aggregation="sum"))
    assert values(weekly, "a") == {"2024-01-01": 1.0, "2024-01-08": 8.0}
    daily = read_kpi_values(KpiSource(kind="csv", location=str(path), period="day", aggregation="sum"))
    assert values(daily, "a") == {"2024-01-07": 1.0, "2024-01-08": 3.0, "2024-01-14": 5.0}


def test_wide_layout_one_column_per_kpi(tmp_path):
    path = write(tmp_path / "w.csv", "month,CSAT,NPS\n2024-01-01,80,10\n2024-01-20,90,\n2024-02-01,70,30\n")
    source = KpiSource(
        kind="csv",
        location=str(path),
        layout="wide",
        period_column="month",
        kpi_column=None,
        value_column=None,
    )
    result = read_kpi_values(source, keys=["CSAT", "NPS"])
    assert values(result, "CSAT") == {"2024-01-01": 85.0, "2024-02-01": 70.0}
    assert values(result, "NPS") == {"2024-01-01": 10.0, "2024-02-01": 30.0}


def test_chunked_reading_gives_the_same_result(tmp_path):
    rows = "".join(f"2024-{1 + i % 3:02d}-{1 + i % 28:02d},k{i % 2},{i}\n" for i in range(1000))
    path = write(tmp_path / "k.csv", "date;kpi;value\n" + rows.replace(",", ";"))
    source = KpiSource(kind="csv", location=str(path), period_column="date", aggregation="sum")
    whole = read_kpi_values(source).values()
    chunked = read_kpi_values(source.model_copy(update={"aggregation": "sum"}), chunk_rows=7).values()
    pd.testing.assert_frame_equal(whole, chunked)
    assert whole["value"].sum() == sum(range(1000))


# -- messy CSVs ---------------------------------------------------------------------------------


def test_utf8_with_bom(tmp_path):
    path = tmp_path / "k.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CLEAN.encode())
    assert values(read_kpi_values(KpiSource(kind="csv", location=str(path))), "nps") == {"2024-01-01": 10.0}


def test_cp1252_semicolons_decimal_commas_and_european_dates(tmp_path):
    text = "Kennzahl;Datum;Wert;Bemerkung\ncsat;01.01.2024;80,5;Café\ncsat;15.01.2024;1.090,5;Größe\n"
    path = write(tmp_path / "k.csv", text, "cp1252")
    source = KpiSource(
        kind="csv", location=str(path), period_column="Datum", kpi_column="Kennzahl", value_column="Wert"
    )
    assert values(read_kpi_values(source), "csat") == {"2024-01-01": 585.5}


def test_latin1_tabs(tmp_path):
    path = write(tmp_path / "k.tsv", "date\tkpi\tvalue\tnote\n2024-01-01\tcsat\t80\tÿ\x81\n", "latin-1")
    assert values(read_kpi_values(KpiSource(kind="csv", location=str(path))), "csat") == {"2024-01-01": 80.0}


def test_comments_titles_blank_lines_and_repeated_headers(tmp_path):
    text = (
        "# exported from the helpdesk\n"
        "Report: KPI values, all teams\n"
        "\n"
        "date,kpi,value\n"
        "2024-01-01,csat,80\n"
        "\n"
        ",,\n"
        "date,kpi,value\n"
        "2024-01-02,csat,90\n"
    )
    path = write(tmp_path / "k.csv", text)
    result = read_kpi_values(KpiSource(kind="csv", location=str(path)))
    assert values(result, "csat") == {"2024-01-01": 85.0}
    assert result.rows_read == 2


def test_renamed_columns_are_matched_by_case_spaces_and_aliases(tmp_path):
    path = write(tmp_path / "k.csv", " Date ,KPI,Amount\n2024-01-01,csat,80\n")
    result = read_kpi_values(KpiSource(kind="csv", location=str(path)))
    assert values(result, "csat") == {"2024-01-01": 80.0}
    assert (result.source.period_column, result.source.kpi_column, result.source.value_column) == (
        "Date",
        "KPI",
        "Amount",
    )


def test_missing_column_names_file_and_columns(tmp_path):
    path = write(tmp_path / "k.csv", "date,kpi,score_x\n2024-01-01,csat,80\n")
    with pytest.raises(ImportProblem) as caught:
        read_kpi_values(KpiSource(kind="csv", location=str(path), value_column="value_eur"))
    message = str(caught.value)
    assert "k.csv" in message and "'value_eur'" in message and "'score_x'" in message


def test_bad_dates_and_numbers_name_file_line_column_and_count(tmp_path):
    text = "date,kpi,value\n2024-01-01,csat,80\n2024-13-45,csat,90\nyesterday,csat,91\n2024-01-03,csat,n/a\n"
    path = write(tmp_path / "k.csv", text)
    with pytest.raises(ImportProblem) as caught:
        read_kpi_values(KpiSource(kind="csv", location=str(path)))
    problem = caught.value
    assert "k.csv" in str(problem) and "2 rows have a date that cannot be read" in str(problem)
    assert "line 3" in str(problem) and "column 'date'" in str(problem)
    assert "1 row has a value that is not a number" in str(problem)
    assert (problem.line, problem.column, problem.rows) == (3, "date", 3)


def test_stray_separator_is_reported_not_cut(tmp_path):
    path = write(tmp_path / "k.csv", "date,kpi,value\n2024-01-01,csat,80\n2024-01-02,csat,80,5\n")
    with pytest.raises(ImportProblem) as caught:
        read_kpi_values(KpiSource(kind="csv", location=str(path)))
    assert "line 3" in str(caught.value) and "more fields" in str(caught.value)


def test_skip_bad_rows_only_when_asked_and_counted(tmp_path):
    path = write(
        tmp_path / "k.csv", "date,kpi,value\n2024-01-01,csat,80\n\n2024-99-01,csat,1\n2024-01-02,csat,x\n"
    )
    result = read_kpi_values(KpiSource(kind="csv", location=str(path)), skip_bad_rows=True)
    assert values(result, "csat") == {"2024-01-01": 80.0}
    assert result.rows_skipped == 2 and len(result.skipped) == 2
    # the line numbers survive the blank line
    assert "line 4" in result.skipped[0] or "line 4" in result.skipped[1]


def test_bad_rows_of_other_kpis_do_not_matter(tmp_path):
    path = write(tmp_path / "k.csv", "date,kpi,value\n2024-01-01,csat,80\n2024-01-01,other,oops\n")
    result = read_kpi_values(KpiSource(kind="csv", location=str(path)), keys=["csat"])
    assert values(result, "csat") == {"2024-01-01": 80.0}


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"# only a comment\n", b"\x00\x01\x02PK\x03\x04"])
def test_empty_comment_only_and_binary_files(tmp_path, content):
    path = tmp_path / "k.csv"
    path.write_bytes(content)
    with pytest.raises(ImportProblem) as caught:
        read_kpi_values(KpiSource(kind="csv", location=str(path)))
    assert "k.csv" in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(ImportProblem, match=r"nope.csv"):
        read_kpi_values(KpiSource(kind="csv", location=str(tmp_path / "nope.csv")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.lists(
                st.sampled_from(
                    ["date", "kpi", "value", "2024-01-01", "csat", "1,5", "x", "", '"', "é", "#"]
                ),
                max_size=5,
            ),
            max_size=8,
        ).map(lambda rows: "\n".join(st_join(r) for r in rows).encode("utf-8")),
    )
)
def test_any_bytes_give_data_or_our_error(tmp_path, content):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content)
    try:
        result = read_kpi_values(KpiSource(kind="csv", location=str(path)))
    except CjmError as error:
        assert str(error)
    else:
        assert set(result.values().columns) == {"key", "period", "value", "n"}


def st_join(row: list[str]) -> str:
    return ",".join(row)


# -- other formats -------------------------------------------------------------------------------


def test_excel_with_title_rows(tmp_path):
    path = tmp_path / "k.xlsx"
    data = pd.DataFrame(
        {"Date": pd.to_datetime(["2024-01-01", "2024-01-20"]), "KPI": ["csat", "csat"], "Value": [80, 90]}
    )
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["KPI export"]]).to_excel(writer, header=False, index=False)
        data.to_excel(writer, index=False, startrow=2)
    result = read_kpi_values(KpiSource(kind="excel", location=str(path)))
    assert values(result, "csat") == {"2024-01-01": 85.0}


def test_excel_bad_cell_names_row(tmp_path):
    path = tmp_path / "k.xlsx"
    pd.DataFrame(
        {"date": ["2024-01-01", "2024-01-02"], "kpi": ["csat", "csat"], "value": [80, "lots"]}
    ).to_excel(path, index=False)
    with pytest.raises(ImportProblem) as caught:
        read_kpi_values(KpiSource(kind="excel", location=str(path)))
    assert "row 3" in str(caught.value) and "'value'" in str(caught.value)


def test_not_an_excel_file(tmp_path):
    path = write(tmp_path / "k.xlsx", "not a workbook")
    with pytest.raises(ImportProblem, match=r"k.xlsx"):
        read_kpi_values(KpiSource(kind="excel", location=str(path)))


def test_parquet_in_row_groups(tmp_path):
    path = tmp_path / "k.parquet"
    frame = pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=60, freq="D"), "kpi": "csat", "value": 1.0}
    )
    frame.to_parquet(path, row_group_size=10)
    result = read_kpi_values(KpiSource(kind="parquet", location=str(path), aggregation="sum"), chunk_rows=10)
    assert values(result, "csat") == {"2024-01-01": 31.0, "2024-02-01": 29.0}


# -- SQL -----------------------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "kpis.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table events (day text, metric text, value real, tp text)")
        connection.executemany(
            "insert into events values (?, ?, ?, ?)",
            [
                ("2024-01-01", "csat", 80, "chat"),
                ("2024-01-07T10:00:00", "csat", 90, "chat"),
                ("2024-01-08", "csat", 70, "chat"),
                ("2024-02-01", "csat", 60, "mail"),
                ("2024-01-01", "nps", 5, "chat"),
            ],
        )
    return path


def test_sql_aggregates_in_the_database(database):
    import sqlalchemy

    statements: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", listen)
    try:
        source = KpiSource(
            kind="sql", location=f"sqlite:///{database}", table="events", period_column="day",
            kpi_column="metric", value_column="value", period="week",
        )  # fmt: skip
        result = read_kpi_values(source, keys=["csat"])
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", listen)
    select = [s for s in statements if "GROUP BY" in s.upper()]
    assert select, statements
    assert "strftime" in select[0] or "date(" in select[0]
    assert "IN" in select[0].upper()  # only the wanted KPIs leave the database
    assert values(result, "csat") == {"2024-01-01": 85.0, "2024-01-08": 70.0, "2024-01-29": 60.0}
    assert result.rows_read == 4


def test_sql_query_and_touchpoint_filter(database):
    j = journey("csat", touchpoint="chat")
    source = KpiSource(
        kind="sql", location=f"sqlite:///{database}", query="select * from events where value > 0",
        period_column="day", kpi_column="metric", value_column="value", touchpoint_column="tp",
    )  # fmt: skip
    import_kpis(Editor(j), source, ["csat"])
    assert [(o.period, o.value) for o in j.kpis[0].observations] == [(date(2024, 1, 1), 80.0)]


def test_sql_last_is_the_value_at_the_latest_date_of_each_period(tmp_path):
    # a backlog gauge: rows stored out of order, dates as day/month/year text (not sortable as text)
    path = tmp_path / "backlog.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table backlog (day text, metric text, open_tickets real)")
        connection.executemany(
            "insert into backlog values (?, ?, ?)",
            [
                ("31/01/2024", "backlog", 42),
                ("02/01/2024", "backlog", 10),
                ("15/01/2024", "backlog", 99),
                ("28/02/2024", "backlog", 7),
                ("03/02/2024", "backlog", 30),
                ("31/01/2024", "other", 1),
            ],
        )
    source = KpiSource(
        kind="sql", location=f"sqlite:///{path}", table="backlog", period_column="day",
        kpi_column="metric", value_column="open_tickets", aggregation="last",
    )  # fmt: skip
    result = read_kpi_values(source, keys=["backlog"])
    assert values(result, "backlog") == {"2024-01-01": 42.0, "2024-02-01": 7.0}
    assert result.rows_read == 5  # only the wanted KPI left the database

    wide = KpiSource(
        kind="sql", location=f"sqlite:///{path}", query="select day, open_tickets from backlog where metric = 'backlog'",
        layout="wide", period_column="day", kpi_column=None, value_column=None, aggregation="last",
    )  # fmt: skip
    assert values(read_kpi_values(wide, keys=["open_tickets"]), "open_tickets") == {
        "2024-01-01": 42.0,
        "2024-02-01": 7.0,
    }


def test_sql_last_names_bad_rows_and_can_skip_them(tmp_path):
    path = tmp_path / "backlog.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table backlog (day text, metric text, value real)")
        connection.executemany(
            "insert into backlog values (?, ?, ?)",
            [("2024-01-05", "backlog", 4), ("someday", "backlog", 9), ("2024-01-20", "backlog", 6)],
        )
    source = KpiSource(
        kind="sql", location=f"sqlite:///{path}", table="backlog", period_column="day",
        kpi_column="metric", aggregation="last",
    )  # fmt: skip
    with pytest.raises(ImportProblem, match=r"row 2.*someday"):
        read_kpi_values(source)
    result = read_kpi_values(source, skip_bad_rows=True)
    assert values(result, "backlog") == {"2024-01-01": 6.0} and result.rows_skipped == 1


def test_sql_missing_table_lists_tables(database):
    with pytest.raises(ImportProblem, match=r"no table 'evnts'.*events"):
        read_kpi_values(KpiSource(kind="sql", location=f"sqlite:///{database}", table="evnts"))


def test_sql_bad_dates_are_counted(database):
    with sqlite3.connect(database) as connection:
        connection.execute("insert into events values ('someday', 'csat', 1, 'chat')")
    source = KpiSource(
        kind="sql", location=f"sqlite:///{database}", table="events", period_column="day", kpi_column="metric"
    )
    with pytest.raises(ImportProblem, match=r"1 row has a date the database cannot read"):
        read_kpi_values(source)
    assert read_kpi_values(source, skip_bad_rows=True).rows_skipped == 1


# -- applying to the map -------------------------------------------------------------------------


def test_import_is_one_undo_step_and_stores_the_source(tmp_path):
    write(tmp_path / "k.csv", CLEAN)
    j = journey("csat", "nps")
    editor = Editor(j)
    report = import_kpis(editor, KpiSource(kind="csv", location="k.csv"), ["csat", "nps"], map_dir=tmp_path)
    assert report.changed == 3
    assert [(o.period, o.value) for o in j.kpis[0].observations] == [
        (date(2024, 1, 1), 85.0),
        (date(2024, 2, 1), 70.0),
    ]
    assert j.kpis[0].source.location == "k.csv" and j.kpis[0].source.key == "csat"
    assert j.kpis[1].source.key == "nps"
    editor.undo()
    assert j.kpis[0].observations == [] and j.kpis[0].source is None and j.kpis[1].observations == []


def test_failed_import_leaves_the_map_unchanged(tmp_path):
    write(tmp_path / "k.csv", CLEAN + "2024-03-01,nps,broken\n")
    j = journey("csat", "nps")
    j.kpis[0].observations = [Observation(period=date(2023, 1, 1), value=1.0)]
    before = j.model_dump()
    editor = Editor(j)
    with pytest.raises(ImportProblem):
        import_kpis(editor, KpiSource(kind="csv", location="k.csv"), ["csat", "nps"], map_dir=tmp_path)
    assert j.model_dump() == before and not editor.can_undo


def test_unknown_kpi_and_missing_key(tmp_path):
    write(tmp_path / "k.csv", CLEAN)
    editor = Editor(journey("csat"))
    with pytest.raises(ImportProblem, match=r"no KPI 'churn'"):
        import_kpis(editor, KpiSource(kind="csv", location="k.csv"), ["churn"], map_dir=tmp_path)
    with pytest.raises(ImportProblem, match=r"no rows for KPI 'CSAT'.*'csat'"):
        import_kpis(editor, KpiSource(kind="csv", location="k.csv"), {"csat": "CSAT"}, map_dir=tmp_path)


def test_merge_keeps_other_periods_and_replace_drops_them(tmp_path):
    write(tmp_path / "k.csv", CLEAN)
    j = journey("csat")
    j.kpis[0].observations = [
        Observation(period=date(2023, 12, 1), value=50.0),
        Observation(period=date(2024, 1, 1), value=1.0),
    ]
    import_kpis(Editor(j), KpiSource(kind="csv", location="k.csv"), ["csat"], map_dir=tmp_path)
    assert [o.value for o in j.kpis[0].observations] == [50.0, 85.0, 70.0]
    import_kpis(Editor(j), KpiSource(kind="csv", location="k.csv"), ["csat"], map_dir=tmp_path, replace=True)
    assert [o.value for o in j.kpis[0].observations] == [85.0, 70.0]


def test_refresh_twice_is_refresh_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    path = write(data / "k.csv", CLEAN)
    j = journey("csat", "nps")
    editor = Editor(j)
    source = KpiSource(kind="csv", location=location_for(path, tmp_path))
    assert source.location == "data/k.csv"
    import_kpis(editor, source, ["csat", "nps"], map_dir=tmp_path)
    write(path, CLEAN + "2024-03-05,csat,60\n2024-01-20,csat,100\n")
    first = refresh(editor, tmp_path)
    once = j.model_dump()
    assert first.changed == 2  # January changed, March added
    assert [o.value for o in j.kpis[0].observations] == [90.0, 70.0, 60.0]
    history = len(editor._undo)
    second = refresh(editor, tmp_path)
    assert second.changed == 0 and j.model_dump() == once and len(editor._undo) == history


def test_refresh_tries_every_source_and_a_failure_changes_only_nothing_of_its_own(tmp_path):
    write(tmp_path / "a.csv", CLEAN)
    write(tmp_path / "b.csv", "date,kpi,value\n2024-01-01,nps,1\n")
    j = journey("csat", "nps")
    editor = Editor(j)
    import_kpis(editor, KpiSource(kind="csv", location="a.csv"), ["csat"], map_dir=tmp_path)
    import_kpis(editor, KpiSource(kind="csv", location="b.csv"), ["nps"], map_dir=tmp_path)
    write(tmp_path / "a.csv", CLEAN + "2024-05-01,csat,99\n")
    (tmp_path / "b.csv").unlink()
    nps_before = j.kpis[1].model_dump()
    report = refresh(editor, tmp_path)
    assert [(o.kpis, o.ok) for o in report.sources] == [(["csat"], True), (["nps"], False)]
    assert "b.csv" in report.failed[0].error and "no such file" in report.failed[0].error.lower()
    assert report.kpis == {"csat": 1}
    assert j.kpis[0].observations[-1].value == 99.0  # the readable source was applied
    assert j.kpis[1].model_dump() == nps_before  # the failed one left its KPI alone
    editor.undo()
    assert all(o.value != 99.0 for o in j.kpis[0].observations)  # one undo step


def test_progress_is_reported(tmp_path):
    write(tmp_path / "k.csv", CLEAN)
    seen: list[float] = []
    import_kpis(
        Editor(journey("csat")), KpiSource(kind="csv", location="k.csv"), ["csat"], map_dir=tmp_path,
        progress=lambda fraction, message: seen.append(fraction),
    )  # fmt: skip
    assert seen[0] == 0.0 and seen[-1] == 1.0


@pytest.mark.parametrize("aggregation", ["mean", "sum", "count", "min", "max", "rate"])
@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_fast_and_careful_paths_agree(tmp_path, monkeypatch, aggregation, period):
    import numpy as np

    from cjmkit.metrics import files as importers

    rng = np.random.default_rng(3)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, 500), unit="D")
    frame = pd.DataFrame(
        {"date": days.strftime("%Y-%m-%d"), "kpi": rng.choice(["a", "b", ""], 500),
         "tp": rng.choice(["x", "y", ""], 500), "value": rng.integers(0, 2, 500).astype(float)}
    )  # fmt: skip
    frame.loc[::17, "value"] = np.nan
    path = tmp_path / "k.csv"
    frame.to_csv(path, index=False)
    source = KpiSource(
        kind="csv", location=str(path), touchpoint_column="tp", period=period, aggregation=aggregation
    )
    fast = read_kpi_values(source)
    monkeypatch.setattr(importers, "_read_csv_arrow", lambda *args: None)
    careful = read_kpi_values(source)
    for touchpoint in (None, "x", ""):
        pd.testing.assert_frame_equal(fast.values("a", touchpoint), careful.values("a", touchpoint))
    assert fast.keys == careful.keys == ["a", "b"]


def test_streaming_path_for_large_files_gives_the_same_result(tmp_path, monkeypatch):
    from cjmkit.metrics import files as importers

    rows = "".join(f"2024-{1 + i % 4:02d}-{1 + i % 28:02d},k{i % 3},{i % 7}\n" for i in range(3000))
    path = write(tmp_path / "k.csv", "date,kpi,value\n" + rows)
    source = KpiSource(kind="csv", location=str(path), aggregation="sum", period="week")
    whole = read_kpi_values(source).values()
    monkeypatch.setattr(importers, "WHOLE_FILE_BYTES", 0)
    monkeypatch.setattr(importers, "ARROW_BLOCK_BYTES", 4096)  # many small batches
    batches = []
    original = importers._arrow_partials
    monkeypatch.setattr(importers, "_arrow_partials", lambda *args: batches.append(1) or original(*args))
    streamed = read_kpi_values(source).values()
    pd.testing.assert_frame_equal(whole, streamed)
    assert len(batches) > 5


def test_sql_query_for_other_dialects_uses_date_trunc():
    from sqlalchemy.dialects import postgresql

    from cjmkit.metrics.sql import build_query

    source = KpiSource(kind="sql", location="postgresql://x/y", table="events", period="week")
    query = build_query(source, "postgresql", {"period": "day", "kpi": "metric", "value": "value"}, ["csat"])
    text = str(query.compile(dialect=postgresql.dialect()))
    assert "date_trunc('week', events.day)" in text and "GROUP BY" in text


def test_sql_wide_layout(database):
    with sqlite3.connect(database) as connection:
        connection.execute("create table wide (month text, csat real, nps real)")
        connection.executemany(
            "insert into wide values (?, ?, ?)", [("2024-01-01", 80, 1), ("2024-01-09", 90, None)]
        )
    source = KpiSource(
        kind="sql", location=f"sqlite:///{database}", table="wide", layout="wide", period_column="month",
        kpi_column=None, value_column=None,
    )  # fmt: skip
    result = read_kpi_values(source, keys=["csat", "nps"])
    assert values(result, "csat") == {"2024-01-01": 85.0} and values(result, "nps") == {"2024-01-01": 1.0}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200).map(lambda b: b"response_id,csat,nps,submitted_at\n" + b))
def test_any_bytes_after_a_survey_header_give_data_or_our_error(tmp_path, content):
    from cjmkit.metrics import read_survey

    path = tmp_path / "survey.csv"
    path.write_bytes(content)
    try:
        frame = read_survey(path)
    except CjmError as error:
        assert str(error)
    else:
        assert "csat" in frame.columns


def test_units_row_under_the_header_is_skipped(tmp_path):
    text = "date;kpi;value\n(day);(KPI id);(EUR)\n2024-01-01;revenue;1,5\n2024-01-02;revenue;x\n"
    path = write(tmp_path / "k.csv", text)
    with pytest.raises(ImportProblem) as caught:
        read_kpi_values(KpiSource(kind="csv", location=str(path)))
    assert "line 4" in str(caught.value)  # line numbers still count the units row
    result = read_kpi_values(KpiSource(kind="csv", location=str(path)), skip_bad_rows=True)
    assert values(result, "revenue") == {"2024-01-01": 1.5}
    clean = write(tmp_path / "c.csv", "date,kpi,value\nday,id,EUR\n2024-01-01,revenue,2\n")
    assert values(read_kpi_values(KpiSource(kind="csv", location=str(clean))), "revenue") == {
        "2024-01-01": 2.0
    }


def test_database_passwords_stay_out_of_the_map(database, monkeypatch):
    with pytest.raises(ImportProblem, match="password"):
        location_for("postgresql://me:secret@db.example/kpis", None)
    assert location_for("postgresql://me:${DB_PASSWORD}@db.example/kpis", None).endswith(
        "${DB_PASSWORD}@db.example/kpis"
    )
    monkeypatch.setenv("KPI_DB", str(database))
    source = KpiSource(
        kind="sql", location="sqlite:///${KPI_DB}", table="events", period_column="day", kpi_column="metric"
    )
    assert values(read_kpi_values(source, keys=["nps"]), "nps") == {"2024-01-01": 5.0}


def test_every_kind_of_source_a_map_can_hold_has_one_reader_for_values_and_previews(tmp_path):
    from typing import get_args

    from cjmkit.metrics.readers import READERS, preview, reader_of

    assert set(READERS) == set(get_args(KpiSource.model_fields["kind"].annotation))
    assert [kind for kind, reader in READERS.items() if not reader.is_file] == ["sql"]
    with pytest.raises(
        ImportProblem, match="unknown source kind 'xml'; cjmkit reads csv, excel, parquet, sql"
    ):
        reader_of("xml")
    path = write(tmp_path / "k.csv", CLEAN)
    pd.DataFrame({"date": ["2024-01-01"], "kpi": ["csat"], "value": [80.0]}).to_parquet(
        tmp_path / "k.parquet"
    )
    assert preview(str(path), rows=2)["kpi"].tolist() == ["csat", "csat"]
    assert preview(str(tmp_path / "k.parquet"))["value"].tolist() == [80.0]
