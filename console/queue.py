"""The staff queue: who waits for a person, urgent first, then the longest waits.

A flood cannot push a real emergency out of sight: when more than FLOOD_THRESHOLD unclaimed
urgent requests come from one source (the pseudonym of a widget client's address,
contracts/handoff.py's `source`), they are folded into one row with their count, at the place
of the oldest; every other conversation keeps its own row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from console.models import Claim, Conversation, HandoffStatus


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue: a conversation, or a flood of urgent ones from one source."""

    conversations: tuple[Conversation, ...]
    holder: str | None = None

    @property
    def first(self) -> Conversation:
        return self.conversations[0]

    @property
    def is_flood(self) -> bool:
        return len(self.conversations) > 1


def waiting_conversations() -> list[Conversation]:
    return list(
        Conversation.objects.filter(
            handoff_status__in=[HandoffStatus.WAITING, HandoffStatus.TAKEN]
        ).order_by("-handoff_urgent", "handoff_requested_at", "last_message_at")
    )


def _flood_key(conversation: Conversation) -> str | None:
    unclaimed_urgent = (
        conversation.handoff_urgent and conversation.handoff_status == HandoffStatus.WAITING
    )
    return conversation.handoff_source if unclaimed_urgent and conversation.handoff_source else None


def queue_rows(
    conversations: list[Conversation],
    holders: dict[str, str],
    flood_threshold: int | None = None,
) -> list[QueueRow]:
    """The rows in queue order; `holders` maps a claimed conversation to its staff member."""
    threshold = settings.QUEUE_FLOOD_THRESHOLD if flood_threshold is None else flood_threshold
    by_source: dict[str, list[Conversation]] = {}
    for conversation in conversations:
        if key := _flood_key(conversation):
            by_source.setdefault(key, []).append(conversation)
    floods = {key: group for key, group in by_source.items() if len(group) > threshold}
    rows: list[QueueRow] = []
    for conversation in conversations:
        key = _flood_key(conversation)
        if key in floods:
            if conversation is floods[key][0]:
                rows.append(QueueRow(tuple(floods[key])))
            continue
        rows.append(QueueRow((conversation,), holders.get(conversation.sender_id)))
    return rows


def current_rows() -> list[QueueRow]:
    holders = dict(
        Claim.objects.filter(ended_at__isnull=True).values_list("sender_id", "holder__username")
    )
    return queue_rows(waiting_conversations(), holders)
