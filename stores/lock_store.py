"""A Redis lock store that really lets one instance at a time handle a conversation.

Rasa 3.6's RedisLockStore issues "tickets" by reading the lock, changing it in Python and
writing it back: two instances receiving a message of the same conversation at once can both
get ticket 0 and handle them together, which doubles or loses events in the tracker store.
Here a conversation's lock is a Redis key set with SET NX PX (redis-py's Lock) and released
only by its owner, so taking it is atomic. Waiting messages are not served in strict arrival
order, but each is handled once, alone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

KEY_PREFIX = "assistant:lock:"
POLL_INTERVAL_S = 0.02
# How long a message may wait for its conversation's lock before it fails.
WAIT_LIMIT_S = float(os.environ.get("LOCK_WAIT_LIMIT_S", "60"))


class AtomicRedisLockStore(LockStore):
    """Per-conversation mutex in Redis (endpoints.prod.yml: url, port, password, db)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        settings = endpoint_config.kwargs
        self.red = redis.StrictRedis(
            host=endpoint_config.url or "localhost",
            port=int(settings.get("port") or 6379),
            db=int(settings.get("db") or 0),
            password=settings.get("password") or None,
            ssl=bool(settings.get("use_ssl", False)),
            socket_timeout=float(settings.get("socket_timeout", 10)),
        )
        super().__init__()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_INTERVAL_S,
    ) -> AsyncIterator[TicketLock]:
        mutex = self.red.lock(KEY_PREFIX + conversation_id, timeout=lock_lifetime)
        deadline = time.monotonic() + WAIT_LIMIT_S
        while not mutex.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise LockError(f"conversation still busy after {WAIT_LIMIT_S:.0f} s")
            await asyncio.sleep(POLL_INTERVAL_S)
        try:
            yield TicketLock(conversation_id)
        finally:
            try:
                mutex.release()
            except redis.exceptions.LockError:
                # Held longer than lock_lifetime: another message may have run meanwhile.
                logger.error("a conversation lock expired before its message was handled")

    def ping(self) -> None:
        """Raises if Redis does not answer (health check)."""
        self.red.ping()

    # Rasa's ticket interface, unused by this store's lock().
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        self.red.delete(KEY_PREFIX + conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("AtomicRedisLockStore has no tickets")
