"""The widget's output channel (channels/widget/socketio.py), as Rasa's processor calls it."""

from __future__ import annotations

import asyncio

from rasa.shared.core.events import BotUttered

from channels.widget.socketio import WidgetOutput

MENU = [{"title": "Métastases", "payload": '/choose_topic{"topic": "metastases"}'}]


class RecordingSocketIO:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, dict, str]] = []

    async def emit(self, event: str, data: dict, to: str) -> None:
        self.emitted.append((event, data, to))


def send(event: BotUttered) -> list[tuple[str, dict, str]]:
    sio = RecordingSocketIO()
    # Rasa's processor sends each bot event this way (rasa/core/processor.py).
    asyncio.run(WidgetOutput(sio).send_response("session-1", event.message()))
    return sio.emitted


def test_paragraphs_become_bubbles_and_buttons_go_with_the_last():
    emitted = send(
        BotUttered(
            "Réponse.\n\nSource : « Fiche »",
            data={"buttons": MENU},
            metadata={"utter_action": "utter_faq/x", "source": "fiche"},
        )
    )
    bubble = {"sender": "bot", "author": "bot"}
    assert emitted == [
        ("bot_uttered", {**bubble, "text": "Réponse.", "quick_replies": []}, "session-1"),
        (
            "bot_uttered",
            {**bubble, "text": "Source : « Fiche »", "quick_replies": MENU},
            "session-1",
        ),
    ]


def test_a_staff_message_is_marked_as_such():
    [(_, message, room)] = send(BotUttered("Bonjour, ici Claire.", metadata={"author": "staff"}))
    assert message["author"] == "staff" and room == "session-1"


def test_an_author_that_is_not_staff_is_the_bot():
    [(_, message, _)] = send(BotUttered("Bonjour.", metadata={"author": "<script>"}))
    assert message["author"] == "bot"
