"""Where a WhatsApp user's real number lives: only here, only to reply.

Three small tables in one SQL database (CONTACTS_DB_URL, default sqlite:///var/contacts.db;
a shared PostgreSQL database when several Rasa instances run):
- `contacts`: pseudonym → channel, phone number, updated_at. Read by the output channels.
- `processed_messages`: a hash of each provider message id, unique, so a delivery retried by
  the provider (or received by two instances) is handled once. Hashed because Meta's ids
  encode the sender's number.
- `delivery_failures`: replies that could not be delivered (pseudonym, never the number),
  counted by the channels' health routes.

Erasure and retention: `python -m channels.whatsapp.contacts erase +33612345678` (or a pseudonym),
`python -m channels.whatsapp.contacts purge --days 90`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from channels.pseudonyms import PREFIX, pseudonym, secret_from_env

DB_URL_ENV = "CONTACTS_DB_URL"
DEFAULT_DB_URL = "sqlite:///var/contacts.db"

metadata = sa.MetaData()
contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("pseudonym", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("number", sa.String(20), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
processed_messages = sa.Table(
    "processed_messages",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("message_hash", sa.String(64), primary_key=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
delivery_failures = sa.Table(
    "delivery_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pseudonym", sa.String(64), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False, index=True),
)


def now() -> datetime:
    return datetime.now(timezone.utc)


class ContactBook:
    """The tables above. Synchronous: the channels call it through asyncio.to_thread."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: an error message must never carry a phone number into a log.
        self.engine: Engine = sa.create_engine(url, hide_parameters=True, future=True)
        metadata.create_all(self.engine)

    def remember(self, pseudonym_: str, channel: str, number: str) -> None:
        """Records (or refreshes) the number to reply to."""
        values = {"channel": channel, "number": number, "updated_at": now()}
        with self.engine.begin() as connection:
            where = contacts.c.pseudonym == pseudonym_
            if connection.execute(contacts.update().where(where).values(**values)).rowcount:
                return
        try:
            with self.engine.begin() as connection:
                connection.execute(contacts.insert().values(pseudonym=pseudonym_, **values))
        except IntegrityError:  # inserted meanwhile by another request or instance
            with self.engine.begin() as connection:
                connection.execute(contacts.update().where(where).values(**values))

    def number_for(self, pseudonym_: str) -> str | None:
        with self.engine.connect() as connection:
            query = sa.select(contacts.c.number).where(contacts.c.pseudonym == pseudonym_)
            return connection.execute(query).scalar_one_or_none()

    def claim_message(self, channel: str, message_id: str) -> bool:
        """True the first time a provider message id is seen, False for a redelivery."""
        digest = hashlib.sha256(message_id.encode()).hexdigest()
        row = {"channel": channel, "message_hash": digest, "received_at": now()}
        try:
            with self.engine.begin() as connection:
                connection.execute(processed_messages.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def record_failure(self, pseudonym_: str, channel: str, reason: str) -> None:
        row = {"pseudonym": pseudonym_, "channel": channel, "reason": reason[:200]}
        with self.engine.begin() as connection:
            connection.execute(delivery_failures.insert().values(failed_at=now(), **row))

    def failures_since(self, channel: str, since: datetime) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(delivery_failures)
            .where(delivery_failures.c.channel == channel, delivery_failures.c.failed_at >= since)
        )
        with self.engine.connect() as connection:
            return connection.execute(query).scalar_one()

    def erase(self, pseudonym_: str) -> bool:
        """Forgets a contact's number and delivery failures; True if there was a number."""
        with self.engine.begin() as connection:
            failures = delivery_failures.c.pseudonym == pseudonym_
            connection.execute(delivery_failures.delete().where(failures))
            erased = connection.execute(contacts.delete().where(contacts.c.pseudonym == pseudonym_))
            return bool(erased.rowcount)

    def purge_older_than(self, days: float) -> int:
        """Retention: forgets contacts silent for `days`, and older message ids and failures."""
        cutoff = now() - timedelta(days=days)
        with self.engine.begin() as connection:
            connection.execute(
                processed_messages.delete().where(processed_messages.c.received_at < cutoff)
            )
            connection.execute(
                delivery_failures.delete().where(delivery_failures.c.failed_at < cutoff)
            )
            purged = connection.execute(contacts.delete().where(contacts.c.updated_at < cutoff))
            return purged.rowcount


@cache
def book(url: str | None = None) -> ContactBook:
    """The contact book of CONTACTS_DB_URL, shared by both channels of one Rasa process."""
    return ContactBook(url or os.environ.get(DB_URL_ENV) or DEFAULT_DB_URL)


def erase(pseudonym_or_number: str) -> bool:
    """Erases by pseudonym ("wa-…") or by phone number (needs SENDER_ID_SECRET)."""
    return book().erase(_as_pseudonym(pseudonym_or_number))


def purge_older_than(days: float) -> int:
    return book().purge_older_than(days)


def _as_pseudonym(value: str) -> str:
    if value.startswith(PREFIX):
        return value
    secret = secret_from_env()
    if secret is None:
        raise SystemExit("SENDER_ID_SECRET is needed to find a contact by its number")
    return pseudonym(value, secret)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Erase a WhatsApp contact, or apply retention.")
    commands = parser.add_subparsers(dest="command", required=True)
    erase_command = commands.add_parser("erase", help="forget one contact's number")
    erase_command.add_argument("who", help='pseudonym ("wa-…") or phone number')
    purge_command = commands.add_parser("purge", help="forget contacts silent for N days")
    purge_command.add_argument("--days", type=float, required=True)
    args = parser.parse_args(argv)
    if args.command == "erase":
        found = erase(args.who)
        print("erased" if found else "no such contact")
    else:
        print(f"{purge_older_than(args.days)} contact(s) purged")


if __name__ == "__main__":
    main()
