"""Cleans what a user typed before Rasa sees it; shared by every input channel.

Rasa parses any text starting with "/" as `/intent{"entity": ...}` at confidence 1.0,
skipping NLU and the red-flag layer. Typed text must never do that: only the button payloads
the assistant itself issued (those in the domain) keep their leading "/".

MAX_MESSAGE_CHARS is the one message limit of every channel: a longer message is refused with
REFUSALS["too_long"] (REST: 413, widget: `error` event, WhatsApp: a reply), and
clean_user_text() never returns more, so nothing longer reaches NLU or the tracker store.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

from channels.replies import replies

PROJECT = Path(__file__).resolve().parent.parent
# Longest message accepted, in characters (counted after NFC normalisation, with control
# characters and outer spaces removed).
MAX_MESSAGE_CHARS = 2000
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lone UTF-16 surrogates (JSON "\ud800") are valid in a Python str but cannot be encoded:
# spaCy's tokenizer raised UnicodeEncodeError on them, so the message got no reply at all.
LONE_SURROGATES = re.compile("[\ud800-\udfff]")
LEADING_SLASHES = re.compile(r"^[\s/]+")

# French answers to a message that cannot be used, shared by the channels: the REST error
# body, the widget's `error` event, the WhatsApp reply (channels/replies.yml).
REFUSALS = {
    code: text.format(max_chars=MAX_MESSAGE_CHARS) for code, text in replies()["refusals"].items()
}


def _button_payloads(responses: dict) -> set[str]:
    return {
        button["payload"]
        for variants in responses.values()
        for variant in variants or []
        for button in variant.get("buttons") or []
        if str(button.get("payload", "")).startswith("/")
    }


@lru_cache(maxsize=1)
def issued_payloads(project: Path = PROJECT) -> frozenset[str]:
    """Every "/..." button payload of the domain and of the response files in data/."""
    payloads: set[str] = set()
    for path in [project / "domain.yml", *sorted((project / "data").rglob("*.yml"))]:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        payloads |= _button_payloads(content.get("responses") or {})
    return frozenset(payloads)


def is_too_long(text: str) -> bool:
    """Whether a message exceeds MAX_MESSAGE_CHARS (the channels then refuse it whole rather
    than answer its beginning: an alarm at its end would be lost)."""
    text = CONTROL_CHARACTERS.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return len(text) > MAX_MESSAGE_CHARS


def clean_user_text(text: object, issued: frozenset[str] | None = None) -> str:
    """Text safe to hand to Rasa: no control characters, encodable, at most
    MAX_MESSAGE_CHARS characters (cut, as a last resort), no forged "/intent"."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", LONE_SURROGATES.sub("\ufffd", text))
    text = CONTROL_CHARACTERS.sub(" ", text).strip()[:MAX_MESSAGE_CHARS].rstrip()
    issued = issued_payloads() if issued is None else issued
    if text.startswith("/") and text not in issued:
        # Every leading "/" and space of any kind: lstrip("/ ") stopped at "\n", "\t" or a
        # no-break space, so "/\n/faq{...}" came out as "/faq{...}" and forced its intent.
        text = LEADING_SLASHES.sub("", text)
    return text
