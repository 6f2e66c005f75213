"""python -m console erase_conversation <sender id>...: erasure on a person's request."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from console import audit, retention


class Command(BaseCommand):
    help = "Delete conversations (every message, review and WhatsApp number) by sender id."

    def add_arguments(self, parser) -> None:
        parser.add_argument("sender_ids", nargs="+")

    def handle(self, sender_ids: list[str], **_) -> None:
        events = retention.erase(sender_ids)
        for sender_id in sender_ids:
            audit.record("command line", "erase", sender_id)
        self.stdout.write(f"{len(sender_ids)} conversation(s) erased ({events} events)")
