"""Journey templates: every one loads, is complete enough to run a workshop from, and starts fresh maps."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from cjmkit import templates
from cjmkit.errors import CjmError, InvalidJourney
from cjmkit.model import journey_from_dict, utc_now
from cjmkit.templates import list_templates, load_template, new_journey

REPO = Path(__file__).resolve().parent.parent
NAMES = ["ecommerce-purchase", "saas-onboarding", "see-think-do-care", "support-to-care"]


def test_the_four_agreed_templates_are_listed_with_title_and_description():
    infos = list_templates()
    assert [info.name for info in infos] == NAMES
    for info in infos:
        assert info.title.strip() and len(info.description) > 40


@pytest.mark.parametrize("name", NAMES)
def test_template_file_validates_and_is_written_like_the_store_writes(name):
    path = REPO / "templates" / f"{name}.cjm.json"
    text = path.read_text(encoding="utf-8")
    journey = journey_from_dict(json.loads(text), source=str(path))
    # The JSON is the template's only source: after a hand edit, write it back in this form.
    assert text == journey.model_dump_json(indent=2) + "\n", f"{path.name} is not written as the store writes"
    assert journey.id == name
    assert journey.revision == 0


@pytest.mark.parametrize("name", NAMES)
def test_template_has_what_a_workshop_needs(name):
    journey = load_template(name)
    assert 1 <= len(journey.personas) <= 2
    for persona in journey.personas:
        assert persona.goals and persona.needs and persona.frustrations and persona.quote and persona.channels
    kinds = {lane.kind for lane in journey.lanes}
    assert {"customer", "support", "care", "backstage"} <= kinds
    assert len(journey.stages) >= 4
    for lane in journey.lanes:
        assert journey.touchpoints_in(lane=lane.id), f"lane {lane.id} has no touchpoint"
    persona_ids = {p.id for p in journey.personas}
    assert all(set(tp.emotions) <= persona_ids for tp in journey.touchpoints)
    assert sum(bool(tp.emotions) for tp in journey.touchpoints) >= 8
    assert any(tp.emotions_to_be for tp in journey.touchpoints)
    assert any(tp.pain_points for tp in journey.touchpoints)
    assert any(tp.opportunities for tp in journey.touchpoints)

    lane_kind = {lane.id: lane.kind for lane in journey.lanes}
    kind_of = {tp.id: lane_kind[tp.lane] for tp in journey.touchpoints}
    support_to_care = [
        h
        for h in journey.handoffs
        if kind_of[h.from_touchpoint] == "support" and kind_of[h.to_touchpoint] == "care"
    ]
    assert support_to_care, "no support → care handoff"
    assert all(h.sla_hours and h.trigger for h in support_to_care)

    assert len(journey.kpis) >= 2
    assert all(k.target is not None and k.warning is not None and k.unit for k in journey.kpis)


def test_see_think_do_care_uses_the_phases_as_stages():
    journey = load_template("see-think-do-care")
    assert [(s.name, s.phase) for s in journey.stages] == [
        ("See", "See"),
        ("Think", "Think"),
        ("Do", "Do"),
        ("Care", "Care"),
    ]


def test_support_to_care_follows_the_problem_to_loyalty():
    names = [s.name for s in load_template("support-to-care").stages]
    assert names == [
        "Problem occurs",
        "Contact support",
        "Troubleshooting",
        "Resolution",
        "Care follow-up",
        "Feedback",
        "Loyalty",
    ]


def test_new_journey_is_a_fresh_map_with_the_template_content():
    before = utc_now()
    journey = new_journey("support-to-care", "Café Müller support journey")
    template = load_template("support-to-care")
    assert journey.title == "Café Müller support journey"
    assert journey.id == "cafe-muller-support-journey"
    assert journey.revision == 0
    assert journey.created == journey.updated
    assert before - timedelta(seconds=1) <= journey.created <= utc_now()
    assert journey.created != template.created
    assert journey.touchpoints == template.touchpoints
    assert journey.handoffs == template.handoffs
    assert journey.problems() == []


def test_new_journey_takes_an_explicit_id_and_leaves_the_template_untouched():
    journey = new_journey("saas-onboarding", "Onboarding 2027", journey_id="onb-2027")
    journey.title = "changed"
    assert journey.id == "onb-2027"
    assert load_template("saas-onboarding").title == "SaaS onboarding"


def test_unknown_template_is_one_sentence_listing_the_available_ones():
    with pytest.raises(CjmError) as caught:
        new_journey("support-to-kare", "x")
    message = str(caught.value)
    assert "'support-to-kare'" in message
    assert all(name in message for name in NAMES)
    assert "\n" not in message


def test_new_journey_refuses_an_empty_title_or_a_bad_id():
    with pytest.raises(InvalidJourney, match="title: must not be empty"):
        new_journey("ecommerce-purchase", "   ")
    with pytest.raises(InvalidJourney, match="not a valid id"):
        new_journey("ecommerce-purchase", "Shop", journey_id="has space")


def test_a_packaged_templates_folder_is_preferred(tmp_path, monkeypatch):
    # What a wheel holds: cjmkit/_templates/*.cjm.json inside the package.
    package = tmp_path / "cjmkit"
    (package / "_templates").mkdir(parents=True)
    shutil.copyfile(
        REPO / "templates" / "see-think-do-care.cjm.json", package / "_templates" / "only.cjm.json"
    )
    monkeypatch.setattr(templates.resources, "files", lambda _name: package)
    assert [info.name for info in list_templates()] == ["only"]
    assert load_template("only").title == "See, Think, Do, Care"
