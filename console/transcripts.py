"""Rasa events → what staff read: transcript entries and a conversation's summary.

Pure functions over the event dicts of the tracker store (tracker.py), so they are tested
without a database. What a turn did is read from the responses the patient was sent, so the
console shows exactly what the patient was told (contracts/handoff.py names them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from console.models import HANDOFF_REASONS, HandoffStatus, Status
from contracts.handoff import EMERGENCY_RESPONSES, HANDOFF_RESPONSES, HANDOFF_SLOT, is_handed_off

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_RESPONSES = frozenset({"utter_no_answer", "utter_not_understood", "utter_default"})
# Worst first: a conversation's status is the worst outcome of its messages.
SEVERITY = [Status.URGENT, Status.HANDED_OFF, Status.FALLBACK, Status.ANSWERED]


@dataclass(frozen=True)
class Entry:
    """One line of a transcript: a message (user, bot, staff) or an event worth seeing."""

    kind: str  # "user", "bot", "staff" or "event"
    at: datetime
    text: str
    intent: str = ""
    confidence: float | None = None
    answer: str = ""  # the response given (utter_faq/<slug> for a FAQ answer)
    author: str = ""  # the staff member, for "staff"
    flags: tuple[str, ...] = ()  # "fallback", "urgent", "handed_off"
    buttons: tuple[str, ...] = ()


@dataclass
class Summary:
    """A conversation at a glance, as the index stores it."""

    channel: str = ""
    started_at: datetime | None = None
    last_message_at: datetime | None = None
    status: Status = Status.ANSWERED
    user_messages: int = 0
    handoff: dict = field(default_factory=dict)
    questions: list[tuple[datetime, str, Status]] = field(default_factory=list)
    search_text: str = ""


def moment(event: dict) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)


def fold(text: str) -> str:
    """Lower case without accents: "Métastases" and "metastases" match in a search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def worst(statuses: Iterable[Status]) -> Status:
    present = set(statuses)
    return next((s for s in SEVERITY if s in present), Status.ANSWERED)


def _turns(events: list[dict]) -> Iterator[tuple[dict, list[dict]]]:
    """Each user message with the events that followed it, up to the next one."""
    current: dict | None = None
    following: list[dict] = []
    for event in events:
        if event.get("event") == "user":
            if current is not None:
                yield current, following
            current, following = event, []
        elif current is not None:
            following.append(event)
    if current is not None:
        yield current, following


def intent_of(event: dict) -> tuple[str, float | None]:
    intent = (event.get("parse_data") or {}).get("intent") or {}
    return intent.get("name") or "", intent.get("confidence")


def utter_action(event: dict) -> str:
    return (event.get("metadata") or {}).get("utter_action") or ""


def outcome(user_event: dict, following: list[dict]) -> Status:
    """What the assistant did with one user message."""
    responses = {utter_action(e) for e in following if e.get("event") == "bot"}
    if responses & EMERGENCY_RESPONSES:
        return Status.URGENT
    if responses & HANDOFF_RESPONSES:
        return Status.HANDED_OFF
    if intent_of(user_event)[0] == FALLBACK_INTENT or responses & FALLBACK_RESPONSES:
        return Status.FALLBACK
    return Status.ANSWERED


def _handoff_note(value: object) -> str:
    if not isinstance(value, dict) or not value:
        return "Rendue à l'assistant"
    status = value.get("status")
    if status == HandoffStatus.WAITING:
        reason = HANDOFF_REASONS.get(value.get("reason", ""), value.get("reason", ""))
        return f"En attente d'un membre de l'équipe ({reason.lower()})"
    if status == HandoffStatus.CLOSED:
        what = "Rendue à l'assistant" if value.get("outcome") == "handed_back" else "Close"
        by = value.get("closed_by")
        return f"{what} par {by}" if by else what
    by = value.get("taken_by")
    return f"Prise en charge par {by}" if by else "Prise en charge par l'équipe"


def entries(events: list[dict]) -> list[Entry]:
    """The transcript: messages in order, with the events staff need to follow it."""
    outcomes = {id(user): outcome(user, following) for user, following in _turns(events)}
    result: list[Entry] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent, confidence = intent_of(event)
            selector = ((event.get("parse_data") or {}).get("response_selector") or {}).get(
                "faq"
            ) or {}
            answer_key = (selector.get("response") or {}).get("intent_response_key") or ""
            flags = tuple(s.value for s in (outcomes.get(id(event)),) if s and s != Status.ANSWERED)
            result.append(
                Entry(
                    "user",
                    moment(event),
                    event.get("text") or "",
                    intent=answer_key if intent == "faq" and answer_key else intent,
                    confidence=confidence,
                    flags=flags,
                )
            )
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            staff = metadata.get("author") == "staff"
            buttons = tuple(
                str(b.get("title", "")) for b in ((event.get("data") or {}).get("buttons") or [])
            )
            result.append(
                Entry(
                    "staff" if staff else "bot",
                    moment(event),
                    event.get("text") or "",
                    answer="" if staff else utter_action(event),
                    author=str(metadata.get("staff_user") or "") if staff else "",
                    buttons=buttons,
                )
            )
        elif kind == "slot" and event.get("name") == HANDOFF_SLOT:
            value = event.get("value")
            urgent = isinstance(value, dict) and value.get("urgent") and is_handed_off(value)
            flags = ("urgent",) if urgent else ("handed_off",)
            result.append(Entry("event", moment(event), _handoff_note(value), flags=flags))
        elif kind == "session_started":
            result.append(Entry("event", moment(event), "Nouvelle session"))
    return result


def summary(events: list[dict]) -> Summary:
    result = Summary()
    if not events:
        return result
    result.started_at = moment(events[0])
    messages = [e for e in events if e.get("event") in ("user", "bot")]
    result.last_message_at = moment(messages[-1] if messages else events[-1])
    for user_event, following in _turns(events):
        status = outcome(user_event, following)
        result.questions.append((moment(user_event), user_event.get("text") or "", status))
        result.channel = user_event.get("input_channel") or result.channel
    result.user_messages = len(result.questions)
    result.status = worst(status for _, _, status in result.questions)
    for event in events:
        if event.get("event") == "slot" and event.get("name") == HANDOFF_SLOT:
            result.handoff = event.get("value") if isinstance(event.get("value"), dict) else {}
    result.search_text = fold("\n".join(e.get("text") or "" for e in messages))
    return result
