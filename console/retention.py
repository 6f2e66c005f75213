"""Retention and erasure: deleting conversations everywhere they are kept.

A conversation lives in Rasa's tracker store (every message), the console's index, claims and
reviews, and for WhatsApp in the contact book (the phone number). The audit log keeps its
lines (who did what, when, to which pseudonym) but holds no message text.
"""

from __future__ import annotations

import time

from channels.pseudonyms import PREFIX as WHATSAPP_PREFIX
from channels.whatsapp import contacts
from console import index, tracker
from console.models import Claim, Review

SECONDS_PER_DAY = 86_400


def erase(sender_ids: list[str]) -> int:
    """Deletes these conversations; returns the number of tracker events deleted."""
    deleted = tracker.delete_conversations(sender_ids)
    index.forget(sender_ids)
    Claim.objects.filter(sender_id__in=sender_ids).delete()
    Review.objects.filter(sender_id__in=sender_ids).delete()
    for sender_id in sender_ids:
        if sender_id.startswith(WHATSAPP_PREFIX):
            contacts.book().erase(sender_id)
    return deleted


def purge_older_than(days: float) -> list[str]:
    """Deletes the conversations silent for `days`; returns their sender ids."""
    if days <= 0:
        raise ValueError("days must be positive")
    stale = tracker.senders_idle_since(time.time() - days * SECONDS_PER_DAY)
    erase(stale)
    contacts.purge_older_than(days)
    return stale
