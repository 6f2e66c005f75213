"""The staff queue: its order, and a flood of urgent requests folded into one row."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from console.models import Conversation, HandoffStatus
from console.queue import queue_rows

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def waiting(sender: str, minutes: int, urgent: bool, source: str = "", taken: bool = False):
    status = HandoffStatus.TAKEN if taken else HandoffStatus.WAITING
    return Conversation(
        sender_id=sender, handoff_status=status, handoff_urgent=urgent,
        handoff_requested_at=START + timedelta(minutes=minutes), handoff_source=source,
    )  # fmt: skip


def senders(rows) -> list[list[str]]:
    return [[c.sender_id for c in row.conversations] for row in rows]


def test_a_flood_from_one_source_is_one_row_and_the_real_emergency_keeps_its_own():
    flood = [waiting(f"bot-{n}", n, urgent=True, source="ip-a") for n in range(6)]
    real = waiting("patient", 3, urgent=True, source="ip-b")
    ordinary = waiting("question", 0, urgent=False, source="ip-a")
    conversations = sorted(
        [*flood, real, ordinary], key=lambda c: (not c.handoff_urgent, c.handoff_requested_at)
    )
    rows = queue_rows(conversations, {}, flood_threshold=3)
    assert senders(rows) == [[f"bot-{n}" for n in range(6)], ["patient"], ["question"]]
    assert rows[0].is_flood and not rows[1].is_flood


def test_up_to_the_threshold_every_request_keeps_its_row():
    conversations = [waiting(f"c{n}", n, urgent=True, source="ip-a") for n in range(3)]
    assert senders(queue_rows(conversations, {}, flood_threshold=3)) == [["c0"], ["c1"], ["c2"]]


def test_claimed_or_sourceless_conversations_are_never_folded():
    conversations = [
        *[waiting(f"c{n}", n, urgent=True, source="ip-a", taken=True) for n in range(4)],
        *[waiting(f"w{n}", n, urgent=True) for n in range(4)],
    ]
    rows = queue_rows(conversations, {"c0": "claire"}, flood_threshold=3)
    assert not any(row.is_flood for row in rows) and len(rows) == 8
    assert rows[0].holder == "claire"
