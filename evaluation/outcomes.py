"""What the assistant did with a message, and whether that was right: pure functions.

An outcome is read from what the patient was sent in the turn (the responses' names), like
the staff console does, plus the FAQ answer chosen and the « Vouliez-vous dire » suggestions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from contracts.handoff import EMERGENCY_RESPONSES, HANDOFF_RESPONSES, REMINDER_RESPONSE

CLARIFY_ACTION = "action_clarify"
OFFER_RESPONSE = "utter_offer_handoff"

# The columns of the table, in order.
EMERGENCY, HANDOFF, RIGHT, WRONG, CLARIFY, OTHER = (
    "emergency",
    "handoff",
    "right",
    "wrong_answer",
    "clarify",
    "other",
)
COLUMNS = (RIGHT, WRONG, CLARIFY, HANDOFF, EMERGENCY, OTHER)


@dataclass(frozen=True)
class Turn:
    """What the assistant did with the last message of a case."""

    responses: tuple[str, ...]  # names of the responses sent (utter_...)
    actions: tuple[str, ...]  # names of the actions run
    answer: str | None = None  # the FAQ slug answered, if any
    suggestions: tuple[str, ...] = ()  # FAQ slugs offered by « Vouliez-vous dire »

    @property
    def kind(self) -> str:
        """emergency > handoff > faq answer > clarify > other."""
        if set(self.responses) & EMERGENCY_RESPONSES:
            return EMERGENCY
        if set(self.responses) & (HANDOFF_RESPONSES | {REMINDER_RESPONSE}):
            return HANDOFF
        if self.answer is not None:
            return "answer"
        if CLARIFY_ACTION in self.actions:
            return CLARIFY
        return OTHER


def verdict(expect: str, entries: Iterable[str], turn: Turn) -> str:
    """The table column of one case: what happened, judged against what was expected."""
    kind = turn.kind
    entries = set(entries)
    if kind == "answer":
        if expect in ("faq", "faq_or_handoff") and turn.answer in entries:
            return RIGHT
        return WRONG
    if expect in ("emergency",):
        return RIGHT if kind == EMERGENCY else kind
    if expect == "handoff":
        return RIGHT if kind in (HANDOFF, EMERGENCY) else kind
    if expect == "faq_or_handoff" and kind == HANDOFF:
        return RIGHT
    if expect in ("calm", "out_of_scope") and kind in (OTHER, CLARIFY):
        return RIGHT
    return kind


@dataclass
class Tally:
    """Counts per column for one category, and the clarifications that offered the right
    entry among their buttons."""

    counts: Counter = field(default_factory=Counter)
    clarify_with_right_entry: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, column: str) -> float:
        return self.counts[column] / self.total if self.total else 0.0

    def add(self, column: str, turn: Turn, entries: Iterable[str]) -> None:
        self.counts[column] += 1
        if column == CLARIFY and set(turn.suggestions) & set(entries):
            self.clarify_with_right_entry += 1
