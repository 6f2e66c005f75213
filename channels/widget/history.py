"""What the website widget shows of a stored conversation: its messages and who answers.

Messages use the shape the widget receives live (channels/widget/socketio.py):
`{"sender": "user" | "bot", "text": ..., "quick_replies": [{"title", "payload"}], "author"}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa.shared.core.trackers import DialogueStateTracker

from contracts.handoff import HANDOFF_SLOT, widget_state

HISTORY_LENGTH = 50
# Payloads the widget sends from its own controls, shown with the control's label.
WIDGET_ACTION_LABELS = {"/request_human": "Parler à un membre de l'équipe"}
# Bot events whose metadata says {"author": "staff"} were written by a person (staff console).
STAFF = "staff"


def tracker_handoff_state(tracker: DialogueStateTracker | None) -> str:
    """`bot`, `waiting` or `human` (contracts/handoff.py): who answers the conversation."""
    return widget_state(tracker.get_slot(HANDOFF_SLOT) if tracker else None)


def text_parts(text: str) -> list[str]:
    """One bubble per paragraph, as Rasa's socket.io channel splits them."""
    return [part for part in (p.strip() for p in text.split("\n\n")) if part] or [text]


def bot_messages(
    text: str, buttons: Iterable[dict[str, Any]] | None, author: str = "bot"
) -> list[dict[str, Any]]:
    """The widget messages of one bot utterance; buttons go with its last paragraph."""
    messages: list[dict[str, Any]] = [
        {"sender": "bot", "text": part, "quick_replies": [], "author": author}
        for part in text_parts(text or "")
    ]
    messages[-1]["quick_replies"] = [
        {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
        for button in buttons or []
    ]
    return messages


def history(tracker: DialogueStateTracker | None, limit: int = HISTORY_LENGTH) -> list[dict]:
    """The last `limit` messages of every session of the conversation, oldest first."""
    messages: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    for event in tracker.events if tracker else []:
        if event.type_name == "bot" and event.text:
            buttons = event.data.get("buttons") or []
            titles = {button.get("payload"): button.get("title") for button in buttons}
            author = STAFF if (event.metadata or {}).get("author") == STAFF else "bot"
            messages.extend(bot_messages(event.text, buttons, author))
        elif event.type_name == "user" and event.text:
            text = titles.get(event.text) or WIDGET_ACTION_LABELS.get(event.text, event.text)
            messages.append({"sender": "user", "text": text})
    return messages[-limit:]
