"""The handoff contract (contracts/handoff.py) and the policy that records and enforces it
inside Rasa (policies/handed_off.py), without any action server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from contracts import handoff
from policies.handed_off import REMINDER_INTERVAL, HandedOffPolicy, decide, is_handed_off

MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)


def request(previous=None, reason=handoff.Reason.CLINICAL, at=MONDAY_NOON, **fields):
    details = {"channel": "rest", "message": "texte", "intent": "clinical_question", **fields}
    return handoff.request(previous, reason, at, **details)


def test_a_request_records_reason_time_channel_and_message():
    assert request(message="combien de temps il me reste") == {
        "status": "waiting",
        "reason": "clinical",
        "urgent": False,
        "requested_at": MONDAY_NOON.isoformat(),
        "requests": 1,
        "channel": "rest",
        "message": "combien de temps il me reste",
        "intent": "clinical_question",
        "red_flag": None,
        "source": None,
        "reminded_at": None,
    }


@pytest.mark.parametrize(
    ("intent", "previous_action", "reason"),
    [
        ("emergency", None, handoff.Reason.EMERGENCY),
        ("self_harm", None, handoff.Reason.EMERGENCY),
        ("clinical_question", None, handoff.Reason.CLINICAL),
        ("request_human", None, handoff.Reason.HUMAN),
        ("request_appointment", None, handoff.Reason.APPOINTMENT),
        ("affirm", "utter_offer_handoff", handoff.Reason.HUMAN),
        ("affirm", "utter_faq", None),
        ("faq", None, None),
        ("greet", "utter_offer_handoff", None),
    ],
)
def test_which_turns_ask_for_a_person(intent, previous_action, reason):
    assert handoff.requested_reason(intent, previous_action) == reason


def test_an_emergency_marks_urgent_and_keeps_the_first_request_time_and_counts():
    earlier = request(at=MONDAY_NOON - timedelta(hours=1))
    urgent = request(earlier, handoff.Reason.EMERGENCY)
    assert urgent["urgent"] is True and urgent["reason"] == "emergency"
    assert urgent["requested_at"] == earlier["requested_at"]
    assert urgent["requests"] == 2
    # once urgent, a later ordinary request does not lower the urgency
    assert request(urgent, handoff.Reason.HUMAN)["urgent"] is True


def test_a_new_request_after_a_closed_one_starts_afresh():
    closed = {"status": "closed", "reason": "emergency", "urgent": True, "requests": 4,
              "requested_at": "2026-11-01T10:00:00+00:00", "closed_by": "claire"}  # fmt: skip
    record = request(closed, handoff.Reason.HUMAN)
    assert record["status"] == "waiting" and record["urgent"] is False
    assert record["requested_at"] == MONDAY_NOON.isoformat() and record["requests"] == 1
    assert "closed_by" not in record


def test_an_emergency_while_staff_hold_the_conversation_keeps_the_holder():
    taken = {**request(), "status": "taken", "taken_by": "claire", "taken_at": "x"}
    record = request(taken, handoff.Reason.EMERGENCY)
    assert record["status"] == "taken" and record["taken_by"] == "claire"
    assert record["urgent"] is True


def test_the_reminder_comes_at_most_once_in_a_while_and_never_once_taken():
    record = request()
    assert handoff.reminder_due(record, MONDAY_NOON, REMINDER_INTERVAL)
    reminded = handoff.reminded(record, MONDAY_NOON)
    soon = MONDAY_NOON + timedelta(minutes=5)
    assert not handoff.reminder_due(reminded, soon, REMINDER_INTERVAL)
    later = MONDAY_NOON + REMINDER_INTERVAL
    assert handoff.reminder_due(reminded, later, REMINDER_INTERVAL)
    assert not handoff.reminder_due({**record, "status": "taken"}, later, REMINDER_INTERVAL)


@pytest.mark.parametrize(
    ("record", "state"),
    [
        (None, "bot"),
        ({}, "bot"),
        ("waiting", "bot"),
        ({"status": "closed"}, "bot"),
        ({"status": "waiting", "reason": "human"}, "waiting"),
        ({"status": "taken", "taken_by": "claire"}, "human"),
    ],
)
def test_what_the_widget_shows(record, state):
    assert handoff.widget_state(record) == state
    assert handoff.is_handed_off(record) == (state != "bot")


# --- the policy, on real Rasa trackers ------------------------------------------------------

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [faq, emergency, greet, clinical_question, affirm]
slots:
  handoff:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_handoff_reminder: [{text: "rappel"}]
  utter_offer_handoff: [{text: "offre"}]
"""
)
AT = MONDAY_NOON.timestamp()


def user(intent: str, text: str = "x", at: float = AT, metadata=None):
    parse_data = (
        {"red_flag": {"category": "emergency", "pattern": "p"}} if intent == "emergency" else {}
    )
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": intent, "confidence": 1.0}, parse_data=parse_data,
                    input_channel="socketio", timestamp=at, metadata=metadata),
    ]  # fmt: skip


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("x", list(events), slots=DOMAIN.slots)


def predicted(*events) -> str | None:
    policy = HandedOffPolicy(
        HandedOffPolicy.get_default_config(), None, None, ExecutionContext(GraphSchema({}), "t")
    )
    probabilities = policy.predict_action_probabilities(tracker(*events), DOMAIN).probabilities
    if max(probabilities) == 0:
        return None
    return DOMAIN.action_names_or_texts[probabilities.index(max(probabilities))]


def recorded(*events) -> dict | None:
    _, new_events = decide(tracker(*events))
    slots = [e for e in new_events if isinstance(e, SlotSet) and e.key == "handoff"]
    return slots[-1].value if slots else None


WAITING = [SlotSet("handoff", request(at=MONDAY_NOON - timedelta(hours=1)))]


def test_a_request_is_recorded_by_the_policy_in_the_same_turn():
    record = recorded(*user("clinical_question", "ma prise de sang", metadata={"source": "s1"}))
    assert record["status"] == "waiting" and record["reason"] == "clinical"
    assert record["message"] == "ma prise de sang" and record["channel"] == "socketio"
    assert record["requested_at"] == MONDAY_NOON.isoformat() and record["source"] == "s1"
    # the rules answer (utter_handoff_clinical): the policy only records
    assert predicted(*user("clinical_question")) is None


def test_an_emergency_is_recorded_urgent_with_its_red_flag():
    record = recorded(*user("emergency", "39 de fièvre sous chimio"))
    assert record["urgent"] is True and record["red_flag"]["category"] == "emergency"


def test_yes_to_the_offer_of_a_person_is_a_request():
    offer = [ActionExecuted("utter_offer_handoff"), BotUttered("offre")]
    assert recorded(*offer, *user("affirm"))["reason"] == "human"
    assert recorded(ActionExecuted("utter_greet"), *user("affirm")) is None


def test_ordinary_turns_record_nothing_and_the_policy_abstains():
    assert recorded(*user("faq")) is None
    assert predicted(*user("faq")) is None


def test_while_handed_off_no_faq_is_answered_only_a_reminder_now_and_then():
    assert predicted(*WAITING, *user("faq")) == "utter_handoff_reminder"
    reminded = recorded(*WAITING, *user("faq"))
    assert reminded["reminded_at"] == MONDAY_NOON.isoformat()
    soon = AT + 60
    assert predicted(SlotSet("handoff", reminded), *user("greet", at=soon)) == "action_listen"
    after_reminder = [*WAITING, *user("faq"), ActionExecuted("utter_handoff_reminder")]
    assert predicted(*after_reminder) == "action_listen"


def test_a_new_clinical_question_while_waiting_does_not_reset_the_request():
    first_request = WAITING[0].value["requested_at"]
    assert recorded(*WAITING, *user("clinical_question"))["requested_at"] == first_request


def test_an_emergency_goes_through_while_handed_off_and_is_recorded():
    assert predicted(*WAITING, *user("emergency")) is None  # the rules send utter_emergency
    record = recorded(*WAITING, *user("emergency"))
    assert record["urgent"] is True and record["requests"] == 2


def test_a_handed_back_conversation_is_the_bot_s_again():
    handed_back = [*WAITING, SlotSet("handoff", None)]
    assert predicted(*handed_back, *user("faq")) is None
    assert not is_handed_off(tracker(*handed_back))
