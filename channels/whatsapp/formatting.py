"""How the assistant's messages are laid out on WhatsApp, shared by both providers.

Buttons become numbered lines where the provider has no buttons (Twilio, or more choices
than a WhatsApp list holds); a reply "1", "2"… is mapped back to the button's payload.
"""

from __future__ import annotations

import re
from typing import Any

from channels.replies import replies

CHOICE = re.compile(r"\s*(\d{1,2})\s*[.)]?\s*")


def split_text(text: str, limit: int) -> list[str]:
    """Cuts a text into messages of at most `limit` characters, at paragraph, line or word
    boundaries when there is one in the second half of the chunk."""
    parts: list[str] = []
    text = text.strip()
    while len(text) > limit:
        window = text[: limit + 1]
        cut = max(window.rfind(separator) for separator in ("\n\n", "\n", " "))
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].strip()
    return [*parts, text] if text else parts


def shorten(title: str, limit: int) -> str:
    """A title within `limit` characters, cut at a word and marked with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def button_payload(button: dict[str, Any]) -> str:
    return str(button.get("payload") or button.get("title") or "")


def numbered_choices(text: str, buttons: list[dict[str, Any]]) -> str:
    lines = [f"{number}. {button.get('title', '')}" for number, button in enumerate(buttons, 1)]
    return "\n\n".join(part for part in (text.strip(), "\n".join(lines)) if part) + (
        "\n\n" + replies()["choose_hint"]
    )


def chosen_payload(text: str, buttons: list[dict[str, Any]]) -> str | None:
    """The payload of the button whose number the user typed, if that is all they typed."""
    match = CHOICE.fullmatch(text)
    if match and 1 <= int(match.group(1)) <= len(buttons):
        return button_payload(buttons[int(match.group(1)) - 1]) or None
    return None
