"""The journey document: validation with places, migrations, versions, unknown keys, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cjmkit.errors import InvalidJourney, SchemaVersionError
from cjmkit.model import (
    SCHEMA_VERSION,
    Journey,
    journey_from_dict,
    json_schema,
    migrate,
    slugify,
    unique_id,
)
from cjmkit.synthetic import synthetic_journey

FIXTURES = Path(__file__).parent / "fixtures"


def small() -> dict:
    """A valid little map as raw data (what a file holds)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "id": "small",
        "title": "Small",
        "personas": [{"id": "maya", "name": "Maya"}],
        "stages": [{"id": "help", "name": "Get help"}],
        "lanes": [
            {"id": "support", "name": "Support", "kind": "support"},
            {"id": "care", "name": "Care", "kind": "care"},
        ],
        "touchpoints": [
            {"id": "chat", "stage": "help", "lane": "support", "name": "Chat", "emotions": {"maya": -1}},
            {"id": "call", "stage": "help", "lane": "care", "name": "Call back", "emotions": {"maya": 1}},
        ],
        "handoffs": [{"id": "h1", "from_touchpoint": "chat", "to_touchpoint": "call", "sla_hours": 24}],
        "kpis": [{"id": "csat", "name": "CSAT", "touchpoint": "chat", "target": 80, "warning": 70}],
        "feedback": [{"id": "f1", "touchpoint": "chat", "csat": 5, "comment": "Quick!"}],
    }


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InvalidJourney) as caught:
        journey_from_dict(data, "m.cjm.json")
    assert str(caught.value).startswith("m.cjm.json: ")
    return caught.value.problems


def test_a_valid_map_loads_with_its_references():
    journey = journey_from_dict(small())
    assert journey.touchpoint("chat").emotions == {"maya": -1}
    assert [lane.id for lane in journey.lanes_of_kind("care")] == ["care"]
    assert journey.problems() == []


def test_emotion_out_of_range_names_its_place():
    data = small()
    data["touchpoints"][1]["emotions"]["maya"] = 5
    assert problems_of(data) == ["touchpoints[1].emotions.maya: must be between -2 and 2, got 5"]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("touchpoints", 0, "stage"), "nowhere", "touchpoints[0].stage: no stage has the id 'nowhere'"),
        (("touchpoints", 0, "lane"), "nolane", "touchpoints[0].lane: no lane has the id 'nolane'"),
        (
            ("touchpoints", 0, "personas"),
            ["ghost"],
            "touchpoints[0].personas[0]: no persona has the id 'ghost'",
        ),
        (
            ("handoffs", 0, "to_touchpoint"),
            "gone",
            "handoffs[0].to_touchpoint: no touchpoint has the id 'gone'",
        ),
        (("kpis", 0, "touchpoint"), "gone", "kpis[0].touchpoint: no touchpoint has the id 'gone'"),
        (("feedback", 0, "stage"), "gone", "feedback[0].stage: no stage has the id 'gone'"),
        (("feedback", 0, "persona"), "gone", "feedback[0].persona: no persona has the id 'gone'"),
    ],
)
def test_each_broken_reference_is_named(path, value, expected):
    data = small()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert problems_of(data) == [expected]


def test_emotion_for_unknown_persona_is_refused():
    data = small()
    data["touchpoints"][0]["emotions"] = {"ghost": 1}
    assert problems_of(data) == ["touchpoints[0].emotions.ghost: no persona has the id 'ghost'"]


def test_handoff_to_itself_duplicate_ids_and_empty_names_are_all_listed():
    data = small()
    data["handoffs"][0]["to_touchpoint"] = "chat"
    data["stages"].append({"id": "help", "name": "Again"})
    found = problems_of(data)
    assert "stages[1].id: 'help' is already used by stages[0]" in found
    assert any(
        p.startswith("handoffs[0].to_touchpoint: a handoff must lead to another touchpoint") for p in found
    )
    data = small()
    data["personas"][0]["name"] = "   "
    assert problems_of(data) == ["personas[0].name: must not be empty"]


def test_field_errors_are_plain_sentences():
    data = small()
    data["lanes"][0]["kind"] = "helpdesk"
    data["kpis"][0]["direction"] = "up"
    data["touchpoints"][0]["id"] = "has space"
    del data["title"]
    found = problems_of(data)
    assert "title: is required" in found
    assert any(p.startswith("lanes[0].kind: must be one of 'customer', 'support'") for p in found)
    assert any(p.startswith("kpis[0].direction: must be one of 'higher' or 'lower'") for p in found)
    assert any(p.startswith("touchpoints[0].id: 'has space' is not a valid id") for p in found)


def test_kpi_thresholds_must_agree_with_direction():
    data = small()
    data["kpis"][0].update(target=70, warning=80)
    assert problems_of(data) == [
        "kpis[0].warning: when higher is better the warning level (80) must not be above the target (70)"
    ]


def test_duplicate_observation_periods_are_refused():
    data = small()
    data["kpis"][0]["observations"] = [
        {"period": "2026-01-01", "value": 1},
        {"period": "2026-01-01", "value": 2},
    ]
    assert problems_of(data) == [
        "kpis[0].observations[1].period: 2026-01-01 is already observed at observations[0]"
    ]


@pytest.mark.parametrize("data", [[], "text", 3, None])
def test_json_that_is_not_an_object_is_not_a_map(data):
    with pytest.raises(InvalidJourney, match="a journey map is a JSON object"):
        journey_from_dict(data)


def test_an_unrelated_json_object_is_not_a_map():
    with pytest.raises(InvalidJourney, match="this is JSON but not a journey map"):
        journey_from_dict({"name_of_package": "x", "dependencies": {}})


def test_newer_major_version_is_refused_naming_both_versions():
    data = small()
    data["schema_version"] = "7.2"
    with pytest.raises(SchemaVersionError) as caught:
        journey_from_dict(data)
    assert "7.2" in str(caught.value) and SCHEMA_VERSION in str(caught.value)


def test_newer_minor_version_is_read_and_keeps_unknown_keys():
    data = small()
    data["schema_version"] = "1.9"
    data["future_field"] = {"nested": [1, 2]}
    data["touchpoints"][0]["sentiment_source"] = "survey"
    journey = journey_from_dict(data)
    dumped = journey.to_dict()
    assert dumped["future_field"] == {"nested": [1, 2]}
    assert dumped["touchpoints"][0]["sentiment_source"] == "survey"


def test_garbage_version_is_a_clear_error():
    data = small()
    data["schema_version"] = "banana"
    with pytest.raises(SchemaVersionError, match="'banana' is not a version number"):
        journey_from_dict(data)


def test_legacy_prototype_file_is_migrated():
    raw = json.loads((FIXTURES / "legacy-0.9.cjm.json").read_text(encoding="utf-8"))
    journey = journey_from_dict(raw)
    assert journey.schema_version == SCHEMA_VERSION
    assert journey.title == "Café onboarding (prototype)"
    assert [(lane.id, lane.kind) for lane in journey.lanes] == [
        ("customer-actions", "customer"),
        ("support-desk", "support"),
        ("customer-care", "care"),
        ("systems", "backstage"),
    ]
    phone = journey.touchpoint("phone-support")
    assert (phone.stage, phone.lane, phone.emotions) == ("get-help", "support-desk", {"lena": -2})
    assert phone.opportunities[0].text == "Call-back instead of queue"
    assert journey.handoffs[0].sla_hours == 48
    assert journey.model_extra == {"workshop_notes": "Kept from the 0.9 prototype: unknown keys survive."}
    # migrating does not touch the caller's data
    assert raw["touchpoints"][0]["emotion"] == 1
    assert migrate(journey.to_dict())["schema_version"] == SCHEMA_VERSION


def test_schema_is_generated_from_the_model_and_describes_lane_kinds():
    schema = json_schema()
    assert schema["title"] == "Journey"
    lane = schema["$defs"]["Lane"]["properties"]["kind"]
    assert set(lane["enum"]) == {"customer", "support", "care", "frontstage", "backstage", "other"}


def test_shipped_schema_file_matches_the_model():
    shipped = Path(__file__).parent.parent / "cjmkit" / "schema" / "journey.schema.json"
    assert json.loads(shipped.read_text(encoding="utf-8")) == json_schema(), (
        "cjmkit/schema/journey.schema.json is stale: run `cjmkit schema > cjmkit/schema/journey.schema.json`"
    )


def test_maps_validate_against_the_shipped_json_schema():
    import jsonschema

    jsonschema.validate(synthetic_journey(20).to_dict(), json_schema())
    jsonschema.validate(journey_from_dict(small()).to_dict(), json_schema())


def test_ids_are_readable_slugs_and_unique():
    assert slugify("Contact support!") == "contact-support"
    assert slugify("Café crème") == "cafe-creme"
    assert unique_id("Chat", ["chat", "chat-2"]) == "chat-3"
    assert unique_id("🙂", [], fallback="touchpoint") == "touchpoint"


def test_synthetic_journeys_are_valid_at_any_size():
    for size in (0, 1, 50):
        journey = synthetic_journey(size)
        assert len(journey.touchpoints) == size
        assert journey.problems() == []
    assert synthetic_journey(30, seed=4) == synthetic_journey(30, seed=4)


def test_journey_defaults_make_a_valid_empty_map():
    journey = Journey(id="empty", title="Empty")
    assert journey.problems() == []
    assert journey_from_dict(journey.to_dict()) == journey


@pytest.mark.parametrize(
    ("direction", "value", "expected"),
    [
        ("higher", 80, "ok"),
        ("higher", 75, "warning"),
        ("higher", 70, "warning"),
        ("higher", 69.9, "bad"),
        ("lower", 4, "ok"),
        ("lower", 6, "warning"),
        ("lower", 8.5, "bad"),
        ("higher", None, "none"),
        ("higher", float("nan"), "none"),
    ],
)
def test_a_kpi_judges_a_value_by_its_direction_and_thresholds(direction, value, expected):
    from cjmkit.model import Kpi

    levels = {"higher": (80, 70), "lower": (4, 8)}[direction]
    kpi = Kpi(id="k", name="K", direction=direction, target=levels[0], warning=levels[1])
    assert kpi.judge(value) == expected
    assert Kpi(id="k", name="K").judge(5) == "none"  # no target
    assert Kpi(id="k", name="K", target=10).judge(9) == "bad"  # no warning level
