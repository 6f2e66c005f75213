"""socket.io channel of the website widget, replacing Rasa's SocketIOInput.

What it changes from Rasa 3.6's channel (see /shared/rasa-3.6-pitfalls.md):
- the server issues the session id (channels/widget/session.py); a client comes back to its
  conversation with a signed token and can never pick an id, nor send into another session;
- `enter_room` is awaited when it is a coroutine (python-socketio >= 5.10), so replies arrive;
- a connection must come from a page of an allowed site (WIDGET_ALLOWED_ORIGINS; Rasa switches
  the check off, and python-engineio lets a request without Origin through): a session token
  replayed by a script without Origin opens nothing;
- oversize, malformed and binary events get an `error` event, never an exception;
- bounded and never silent (channels/flow_control.py): each session's messages are handled in
  order, one at a time; too many at once, or too many new sessions from one address, get an
  `error` event with French words, and the refusals are counted on the health route;
- the history and the handoff state (`bot` / `waiting` / `human`) are sent on connection and
  after every turn, and after staff write into the conversation through the HTTP API;
- get_output_channel() emits to the session's room, so messages posted through
  `POST /conversations/{id}/tracker/events?output_channel=latest` reach the widget.

Events: client → server `session_request {token?}`, `user_uttered {message}`;
server → client `session_confirm {session_id, token, max_chars}` (the message limit the
widget's text box applies), `history {messages}`,
`bot_uttered {text, quick_replies, author}`, `handoff_state {state}`, `error {code, message}`.
"""

from __future__ import annotations

import inspect
import logging
import os
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from engineio.payload import Payload
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from channels.flow_control import REFUSED, FlowControl, RateLimiter
from channels.replies import replies
from channels.user_text import MAX_MESSAGE_CHARS, REFUSALS, clean_user_text, is_too_long
from channels.widget.assets import assets_blueprint
from channels.widget.history import (
    STAFF,
    bot_messages,
    history,
    tracker_handoff_state,
)
from channels.widget.session import SessionTokens, new_session_id

logger = logging.getLogger(__name__)

ORIGINS_ENV = "WIDGET_ALLOWED_ORIGINS"
# Largest socket.io packet accepted (bytes); bigger ones close the connection. A message of
# MAX_MESSAGE_CHARS characters (channels/user_text.py) fits even when a client \u-escapes
# every one (12 bytes for a character outside the BMP), with its envelope; longer ones get the
# `too_long` error.
MAX_PACKET_BYTES = 32 * 1024
# Over long-polling, the client sends what queued up during one poll as one batch, which
# python-engineio refused whole beyond 16 messages (no reply, no error: all lost). The batch
# stays bounded by MAX_PACKET_BYTES; what it holds beyond the rate limit gets refusals.
Payload.max_decode_packets = 1024
# How long an address's count of new sessions takes to refill (Limits.new_sessions_per_address).
NEW_SESSIONS_WINDOW_S = 600

# malformed, too_long, empty, rate_limited, server: the same on every channel
ERRORS = {**replies()["widget_errors"], **REFUSALS}


def shared_client_manager() -> AsyncRedisManager | None:
    """With several Rasa instances (REDIS_HOST set, as endpoints.prod.yml needs), what is sent
    to a widget goes through Redis, and the instance holding that widget's socket delivers it:
    a staff reply posted through another instance's HTTP API reaches the patient live."""
    host = os.environ.get("REDIS_HOST")
    if not host:
        return None  # one instance: sockets are all local
    password = urllib.parse.quote(os.environ.get("REDIS_PASSWORD", ""), safe="")
    auth = f":{password}@" if password else ""
    port, db = os.environ.get("REDIS_PORT", "6379"), os.environ.get("REDIS_DB", "0")
    return AsyncRedisManager(f"redis://{auth}{host}:{port}/{db}", channel="assistant-widget")


def allowed_origins(value: str | None = None) -> frozenset[str]:
    """The comma-separated Origins of WIDGET_ALLOWED_ORIGINS, without trailing slashes."""
    value = os.environ.get(ORIGINS_ENV, "") if value is None else value
    return frozenset(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())


async def enter_room(sio: AsyncServer, sid: str, room: str) -> None:
    # python-socketio 5.9 returns None here, >= 5.10 a coroutine that must be awaited.
    result = sio.enter_room(sid, room)
    if inspect.isawaitable(result):
        await result


async def leave_room(sio: AsyncServer, sid: str, room: str) -> None:
    result = sio.leave_room(sid, room)
    if inspect.isawaitable(result):
        await result


class WidgetOutput(OutputChannel):
    """Sends the bot's (or staff's) messages to every socket of a session's room."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def __init__(self, sio: AsyncServer, bot_message_evt: str = "bot_uttered") -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt

    async def _send(self, session_id: str, text: str, buttons: list | None, author: Any) -> None:
        # `author` comes from the bot event's metadata (staff console: {"author": "staff"}).
        author = STAFF if author == STAFF else "bot"
        for message in bot_messages(text, buttons, author):
            await self.sio.emit(self.bot_message_evt, message, to=session_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text, None, kwargs.get("author"))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, buttons, kwargs.get("author"))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, quick_replies, kwargs.get("author"))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        logger.warning("the widget shows no images; image not sent")


class WidgetSocketBlueprint(SocketBlueprint):
    """Attaches socket.io to the app and hands the app to the channel (agent, widget files,
    HTTP API hook)."""

    def __init__(
        self, sio: AsyncServer, socketio_path: str, on_app: Callable[[Sanic], None]
    ) -> None:
        super().__init__(sio, socketio_path, "widget_socketio", __name__)
        self.ctx.on_app = on_app  # Sanic forbids attributes on blueprints, not on ctx

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.on_app(app)
        super().register(app, options)


class SecureSocketIOInput(InputChannel):
    """The widget's socket.io channel (credentials.yml:
    channels.widget.socketio.SecureSocketIOInput)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            demo_page=bool(credentials.get("demo_page", False)),
        )

    def __init__(
        self,
        socketio_path: str = "/socket.io",
        demo_page: bool = False,
        tokens: SessionTokens | None = None,
        origins: frozenset[str] | None = None,
    ) -> None:
        self.socketio_path = socketio_path
        self.demo_page = demo_page
        self.tokens = tokens or SessionTokens.from_env()
        self.origins = allowed_origins() if origins is None else origins
        if not self.origins:
            logger.warning("%s is empty: no web page can open the widget", ORIGINS_ENV)
        self.sio: AsyncServer | None = None
        self.app: Sanic | None = None
        self.sessions: dict[str, str] = {}  # socket id -> session id
        self.addresses: dict[str, str] = {}  # socket id -> pseudonym of the client's address
        self.flow = FlowControl(self.name())
        limit = self.flow.limits.new_sessions_per_address
        self.new_sessions = RateLimiter(limit, limit / NEW_SESSIONS_WINDOW_S)

    def get_output_channel(self) -> OutputChannel | None:
        return WidgetOutput(self.sio) if self.sio is not None else None

    def _origin_allowed(self, origin: str | None, environ: object = None) -> bool:
        # A callable, because python-engineio reads an empty list as "check nothing".
        return isinstance(origin, str) and origin.rstrip("/") in self.origins

    def _page_allowed(self, environ: dict[str, Any]) -> bool:
        """Whether a connection comes from a page of an allowed site. A browser leaves Origin
        out of a same-origin GET (the demo page this server serves): it then says so in
        Sec-Fetch-Site, and the Host must be one of the allowed Origins'. A client that
        sends neither (a script replaying a token) is refused."""
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None:
            return self._origin_allowed(origin)
        host = environ.get("HTTP_HOST", "")
        same_origin = environ.get("HTTP_SEC_FETCH_SITE") == "same-origin"
        return same_origin and any(urllib.parse.urlsplit(o).netloc == host for o in self.origins)

    def _client_address(self, environ: dict[str, Any]) -> str:
        """The pseudonym of the client's address (Sanic's remote_addr: the X-Forwarded-For
        address when SANIC_PROXIES_COUNT says a proxy is in front, else the peer's)."""
        request = environ.get("sanic.request")
        address = (getattr(request, "remote_addr", "") or getattr(request, "ip", "")) or "?"
        return self.tokens.address_pseudonym(address)

    def _session_for(self, sid: str, token: object) -> str | None:
        """The session a token names, else a new one unless its address opened too many."""
        session_id = self.tokens.session_of(token)
        if session_id is not None:
            return session_id
        address = self.addresses.get(sid, "?")
        if not self.new_sessions.allow(address):
            REFUSED.record(self.name(), "too_many_sessions", address)
            return None
        return new_session_id()

    async def _tracker(self, session_id: str, full: bool = False) -> DialogueStateTracker | None:
        """The stored conversation: every session (`full`, for the history) or the latest one
        (enough for the slots, which are carried over)."""
        agent = getattr(self.app.ctx, "agent", None) if self.app else None
        if agent is None or agent.tracker_store is None:
            return None
        store = agent.tracker_store
        return await (store.retrieve_full_tracker if full else store.retrieve)(session_id)

    async def emit_handoff_state(self, session_id: str) -> None:
        if self.sio is None:
            return
        state = tracker_handoff_state(await self._tracker(session_id))
        await self.sio.emit("handoff_state", {"state": state}, to=session_id)

    async def _error(self, sid: str, code: str) -> None:
        assert self.sio is not None
        await self.sio.emit("error", {"code": code, "message": ERRORS[code]}, to=sid)

    def _on_app(self, app: Sanic) -> None:
        self.app = app
        app.blueprint(assets_blueprint(self.demo_page))  # /widget/*, /demo

        async def after_api_write(request: Request, written: BaseHTTPResponse) -> None:
            # Staff write into a conversation through Rasa's HTTP API (e.g. a `bot` event or
            # the `handoff` slot): tell the widget who answers now.
            conversation_id = (request.match_info or {}).get("conversation_id")
            if conversation_id and request.method in ("POST", "PUT") and written.status < 400:
                await self.emit_handoff_state(conversation_id)

        app.register_middleware(after_api_write, "response")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=self._origin_allowed,
            max_http_buffer_size=MAX_PACKET_BYTES,
            client_manager=shared_client_manager(),
        )
        self.sio = sio
        bp = WidgetSocketBlueprint(sio, self.socketio_path, self._on_app)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect")
        async def connect(sid: str, environ: dict[str, Any], *args: Any) -> bool:
            if not self._page_allowed(environ):
                return False  # refused
            self.addresses[sid] = self._client_address(environ)
            return True

        @sio.on("disconnect")
        async def disconnect(sid: str) -> None:
            self.sessions.pop(sid, None)
            self.addresses.pop(sid, None)

        @sio.on("session_request")
        async def session_request(sid: str, *args: Any) -> None:
            data = args[0] if len(args) == 1 and isinstance(args[0], dict) else {}
            session_id = self._session_for(sid, data.get("token"))
            if session_id is None:
                return await self._error(sid, "too_many_sessions")
            previous = self.sessions.get(sid)
            if previous and previous != session_id:
                await leave_room(sio, sid, previous)
            self.sessions[sid] = session_id
            await enter_room(sio, sid, session_id)
            token = self.tokens.issue(session_id)
            confirm = {"session_id": session_id, "token": token, "max_chars": MAX_MESSAGE_CHARS}
            await sio.emit("session_confirm", confirm, to=sid)
            tracker = await self._tracker(session_id, full=True)
            await sio.emit("history", {"messages": history(tracker)}, to=sid)
            await sio.emit("handoff_state", {"state": tracker_handoff_state(tracker)}, to=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, *args: Any) -> None:
            session_id = self.sessions.get(sid)
            if session_id is None:
                return await self._error(sid, "no_session")
            data = args[0] if len(args) == 1 else None
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                return await self._error(sid, "malformed")
            if is_too_long(data["message"]):
                return await self._error(sid, "too_long")
            text = clean_user_text(data["message"])
            if not text:
                return await self._error(sid, "empty")
            # Client metadata is ignored: only the cleaned text, and the pseudonym of the
            # address (the staff queue groups a flood of urgent requests by it), are stored.
            metadata = {"source": self.addresses.get(sid)}
            message = UserMessage(
                text, WidgetOutput(sio), session_id, input_channel=self.name(), metadata=metadata
            )

            async def handle() -> None:
                try:
                    await on_new_message(message)
                except Exception:
                    logger.exception("the widget message could not be handled")
                    return await self._error(sid, "server")
                await self.emit_handoff_state(session_id)

            if self.flow.admit(session_id, handle) is not None:
                await self._error(sid, "rate_limited")

        return bp
