"""The load of `make bench`: patients having short French conversations with the assistant
through its REST channel. scripts/bench.py runs it headless, in .venv-bench (Locust is not in
the assistant's environment); it needs nothing from the project.

Each Locust user is one patient at a time: it takes the next conversation of the file that
scripts/bench.py wrote (3-6 turns: a greeting, FAQ questions, sometimes a clinical question
that is handed off, thanks), sends it turn by turn under a new sender id, waiting a think time
between turns, then starts the next one. Users start at random moments over the first think
time, not all at once.

Environment, set by scripts/bench.py:
- BENCH_CONVERSATIONS: JSON file, a list of conversations, each a list of [kind, text];
- BENCH_HOSTS: comma-separated base URLs of the Rasa instances. With several, a conversation
  goes to the instance chosen by hashing its sender id: client-side balancing, no balancer;
- BENCH_THINK_S: "min,max", the seconds a patient waits between two turns.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
import zlib
from pathlib import Path

import gevent
from locust import FastHttpUser, between, task

WEBHOOK = "/webhooks/rest/webhook"
CONVERSATIONS = json.loads(Path(os.environ["BENCH_CONVERSATIONS"]).read_text(encoding="utf-8"))
HOSTS = os.environ["BENCH_HOSTS"].split(",")
THINK_MIN_S, THINK_MAX_S = (float(s) for s in os.environ.get("BENCH_THINK_S", "1,3").split(","))
# Users run as greenlets of one process: a shared iterator hands out each conversation in turn.
NEXT_CONVERSATION = itertools.cycle(CONVERSATIONS)


def instance(sender: str) -> str:
    """The instance a conversation goes to: always the same one for a sender id."""
    return HOSTS[zlib.crc32(sender.encode()) % len(HOSTS)]


class Patient(FastHttpUser):
    host = HOSTS[0]
    wait_time = between(THINK_MIN_S, THINK_MAX_S)

    def on_start(self) -> None:
        # Locust starts every user within a second: without this, they would all say hello at
        # the same instant, a queue real patients never make, and it would dominate the p99.
        gevent.sleep(random.uniform(0, THINK_MAX_S))

    @task
    def conversation(self) -> None:
        sender = f"bench-{uuid.uuid4().hex}"
        url = instance(sender) + WEBHOOK
        handed_off = False
        for turn, (kind, text) in enumerate(next(NEXT_CONVERSATION)):
            if turn:
                self.wait()
            self.send(url, sender, text, silence_allowed=handed_off)
            handed_off = handed_off or kind == "clinical"

    def send(self, url: str, sender: str, text: str, silence_allowed: bool) -> None:
        """One message; an error unless 200 with a list of bot messages, non-empty unless the
        conversation is handed off (the assistant then stays silent, bar a rare reminder)."""
        body = {"sender": sender, "message": text}
        with self.client.post(url, json=body, name=WEBHOOK, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
            try:
                messages = response.json()
            except ValueError:
                response.failure("answer is not JSON")
                return
            if not isinstance(messages, list) or not (messages or silence_allowed):
                response.failure("no answer")
