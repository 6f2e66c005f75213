"""The FAQ entries as the domain describes them (the `metadata` of utter_faq/<slug>)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FAQ_RESPONSE_PREFIX = "utter_faq/"


@dataclass(frozen=True)
class FaqEntry:
    slug: str
    question: str
    label: str
    source: str


def faq_entries(domain: dict[str, Any]) -> dict[str, FaqEntry]:
    """FAQ entries by slug, in domain order."""
    entries = {}
    for name, variants in domain.get("responses", {}).items():
        if not name.startswith(FAQ_RESPONSE_PREFIX) or not variants:
            continue
        slug = name.removeprefix(FAQ_RESPONSE_PREFIX)
        metadata = variants[0].get("metadata") or {}
        entries[slug] = FaqEntry(
            slug=slug,
            question=metadata["question"],
            label=metadata["label"],
            source=metadata["source"],
        )
    return entries


def question_button(entry: FaqEntry) -> dict[str, str]:
    """A button that asks the entry's question: the text goes through NLU like typed text."""
    return {"title": entry.question, "payload": entry.question}
