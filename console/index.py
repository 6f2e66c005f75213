"""Keeps the console's index (Conversation, Question) in step with Rasa's tracker store.

Each page that lists conversations calls refresh(): it rebuilds the conversations whose
stored events changed since the last look. It looks back LOOKBACK_EVENTS rows before the
newest id it saw, because on PostgreSQL several Rasa instances commit out of id order.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction

from console import tracker, transcripts
from console.models import Conversation, HandoffStatus, IndexState, Question

logger = logging.getLogger(__name__)

LOOKBACK_EVENTS = 500
NORMALISED_CHARS = 200


def refresh() -> int:
    """Rebuilds what changed; returns the number of conversations rebuilt."""
    state, _ = IndexState.objects.get_or_create(pk=1)
    changed = tracker.senders_changed_after(max(0, state.last_event_id - LOOKBACK_EVENTS))
    indexed = {
        sender_id: (last_event_id, event_count)
        for sender_id, last_event_id, event_count in Conversation.objects.filter(
            sender_id__in=[s.sender_id for s in changed]
        ).values_list("sender_id", "last_event_id", "event_count")
    }
    rebuilt = 0
    for sender in changed:
        if indexed.get(sender.sender_id) != (sender.last_event_id, sender.event_count):
            rebuild(sender.sender_id)
            rebuilt += 1
    newest = max([state.last_event_id, *(s.last_event_id for s in changed)])
    IndexState.objects.filter(pk=1).update(last_event_id=newest)
    return rebuilt


def rebuild(sender_id: str) -> Conversation | None:
    """Re-reads one conversation from the tracker store (None once it has been deleted)."""
    events = tracker.conversation_events(sender_id)
    if not events:
        Conversation.objects.filter(sender_id=sender_id).delete()
        return None
    summary = transcripts.summary(events)
    handoff = summary.handoff
    fields = {
        "channel": summary.channel,
        "started_at": summary.started_at,
        "last_message_at": summary.last_message_at,
        "status": summary.status,
        "user_messages": summary.user_messages,
        "first_message": summary.questions[0][1][:200] if summary.questions else "",
        "handoff_status": handoff.get("status") or HandoffStatus.NONE,
        "handoff_reason": handoff.get("reason") or "",
        "handoff_urgent": bool(handoff.get("urgent")),
        "handoff_requested_at": _parse_time(handoff.get("requested_at")),
        "handoff_message": handoff.get("message") or "",
        "handoff_requests": int(handoff.get("requests") or 0),
        "handoff_source": str(handoff.get("source") or "")[:64],
        "search_text": summary.search_text,
        "last_event_id": events[-1]["_id"],
        "event_count": len(events),
    }
    try:
        with transaction.atomic():
            conversation, _ = Conversation.objects.update_or_create(
                sender_id=sender_id, defaults=fields
            )
            conversation.questions.all().delete()
            Question.objects.bulk_create(
                Question(
                    conversation=conversation,
                    at=at,
                    text=text,
                    normalised=transcripts.fold(" ".join(text.split()))[:NORMALISED_CHARS],
                    outcome=status,
                )
                for at, text, status in summary.questions
            )
    except IntegrityError:
        # Another console worker rebuilt it at the same moment: its result is as good.
        logger.info("conversation index: concurrent rebuild skipped")
        return Conversation.objects.filter(sender_id=sender_id).first()
    return conversation


def forget(sender_ids: list[str]) -> None:
    Conversation.objects.filter(sender_id__in=sender_ids).delete()


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
