"""Handing a conversation to a person: the record staff read, and the waiting reminder.

The words the user must see (utter_emergency*, utter_handoff) are plain responses sent by
rules *before* these actions, so they reach the user even when this server is down. These
actions only record: the slot `handoff` holds what staff need (reason, urgency, time,
channel, triggering message) and keeps the conversation handed off, across sessions, until
staff reset it (policies/handed_off.py).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from components.organisation import organisation

logger = logging.getLogger(__name__)

HANDOFF_SLOT = "handoff"
REASON_BY_INTENT = {
    "emergency": "emergency",
    "self_harm": "emergency",
    "clinical_question": "clinical",
    "request_human": "human",
    "request_appointment": "appointment",
}
REMINDER_INTERVAL = timedelta(minutes=int(os.environ.get("HANDOFF_REMINDER_MINUTES", "15")))


def now() -> datetime:
    return datetime.now(timezone.utc)


def handoff_record(tracker: Tracker, reason: str, at: datetime) -> dict[str, Any]:
    """What staff see in the queue. A request made while one is open keeps its time, its
    urgency and the staff member holding it; after a closed one, it starts afresh."""
    previous = tracker.get_slot(HANDOFF_SLOT) or {}
    if previous.get("status") in (None, "closed"):
        previous = {}
    latest = tracker.latest_message or {}
    urgent = reason == "emergency" or bool(previous.get("urgent"))
    holder = {key: previous[key] for key in ("taken_by", "taken_at") if key in previous}
    return {
        "status": previous.get("status", "waiting"),
        "reason": "emergency" if urgent else reason,
        "urgent": urgent,
        "requested_at": previous.get("requested_at") or at.isoformat(),
        "channel": tracker.get_latest_input_channel(),
        "message": latest.get("text"),
        "intent": (latest.get("intent") or {}).get("name"),
        "red_flag": latest.get("red_flag"),
        "reminded_at": previous.get("reminded_at"),
        **holder,
    }


def reason_for(tracker: Tracker) -> str:
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return REASON_BY_INTENT.get(intent, "human")


class ActionHandoff(Action):
    """Records a request for a person and puts the conversation in the handed-off state."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        record = handoff_record(tracker, reason_for(tracker), now())
        logger.info("handoff requested: reason=%s urgent=%s", record["reason"], record["urgent"])
        if not organisation().is_open(now()):
            dispatcher.utter_message(response="utter_handoff_outside_hours")
        return [SlotSet(HANDOFF_SLOT, record)]


class ActionEmergency(Action):
    """Marks the conversation urgent for staff and hands it off."""

    def name(self) -> str:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        record = handoff_record(tracker, "emergency", now())
        logger.warning("emergency flagged: intent=%s", record["intent"])
        return [SlotSet(HANDOFF_SLOT, record)]


class ActionHandoffReminder(Action):
    """While waiting for a person: tells the user one will answer, at most once in a while."""

    def name(self) -> str:
        return "action_handoff_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        record = dict(tracker.get_slot(HANDOFF_SLOT) or {})
        if record.get("status") != "waiting":
            return []  # a person holds the conversation and answers it: no reminder
        reminded_at = record.get("reminded_at")
        current = now()
        if reminded_at and current - datetime.fromisoformat(reminded_at) < REMINDER_INTERVAL:
            return []
        dispatcher.utter_message(response="utter_handoff_reminder")
        record["reminded_at"] = current.isoformat()
        return [SlotSet(HANDOFF_SLOT, record)]
