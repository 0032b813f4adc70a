"""The measured-figures contract (cjmkit.figures): one status vocabulary from the model to the page."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import SAMPLE_MAP

import cjmkit.figures
from cjmkit.errors import CjmError
from cjmkit.figures import (
    STATUS_WORDS,
    STATUSES,
    HandoffHealth,
    KpiStatus,
    MapMetrics,
    as_map_metrics,
    as_status,
)
from cjmkit.model import Kpi


def test_the_contract_stands_on_the_standard_library_and_the_errors_alone():
    # at import time; a journey as measured, given as a dict, is read by the model when it comes
    tree = ast.parse(Path(cjmkit.figures.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0] if not name.startswith("cjmkit") else name
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        )
    }
    outside = {name for name in imported if name not in sys.stdlib_module_names and name != "__future__"}
    assert outside == {"cjmkit.errors"}


def test_every_status_has_its_words_and_no_status_is_spelled_none():
    assert set(STATUS_WORDS) == set(STATUSES) and "none" in STATUSES and "unknown" not in STATUSES
    assert all(w.word and w.symbol and w.phrase for w in STATUS_WORDS.values())
    assert Kpi(id="k", name="K").judge(5) == "none"  # no target: the model says it the contract's way
    assert as_status(" OK ") == "ok"
    with pytest.raises(
        CjmError, match=r"the badge must be one of ok, warning, bad, few, none, got 'unknown'"
    ):
        as_status("unknown", "the badge")


def test_one_kpi_says_the_same_word_in_the_table_on_the_map_and_in_words():
    from cjmkit import metrics as m
    from cjmkit.render import JourneyMapView
    from cjmkit.render.outline import outline
    from cjmkit.store import load

    journey = load(SAMPLE_MAP)
    table = m.kpi_status(journey).set_index("kpi")
    figures = m.map_metrics(journey, status=m.kpi_status(journey))
    badges = JourneyMapView(journey, metrics=figures).sources["kpis"].data
    said = {line.id: line for line in outline(journey, figures).kpis}
    assert len(table) == len(journey.kpis) >= 3
    seen = set()
    for kpi_id, status, text in zip(badges["kpi_id"], badges["status"], badges["text"], strict=True):
        words = STATUS_WORDS[status]
        seen.add(status)
        assert table.loc[kpi_id, "status"] == status == figures.kpi_status[kpi_id].status
        assert table.loc[kpi_id, "status_text"] == words.word
        assert said[kpi_id].status_word == words.phrase and said[kpi_id].symbol == words.symbol
        if status != "none":
            assert text.startswith(f"{words.symbol} {words.word}")
    assert len(seen) >= 2  # the sample shows more than one traffic light


def test_a_status_that_is_not_one_is_refused_where_it_is_made():
    with pytest.raises(
        CjmError, match=r"a KPI's status must be one of ok, warning, bad, few, none, got 'purple'"
    ):
        KpiStatus(status="purple")  # type: ignore[arg-type]
    with pytest.raises(CjmError, match=r"kpi_status\['nps'\]\.value must be a number, not 'lots'"):
        as_map_metrics({"kpi_status": {"nps": {"status": "ok", "value": "lots"}}})
    with pytest.raises(CjmError, match=r"handoff_health must be a dict keyed by id"):
        as_map_metrics({"handoff_health": ["h"]})
    read = as_map_metrics({"handoff_health": {"h": {"within_sla_share": float("nan"), "resolved": 4.0}}})
    assert read.handoff_health["h"] == HandoffHealth(within_sla_share=None, resolved=4)


_figures = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["kpi_status", "handoff_health", "other"]),
        _figures
        | st.dictionaries(
            st.text(max_size=6),
            st.fixed_dictionaries(
                {},
                optional={
                    "status": st.sampled_from([*STATUSES, "OK", "purple"]) | _figures,
                    "value": _figures,
                    "within_sla_share": _figures,
                    "resolved": _figures,
                    "weak": _figures,
                    "label": _figures,
                },
            ),
            max_size=3,
        ),
        max_size=3,
    )
)
def test_figures_from_a_notebook_are_read_or_refused_with_a_sentence(raw):
    try:
        read = as_map_metrics(raw)
    except CjmError as error:
        assert str(error).startswith("map metrics ") and "\n" not in str(error)
    else:
        assert isinstance(read, MapMetrics)
        assert all(status.status in STATUSES for status in read.kpi_status.values())
