"""What the assistant does when it is not sure what was asked."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_catalogue import FaqEntry, faq_entries, question_button

logger = logging.getLogger(__name__)

MAX_SUGGESTIONS = 3
# Below this, a FAQ answer is too far from the message to be worth suggesting. A bare
# keyword ("traitement") spreads the ranking over many answers, hence a low floor.
MIN_SUGGESTION_CONFIDENCE = 0.05


def closest_faq_entries(latest_message: dict[str, Any], domain: dict[str, Any]) -> list[FaqEntry]:
    """The FAQ entries the ResponseSelector ranked highest for the latest message."""
    entries = faq_entries(domain)
    selector = (latest_message.get("response_selector") or {}).get("faq") or {}
    suggestions = []
    for candidate in selector.get("ranking") or []:
        slug = candidate.get("intent_response_key", "").removeprefix("faq/")
        if candidate.get("confidence", 0.0) < MIN_SUGGESTION_CONFIDENCE or slug not in entries:
            continue
        suggestions.append(entries[slug])
        if len(suggestions) == MAX_SUGGESTIONS:
            break
    return suggestions


def previous_bot_turn_was(tracker: Tracker, action_name: str) -> bool:
    """True when the bot's last turn, before the latest user message, ran `action_name`."""
    seen_latest_user_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest_user_message:
                return False
            seen_latest_user_message = True
        elif seen_latest_user_message and event.get("event") == "action":
            if event.get("name") == action_name:
                return True
    return False


class ActionClarify(Action):
    """Offers "Vouliez-vous dire" buttons; on a second miss in a row, says it has no answer."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if previous_bot_turn_was(tracker, self.name()):
            dispatcher.utter_message(response="utter_no_answer")
            return []
        suggestions = closest_faq_entries(tracker.latest_message, domain)
        logger.debug("clarify: %s", [entry.slug for entry in suggestions])
        if not suggestions:
            dispatcher.utter_message(response="utter_not_understood")
            dispatcher.utter_message(response="utter_menu")
            return []
        clarify = domain["responses"]["utter_clarify"][0]
        dispatcher.utter_message(
            text=clarify["text"],
            buttons=[question_button(entry) for entry in suggestions] + clarify["buttons"],
            utter_action="utter_clarify",
        )
        return []
