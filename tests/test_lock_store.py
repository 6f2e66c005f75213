"""The production lock store (stores/lock_store.py) against a real Redis: two "instances"
(threads with their own store and event loop) never handle one conversation at once."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from devstack.cluster import RedisServer
from devstack.stack import free_port
from stores.lock_store import AtomicRedisLockStore

ROUNDS = 40


@pytest.fixture(scope="module")
def redis_port():
    server = RedisServer(free_port()).start()
    yield server.port
    server.stop()


def store(port: int) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=port, db=0))


def test_two_instances_never_hold_one_conversation_together(redis_port):
    inside = 0
    overlaps = 0
    counter = threading.Lock()
    start = threading.Barrier(2)

    async def handle(lock_store: AtomicRedisLockStore) -> None:
        nonlocal inside, overlaps
        for _ in range(ROUNDS):
            async with lock_store.lock("conversation-1"):
                with counter:
                    inside += 1
                    overlaps += inside > 1
                await asyncio.sleep(0.002)  # the message being handled
                with counter:
                    inside -= 1

    def instance() -> None:
        start.wait()
        asyncio.run(handle(store(redis_port)))

    threads = [threading.Thread(target=instance) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert overlaps == 0


def test_a_lock_held_too_long_makes_the_next_message_fail_not_wait_forever(redis_port, monkeypatch):
    import stores.lock_store as module

    monkeypatch.setattr(module, "WAIT_LIMIT_S", 0.2)
    first, second = store(redis_port), store(redis_port)

    async def scenario() -> None:
        async with first.lock("conversation-2"):
            started = time.monotonic()
            with pytest.raises(LockError):
                async with second.lock("conversation-2"):
                    pass
            assert time.monotonic() - started < 2

    asyncio.run(scenario())


def test_redis_down_is_an_error(redis_port):
    unreachable = store(free_port())

    async def scenario() -> None:
        async with unreachable.lock("conversation-3"):
            pass

    with pytest.raises(Exception, match="(?i)connect"):
        asyncio.run(scenario())
