"""Conversations written into a real tracker store by Rasa's own SQLTrackerStore, for the
console's tests (SQLite file, or a fresh PostgreSQL database on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


class Clock:
    """Event times, one second apart from `start` (seconds since the epoch)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def tick(self) -> float:
        self.now += 1
        return self.now


def session_start(clock: Clock) -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=clock.tick()),
        SessionStarted(timestamp=clock.tick()),
        ActionExecuted("action_listen", timestamp=clock.tick()),
    ]


def user(
    clock: Clock, text: str, intent: str, confidence: float = 0.97, channel: str = "socketio"
) -> UserUttered:
    parse_data: dict[str, Any] = {"intent": {"name": intent, "confidence": confidence}}
    if intent.startswith("faq/"):
        parse_data["intent"]["name"] = "faq"
        parse_data["response_selector"] = {
            "faq": {"response": {"intent_response_key": intent, "confidence": confidence}}
        }
    return UserUttered(
        text,
        intent=parse_data["intent"],
        parse_data=parse_data,
        input_channel=channel,
        timestamp=clock.tick(),
    )


def bot(clock: Clock, text: str, response: str, **metadata: Any) -> BotUttered:
    return BotUttered(text, metadata={"utter_action": response, **metadata}, timestamp=clock.tick())


def action(clock: Clock, name: str) -> ActionExecuted:
    return ActionExecuted(name, timestamp=clock.tick())


def handoff(clock: Clock, status: str, reason: str, message: str, **extra: Any) -> SlotSet:
    record = {
        "status": status,
        "reason": reason,
        "urgent": reason == "emergency",
        "requested_at": "2026-11-20T10:00:00+00:00",
        "message": message,
        **extra,
    }
    return SlotSet("handoff", record, timestamp=clock.tick())


def faq_conversation(clock: Clock, question: str = "c'est quoi un cancer réfractaire ?"):
    return [
        *session_start(clock),
        user(clock, question, "faq/refractory_cancer_definition"),
        bot(clock, "Un cancer est dit réfractaire…", "utter_faq/refractory_cancer_definition"),
        action(clock, "action_listen"),
    ]


def clinical_conversation(clock: Clock, question: str, channel: str = "socketio"):
    return [
        *session_start(clock),
        user(clock, question, "clinical_question", channel=channel),
        handoff(clock, "waiting", "clinical", question),  # recorded by policies/handed_off.py
        action(clock, "utter_handoff_clinical"),
        bot(
            clock, "Votre question porte sur votre situation personnelle…", "utter_handoff_clinical"
        ),
        action(clock, "action_listen"),
    ]


def emergency_conversation(clock: Clock, question: str):
    return [
        *session_start(clock),
        user(clock, question, "emergency"),
        handoff(clock, "waiting", "emergency", question),
        action(clock, "utter_emergency"),
        bot(clock, "Ce que vous décrivez peut être une urgence…", "utter_emergency"),
        action(clock, "action_listen"),
    ]


def fallback_conversation(clock: Clock, question: str):
    return [
        *session_start(clock),
        user(clock, question, "nlu_fallback", confidence=0.3),
        action(clock, "action_clarify"),
        bot(clock, "Je n'ai pas bien compris.", "utter_not_understood"),
        action(clock, "action_listen"),
    ]


@dataclass
class TrackerDatabase:
    """A tracker store the console reads, written by Rasa's SQLTrackerStore."""

    url: str
    store: SQLTrackerStore

    def save(self, sender_id: str, events: list[Event]) -> None:
        tracker = DialogueStateTracker.from_events(sender_id, events)
        asyncio.run(self.store.save(tracker))

    def append(self, sender_id: str, events: list[Event]) -> None:
        tracker = asyncio.run(self.store.retrieve_full_tracker(sender_id))
        for event in events:
            tracker.update(event)
        asyncio.run(self.store.save(tracker))


def sqlite_database(path) -> TrackerDatabase:
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    return TrackerDatabase(f"sqlite:///{path}", store)


def postgres_database() -> tuple[TrackerDatabase, str]:
    """A new, empty database on the local PostgreSQL server (Rasa creates it)."""
    name = f"console_test_{secrets.token_hex(4)}"
    server = sa.engine.make_url(POSTGRES_URL)
    store = SQLTrackerStore(
        dialect="postgresql",
        host=server.host,
        port=server.port,
        db=name,
        username=server.username,
        password=server.password,
        login_db=server.database,
    )
    return TrackerDatabase(str(server.set(database=name)), store), name


def drop_postgres_database(name: str) -> None:
    engine = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
