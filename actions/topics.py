"""The topic menu: lists the questions of one source document as buttons."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_catalogue import faq_entries, question_button


class ActionShowTopic(Action):
    """Shows the FAQ questions of the topic chosen in the menu."""

    def name(self) -> str:
        return "action_show_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = tracker.get_slot("topic")
        questions = [entry for entry in faq_entries(domain).values() if entry.source == topic]
        if not questions:
            dispatcher.utter_message(response="utter_menu")
            return []
        dispatcher.utter_message(
            response="utter_topic_intro",
            buttons=[question_button(entry) for entry in questions],
        )
        return []
