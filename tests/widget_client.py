"""Socket.io clients of the website widget's channel (channels/widget/socketio.py), for the tests.

`WidgetClient` is python-socketio's own AsyncClient. It uses the long-polling transport: its
websocket transport needs aiohttp >= 3.10 (aiohttp.ClientWSTimeout), and Rasa 3.6 pins 3.9.
`RawSocket` speaks Engine.IO 4 / Socket.IO 5 over a websocket by hand, to send what a
well-behaved client never would.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from typing import Any

import socketio
import websockets
from engineio.payload import Payload

from devstack.stack import Stack


def post_events(stack: Stack, session_id: str, events: list[dict]) -> None:
    """Writes into a conversation as staff will: Rasa's HTTP API, output to its latest channel."""
    query = urllib.parse.urlencode(
        {"token": stack.api_token, "output_channel": "latest", "execute_side_effects": "true"}
    )
    url = f"{stack.rasa_url}/conversations/{session_id}/tracker/events?{query}"
    request = urllib.request.Request(
        url, data=json.dumps(events).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


EVENTS = ("session_confirm", "history", "bot_uttered", "handoff_state", "error")
# python-engineio decodes at most 16 packets per long-polling payload, in the client too: a
# browser's socket.io client has no such limit, so neither has this test client.
Payload.max_decode_packets = 1024
TIMEOUT_S = 60


class WidgetClient:
    """One browser tab: connects, asks for a session, talks, collects what arrives."""

    def __init__(self, stack: Stack, origin: str | None = None) -> None:
        self.stack = stack
        self.origin = origin or stack.allowed_origins[0]
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for event in EVENTS:
            self.sio.on(event, self._collector(event))
        self.session_id = ""
        self.token = ""

    def _collector(self, event: str):
        async def collect(data: Any = None) -> None:
            await self.received.put((event, data))

        return collect

    async def connect(self) -> WidgetClient:
        await self.sio.connect(
            self.stack.rasa_url, headers={"Origin": self.origin}, transports=["polling"]
        )
        return self

    async def next(self, *events: str) -> tuple[str, Any]:
        """The next event received (of `events` if given, skipping others)."""
        while True:
            event, data = await asyncio.wait_for(self.received.get(), TIMEOUT_S)
            if not events or event in events:
                return event, data

    async def start(self, request: dict | None = None) -> list[dict]:
        """session_request; returns the history the server sent back."""
        await self.sio.emit("session_request", request if request is not None else {})
        _, confirm = await self.next("session_confirm")
        self.session_id, self.token = confirm["session_id"], confirm["token"]
        _, history = await self.next("history")
        await self.next("handoff_state")
        return history["messages"]

    async def until_turn_ends(self) -> tuple[list[dict], str]:
        """The bot messages until the turn's handoff state; returns them and the state."""
        messages = []
        while True:
            event, data = await self.next("bot_uttered", "handoff_state", "error")
            if event == "error":
                raise AssertionError(f"error event: {data}")
            if event == "handoff_state":
                return messages, data["state"]
            messages.append(data)

    async def say(self, text: str) -> list[dict]:
        await self.sio.emit("user_uttered", {"message": text})
        messages, _ = await self.until_turn_ends()
        return messages

    async def close(self) -> None:
        await self.sio.disconnect()


class RawSocket:
    """Socket.IO by hand over a websocket: `send` any text frame, `events` what comes back."""

    def __init__(self, stack: Stack, origin: str | None = None) -> None:
        host = stack.rasa_url.removeprefix("http://")
        self.url = f"ws://{host}/socket.io/?EIO=4&transport=websocket"
        self.origin = origin or stack.allowed_origins[0]
        self.ws: Any = None

    async def connect(self) -> RawSocket:
        self.ws = await websockets.connect(self.url, origin=self.origin, max_size=None)
        opening = await self.ws.recv()
        assert opening.startswith("0{"), opening  # Engine.IO "open"
        await self.ws.send("40")  # Socket.IO "connect" to namespace /
        assert (await self.ws.recv()).startswith("40")
        return self

    async def send(self, frame: str | bytes) -> None:
        await self.ws.send(frame)

    async def emit(self, event: str, *args: Any) -> None:
        await self.ws.send("42" + json.dumps([event, *args]))

    async def next(self, *events: str) -> tuple[str, Any]:
        """The next Socket.IO event (of `events` if given), answering the server's pings."""
        while True:
            frame = await asyncio.wait_for(self.ws.recv(), TIMEOUT_S)
            if frame == "2":
                await self.ws.send("3")
                continue
            if frame.startswith("42"):
                event, *args = json.loads(frame[2:])
                if not events or event in events:
                    return event, args[0] if args else None

    async def close(self) -> None:
        await self.ws.close()
