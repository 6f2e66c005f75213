"""The handoff contract: who answers a conversation, and what staff need to know.

One definition, read by every side: the policy that records and enforces it inside Rasa
(policies/handed_off.py), the widget channel (channels/widget/history.py) and the staff
console (console/). No Rasa import, so the console can use it without loading Rasa.

The state is the slot `handoff` of the conversation, a record (dict) or null:
- null, or status `closed`: the assistant answers;
- status `waiting`: a person has been asked for; the assistant only reminds that one will come;
- status `taken`: a member of staff holds the conversation and answers it.

Rasa records a request itself, in the same turn as the words that promise it (utter_handoff_*,
utter_emergency*), so what the patient is told and what staff see cannot disagree, even when
the action server is down. Staff change the status through Rasa's HTTP API (console/handoff.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any, TypeGuard

HANDOFF_SLOT = "handoff"


class Status(str, Enum):
    WAITING = "waiting"
    TAKEN = "taken"
    CLOSED = "closed"


class Reason(str, Enum):
    EMERGENCY = "emergency"
    CLINICAL = "clinical"
    HUMAN = "human"
    APPOINTMENT = "appointment"


# The intents that ask for a person (data/rules/safety.yml answers each one).
REASON_BY_INTENT = {
    "emergency": Reason.EMERGENCY,
    "self_harm": Reason.EMERGENCY,
    "clinical_question": Reason.CLINICAL,
    "request_human": Reason.HUMAN,
    "request_appointment": Reason.APPOINTMENT,
}
EMERGENCY_INTENTS = frozenset({"emergency", "self_harm"})
# « Voulez-vous qu'un membre de l'équipe vous réponde ? » answered « oui » is a request too.
OFFER_RESPONSE = "utter_offer_handoff"
ACCEPT_INTENT = "affirm"

# The responses that tell the patient (domain.yml); the console reads a turn's outcome from them.
EMERGENCY_RESPONSES = frozenset({"utter_emergency", "utter_emergency_suicide"})
HANDOFF_RESPONSES = frozenset(
    {"utter_handoff_clinical", "utter_handoff_person", "utter_handoff_appointment"}
)
REMINDER_RESPONSE = "utter_handoff_reminder"
HANDED_BACK_RESPONSE = "utter_handed_back"

# What the widget shows: the assistant answers, a person is awaited, or a person answers.
WIDGET_BOT, WIDGET_WAITING, WIDGET_HUMAN = "bot", "waiting", "human"


def is_handed_off(record: object) -> TypeGuard[dict[str, Any]]:
    """Whether a person (awaited or present) answers instead of the assistant."""
    return isinstance(record, dict) and bool(record) and record.get("status") != Status.CLOSED


def widget_state(record: object) -> str:
    if not is_handed_off(record):
        return WIDGET_BOT
    return WIDGET_WAITING if record.get("status") == Status.WAITING else WIDGET_HUMAN


def requested_reason(intent: str | None, previous_action: str | None) -> Reason | None:
    """The reason a user turn asks for a person, None when it does not."""
    if intent in REASON_BY_INTENT:
        return REASON_BY_INTENT[intent]
    if intent == ACCEPT_INTENT and previous_action == OFFER_RESPONSE:
        return Reason.HUMAN
    return None


def request(
    previous: object,
    reason: Reason,
    at: datetime,
    *,
    channel: str | None,
    message: str | None,
    intent: str | None,
    red_flag: Any = None,
    source: str | None = None,
) -> dict[str, Any]:
    """The record after a request for a person.

    A request made while one is open keeps its time, its urgency and the staff member
    holding it, and counts the requests; after a closed one, it starts afresh.
    """
    open_record = dict(previous) if is_handed_off(previous) else {}
    urgent = reason == Reason.EMERGENCY or bool(open_record.get("urgent"))
    holder: dict[str, Any] = {
        key: open_record[key] for key in ("taken_by", "taken_at") if key in open_record
    }
    return {
        "status": open_record.get("status", Status.WAITING.value),
        "reason": (Reason.EMERGENCY if urgent else reason).value,
        "urgent": urgent,
        "requested_at": open_record.get("requested_at") or at.isoformat(),
        "requests": int(open_record.get("requests") or 0) + 1,
        "channel": channel,
        "message": message,
        "intent": intent,
        "red_flag": red_flag,
        "source": source or open_record.get("source"),
        "reminded_at": open_record.get("reminded_at"),
        **holder,
    }


def reminder_due(record: dict[str, Any], at: datetime, interval: timedelta) -> bool:
    """While a person is awaited, the patient is reminded at most once per `interval`."""
    if record.get("status") != Status.WAITING:
        return False  # a person holds the conversation and answers it
    reminded_at = record.get("reminded_at")
    return not reminded_at or at - datetime.fromisoformat(reminded_at) >= interval


def reminded(record: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {**record, "reminded_at": at.isoformat()}
