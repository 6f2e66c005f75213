"""A fake Twilio + WhatsApp Cloud API server on 127.0.0.1, run in a thread by the tests.

It checks credentials and WhatsApp's limits like the real APIs (a violation answers 400),
records every call, and can be told to fail for one recipient (to test retries).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BasicAuth, web

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-test-token"
META_TOKEN = "meta-test-access-token"
META_PHONE_ID = "109876543210"


@dataclass
class Call:
    provider: str  # "twilio" or "meta"
    to: str  # the recipient as the provider received it
    body: dict[str, Any]
    status: int


@dataclass
class FakeProvider:
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    # recipient → statuses to answer before succeeding
    failures: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    always_failing: set[str] = field(default_factory=set)
    delays_s: dict[str, float] = field(default_factory=dict)  # recipient → answer delay
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, to: str, *statuses: int) -> None:
        with self.lock:
            self.failures[to].extend(statuses)

    def fail_always(self, to: str) -> None:
        with self.lock:
            self.always_failing.add(to)

    def slow_down(self, to: str, seconds: float) -> None:
        with self.lock:
            self.delays_s[to] = seconds

    def delivered(self, to: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.to == to and call.status < 300]

    def attempts(self, to: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.to == to]

    def wait_for(self, to: str, count: int = 1, timeout_s: float = 60) -> list[Call]:
        """Waits until `count` messages were delivered to `to`, then a little more."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(self.delivered(to)) >= count:
                time.sleep(1.0)  # let the rest of the same reply arrive
                return self.delivered(to)
            time.sleep(0.1)
        raise AssertionError(f"{count} message(s) expected, got {self.delivered(to)}")

    def _status_for(self, to: str, problem: str | None) -> int:
        """0 for success; else the status to answer."""
        if problem:
            return 400
        with self.lock:
            if to in self.always_failing:
                return 500
            queued = self.failures.get(to)
            return queued.pop(0) if queued else 0

    def _record(self, provider: str, to: str, body: dict[str, Any], status: int) -> None:
        with self.lock:
            self.calls.append(Call(provider, to, body, status))

    async def twilio(self, request: web.Request) -> web.Response:
        auth = BasicAuth.decode(request.headers.get("Authorization", ""))
        if request.match_info["sid"] != TWILIO_SID or auth.password != TWILIO_TOKEN:
            return web.json_response({"code": 20003}, status=401)
        form = dict(await request.post())
        body = str(form.get("Body", ""))
        problem = None if 0 < len(body) <= 1600 else "Body missing or over 1600 characters"
        to = str(form.get("To", ""))
        await asyncio.sleep(self.delays_s.get(to, 0))
        status = self._status_for(to, problem) or 201
        self._record("twilio", to, form, status)
        return web.json_response({"sid": "SM" + "1" * 32, "problem": problem}, status=status)

    async def meta(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {META_TOKEN}":
            return web.json_response({"error": {"code": 190}}, status=401)
        if request.match_info["phone_id"] != META_PHONE_ID:
            return web.json_response({"error": {"code": 100}}, status=400)
        body = await request.json()
        to = str(body.get("to", ""))
        await asyncio.sleep(self.delays_s.get(to, 0))
        status = self._status_for(to, meta_problem(body)) or 200
        self._record("meta", to, body, status)
        return web.json_response({"messages": [{"id": "wamid.fake"}]}, status=status)

    def start(self) -> FakeProvider:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.twilio)
            app.router.add_post("/v21.0/{phone_id}/messages", self.meta)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def meta_problem(body: dict[str, Any]) -> str | None:
    """What the Cloud API would refuse in a message (None when it is acceptable)."""
    if body.get("messaging_product") != "whatsapp" or not str(body.get("to", "")).isdigit():
        return "messaging_product or to"
    if body.get("type") == "text":
        text = body["text"]["body"]
        return None if 0 < len(text) <= 4096 else "text over 4096 characters"
    if body.get("type") != "interactive":
        return "unknown type"
    interactive = body["interactive"]
    if not 0 < len(interactive["body"]["text"]) <= 1024:
        return "interactive body over 1024 characters"
    if interactive["type"] == "button":
        buttons = interactive["action"]["buttons"]
        titles = [button["reply"]["title"] for button in buttons]
        if not 0 < len(buttons) <= 3 or any(not 0 < len(t) <= 20 for t in titles):
            return "reply buttons"
        if len(set(titles)) != len(titles):
            return "duplicate button titles"
        return None
    if interactive["type"] == "list":
        if len(interactive["action"]["button"]) > 20:
            return "list button label"
        rows = [row for section in interactive["action"]["sections"] for row in section["rows"]]
        if not 0 < len(rows) <= 10 or any(
            len(row["title"]) > 24 or len(row.get("description", "")) > 72 or len(row["id"]) > 200
            for row in rows
        ):
            return "list rows"
        return None
    return "unknown interactive type"
