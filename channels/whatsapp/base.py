"""What both WhatsApp channels (Twilio, Meta Cloud API) share: the webhook pipeline.

Its order lives here, in one place, for both: 503 when the channel is not configured, 413
for a huge body, 403 unless the provider's signature is valid (nothing is stored or passed
on before that), 400 for a malformed message. Then, per message: remember the number under
its pseudonym (channels/whatsapp/contacts.py), drop a message id already seen, answer the provider
at once and queue the message in its conversation (channels/flow_control.py: one at a time,
in order; too many at once from one number are refused, and the sender is told so at most
once a minute). The queue's task maps a typed "1", "2"… to the last buttons, cleans the text
(channels/user_text.py: a message over MAX_MESSAGE_CHARS gets a French refusal and is not
stored) and hands it to Rasa; if that fails, the sender is told so in French. Rasa only ever
sees the pseudonym; the output channel looks the number up to reply. A channel whose
environment is incomplete answers 503 and logs a warning at start-up.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.flow_control import FlowControl, RateLimiter
from channels.pseudonyms import SECRET_ENV, pseudonym, secret_from_env
from channels.replies import replies
from channels.user_text import REFUSALS, clean_user_text, is_too_long
from channels.whatsapp import contacts
from channels.whatsapp.contacts import ContactBook
from channels.whatsapp.formatting import chosen_payload
from channels.whatsapp.outbound import PseudonymousOutput

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# Webhook bodies are small (a message, a few fields); anything bigger is refused unread.
MAX_BODY_BYTES = 64 * 1024
# A sender whose messages are refused is told so at most once per this many seconds: every
# message sent costs the provider's fee and the patient's attention.
REFUSAL_NOTICE_INTERVAL_S = 60


class MalformedRequest(ValueError):
    """An authenticated request that carries no usable message (the reason names no one)."""


@dataclass(frozen=True)
class Incoming:
    """One message from a provider, after its signature was checked."""

    message_id: str
    number: str  # normalised E.164; goes no further than the contacts table
    text: str
    kind: str = "text"  # "text" (typed), "payload" (a button reply), "unsupported" (media…)


@dataclass(frozen=True)
class Provider:
    """What a configured WhatsApp channel works with."""

    settings: dict[str, str]
    secret: bytes  # the pseudonyms' key (channels/pseudonyms.py)
    book: ContactBook


def read_env(
    required: tuple[str, ...], optional: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The channel's settings from the environment, and the names of those missing."""
    values = {name: os.environ.get(name, "").strip() for name in required}
    missing = [name for name, value in values.items() if not value]
    if secret_from_env() is None:
        missing.append(f"{SECRET_ENV} (32+ characters)")
    values.update({name: os.environ.get(name, "").strip() or d for name, d in optional.items()})
    return values, missing


async def last_buttons(agent: Any, sender_id: str) -> list[dict[str, Any]]:
    """The buttons of the conversation's last bot message, from Rasa's tracker store."""
    try:
        tracker = await agent.tracker_store.retrieve(sender_id) if agent else None
    except Exception:  # the message still goes through, as typed
        logger.exception("tracker of %s unreadable: a typed number stays text", sender_id)
        return []
    for event in reversed(tracker.events if tracker else []):
        if isinstance(event, BotUttered):
            return event.data.get("buttons") or []
    return []


class WhatsAppInput(InputChannel):
    """Shared plumbing; subclasses verify and parse their provider's webhooks."""

    def __init__(self, settings: dict[str, str] | None) -> None:
        secret = secret_from_env()
        self.provider = Provider(settings, secret, contacts.book()) if settings and secret else None
        self._tasks: set[asyncio.Task] = set()
        self.flow = FlowControl(self.name())
        self.refusal_notices = RateLimiter(1, 1 / REFUSAL_NOTICE_INTERVAL_S)

    @classmethod
    def required_env(cls) -> tuple[str, ...]:
        raise NotImplementedError

    @classmethod
    def optional_env(cls) -> dict[str, str]:
        return {}

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Configuration comes from the environment only (credentials.yml holds no secret)."""
        if credentials:
            logger.warning(
                "%s: settings in credentials.yml are ignored (environment only)", cls.name()
            )
        settings, missing = read_env(cls.required_env(), cls.optional_env())
        if missing:
            logger.warning(
                "%s is not configured (missing %s): its webhook answers 503",
                cls.name(),
                ", ".join(missing),
            )
            return cls(None)
        return cls(settings)

    @property
    def configured(self) -> bool:
        return self.provider is not None

    @property
    def ready(self) -> Provider:
        """The provider's settings, key and contact book; the routes answer 503 before
        anything asks for them on an unconfigured channel."""
        if self.provider is None:
            raise RuntimeError(f"{self.name()} is not configured")
        return self.provider

    def output(self) -> PseudonymousOutput:
        raise NotImplementedError

    def get_output_channel(self) -> PseudonymousOutput | None:
        """For messages Rasa sends on its own (staff, via the HTTP API): addressed by pseudonym."""
        return self.output() if self.configured else None

    def is_authentic(self, request: Request) -> bool:
        """Whether the provider signed this request."""
        raise NotImplementedError

    def parse(self, request: Request) -> list[Incoming]:
        """The messages of an authentic request; raises MalformedRequest."""
        raise NotImplementedError

    def acknowledgement(self) -> HTTPResponse:
        return response.text("ok")

    def add_routes(self, blueprint: Blueprint) -> None:
        """Routes besides the webhook's POST and the health check."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint(f"{self.name()}_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if not self.configured:
                return response.json({"status": "not_configured"}, status=503)
            since = contacts.now() - timedelta(hours=24)
            failures = await asyncio.to_thread(self.ready.book.failures_since, self.name(), since)
            return response.json({"status": "ok", "delivery_failures_24h": failures})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.handle_webhook(request, on_new_message)

        self.add_routes(blueprint)
        return blueprint

    async def handle_webhook(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not self.configured:
            return response.text("not configured", status=503)
        declared = request.headers.get("content-length", "0")
        if len(request.body) > MAX_BODY_BYTES or (
            declared.isdigit() and int(declared) > MAX_BODY_BYTES
        ):
            return response.text("payload too large", status=413)
        if not self.is_authentic(request):
            logger.warning("%s: request with an invalid signature refused", self.name())
            return response.text("invalid signature", status=403)
        try:
            messages = self.parse(request)
        except MalformedRequest as error:
            logger.warning("%s: malformed request refused: %s", self.name(), error)
            return response.text("malformed request", status=400)
        await self.accept(request, messages, on_new_message)
        return self.acknowledgement()

    async def accept(
        self, request: Request, messages: list[Incoming], on_new_message: OnNewMessage
    ) -> None:
        """Stores and queues authenticated messages; returns without waiting for Rasa."""
        agent = getattr(request.app.ctx, "agent", None)
        for message in messages:
            sender = pseudonym(message.number, self.ready.secret)
            # Remember before claiming: if storing fails, the provider's retry is not a dupe.
            await asyncio.to_thread(self.ready.book.remember, sender, self.name(), message.number)
            claim = self.ready.book.claim_message
            if not await asyncio.to_thread(claim, self.name(), message.message_id):
                logger.info("%s: duplicate delivery for %s dropped", self.name(), sender)
                continue

            async def handle(message: Incoming = message, sender: str = sender) -> None:
                await self._process(message, sender, on_new_message, agent)

            if self.flow.admit(sender, handle) is not None and self.refusal_notices.allow(sender):
                self._spawn(self.output().send_text_message(sender, REFUSALS["rate_limited"]))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)  # keeps a reference until done: the loop only holds weak ones
        task.add_done_callback(self._tasks.discard)

    async def _process(
        self, message: Incoming, sender: str, on_new_message: OnNewMessage, agent: Any
    ) -> None:
        output = self.output()
        try:
            text = message.text
            if is_too_long(text):  # refused whole, as on every channel: nothing is stored
                await output.send_text_message(sender, REFUSALS["too_long"])
                return
            if message.kind == "text" and text:
                text = chosen_payload(text, await last_buttons(agent, sender)) or text
            text = clean_user_text(text)
            if not text:
                reply = "unsupported" if message.kind == "unsupported" else "empty"
                await output.send_text_message(sender, replies()[reply])
                return
            await on_new_message(UserMessage(text, output, sender, input_channel=self.name()))
        except Exception:
            logger.exception("%s: message from %s could not be handled", self.name(), sender)
            await self._tell_failure(output, sender)

    async def _tell_failure(self, output: PseudonymousOutput, sender: str) -> None:
        """Tells the sender their message was not processed, rather than leave them waiting."""
        try:
            await output.send_text_message(sender, REFUSALS["server"])
        except Exception:
            logger.exception("%s: %s could not be told of the failure", self.name(), sender)
