"""Bounded, answered, never silent: how much one sender may send, and in what order.

Every public channel (the website widget, WhatsApp) passes each accepted message through:
- a **rate limit per sender** (a widget session, a WhatsApp number): a token bucket of
  FLOW_BURST messages refilled at FLOW_MESSAGES_PER_MINUTE. The excess is refused with the
  French words of channels/user_text.py (REFUSALS["rate_limited"]), never dropped in silence;
- a **queue per conversation**: its messages are handled one at a time, in the order they
  came, by one task; at most FLOW_QUEUE_BOUND wait. Beyond, the message is refused the same way.
Every refusal is logged (channel, reason, sender id: never the text) and counted; the health
route (channels/health.py) shows the counts. The limits hold per Rasa process: nginx sends one
widget address, hence its sessions, to one instance, and WhatsApp senders are spread by load.

Defaults suit a person typing, even fast (8 messages in a row, then one every 3 s), and stop
a script: 300 messages sent back to back on one widget connection get 8 answers and 292
refusals, each one said.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


@dataclass(frozen=True)
class Limits:
    """The flow limits, from the environment (docs/channels.md)."""

    messages_per_minute: float = 20
    burst: int = 8
    queue_bound: int = 10
    # New widget sessions (conversations) one address may open per 10 minutes.
    new_sessions_per_address: int = 20

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            messages_per_minute=_env_number("FLOW_MESSAGES_PER_MINUTE", cls.messages_per_minute),
            burst=int(_env_number("FLOW_BURST", cls.burst)),
            queue_bound=int(_env_number("FLOW_QUEUE_BOUND", cls.queue_bound)),
            new_sessions_per_address=int(
                _env_number("WIDGET_NEW_SESSIONS_PER_ADDRESS", cls.new_sessions_per_address)
            ),
        )


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key: `capacity` at once, refilled at `per_second`. The least
    recently seen keys are forgotten beyond `max_keys` (a forgotten key starts full)."""

    def __init__(
        self,
        capacity: float,
        per_second: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Takes one token for `key`; False when there is none left."""
        now = self.clock()
        bucket = self._buckets.pop(key, None) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True


@dataclass
class _Line:
    queue: asyncio.Queue
    worker: asyncio.Task | None = None


Job = Callable[[], Awaitable[None]]


class SerialQueues:
    """One queue per conversation, served by one task: messages are handled in order, one at
    a time, and at most `bound` wait. A queue and its task go away once empty."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._lines: dict[str, _Line] = {}

    def submit(self, key: str, job: Job) -> bool:
        """Queues `job` for `key`; False (nothing queued) when `bound` jobs already wait."""
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = _Line(asyncio.Queue())
        if line.queue.qsize() >= self.bound:
            return False
        line.queue.put_nowait(job)
        if line.worker is None:
            line.worker = asyncio.create_task(self._serve(key, line))
        return True

    def waiting(self, key: str) -> int:
        line = self._lines.get(key)
        return line.queue.qsize() if line else 0

    async def _serve(self, key: str, line: _Line) -> None:
        while not line.queue.empty():
            job = line.queue.get_nowait()
            try:
                await job()
            except Exception:  # the job reports its own failure; the queue goes on
                logger.exception("flow: a queued message of %s failed", key)
        self._lines.pop(key, None)


@dataclass
class RefusalCounts:
    """Refused messages and sessions per (channel, reason), for the health route."""

    counts: Counter = field(default_factory=Counter)

    def record(self, channel: str, reason: str, sender: str) -> None:
        self.counts[(channel, reason)] += 1
        logger.warning("flow: %s refused a message of %s (%s)", channel, sender, reason)

    def as_dict(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for (channel, reason), count in sorted(self.counts.items()):
            result.setdefault(channel, {})[reason] = count
        return result


# One per process: every channel of this Rasa server counts into it.
REFUSED = RefusalCounts()


class FlowControl:
    """What a channel holds: its limits, its per-sender rate limiter and conversation queues."""

    def __init__(self, channel: str, limits: Limits | None = None) -> None:
        self.channel = channel
        self.limits = limits or Limits.from_env()
        self.rate = RateLimiter(self.limits.burst, self.limits.messages_per_minute / 60)
        self.queues = SerialQueues(self.limits.queue_bound)

    def admit(self, sender: str, job: Job) -> str | None:
        """Queues `job` for the sender's conversation; the refusal reason when refused
        (`rate_limited` or `queue_full`), already logged and counted."""
        if not self.rate.allow(sender):
            reason = "rate_limited"
        elif not self.queues.submit(sender, job):
            reason = "queue_full"
        else:
            return None
        REFUSED.record(self.channel, reason, sender)
        return reason
