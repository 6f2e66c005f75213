"""Talking to a running test stack over REST, and reading what it answered."""

from __future__ import annotations

from devstack.stack import Stack, send_message


def say(stack: Stack, sender: str, text: str) -> list[dict]:
    """Sends one message through the REST channel; returns the bot's messages."""
    return send_message(stack.rest_webhook, sender, text)


def texts(messages: list[dict]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def responses_of_last_turn(stack: Stack, sender: str) -> list[str]:
    """Names of the responses (utter_...) the bot sent after the user's latest message."""
    events = stack.tracker_events(sender)
    last_user = max(i for i, event in enumerate(events) if event["event"] == "user")
    return [
        (event.get("metadata") or {}).get("utter_action") or "?"
        for event in events[last_user:]
        if event["event"] == "bot"
    ]


def turn(stack: Stack, sender: str, text: str) -> list[str]:
    """Says `text` and returns the names of the responses it got."""
    say(stack, sender, text)
    return responses_of_last_turn(stack, sender)
