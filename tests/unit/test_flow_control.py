"""Flow limits (channels/flow_control.py): the token bucket, the per-conversation queues and
the refusal counts; the channels that use them are tested on running servers
(tests/test_flood.py)."""

from __future__ import annotations

import asyncio

from channels.flow_control import REFUSED, FlowControl, Limits, RateLimiter, SerialQueues


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_message_per_refill_interval():
    clock = Clock()
    limiter = RateLimiter(capacity=3, per_second=0.5, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b"), "each sender has its own bucket"
    clock.now = 1.0
    assert not limiter.allow("a")
    clock.now = 2.0
    assert limiter.allow("a") and not limiter.allow("a")


def test_forgotten_senders_start_afresh_and_memory_stays_bounded():
    limiter = RateLimiter(capacity=1, per_second=0.0, max_keys=2, clock=Clock())
    assert limiter.allow("a") and not limiter.allow("a")
    limiter.allow("b")
    limiter.allow("c")  # "a" is the least recently seen: forgotten
    assert len(limiter._buckets) == 2 and limiter.allow("a")


def test_a_conversation_s_messages_run_one_at_a_time_in_order_and_the_queue_is_bounded():
    async def scenario() -> tuple[list[str], list[bool], int]:
        queues = SerialQueues(bound=3)
        done: list[str] = []
        running = 0
        overlaps = 0

        def job(name: str, counted: bool = True):
            async def run() -> None:
                nonlocal running, overlaps
                running += counted
                overlaps += running > 1
                await asyncio.sleep(0.01)
                done.append(name)
                running -= counted

            return run

        accepted = [queues.submit("c", job(str(n))) for n in range(5)]
        queues.submit("other", job("x", counted=False))  # another conversation runs alongside
        while len(done) < 4:  # the 3 accepted of "c" and the one of "other"
            await asyncio.sleep(0.01)
        return done, accepted, overlaps

    done, accepted, overlaps = asyncio.run(scenario())
    assert accepted == [True, True, True, False, False]  # 3 waiting at most
    assert [name for name in done if name != "x"] == ["0", "1", "2"]
    assert overlaps == 0


def test_a_failing_message_does_not_stop_its_conversation_s_queue():
    async def scenario() -> list[str]:
        queues = SerialQueues(bound=5)
        done: list[str] = []

        async def fails() -> None:
            raise RuntimeError("boom")

        async def works() -> None:
            done.append("ok")

        queues.submit("c", fails)
        queues.submit("c", works)
        await asyncio.sleep(0.05)
        return done

    assert asyncio.run(scenario()) == ["ok"]


def test_refusals_are_counted_by_channel_and_reason():
    async def scenario() -> list[str | None]:
        flow = FlowControl("test-channel", Limits(messages_per_minute=0, burst=2, queue_bound=5))

        async def job() -> None:
            await asyncio.sleep(0.01)

        return [flow.admit("s", job) for _ in range(3)]

    before = REFUSED.as_dict().get("test-channel", {}).get("rate_limited", 0)
    reasons = asyncio.run(scenario())
    assert reasons == [None, None, "rate_limited"]
    assert REFUSED.as_dict()["test-channel"]["rate_limited"] == before + 1
