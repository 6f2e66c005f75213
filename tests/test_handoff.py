"""Handoff actions and the policy that keeps a handed-off conversation with staff."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff as handoff
from actions.handoff import ActionEmergency, ActionHandoff, ActionHandoffReminder
from policies.handed_off import HandedOffPolicy, is_handed_off

MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)
SUNDAY_NOON = datetime(2026, 11, 22, 11, 0, tzinfo=timezone.utc)


def tracker(intent: str, text: str = "message", handoff_slot=None) -> Tracker:
    return Tracker(
        sender_id="pseudonym",
        slots={"handoff": handoff_slot},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}},
        events=[{"event": "user", "text": text, "input_channel": "rest"}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, tracker_, at: datetime, monkeypatch):
    monkeypatch.setattr(handoff, "now", lambda: at)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, {}))
    return dispatcher.messages, events


def test_handoff_records_reason_time_channel_and_message(monkeypatch):
    messages, events = run(
        ActionHandoff(), tracker("clinical_question", "combien de temps il me reste"),
        MONDAY_NOON, monkeypatch,
    )  # fmt: skip
    assert messages == []  # in opening hours utter_handoff (sent by the rule) is enough
    [slot] = events
    assert slot["name"] == "handoff"
    assert slot["value"] == {
        "status": "waiting",
        "reason": "clinical",
        "urgent": False,
        "requested_at": MONDAY_NOON.isoformat(),
        "channel": "rest",
        "message": "combien de temps il me reste",
        "intent": "clinical_question",
        "red_flag": None,
        "reminded_at": None,
    }


@pytest.mark.parametrize(
    ("intent", "reason"),
    [("request_human", "human"), ("request_appointment", "appointment"), ("affirm", "human")],
)
def test_handoff_reason_follows_the_intent(monkeypatch, intent, reason):
    _, [slot] = run(ActionHandoff(), tracker(intent), MONDAY_NOON, monkeypatch)
    assert slot["value"]["reason"] == reason


def test_outside_opening_hours_the_user_is_told_when(monkeypatch):
    messages, _ = run(ActionHandoff(), tracker("request_human"), SUNDAY_NOON, monkeypatch)
    assert [m["response"] for m in messages] == ["utter_handoff_outside_hours"]


def test_emergency_marks_urgent_and_keeps_the_first_request_time(monkeypatch):
    earlier = {"status": "waiting", "reason": "clinical", "requested_at": "2026-11-23T10:00:00"}
    _, [slot] = run(
        ActionEmergency(), tracker("emergency", handoff_slot=earlier), MONDAY_NOON, monkeypatch
    )
    assert slot["value"]["urgent"] is True and slot["value"]["reason"] == "emergency"
    assert slot["value"]["requested_at"] == "2026-11-23T10:00:00"


def test_reminder_is_sent_at_most_once_in_a_while(monkeypatch):
    record = {"status": "waiting", "reason": "human", "reminded_at": None}
    messages, [slot] = run(
        ActionHandoffReminder(), tracker("faq", handoff_slot=record), MONDAY_NOON, monkeypatch
    )
    assert [m["response"] for m in messages] == ["utter_handoff_reminder"]
    soon = MONDAY_NOON + timedelta(minutes=5)
    messages, events = run(
        ActionHandoffReminder(), tracker("faq", handoff_slot=slot["value"]), soon, monkeypatch
    )
    assert messages == [] and events == []
    later = MONDAY_NOON + handoff.REMINDER_INTERVAL + timedelta(seconds=1)
    messages, _ = run(
        ActionHandoffReminder(), tracker("faq", handoff_slot=slot["value"]), later, monkeypatch
    )
    assert [m["response"] for m in messages] == ["utter_handoff_reminder"]


def test_a_new_request_after_a_closed_one_starts_afresh(monkeypatch):
    closed = {"status": "closed", "reason": "emergency", "urgent": True,
              "requested_at": "2026-11-01T10:00:00+00:00", "closed_by": "claire"}  # fmt: skip
    _, [slot] = run(
        ActionHandoff(), tracker("request_human", handoff_slot=closed), MONDAY_NOON, monkeypatch
    )
    assert slot["value"]["status"] == "waiting" and slot["value"]["urgent"] is False
    assert slot["value"]["requested_at"] == MONDAY_NOON.isoformat()
    assert "closed_by" not in slot["value"]


def test_an_emergency_while_staff_hold_the_conversation_keeps_the_holder(monkeypatch):
    taken = {
        "status": "taken",
        "reason": "clinical",
        "urgent": False,
        "taken_by": "claire",
        "taken_at": "2026-11-23T10:05:00+00:00",
        "requested_at": "2026-11-23T10:00:00",
    }
    _, [slot] = run(
        ActionEmergency(), tracker("emergency", handoff_slot=taken), MONDAY_NOON, monkeypatch
    )
    assert slot["value"]["status"] == "taken" and slot["value"]["taken_by"] == "claire"
    assert slot["value"]["urgent"] is True


def test_no_reminder_once_a_person_has_taken_the_conversation(monkeypatch):
    record = {"status": "taken", "reason": "clinical", "taken_by": "claire", "reminded_at": None}
    messages, events = run(
        ActionHandoffReminder(), tracker("faq", handoff_slot=record), MONDAY_NOON, monkeypatch
    )
    assert messages == [] and events == []


DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [faq, emergency, greet]
slots:
  handoff:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
actions: [action_handoff_reminder]
"""
)


def policy() -> HandedOffPolicy:
    context = ExecutionContext(GraphSchema({}), "test")
    return HandedOffPolicy(HandedOffPolicy.get_default_config(), None, None, context)


def predicted(events) -> str | None:
    state = DialogueStateTracker.from_events("x", events, slots=DOMAIN.slots)
    probabilities = policy().predict_action_probabilities(state, DOMAIN).probabilities
    if max(probabilities) == 0:
        return None
    return DOMAIN.action_names_or_texts[probabilities.index(max(probabilities))]


def user(intent: str):
    return [UserUttered("x", {"name": intent, "confidence": 1.0})]


HANDED_OFF = [SlotSet("handoff", {"status": "waiting"}), ActionExecuted("action_listen")]


def test_policy_abstains_when_not_handed_off():
    assert predicted([ActionExecuted("action_listen"), *user("faq")]) is None


def test_policy_answers_no_faq_while_handed_off():
    assert predicted([*HANDED_OFF, *user("faq")]) == "action_handoff_reminder"
    assert predicted([*HANDED_OFF, *user("greet")]) == "action_handoff_reminder"
    after_reminder = [*HANDED_OFF, *user("faq"), ActionExecuted("action_handoff_reminder")]
    assert predicted(after_reminder) == "action_listen"


def test_policy_lets_an_emergency_through_while_handed_off():
    assert predicted([*HANDED_OFF, *user("emergency")]) is None


def test_a_handed_back_conversation_is_the_bot_s_again():
    handed_back = [*HANDED_OFF, SlotSet("handoff", None), ActionExecuted("action_listen")]
    assert predicted([*handed_back, *user("faq")]) is None
    state = DialogueStateTracker.from_events("x", handed_back, slots=DOMAIN.slots)
    assert not is_handed_off(state)
