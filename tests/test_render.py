"""The journey map's data: every card, arrow, point and badge where it belongs; live updates."""

from __future__ import annotations

import re
from datetime import date

import pytest
from bokeh.document import Document
from bokeh.models import ColumnDataSource, Div
from hypothesis import given, settings
from hypothesis import strategies as st

from cjmkit.edits import Editor
from cjmkit.errors import CjmError
from cjmkit.figures import HandoffHealth, KpiStatus, as_map_metrics
from cjmkit.model import Handoff, Journey, Kpi, Lane, Note, Observation, Persona, Stage, Touchpoint
from cjmkit.render import JourneyMapView, MapMetrics, journey_map, map_data, simple_kpi_status
from cjmkit.render.emotion import emotion_y
from cjmkit.render.patch import patch_source
from cjmkit.render.text import sla_text
from cjmkit.synthetic import synthetic_journey


def small_journey() -> Journey:
    """Three stages, customer/support/care lanes, a support → care handoff, KPIs, two personas."""
    return Journey(
        id="small",
        title="Small map",
        personas=[Persona(id="maya", name="Maya"), Persona(id="dan", name="Dan")],
        stages=[
            Stage(id="buy", name="Buy", phase="Do"),
            Stage(id="help", name="Get help", phase="Care"),
            Stage(id="follow", name="Follow-up"),
        ],
        lanes=[
            Lane(id="cust", name="Customer actions", kind="customer"),
            Lane(id="sup", name="Support", kind="support"),
            Lane(id="care", name="Care", kind="care"),
        ],
        touchpoints=[
            Touchpoint(
                id="order",
                stage="buy",
                lane="cust",
                name="Places an order",
                channel="web",
                emotions={"maya": 1, "dan": 2},
                emotions_to_be={"maya": 2},
            ),
            Touchpoint(
                id="ticket",
                stage="help",
                lane="sup",
                name="Opens a ticket",
                channel="chat",
                owner="Support tier 1",
                emotions={"maya": -2, "dan": -1},
                emotions_to_be={"maya": 0},
                pain_points=[Note(id="p1", text="Slow", votes=4), Note(id="p2", text="Vague", votes=1)],
                opportunities=[Note(id="o1", text="Status page", votes=3)],
            ),
            Touchpoint(id="escalate", stage="help", lane="sup", name="Escalation", emotions={"maya": -1}),
            Touchpoint(
                id="call",
                stage="follow",
                lane="care",
                name="Follow-up call",
                channel="phone",
                owner="Care team",
                emotions={"maya": 1},
                emotions_to_be={"maya": 2},
            ),
        ],
        handoffs=[
            Handoff(id="h1", from_touchpoint="ticket", to_touchpoint="call", sla_hours=24, trigger="Resolved")
        ],
        kpis=[
            Kpi(
                id="csat",
                name="CSAT",
                touchpoint="ticket",
                unit="%",
                target=80,
                warning=70,
                observations=[
                    Observation(period=date(2026, 1, 1), value=90),
                    Observation(period=date(2026, 2, 1), value=75),
                ],
            ),
            Kpi(
                id="ttr",
                name="Time to resolve",
                touchpoint="ticket",
                unit="h",
                direction="lower",
                target=8,
                warning=24,
                observations=[Observation(period=date(2026, 2, 1), value=30)],
            ),
            Kpi(
                id="nps",
                name="NPS",
                touchpoint="call",
                target=40,
                observations=[Observation(period=date(2026, 2, 1), value=45)],
            ),
        ],
    )


def rows(source: ColumnDataSource) -> list[dict]:
    data = source.data
    keys = list(data)
    return [dict(zip(keys, values, strict=True)) for values in zip(*(data[k] for k in keys), strict=True)]


def column_bounds(view: JourneyMapView) -> dict[str, tuple[float, float]]:
    return {r["stage_id"]: (r["x"] - r["w"] / 2, r["x"] + r["w"] / 2) for r in rows(view.sources["stages"])}


def lane_bounds(view: JourneyMapView) -> dict[str, tuple[float, float]]:
    return {r["lane_id"]: (r["y"] - r["h"] / 2, r["y"] + r["h"] / 2) for r in rows(view.sources["lanes"])}


def inside(x: float, y: float, card: dict, slack: float = 0.5) -> bool:
    return (
        card["x"] - card["w"] / 2 - slack <= x <= card["x"] + card["w"] / 2 + slack
        and card["y"] - card["h"] / 2 - slack <= y <= card["y"] + card["h"] / 2 + slack
    )


def test_every_touchpoint_is_a_card_in_its_stage_column_and_lane_row() -> None:
    journey = synthetic_journey(60, seed=3)
    view = JourneyMapView(journey)
    cards = {r["tp_id"]: r for r in rows(view.sources["cards"])}
    assert set(cards) == {tp.id for tp in journey.touchpoints}
    columns, lanes = column_bounds(view), lane_bounds(view)
    for tp in journey.touchpoints:
        card = cards[tp.id]
        left, right = columns[tp.stage]
        bottom, top = lanes[tp.lane]
        assert left <= card["x"] - card["w"] / 2 and card["x"] + card["w"] / 2 <= right, tp.id
        assert bottom <= card["y"] - card["h"] / 2 and card["y"] + card["h"] / 2 <= top, tp.id
        assert tp.name.split()[0] in card["name"]


def test_cards_in_one_cell_stack_without_overlapping() -> None:
    view = JourneyMapView(small_journey())
    cards = {r["tp_id"]: r for r in rows(view.sources["cards"])}
    upper, lower = cards["ticket"], cards["escalate"]
    assert upper["x"] == lower["x"]
    assert upper["y"] - upper["h"] / 2 > lower["y"] + lower["h"] / 2


def test_support_and_care_differ_by_word_and_symbol_not_only_colour() -> None:
    cards = {r["tp_id"]: r for r in rows(JourneyMapView(small_journey()).sources["cards"])}
    assert cards["ticket"]["tag"] == "◆ SUPPORT"
    assert cards["call"]["tag"] == "♥ CARE"
    assert cards["order"]["tag"] == ""
    assert cards["ticket"]["accent"] != cards["call"]["accent"]
    lanes = {r["lane_id"]: r["kind_label"] for r in rows(JourneyMapView(small_journey()).sources["lanes"])}
    assert lanes == {"cust": "● CUSTOMER", "sup": "◆ SUPPORT", "care": "♥ CARE"}


def test_card_shows_channel_owner_pain_points_ideas_and_votes() -> None:
    cards = {r["tp_id"]: r for r in rows(JourneyMapView(small_journey()).sources["cards"])}
    ticket = cards["ticket"]
    assert ticket["meta"] == "chat · Support tier 1"
    assert (ticket["pain_count"], ticket["pain_votes"], ticket["idea_count"], ticket["idea_votes"]) == (
        2,
        5,
        1,
        3,
    )
    assert "⚠ 2 pains" in ticket["notes"] and "✦ 1 idea" in ticket["notes"]
    assert "(5" in ticket["notes"] or "5 votes" in ticket["notes"]
    assert ticket["t_pains"] == "Slow (4); Vague (1)"


def test_handoff_arrow_runs_from_the_support_card_to_the_care_card_with_its_sla() -> None:
    view = JourneyMapView(small_journey())
    cards = {r["tp_id"]: r for r in rows(view.sources["cards"])}
    (arrow,) = rows(view.sources["handoffs"])
    assert arrow["handoff_id"] == "h1"
    assert inside(arrow["xs"][0], arrow["ys"][0], cards["ticket"])
    assert inside(arrow["xs"][-1], arrow["ys"][-1], cards["call"])
    assert (arrow["x1"], arrow["y1"]) == (arrow["xs"][-1], arrow["ys"][-1])
    assert arrow["label"] == "≤ 24 h"
    assert arrow["weak"] is False


def test_handoff_reported_weak_by_metrics_is_highlighted_with_words() -> None:
    metrics = {"handoff_health": {"h1": {"within_sla_share": 0.62, "weak": True, "label": "62 % within SLA"}}}
    view = JourneyMapView(small_journey(), metrics=metrics)
    (arrow,) = rows(view.sources["handoffs"])
    assert arrow["weak"] is True
    assert arrow["dash"] == "dashed" and arrow["line_width"] > 3
    assert arrow["label"] == "≤ 24 h\n⚠ WEAK · 62 % on time"
    assert "62 % within SLA" in arrow["t_health"]


def test_sla_wording() -> None:
    assert sla_text(24) == "≤ 24 h"
    assert sla_text(72) == "≤ 3 d"
    assert sla_text(0.5) == "≤ 30 min"
    assert sla_text(None) == ""


def test_emotion_points_follow_the_selected_persona_with_to_be_beside() -> None:
    journey = small_journey()
    view = JourneyMapView(journey, persona="maya")
    points = {r["tp_id"]: r for r in rows(view.sources["emotion"])}
    assert set(points) == {"order", "ticket", "escalate", "call"}
    assert {r["persona"] for r in points.values()} == {"maya"}
    columns = column_bounds(view)
    for tp in journey.touchpoints:
        assert points[tp.id]["y"] == emotion_y(tp.emotions["maya"])
        assert columns[tp.stage][0] <= points[tp.id]["x"] <= columns[tp.stage][1]
    assert points["ticket"]["word"] == "very negative"
    (line,) = rows(view.sources["emotion_lines"])
    assert line["xs"] == sorted(line["xs"]) and len(line["xs"]) == 4
    future = {r["tp_id"]: r["y"] for r in rows(view.sources["emotion_to_be"])}
    assert future == {"order": emotion_y(2), "ticket": emotion_y(0), "call": emotion_y(2)}
    assert len(view.sources["emotion_to_be_lines"].data["xs"]) == 1


def test_emotion_curve_aligns_with_the_cards_touchpoints() -> None:
    view = JourneyMapView(small_journey(), persona="maya")
    cards = {r["tp_id"]: r for r in rows(view.sources["cards"])}
    points = {r["tp_id"]: r for r in rows(view.sources["emotion"])}
    # one touchpoint in its stage: right above its card
    assert points["order"]["x"] == cards["order"]["x"]
    assert points["call"]["x"] == cards["call"]["x"]
    # two in one stage: side by side over that column, in document order
    assert points["ticket"]["x"] < cards["ticket"]["x"] < points["escalate"]["x"]


def test_low_points_are_marked_on_the_curve_and_on_the_card() -> None:
    view = JourneyMapView(small_journey(), persona="maya")
    points = {r["tp_id"]: r for r in rows(view.sources["emotion"])}
    assert points["ticket"]["low"] is True and points["ticket"]["marker"] == "inverted_triangle"
    assert points["order"]["low"] is False
    (low,) = rows(view.sources["lows"])
    assert low["tp_id"] == "ticket" and low["label"] == "low point"
    cards = {r["tp_id"]: r for r in rows(view.sources["cards"])}
    assert cards["ticket"]["low"] is True and cards["order"]["low"] is False


def test_without_a_persona_every_persona_gets_a_curve_of_its_own() -> None:
    view = JourneyMapView(small_journey())
    lines = rows(view.sources["emotion_lines"])
    assert [line["persona"] for line in lines] == ["maya", "dan"]
    assert lines[0]["colour"] != lines[1]["colour"]
    markers = {r["persona"]: r["marker"] for r in rows(view.sources["emotion"]) if not r["low"]}
    assert markers["maya"] != markers["dan"]
    assert view.sources["emotion_to_be"].data["x"] == []


def test_kpi_badges_sit_on_their_card_and_spell_the_status() -> None:
    view = JourneyMapView(small_journey())
    cards = {r["tp_id"]: r for r in rows(view.sources["cards"])}
    badges = {r["kpi_id"]: r for r in rows(view.sources["kpis"])}
    assert set(badges) == {"csat", "ttr", "nps"}
    for badge in badges.values():
        assert inside(badge["x"], badge["y"], cards[badge["tp_id"]])
    assert badges["csat"]["status"] == "warning" and badges["csat"]["text"].startswith("! Warning · CSAT")
    assert "75% (target 80%)" in badges["csat"]["text"]
    assert badges["ttr"]["status"] == "bad" and "Bad" in badges["ttr"]["text"]
    assert badges["nps"]["status"] == "ok" and badges["nps"]["text"].startswith("✓ OK")
    assert badges["csat"]["y"] > badges["ttr"]["y"]  # stacked on the card, in document order


def test_simple_kpi_status_reads_latest_value_target_warning_and_direction() -> None:
    def kpi(value: float, direction: str = "higher", warning: float | None = 70) -> Kpi:
        return Kpi(
            id="k",
            name="K",
            direction=direction,
            target=80 if direction == "higher" else 10,
            warning=warning if direction == "higher" else 20,
            observations=[
                Observation(period=date(2025, 12, 1), value=0),
                Observation(period=date(2026, 1, 1), value=value),
            ],
        )

    assert simple_kpi_status(kpi(85)).status == "ok"
    assert simple_kpi_status(kpi(72)).status == "warning"
    assert simple_kpi_status(kpi(50)).status == "bad"
    assert simple_kpi_status(kpi(72, warning=None)).status == "bad"
    assert simple_kpi_status(kpi(9, "lower")).status == "ok"
    assert simple_kpi_status(kpi(15, "lower")).status == "warning"
    assert simple_kpi_status(kpi(25, "lower")).status == "bad"
    assert simple_kpi_status(kpi(85)).value == 85
    assert simple_kpi_status(Kpi(id="k", name="K", target=1)).status == "none"


def test_metrics_supply_the_kpi_status_instead_of_the_simple_one() -> None:
    metrics = MapMetrics(kpi_status={"nps": KpiStatus(status="bad", value=12, label="NPS 12 (3 months)")})
    badges = {r["kpi_id"]: r for r in rows(JourneyMapView(small_journey(), metrics=metrics).sources["kpis"])}
    assert badges["nps"]["status"] == "bad"
    assert badges["nps"]["text"] == "✗ Bad · NPS\n12 (target 40)"
    cards = {r["tp_id"]: r for r in rows(JourneyMapView(small_journey(), metrics=metrics).sources["cards"])}
    assert "NPS: Bad (NPS 12 (3 months))" in cards["call"]["t_kpis"]  # the metrics' own words
    assert badges["csat"]["status"] == "warning"  # not supplied: computed


def test_bad_metrics_are_refused_with_a_sentence() -> None:
    with pytest.raises(CjmError, match=r"kpi_status\['nps'\]\.status must be one of"):
        as_map_metrics({"kpi_status": {"nps": {"status": "purple"}}})
    with pytest.raises(CjmError, match="must be a MapMetrics or a dict"):
        as_map_metrics(42)  # type: ignore[arg-type]
    assert as_map_metrics(MapMetrics(handoff_health={"h": HandoffHealth(weak=True)})).handoff_health["h"].weak


def test_update_patches_the_same_sources_of_the_same_figure() -> None:
    journey = small_journey()
    view = JourneyMapView(journey)
    figure, sources = view.figure, dict(view.sources)
    glyphs = list(figure.renderers)
    height = figure.frame_height
    editor = Editor(journey)
    editor.update("touchpoints", "order", name="Orders online")
    editor.add("touchpoints", {"id": "order2", "stage": "buy", "lane": "cust", "name": "Pays the invoice"})
    view.update(journey)
    assert view.figure is figure and list(figure.renderers) == glyphs
    assert all(view.sources[name] is source for name, source in sources.items())
    names = dict(zip(view.sources["cards"].data["tp_id"], view.sources["cards"].data["name"], strict=True))
    assert names["order"] == "Orders online" and "order2" in names
    assert figure.frame_height > height  # a second card in the cell made the lane taller
    assert figure.y_range.start == -figure.frame_height


def test_update_with_a_new_journey_object_and_fewer_stages_resizes() -> None:
    view = JourneyMapView(synthetic_journey(40))
    figure, width = view.figure, view.figure.frame_width
    smaller = synthetic_journey(5)
    smaller.stages = smaller.stages[:2]
    smaller.touchpoints = [tp for tp in smaller.touchpoints if tp.stage in {"s1", "s2"}]
    smaller.handoffs = []
    view.update(smaller)
    assert view.figure is figure
    assert len(view.sources["stages"].data["stage_id"]) == 2
    assert figure.frame_width <= width and figure.x_range.end == figure.frame_width


def test_update_leaves_unchanged_sources_alone() -> None:
    view = JourneyMapView(small_journey())
    stages_data = view.sources["stages"].data
    view.journey.touchpoints[0].emotions = {"maya": -2, "dan": 2}
    view.update()
    assert view.sources["stages"].data is stages_data
    assert -2 in view.sources["emotion"].data["value"]


def test_set_persona_switches_the_curve_and_the_header() -> None:
    view = JourneyMapView(small_journey())
    view.set_persona("dan")
    assert set(view.sources["emotion"].data["persona"]) == {"dan"}
    assert "Dan" in view.legend.text
    view.set_persona(None)
    assert set(view.sources["emotion"].data["persona"]) == {"maya", "dan"}
    with pytest.raises(CjmError, match="no persona has the id 'nobody'"):
        view.set_persona("nobody")
    assert view.persona is None  # unchanged after the refusal


def test_tapping_a_card_calls_back_with_its_touchpoint_id() -> None:
    view = JourneyMapView(small_journey())
    heard: list[str] = []
    view.on_select(heard.append)
    view.tap("call")  # what the tap tool's callback sends from the browser
    assert heard == ["call"]
    assert view.selected == "call"
    view.tap("call")  # a second tap on the same card opens it again
    assert heard == ["call", "call"]
    view.tap("ticket")  # the callback of a tap on an emotion point sends its touchpoint too
    assert heard == ["call", "call", "ticket"]
    assert view.selected == "ticket"  # tapping a point on the curve highlights its card
    view.select("order")
    assert heard[-1] == "order" and view.selected == "order"


def test_journey_map_returns_a_layout_with_header_legend_and_figure() -> None:
    layout = journey_map(small_journey(), persona="maya")
    divs = [child for child in layout.children if isinstance(child, Div) and child.visible]
    assert len(divs) == 2 and all(div.disable_math for div in divs)  # the "as measured" note is hidden
    assert "Small map" in divs[0].text and "Maya" in divs[0].text


def test_unknown_persona_is_refused() -> None:
    with pytest.raises(CjmError, match="no persona has the id 'zoe'"):
        map_data(small_journey(), persona="zoe")


def test_empty_journey_draws_an_empty_map() -> None:
    view = JourneyMapView(Journey(id="empty", title="Empty"))
    assert view.sources["cards"].data["tp_id"] == []
    assert view.figure.frame_width > 0 and view.figure.frame_height > 0


# -- escaping ----------------------------------------------------------------------------------

HOSTILE = "<img src=x onerror=alert(1)>"


def hostile_view() -> JourneyMapView:
    journey = small_journey()
    journey.title = f"$$x$$ {HOSTILE}"
    journey.description = "\\(y\\) & <b>"
    journey.personas[0].name = HOSTILE
    journey.personas[0].quote = "$$q$$"
    journey.touchpoints[0].name = HOSTILE
    return JourneyMapView(journey, persona="maya")


def test_divs_escape_html_and_break_math_delimiters() -> None:
    from cjmkit.render.escape import ZWSP, html_text, no_math

    view = hostile_view()
    for div in (view.header, view.legend):
        assert div.disable_math is True
        assert "<img" not in div.text and "$$" not in div.text and "\\(" not in div.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in view.header.text
    assert f"${ZWSP}$x${ZWSP}$" in view.header.text
    assert no_math("$$a$$ \\[b\\] \\(c\\)").replace(ZWSP, "") == "$$a$$ \\[b\\] \\(c\\)"
    assert "$$" not in no_math("$$a$$") and "\\[" not in no_math("\\[b\\]")
    assert html_text('"<&>') == "&quot;&lt;&amp;&gt;"


def test_glyph_and_tooltip_text_stays_plain_and_templates_never_mark_fields_safe() -> None:
    from bokeh.models import HoverTool, Text

    view = hostile_view()
    names = dict(zip(view.sources["cards"].data["tp_id"], view.sources["cards"].data["t_name"], strict=True))
    assert names["order"] == HOSTILE  # the data is the text itself; BokehJS escapes it in tooltips
    hovers = [tool for tool in view.figure.tools if isinstance(tool, HoverTool)]
    assert hovers and all("{safe}" not in tool.tooltips for tool in hovers)
    # plain Text glyphs (no TeX parsing in BokehJS), never TeX/MathML glyphs
    glyphs = [r.glyph for r in view.figure.renderers]
    assert any(isinstance(g, Text) for g in glyphs)
    assert all(type(g).__name__ not in {"TeXGlyph", "MathMLGlyph"} for g in glyphs)
    assert view.figure.title.text == ""


def test_exported_page_escapes_the_title(tmp_path) -> None:
    from cjmkit.render import save_html

    path = save_html(hostile_view(), tmp_path / "map.html", title=f"{HOSTILE} $$t$$")
    page = path.read_text(encoding="utf-8")
    title = page[page.index("<title>") : page.index("</title>")]
    assert "&lt;img" in title and "<img" not in title[7:]
    markup = re.sub(r"(?s)(<script\b[^>]*>).*?</script>", r"\1</script>", page)  # drop inline code and data
    assert re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=", markup) == []  # all inline
    assert "<img" not in markup
    assert not list(tmp_path.glob(".map.html.*"))  # no temporary file left behind


# -- incremental updates give exactly the full picture ----------------------------------------

EDITS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "rename",
                "long name",
                "emotion",
                "note",
                "vote",
                "stage",
                "new stage",
                "add",
                "remove",
                "kpi",
                "persona",
                "undo",
            ]
        ),
        st.integers(min_value=0, max_value=10_000),
    ),
    min_size=1,
    max_size=8,
)


def apply_edit(view: JourneyMapView, editor: Editor, kind: str, n: int) -> None:
    journey = editor.journey
    tp = journey.touchpoints[n % len(journey.touchpoints)]
    if kind == "rename":
        editor.update("touchpoints", tp.id, name=f"Step {n}")
    elif kind == "long name":
        editor.update("touchpoints", tp.id, name="A much longer touchpoint name that wraps " * (1 + n % 3))
    elif kind == "emotion":
        editor.update("touchpoints", tp.id, emotions={**tp.emotions, "persona-1": n % 5 - 2})
    elif kind == "note":
        editor.add_note(tp.id, "pain_points", f"Pain {n}")
    elif kind == "vote" and tp.pain_points:
        editor.vote(tp.id, "pain_points", tp.pain_points[0].id)
    elif kind == "stage":
        editor.update("stages", journey.stages[n % len(journey.stages)].id, name=f"Stage {n}")
    elif kind == "add":
        editor.add(
            "touchpoints",
            {"stage": tp.stage, "lane": tp.lane, "name": f"New {n}", "emotions": {"persona-1": 0}},
        )
    elif kind == "remove" and len(journey.touchpoints) > 3:
        editor.remove("touchpoints", tp.id, cascade=True)
    elif kind == "new stage":
        editor.add("stages", {"name": f"Stage {n}"}, index=n % 3)
    elif kind == "undo" and editor.can_undo:
        editor.undo()
    elif kind == "kpi" and journey.kpis:
        editor.update("kpis", journey.kpis[n % len(journey.kpis)].id, target=float(70 + n % 30))
    elif kind == "persona":
        view.set_persona(None if view.persona else "persona-2")
        return
    view.update(journey)


@settings(max_examples=25, deadline=None)
@given(edits=EDITS)
def test_update_after_any_edits_equals_a_fresh_map(edits: list[tuple[str, int]]) -> None:
    journey = synthetic_journey(24, seed=5)
    view = JourneyMapView(journey, persona="persona-1")
    editor = Editor(journey)
    sources = dict(view.sources)
    for kind, n in edits:
        apply_edit(view, editor, kind, n)
        fresh = map_data(journey, view.persona, view.metrics)
        for name, source in view.sources.items():
            assert dict(source.data) == fresh.columns[name], (kind, name)
        assert (view.figure.frame_width, view.figure.frame_height) == (fresh.width, fresh.height)
    # patched in place, never rebuilt: the same sources, whatever their rows went through
    assert all(view.sources[name] is source for name, source in sources.items())
    fresh_view = JourneyMapView(journey, persona=view.persona)
    assert (view.header.text, view.legend.text) == (fresh_view.header.text, fresh_view.legend.text)


# -- only what changed travels to the browser ---------------------------------------------------


def browser_messages(view: JourneyMapView) -> list[tuple[str, str]]:
    """Put the view in a document; the list fills with (event kind, source name) per change sent."""
    document = Document()
    document.add_root(view.layout)
    seen: list[tuple[str, str]] = []

    def record(event: object) -> None:
        name = getattr(getattr(event, "model", None), "name", None) or ""
        if name.startswith("cjm-"):
            seen.append((type(event).__name__, name))

    document.on_change(record)
    return seen


def test_a_vote_patches_one_card_instead_of_resending_the_map() -> None:
    journey = synthetic_journey(60)
    editor = Editor(journey)
    view = JourneyMapView(journey)
    tp = next(tp for tp in journey.touchpoints if tp.pain_points)
    events = browser_messages(view)
    editor.vote(tp.id, "pain_points", tp.pain_points[0].id, +3)
    view.update(journey)
    assert ("ColumnsPatchedEvent", "cjm-cards") in events
    assert [e for e in events if e[0] == "ColumnDataChangedEvent"] == []  # no source sent whole
    expected = map_data(journey, None, view.metrics).columns
    assert all(dict(source.data) == expected[name] for name, source in view.sources.items())


def test_rows_added_at_the_end_are_streamed_and_removed_rows_replace_the_data() -> None:
    journey = small_journey()
    view = JourneyMapView(journey)
    last = journey.stages[-1].id
    editor = Editor(journey)
    events = browser_messages(view)
    editor.add("touchpoints", {"id": "late", "stage": last, "lane": "care", "name": "Late call"})
    view.update(journey)
    assert ("ColumnsStreamedEvent", "cjm-cards") in events
    assert view.sources["cards"].data["tp_id"][-1] == "late"
    events.clear()
    editor.remove("touchpoints", "late", cascade=True)
    view.update(journey)
    assert ("ColumnDataChangedEvent", "cjm-cards") in events  # fewer rows: the data is replaced
    assert "late" not in view.sources["cards"].data["tp_id"]


def test_patch_source_sends_the_smallest_change() -> None:
    source = ColumnDataSource({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert patch_source(source, {"a": [1, 9, 3], "b": ["x", "y", "z"]}) == "patch"
    assert source.data["a"] == [1, 9, 3]
    assert patch_source(source, {"a": [1, 9, 3, 4], "b": ["x", "y", "z", "w"]}) == "patch"
    assert list(source.data["b"]) == ["x", "y", "z", "w"]
    assert patch_source(source, {"a": [1, 9, 3, 4], "b": ["x", "y", "z", "w"]}) == "same"
    assert patch_source(source, {"a": [1], "b": ["x"]}) == "replace"  # rows removed
    assert patch_source(source, {"a": [5], "b": ["q"]}) == "replace"  # everything changed
    assert patch_source(source, {"a": [5], "c": ["q"]}) == "replace"  # other columns
    assert dict(source.data) == {"a": [5], "c": ["q"]}


def test_patching_never_changes_lists_someone_else_handed_to_the_source() -> None:
    baseline = {"a": [1, 2, 3], "b": ["x", "y", "z"]}
    source = ColumnDataSource(data=baseline)  # Bokeh keeps these very lists
    assert patch_source(source, {"a": [1, 9, 3, 4], "b": ["x", "y", "z", "w"]}) == "patch"
    assert baseline == {"a": [1, 2, 3], "b": ["x", "y", "z"]}
    assert dict(source.data) == {"a": [1, 9, 3, 4], "b": ["x", "y", "z", "w"]}


def test_exported_files_are_readable_by_others(tmp_path) -> None:
    import os
    import stat

    from cjmkit.render import save_html

    umask = os.umask(0o022)
    try:
        path = save_html(JourneyMapView(small_journey()), tmp_path / "map.html")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_data_for_gives_what_update_sets() -> None:
    journey = small_journey()
    view = JourneyMapView(journey)
    Editor(journey).update("touchpoints", "call", name="Thank-you call")
    data = view.data_for(journey)
    view.update(journey)
    assert all(dict(source.data) == data.columns[name] for name, source in view.sources.items())


# -- command line --------------------------------------------------------------------------------


def test_render_command_writes_offline_html(tmp_path, capsys) -> None:
    from support import SAMPLE_MAP

    from cjmkit.cli import main

    out = tmp_path / "map.html"
    assert main(["render", str(SAMPLE_MAP), "--html", str(out), "--persona", "maya"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Bokeh" in page and "cjm-cards" in page
    assert f"wrote {out}" in capsys.readouterr().out


def test_render_command_with_measured_handoff_health(tmp_path) -> None:
    from support import SAMPLE_MAP

    from cjmkit.cli import main

    folder = tmp_path / "maps"
    folder.mkdir()
    for name in ("acme.cjm.json", "tickets.csv", "care_contacts.csv"):
        (folder / name).write_bytes((SAMPLE_MAP.parent / name).read_bytes())
    out = tmp_path / "map.html"
    assert main(["render", str(folder / "acme.cjm.json"), "--measure", "--html", str(out)]) == 0
    assert "on time" in out.read_text(encoding="utf-8")  # handoff labels carry the measured share


def test_render_command_refuses_bad_requests_in_one_line(tmp_path, capsys) -> None:
    from support import SAMPLE_MAP

    from cjmkit.cli import main

    assert main(["render", str(SAMPLE_MAP)]) == 2
    assert "say what to write" in capsys.readouterr().err
    assert main(["render", str(SAMPLE_MAP), "--html", str(tmp_path / "x.html"), "--persona", "nobody"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no persona has the id 'nobody'" in err
    assert not (tmp_path / "x.html").exists()
    assert main(["render", str(tmp_path / "missing.cjm.json"), "--html", str(tmp_path / "y.html")]) == 2


def test_selection_follows_its_card_through_updates_without_calling_back() -> None:
    journey = small_journey()
    view = JourneyMapView(journey)
    heard: list[str] = []
    view.on_select(heard.append)
    view.select("call")
    assert heard == ["call"]
    Editor(journey).add(
        "touchpoints", {"id": "first", "stage": "buy", "lane": "cust", "name": "Sees an ad"}, index=0
    )
    view.update(journey)
    assert view.selected == "call" and heard == ["call"]  # moved one row down, no new "tap"
    Editor(journey).remove("touchpoints", "call", cascade=True)
    view.update(journey)
    assert view.selected is None and view.sources["cards"].selected.indices == []


def test_a_selection_the_browser_restores_after_a_redraw_is_not_a_tap() -> None:
    view = JourneyMapView(small_journey())
    heard: list[str] = []
    view.on_select(heard.append)
    view.select("call", quiet=True)
    ids = view.sources["cards"].data["tp_id"]
    # BokehJS clears the selection when rows change and puts back the old row, then the new one
    for indices in ([], [ids.index("ticket")], [ids.index("call")]):
        view.sources["cards"].selected.indices = indices
    assert heard == [] and view.selected == "call"
    tap = view.figure.select_one({"name": "cjm-tap"})
    assert tap.mode == "replace" and tap.callback is not None  # a tap on the selected card keeps it


def test_emotion_caption_says_what_is_missing() -> None:
    assert "Add a persona" in JourneyMapView(Journey(id="e", title="E")).sources["captions"].data["text"][0]
    journey = small_journey()
    for tp in journey.touchpoints:
        tp.emotions = {}
        tp.emotions_to_be = {}
    assert "No feelings recorded yet" in JourneyMapView(journey).sources["captions"].data["text"][0]
    assert (
        JourneyMapView(small_journey(), persona="maya")
        .sources["captions"]
        .data["text"][0]
        .startswith("How Maya feels")
    )


def test_stage_headers_show_phase_labels_unless_they_repeat_the_name() -> None:
    journey = small_journey()
    journey.stages[2].phase = "follow-up"
    stages = {r["stage_id"]: r for r in rows(JourneyMapView(journey).sources["stages"])}
    assert stages["buy"]["phase"] == "DO" and stages["help"]["phase"] == "CARE"
    assert stages["follow"]["phase"] == ""  # "Follow-up" twice says nothing
    assert stages["help"]["name"] == "Get help"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu")), min_size=6, max_size=40))
def test_a_long_word_never_breaks_into_a_stub(word):
    from cjmkit.render.text import wrap

    lines = wrap(word, (70, 15, True), 20)
    pieces = [line.removesuffix("-") for line in lines]
    assert "".join(pieces) == word  # nothing lost, nothing added but the hyphens
    if len(lines) > 1 and len(word) >= 6:
        assert all(len(piece) >= 3 for piece in pieces) or len(pieces[0]) < 3


def test_troubleshooting_breaks_between_syllables():
    from cjmkit.render.text import wrap

    assert wrap("Troubleshooting", (110, 15, True), 3) == ("Troubleshoot-", "ing")
    assert wrap("Troubleshooting", (90, 15, True), 3) == ("Trouble-", "shooting")


def test_selecting_a_card_greys_out_no_other_card():
    from cjmkit.render import JourneyMapView
    from cjmkit.synthetic import synthetic_journey

    view = JourneyMapView(synthetic_journey(12))
    cards = view.sources["cards"]
    on_cards = [r for r in view.figure.renderers if r.data_source is cards]
    kept = [r for r in on_cards if r.nonselection_glyph is not None]
    # only the card boxes keep a look of their own when another card is selected, and it is theirs
    assert len(kept) == 1 and kept[0].nonselection_glyph.fill_alpha == 1.0
    assert kept[0].nonselection_glyph.line_alpha == 1.0
    view.select("tp3")
    assert view.selected == "tp3"
