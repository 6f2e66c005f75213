"""What the widget shows of a stored conversation (channels/widget/history.py)."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels.widget.history import history, tracker_handoff_state
from contracts.handoff import widget_state

MENU = [
    {"title": "Cancer réfractaire", "payload": '/choose_topic{"topic": "refractory_cancer"}'},
    {"title": "Métastases", "payload": '/choose_topic{"topic": "metastases"}'},
]


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("web", list(events))


def user(text: str) -> dict:
    return {"sender": "user", "text": text}


def bot(text: str, buttons: list | None = None, author: str = "bot") -> dict:
    return {"sender": "bot", "text": text, "quick_replies": buttons or [], "author": author}


def test_history_shows_user_and_bot_texts_with_buttons_and_button_titles():
    messages = history(
        tracker(
            UserUttered("bonjour"),
            BotUttered("Bonjour, je suis l'assistant.\n\nEn cas d'urgence, appelez le 15."),
            BotUttered("Sur quel thème ?", data={"buttons": MENU}),
            UserUttered(MENU[0]["payload"]),
            UserUttered("/request_human"),
            BotUttered("Bonjour, ici Claire.", metadata={"author": "staff"}),
        )
    )
    assert messages == [
        user("bonjour"),
        bot("Bonjour, je suis l'assistant."),
        bot("En cas d'urgence, appelez le 15."),
        bot("Sur quel thème ?", MENU),
        user("Cancer réfractaire"),
        user("Parler à un membre de l'équipe"),
        bot("Bonjour, ici Claire.", author="staff"),
    ]


def test_history_keeps_the_last_messages_only():
    events = [UserUttered(f"question {i}") for i in range(120)]
    messages = history(tracker(*events))
    assert len(messages) == 50
    assert messages[-1]["text"] == "question 119"


def test_no_tracker_no_history():
    assert history(None) == []


@pytest.mark.parametrize(
    ("slot", "state"),
    [
        (None, "bot"),
        ({}, "bot"),
        ("waiting", "bot"),
        ({"status": "closed"}, "bot"),
        ({"status": "waiting", "reason": "human"}, "waiting"),
        ({"status": "taken", "agent": "Claire"}, "human"),
    ],
)
def test_handoff_state_follows_the_slot(slot, state):
    assert widget_state(slot) == state


def test_handoff_state_of_a_tracker():
    assert tracker_handoff_state(tracker(SlotSet("handoff", {"status": "waiting"}))) == "waiting"
    assert tracker_handoff_state(None) == "bot"
