"""The audit log: who opened, exported, answered or deleted which conversation."""

from __future__ import annotations

from console.models import AuditEntry


def record(username: str, action: str, sender_id: str = "", detail: str = "") -> None:
    AuditEntry.objects.create(
        username=username, action=action, sender_id=sender_id, detail=detail[:255]
    )
