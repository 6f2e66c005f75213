"""Rasa's SQL tracker store, made fit for several instances on PostgreSQL.

Two traps of Rasa 3.6 (rasa/core/tracker_store.py, rasa/core/agent.py):
- pooled connections die when PostgreSQL restarts, and the next message fails on one;
- the agent wraps every tracker store in a FailSafeTrackerStore which, when the database
  fails, answers from an empty tracker and keeps the conversation in this process's memory:
  the patient gets a reply, and the message is lost once the database is back.

StrictSQLTrackerStore checks each connection before use and retries a failed read or write
briefly (a restart takes a few seconds). `refuse_memory_fallback()` removes the memory
fallback, so an outage makes the message fail loudly: each channel then answers with an
error (and WhatsApp providers redeliver), and GET /webhooks/health/ reports it
(channels/health.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_DELAYS_S = (0.5, 1.0, 2.0)


class StrictSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that reconnects after a database restart and fails loudly."""

    engine: sa.engine.Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        # pool_pre_ping: a connection is tested before use and replaced if the server restarted.
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        for delay in (*RETRY_DELAYS_S, None):
            try:
                return await call()
            except sa.exc.OperationalError as error:
                if delay is None:
                    logger.error("tracker store unavailable (%s): %s", what, type(error).__name__)
                    raise
                logger.warning("tracker store %s failed, retrying in %.1f s", what, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._retrying("read", lambda: SQLTrackerStore.retrieve(self, sender_id))

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._retrying(
            "read", lambda: SQLTrackerStore.retrieve_full_tracker(self, sender_id)
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._retrying("write", lambda: SQLTrackerStore.save(self, tracker))


def refuse_memory_fallback() -> None:
    """From now on, Rasa's Agent leaves a StrictSQLTrackerStore unwrapped (see above): a
    database outage fails loudly instead of carrying on in memory. scripts/rasa_server.py
    calls it before Rasa starts."""
    wrap = Agent._create_tracker_store

    def create(store: Any, domain: Any) -> Any:
        if isinstance(store, StrictSQLTrackerStore):
            store.domain = domain
            logger.info("tracker store: no in-memory fallback (a database outage fails loudly)")
            return store
        return wrap(store, domain)

    Agent._create_tracker_store = staticmethod(create)
