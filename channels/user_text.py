"""Cleans what a user typed before Rasa sees it; shared by every input channel.

Rasa parses any text starting with "/" as `/intent{"entity": ...}` at confidence 1.0,
skipping NLU and the red-flag layer. Typed text must never do that: only the button payloads
the assistant itself issued (those in the domain) keep their leading "/".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
# Longest message kept; anything beyond is cut before it reaches NLU or the tracker store.
MAX_MESSAGE_CHARS = 2000
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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


def clean_user_text(text: object, issued: frozenset[str] | None = None) -> str:
    """Text safe to hand to Rasa: no control characters, bounded, no forged "/intent"."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text)
    text = CONTROL_CHARACTERS.sub(" ", text).strip()[:MAX_MESSAGE_CHARS]
    issued = issued_payloads() if issued is None else issued
    if text.startswith("/") and text not in issued:
        text = text.lstrip("/ ").strip()
    return text
