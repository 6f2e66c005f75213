"""Rasa's SQL tracker store, read and deleted from with SQLAlchemy (as Rasa writes it).

Rasa owns the `events` table (rasa/core/tracker_store.py, SQLTrackerStore): one row per event,
`data` holding the event's JSON. The same code serves the embedded SQLite file and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from django.conf import settings

# The columns of Rasa's SQLTrackerStore.SQLEvent, declared here: importing Rasa's class would
# cost each console worker 2 s and 120 MiB of Rasa modules.
metadata = sa.MetaData()
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


@dataclass(frozen=True)
class SenderState:
    """How much of a conversation is stored: compared with the index to find changes."""

    sender_id: str
    last_event_id: int
    event_count: int


def engine() -> sa.engine.Engine:
    return _engine(settings.TRACKER_DATABASE_URL)


@lru_cache(maxsize=4)
def _engine(url: str) -> sa.engine.Engine:
    options = {"connect_args": {"timeout": 15}} if url.startswith("sqlite") else {}
    # pool_pre_ping: a PostgreSQL restart must not leave dead connections in the pool.
    return sa.create_engine(url, future=True, pool_pre_ping=True, **options)


def _has_events_table(connection: sa.engine.Connection) -> bool:
    # Rasa creates the table on its first start; before that there is nothing to read.
    return sa.inspect(connection).has_table("events")


def conversation_events(sender_id: str) -> list[dict]:
    """Every stored event of one conversation, oldest first, each with its row id."""
    query = sa.select(events.c.id, events.c.data).where(events.c.sender_id == sender_id)
    with engine().connect() as connection:
        if not _has_events_table(connection):
            return []
        rows = connection.execute(query.order_by(events.c.id)).all()
    return [{**json.loads(row.data), "_id": row.id} for row in rows]


def newest_event_id() -> int:
    with engine().connect() as connection:
        if not _has_events_table(connection):
            return 0
        return connection.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0


def senders_changed_after(event_id: int) -> list[SenderState]:
    """Conversations with an event newer than `event_id`, with their full size."""
    recent = sa.select(events.c.sender_id).where(events.c.id > event_id).distinct()
    query = (
        sa.select(events.c.sender_id, sa.func.max(events.c.id), sa.func.count(events.c.id))
        .where(events.c.sender_id.in_(recent.scalar_subquery()))
        .group_by(events.c.sender_id)
    )
    with engine().connect() as connection:
        if not _has_events_table(connection):
            return []
        return [SenderState(*row) for row in connection.execute(query)]


def senders_idle_since(timestamp: float) -> list[str]:
    """Conversations whose newest event is older than `timestamp` (seconds since the epoch)."""
    query = (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < timestamp)
    )
    with engine().connect() as connection:
        if not _has_events_table(connection):
            return []
        return list(connection.execute(query).scalars())


def delete_conversations(sender_ids: Iterable[str]) -> int:
    """Deletes every event of these conversations; returns the number of events deleted."""
    sender_ids = list(sender_ids)
    deleted = 0
    with engine().begin() as connection:
        if not _has_events_table(connection):
            return 0
        for start in range(0, len(sender_ids), 500):
            batch = sender_ids[start : start + 500]
            deleted += connection.execute(
                events.delete().where(events.c.sender_id.in_(batch))
            ).rowcount
    return deleted
