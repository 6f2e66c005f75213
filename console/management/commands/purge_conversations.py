"""python -m console purge_conversations [--days N]: the retention rule, run daily (cron)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from console import audit, retention


class Command(BaseCommand):
    help = "Delete conversations silent for more than N days (default CONSOLE_RETENTION_DAYS)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=float, default=settings.RETENTION_DAYS)

    def handle(self, days: float, **_) -> None:
        if days <= 0:
            raise CommandError("--days must be positive")
        purged = retention.purge_older_than(days)
        audit.record("command line", "purge", detail=f"{len(purged)} conversations > {days:g} j")
        self.stdout.write(f"{len(purged)} conversation(s) older than {days:g} days deleted")
