"""The editors, driven the way a facilitator drives them: ``.value = …`` and ``.click()``."""

from __future__ import annotations

import pytest

from cjmkit.edits import Editor
from cjmkit.model import Handoff, Journey, Lane, Note, Persona, Stage, Touchpoint
from cjmkit.widgets import (
    DotVoting,
    HandoffEditor,
    PersonaEditor,
    QuickCapture,
    StructureEditor,
    TouchpointEditor,
)
from cjmkit.widgets._common import NEW, message_text


def small_journey() -> Journey:
    return Journey(
        id="demo",
        title="Demo",
        personas=[Persona(id="maya", name="Maya"), Persona(id="raj", name="Raj")],
        stages=[
            Stage(id="buy", name="Buy"),
            Stage(id="help", name="Get help"),
            Stage(id="stay", name="Stay"),
        ],
        lanes=[
            Lane(id="customer", name="Customer", kind="customer"),
            Lane(id="support", name="Support", kind="support"),
            Lane(id="care", name="Care", kind="care"),
        ],
        touchpoints=[
            Touchpoint(id="order", stage="buy", lane="customer", name="Order online", emotions={"maya": 1}),
            Touchpoint(
                id="chat",
                stage="help",
                lane="support",
                name="Live chat",
                pain_points=[Note(id="wait", text="Long wait", votes=2)],
            ),
            Touchpoint(
                id="thanks",
                stage="stay",
                lane="care",
                name="Thank-you call",
                opportunities=[Note(id="gift", text="Small gift")],
            ),
        ],
        handoffs=[Handoff(id="chat-to-thanks", from_touchpoint="chat", to_touchpoint="thanks", sla_hours=24)],
    )


@pytest.fixture
def editor() -> Editor:
    return Editor(small_journey())


def option_values(picker) -> list:
    return [value for _label, value in picker.options]


# -- personas ----------------------------------------------------------------------------------


def test_persona_add_edit_delete_undo_redo(editor):
    form = PersonaEditor(editor)
    assert form.picker.value == NEW
    form.name.value = "Lena"
    form.role.value = "Admin"
    form.goals.value = "Set up fast\n\nInvite the team"
    form.channels.value = "email, chat"
    form.quote.value = "Just make it work"
    form.save_button.click()
    lena = editor.journey.persona("lena")
    assert lena is not None and lena.goals == ["Set up fast", "Invite the team"]
    assert lena.channels == ["email", "chat"] and lena.quote == "Just make it work"
    assert form.picker.value == "lena" and form.save_button.description == "Save changes"

    form.frustrations.value = "Too many emails"
    form.name.value = "Lena K."
    form.save_button.click()
    assert editor.journey.persona("lena").name == "Lena K."
    assert editor.journey.persona("lena").frustrations == ["Too many emails"]

    editor.undo()
    assert editor.journey.persona("lena").name == "Lena"
    assert form.name.value == "Lena"  # the form follows the document
    editor.redo()
    assert form.name.value == "Lena K."

    form.delete_button.click()
    assert editor.journey.persona("lena") is None
    assert "lena" not in option_values(form.picker) and form.picker.value == NEW
    editor.undo()
    assert "lena" in option_values(form.picker)


def test_persona_empty_name_is_refused_inline(editor):
    form = PersonaEditor(editor)
    form.name.value = "   "
    form.save_button.click()
    assert len(editor.journey.personas) == 2
    assert form.messages.texts() == {"name": "name: must not be empty"}
    assert not editor.can_undo


def test_persona_with_emotions_asks_before_deleting(editor):
    form = PersonaEditor(editor)
    form.select("maya")
    form.delete_button.click()
    assert editor.journey.persona("maya") is not None  # not yet: it asks
    confirm = form.confirm_box.children[1]
    assert confirm.description == "Delete it and take it off 1 touchpoint"
    confirm.click()
    assert editor.journey.persona("maya") is None
    assert "maya" not in editor.journey.touchpoint("order").emotions
    editor.undo()  # one step brings the persona and its rating back
    assert editor.journey.touchpoint("order").emotions == {"maya": 1}


def test_persona_name_is_escaped_in_messages(editor):
    form = PersonaEditor(editor)
    form.name.value = "<b>Boss</b>"
    form.save_button.click()
    assert "<b>Boss" not in form.messages.form.value and "&lt;b&gt;" in form.messages.form.value


# -- stages and lanes --------------------------------------------------------------------------


def test_stage_add_rename_reorder_delete(editor):
    structure = StructureEditor(editor)
    stages = structure.stages
    stages.select("buy")
    editor.update("stages", "buy", goal="Pick a plan")
    stages.new_name.value = "Discover"
    stages.add_button.click()
    assert [s.id for s in editor.journey.stages] == ["buy", "discover", "help", "stay"]
    added = editor.journey.stage("discover")
    assert (added.goal, added.phase) == ("", None)  # nothing copied from the picked stage
    assert stages.items.value == "discover" and stages.new_name.value == ""
    stages.phase.value = "See"
    stages.save_button.click()
    assert editor.journey.stage("discover").phase == "See"

    stages.select("discover")
    stages.up_button.click()
    assert [s.id for s in editor.journey.stages][:2] == ["discover", "buy"]
    assert stages.up_button.disabled  # first now
    stages.down_button.click()
    assert [s.id for s in editor.journey.stages][:2] == ["buy", "discover"]

    stages.name.value = "Find us"
    stages.save_button.click()
    assert editor.journey.stage("discover").name == "Find us"
    editor.undo()
    assert editor.journey.stage("discover").name == "Discover" and stages.name.value == "Discover"
    editor.redo()
    assert stages.name.value == "Find us"

    stages.delete_button.click()  # empty stage: goes at once
    assert editor.journey.stage("discover") is None
    editor.undo()
    assert editor.journey.stage("discover") is not None


def test_lane_rename_to_empty_is_refused_and_kind_is_kept(editor):
    lanes = StructureEditor(editor).lanes
    lanes.select("care")
    lanes.name.value = ""
    lanes.save_button.click()
    assert editor.journey.lane("care").name == "Care"
    assert lanes.messages.texts() == {"name": "name: must not be empty"}
    lanes.name.value = "Customer care"
    lanes.kind.value = "care"
    lanes.save_button.click()
    assert editor.journey.lane("care").name == "Customer care"
    assert lanes.messages.texts() == {"": "Saved"}


def test_deleting_a_stage_with_touchpoints_moves_them_in_one_step(editor):
    stages = StructureEditor(editor).stages
    stages.select("help")
    stages.delete_button.click()
    assert editor.journey.stage("help") is not None  # it asks first
    question, move_row, _drop_row = stages.confirm_box.children
    assert "1 touchpoint" in question.value
    stages.move_target.value = "stay"
    move_row.children[2].click()
    assert editor.journey.stage("help") is None
    assert editor.journey.touchpoint("chat").stage == "stay"
    assert editor.journey.handoffs  # nothing else lost
    editor.undo()
    assert editor.journey.stage("help") is not None and editor.journey.touchpoint("chat").stage == "help"


def test_deleting_a_lane_with_touchpoints_together_is_one_undo_step(editor):
    lanes = StructureEditor(editor).lanes
    lanes.select("support")
    lanes.delete_button.click()
    drop = lanes.confirm_box.children[2].children[0]
    assert "1 touchpoint" in drop.description
    drop.click()
    assert editor.journey.lane("support") is None and editor.journey.touchpoint("chat") is None
    assert editor.journey.handoffs == []  # the handoff of the deleted touchpoint went too
    editor.undo()
    assert editor.journey.touchpoint("chat") is not None and len(editor.journey.handoffs) == 1


def test_cancel_keeps_the_stage(editor):
    stages = StructureEditor(editor).stages
    stages.select("help")
    stages.delete_button.click()
    stages.confirm_box.children[2].children[1].click()
    assert stages.confirm_box.children == () and editor.journey.stage("help") is not None


# -- touchpoints -------------------------------------------------------------------------------


def test_touchpoint_add_edit_delete_undo_redo(editor):
    form = TouchpointEditor(editor)
    form.stage.value = "help"
    form.lane.value = "support"
    form.name.value = "Phone hotline"
    form.description.value = "Calls the support line"
    form.channel.value = "phone"
    form.owner.value = "Support team"
    form.emotion_sliders["raj"].value = -2
    assert form.emotion_words["raj"].value == "very negative"
    form.save_button.click()
    tp = editor.journey.touchpoint("phone-hotline")
    assert (tp.stage, tp.lane, tp.channel, tp.owner) == ("help", "support", "phone", "Support team")
    assert tp.emotions == {"raj": -2}  # only the rated persona
    assert form.picker.value == "phone-hotline"

    form.emotion_sliders["maya"].value = 1  # applies at once on an existing touchpoint
    assert editor.journey.touchpoint("phone-hotline").emotions == {"raj": -2, "maya": 1}
    form.name.value = "Hotline"
    form.save_button.click()
    assert editor.journey.touchpoint("phone-hotline").name == "Hotline"

    editor.undo()
    assert form.name.value == "Phone hotline"
    editor.undo()
    assert form.emotion_sliders["maya"].value is None and form.emotion_words["maya"].value == "not rated"
    editor.redo()
    assert form.emotion_sliders["maya"].value == 1

    form.delete_button.click()
    assert editor.journey.touchpoint("phone-hotline") is None and form.picker.value == NEW


def test_touchpoint_invalid_input_never_reaches_the_document(editor):
    form = TouchpointEditor(editor)
    form.select("chat")
    form.name.value = ""
    form.save_button.click()
    assert editor.journey.touchpoint("chat").name == "Live chat"
    assert form.messages.texts() == {"name": "name: must not be empty"}
    form.emotion_sliders["maya"].value = 2
    assert editor.journey.touchpoint("chat").emotions == {"maya": 2}


def test_emotion_out_of_range_is_refused_inline(editor):
    form = TouchpointEditor(editor)
    form.select("order")
    form.set_emotion("maya", 5)
    assert editor.journey.touchpoint("order").emotions == {"maya": 1}
    assert "between -2 and 2" in form.messages.texts()["emotions"]


def test_touchpoint_notes_add_and_remove(editor):
    form = TouchpointEditor(editor)
    form.select("chat")
    form.note_inputs["opportunities"].value = "Call back instead"
    form.note_buttons["opportunities"].click()
    assert [n.text for n in editor.journey.touchpoint("chat").opportunities] == ["Call back instead"]
    assert form.note_inputs["opportunities"].value == ""
    assert len(form.note_boxes["opportunities"].children) == 1
    form.note_inputs["pain_points"].value = " "
    form.note_buttons["pain_points"].click()
    assert "must not be empty" in form.messages.texts()["pain_points"]
    remove = form.note_boxes["pain_points"].children[0].children[1]
    remove.click()
    assert editor.journey.touchpoint("chat").pain_points == []
    editor.undo()
    assert [n.text for n in editor.journey.touchpoint("chat").pain_points] == ["Long wait"]


def test_touchpoint_with_a_handoff_asks_before_deleting(editor):
    form = TouchpointEditor(editor)
    form.select("chat")
    form.delete_button.click()
    assert editor.journey.touchpoint("chat") is not None
    form.confirm_box.children[1].click()
    assert editor.journey.touchpoint("chat") is None and editor.journey.handoffs == []


def test_touchpoint_editor_follows_other_edits(editor):
    form = TouchpointEditor(editor)
    form.select("order")
    form.description.value = "typing, not saved yet"
    editor.add("stages", {"name": "Renew"})
    assert "renew" in option_values(form.stage)
    assert form.description.value == "typing, not saved yet"  # unrelated edits keep the typing
    editor.add("personas", {"name": "Ola"})
    assert "ola" in form.emotion_sliders


# -- handoffs ----------------------------------------------------------------------------------


def test_handoff_add_edit_delete_undo_redo(editor):
    editor.add("touchpoints", {"id": "email", "name": "Email reply", "stage": "help", "lane": "support"})
    form = HandoffEditor(editor)
    assert option_values(form.from_touchpoint) == ["chat", "email"]  # support lanes only
    assert option_values(form.to_touchpoint) == ["thanks"]  # care lanes only
    form.from_touchpoint.value = "email"
    form.trigger.value = "Reply sent"
    form.sla_hours.value = "48"
    form.to_owner.value = "Care team"
    form.save_button.click()
    added = editor.journey.handoffs[-1]
    assert (added.from_touchpoint, added.to_touchpoint, added.sla_hours) == ("email", "thanks", 48)
    assert form.picker.value == added.id

    form.sla_hours.value = ""
    form.save_button.click()
    assert editor.journey.handoffs[-1].sla_hours is None
    editor.undo()
    assert form.sla_hours.value == "48"
    editor.redo()
    assert form.sla_hours.value == ""
    form.delete_button.click()
    assert len(editor.journey.handoffs) == 1


def test_handoff_to_itself_and_bad_sla_are_refused_inline(editor):
    form = HandoffEditor(editor)
    form.any_lane.value = True
    form.from_touchpoint.value = "chat"
    form.to_touchpoint.value = "chat"
    form.save_button.click()
    assert len(editor.journey.handoffs) == 1
    assert "must lead to another touchpoint" in form.messages.texts()["to_touchpoint"]
    form.to_touchpoint.value = "thanks"
    form.sla_hours.value = "soon"
    form.save_button.click()
    assert form.messages.texts() == {"sla_hours": "SLA: “soon” is not a number of hours (e.g. 24)"}
    for bad in ("-3", "0", "1e9", "nan", "inf"):
        form.sla_hours.value = bad
        form.save_button.click()
        assert "SLA: " in form.messages.texts()["sla_hours"] and len(editor.journey.handoffs) == 1
    form.sla_hours.value = "48"
    form.save_button.click()
    assert editor.journey.handoffs[-1].sla_hours == 48


# -- quick capture -----------------------------------------------------------------------------


def test_quick_capture_drops_notes_and_keeps_pickers(editor):
    capture = QuickCapture(editor)
    capture.stage.value = "help"
    capture.lane.value = "support"
    capture.text.value = "Email the helpdesk"
    capture.drop_button.click()
    tp = editor.journey.touchpoints[-1]
    assert (tp.name, tp.stage, tp.lane) == ("Email the helpdesk", "help", "support")
    assert capture.text.value == "" and (capture.stage.value, capture.lane.value) == ("help", "support")

    capture.kind.value = "pain_points"
    assert capture.target.value == tp.id  # the note goes on what was just captured
    capture.text.value = "Nobody answers"
    capture.text._handle_string_msg(None, {"event": "submit"}, [])  # what Enter sends
    assert [n.text for n in editor.journey.touchpoint(tp.id).pain_points] == ["Nobody answers"]
    assert capture.text.value == "" and capture.kind.value == "pain_points"

    capture.kind.value = "opportunities"
    capture.target.value = "chat"
    capture.text.value = "Chatbot for FAQs"
    capture.drop_button.click()
    assert editor.journey.touchpoint("chat").opportunities[-1].text == "Chatbot for FAQs"
    editor.undo()
    assert editor.journey.touchpoint("chat").opportunities == []
    editor.redo()
    assert editor.journey.touchpoint("chat").opportunities[-1].text == "Chatbot for FAQs"


def test_quick_capture_refuses_empty_text_and_notes_without_touchpoint(editor):
    capture = QuickCapture(editor)
    before = editor.journey.model_dump()
    capture.text.value = "  "
    capture.drop_button.click()
    assert "type something" in capture.messages.texts()["text"]
    editor.add("stages", {"id": "renew", "name": "Renew"})
    capture.stage.value = "renew"
    capture.kind.value = "opportunities"
    capture.text.value = "Loyalty discount"
    capture.drop_button.click()
    assert "no touchpoint in this stage" in capture.messages.texts()["target"]
    assert editor.journey.touchpoints == Journey.model_validate(before).touchpoints


# -- dot voting --------------------------------------------------------------------------------


def test_dot_voting_tallies_and_undo(editor):
    voting = DotVoting(editor)
    key = ("chat", "pain_points", "wait")
    row = voting.rows[key]
    row.plus.click()
    row.plus.click()
    assert editor.journey.touchpoint("chat").pain_points[0].votes == 4
    assert ">4<" in row.tally.value and "Long wait" in voting.leaders.value
    row.minus.click()
    assert voting.tally(*key) == 3
    editor.undo()
    assert voting.tally(*key) == 4 and ">4<" in row.tally.value
    editor.redo()
    assert voting.tally(*key) == 3 and ">3<" in row.tally.value

    gift = voting.rows[("thanks", "opportunities", "gift")]
    assert gift.minus.disabled  # no votes to take back
    voting.order.value = "votes"
    assert voting.list.children[0] is row.box
    voting.kind.value = "opportunities"
    assert voting.list.children == (gift.box,)


def test_dot_voting_shows_new_notes_live(editor):
    voting = DotVoting(editor)
    editor.add_note("order", "pain_points", "Hidden fees")
    assert ("order", "pain_points", "hidden-fees") in voting.rows
    assert len(voting.list.children) == 3
    voting.stage.value = "buy"
    assert len(voting.list.children) == 1
    assert "Hidden fees" in message_text(voting.rows[("order", "pain_points", "hidden-fees")].text)


def test_a_map_without_stages_says_what_to_add_first():
    editor = Editor(Journey(id="empty", title="Empty"))
    capture, form = QuickCapture(editor), TouchpointEditor(editor)
    capture.text.value = "First idea"
    capture.drop_button.click()
    form.name.value = "First touchpoint"
    form.save_button.click()
    assert editor.journey.touchpoints == []
    for messages in (capture.messages, form.messages):
        assert "add them under Stages & lanes first" in messages.texts()[""]
    structure = StructureEditor(editor)
    structure.stages.new_name.value = "Aware"
    structure.stages.add_button.click()
    structure.lanes.new_name.value = "Customer"
    structure.lanes.add_button.click()
    capture.drop_button.click()  # the pickers now offer them, the typed text is still there
    assert [(tp.name, tp.stage, tp.lane) for tp in editor.journey.touchpoints] == [
        ("First idea", "aware", "customer")
    ]


def test_moving_a_stages_touchpoints_moves_its_feedback_too(editor):
    editor.add("feedback", {"id": "f1", "stage": "help", "comment": "Slow chat", "csat": 2})
    stages = StructureEditor(editor).stages
    stages.select("help")
    stages.delete_button.click()
    stages.move_target.value = "buy"
    stages.confirm_box.children[1].children[2].click()
    assert editor.journey.stage("help") is None
    assert editor.journey.find("feedback", "f1").stage == "buy"
    assert editor.journey.touchpoint("chat").stage == "buy"
    assert (
        editor.undo_description
        == "Delete stage “Get help”, moving its 1 touchpoint and 1 feedback item to “Buy”"
    )
    editor.undo()
    assert editor.journey.find("feedback", "f1").stage == "help"


def test_handoff_editor_offers_the_ends_of_an_open_handoff_from_other_lanes(editor):
    editor.add("handoffs", {"id": "odd", "from_touchpoint": "order", "to_touchpoint": "chat"})
    form = HandoffEditor(editor)
    form.select("odd")
    assert (form.from_touchpoint.value, form.to_touchpoint.value) == ("order", "chat")
    form.trigger.value = "Order problem"
    form.save_button.click()
    assert editor.journey.find("handoffs", "odd").trigger == "Order problem"
    assert editor.journey.find("handoffs", "odd").from_touchpoint == "order"


def test_a_bug_shows_one_sentence_not_a_traceback(editor, monkeypatch):
    form = PersonaEditor(editor)

    def broken(*_args, **_kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(editor, "add", broken)
    form.name.value = "Lena"
    form.save_button.click()
    shown = form.messages.texts()[""]
    assert shown.startswith("something went wrong (KeyError: 'oops')") and "Traceback" not in shown


def test_to_be_emotions_are_rated_apart_from_today(editor):
    form = TouchpointEditor(editor)
    form.select("order")
    assert form.to_be_words["maya"].value == "not rated"  # today's +1 is not the to-be rating
    assert form.emotion_sliders["maya"].value == 1 and form.emotion_words["maya"].value == "positive"
    form.to_be_sliders["maya"].value = 2
    tp = editor.journey.touchpoint("order")
    assert tp.emotions == {"maya": 1} and tp.emotions_to_be == {"maya": 2}
    editor.undo()
    assert editor.journey.touchpoint("order").emotions_to_be == {}
    assert form.to_be_sliders["maya"].value is None

    form.select(None)  # a new touchpoint takes both kinds of rating when added
    form.stage.value, form.lane.value = "stay", "care"
    form.name.value = "Renewal call"
    form.emotion_sliders["raj"].value = -1
    form.to_be_sliders["raj"].value = 1
    form.save_button.click()
    added = editor.journey.touchpoint("renewal-call")
    assert added.emotions == {"raj": -1} and added.emotions_to_be == {"raj": 1}
    form.select("order")  # nothing is carried over to the next touchpoint
    assert form.to_be_sliders["raj"].value is None and form.emotion_sliders["raj"].value is None


def test_neutral_is_a_rating_and_a_rating_can_be_cleared(editor):
    form = TouchpointEditor(editor)
    form.select("chat")
    form.emotion_sliders["raj"].value = 0  # neutral: the middle button, a rating like any other
    assert editor.journey.touchpoint("chat").emotions["raj"] == 0
    assert form.emotion_words["raj"].value == "neutral"
    assert not form.clear_buttons[("emotions", "raj")].disabled
    form.clear_buttons[("emotions", "raj")].click()  # back to "not rated"
    assert "raj" not in editor.journey.touchpoint("chat").emotions
    assert form.emotion_sliders["raj"].value is None and form.emotion_words["raj"].value == "not rated"
    assert form.clear_buttons[("emotions", "raj")].disabled
    editor.undo()
    assert editor.journey.touchpoint("chat").emotions["raj"] == 0 and form.emotion_sliders["raj"].value == 0


def test_the_map_title_and_description_are_edited_from_the_stages_tab(editor):
    structure = StructureEditor(editor)
    details = structure.details
    assert details.title.value == "Demo"
    details.title.value = ""
    details.save_button.click()
    assert editor.journey.title == "Demo" and "must not be empty" in details.messages.texts()["title"]
    details.title.value = "Shop journey, spring workshop"
    details.description.value = "Mapped with the support team"
    details.save_button.click()
    assert (editor.journey.title, editor.journey.description) == (
        "Shop journey, spring workshop",
        "Mapped with the support team",
    )
    assert editor.undo_description == "Edit the map's title and description"
    editor.undo()
    assert details.title.value == "Demo" and details.description.value == ""
    structure.close()


def test_persona_names_are_shown_as_typed_never_as_tex(editor):
    editor.add("personas", {"id": "tex", "name": "Price $x^2$ <b>hunter</b>"})
    form = TouchpointEditor(editor)
    import ipywidgets as widgets

    shown = [child.value for child in form.emotions_box.children if isinstance(child, widgets.HTML)]
    assert any("Price $x^2$ &lt;b&gt;hunter&lt;/b&gt;" in value for value in shown)
    assert not any(isinstance(child, widgets.Label) for child in form.emotions_box.children)


# -- what the item forms share -----------------------------------------------------------------


def test_item_forms_confirm_add_and_save_and_forget_the_editor_when_closed(editor):
    persona, touchpoint, handoff = PersonaEditor(editor), TouchpointEditor(editor), HandoffEditor(editor)
    persona.name.value = "Ola"
    persona.save_button.click()
    assert persona.messages.texts() == {"": "Added Ola"} and persona.save_button.description == "Save changes"
    touchpoint.name.value = "Renewal mail"
    touchpoint.save_button.click()
    assert (
        touchpoint.messages.texts() == {"": "Added Renewal mail"}
        and touchpoint.picker.value == "renewal-mail"
    )
    handoff.to_touchpoint.value = "thanks"
    handoff.save_button.click()
    assert handoff.messages.texts() == {"": "Added handoff"} and not handoff.delete_button.disabled
    handoff.trigger.value = "Chat closed"
    handoff.save_button.click()
    assert handoff.messages.texts() == {"": "Saved"}

    handoff.close()
    editor.add("touchpoints", {"id": "call", "name": "Call back", "stage": "help", "lane": "support"})
    assert "call" not in option_values(handoff.from_touchpoint)  # closed: no longer follows the map
    assert "call" in option_values(touchpoint.picker)


def test_cancel_keeps_a_touchpoint_that_others_use(editor):
    form = TouchpointEditor(editor)
    form.select("chat")
    form.delete_button.click()
    question, _confirm, cancel = form.confirm_box.children
    assert "“Live chat” is used by 1 handoff: its handoffs and KPIs go with it" in question.value
    cancel.click()
    assert form.confirm_box.children == () and editor.journey.touchpoint("chat") is not None


def test_a_touchpoint_that_only_holds_feedback_asks_too(editor):
    editor.add("touchpoints", {"id": "survey", "name": "Survey", "stage": "help", "lane": "support"})
    editor.add("feedback", {"id": "f9", "touchpoint": "survey", "csat": 2})
    form = TouchpointEditor(editor)
    form.select("survey")
    form.delete_button.click()
    assert editor.journey.touchpoint("survey") is not None  # not silently: it asks
    question, confirm, _cancel = form.confirm_box.children
    assert "used by 1 feedback item" in question.value
    confirm.click()
    assert editor.journey.touchpoint("survey") is None
    assert editor.journey.find("feedback", "f9").touchpoint is None  # the answer itself is kept
    assert form.messages.texts() == {"": "Deleted touchpoint “Survey”, unlinking 1 feedback item"}
