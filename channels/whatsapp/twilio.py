"""WhatsApp through Twilio, replacing Rasa's TwilioInput (see docs/channels.md).

Rasa's channel trusts any POST, blocks the server on the Twilio client, drops replies on
API errors and crashes on a message without Body. This one checks X-Twilio-Signature
against the public URL Twilio was given (TWILIO_WEBHOOK_URL) before anything is stored,
answers Twilio at once with empty TwiML, and replies through Twilio's REST API (an async
form POST, retried). Buttons become numbered lines; "1", "2"… map back to the payloads.

Webhook: POST /webhooks/twilio_whatsapp/webhook; health: GET /webhooks/twilio_whatsapp/.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.pseudonyms import InvalidNumber, normalise_number
from channels.whatsapp.base import Incoming, MalformedRequest, WhatsAppInput
from channels.whatsapp.formatting import numbered_choices, split_text
from channels.whatsapp.outbound import PseudonymousOutput, post

logger = logging.getLogger(__name__)

NAME = "twilio_whatsapp"
# Twilio refuses a message Body longer than this.
MAX_BODY_CHARS = 1600
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

Params = dict[str, list[str]]


def signature(auth_token: str, url: str, params: Params) -> str:
    """Twilio's X-Twilio-Signature: base64(HMAC-SHA1(URL + each name+value, sorted))."""
    signed = url + "".join(
        name + value for name in sorted(params) for value in sorted(set(params[name]))
    )
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _with_and_without_port(url: str) -> set[str]:
    """Twilio signs the URL with or without the default port, depending on its side."""
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 80
    host = parts.hostname or ""
    port = f":{parts.port or default_port}"
    return {
        urlunsplit(parts._replace(netloc=host)),
        urlunsplit(parts._replace(netloc=host + port)),
    }


def is_signed(auth_token: str, url: str, params: Params, header: str) -> bool:
    header_bytes = header.encode()
    return any(
        hmac.compare_digest(signature(auth_token, variant, params).encode(), header_bytes)
        for variant in _with_and_without_port(url)
    )


def parse_form(body: bytes) -> Params | None:
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None


def _one(params: Params, name: str) -> str:
    return (params.get(name) or [""])[0]


def parse_message(params: Params) -> Incoming | None:
    """The incoming message, None for a status callback; MalformedRequest if unusable."""
    if "MessageStatus" in params:
        return None
    message_id, sender = _one(params, "MessageSid"), _one(params, "From")
    if not message_id or not sender:
        raise MalformedRequest("MessageSid or From missing")
    try:
        number = normalise_number(sender)
    except InvalidNumber as error:
        raise MalformedRequest(str(error)) from None
    if _one(params, "ButtonPayload"):
        return Incoming(message_id, number, _one(params, "ButtonPayload"), kind="payload")
    text = _one(params, "Body")
    media = _one(params, "NumMedia")
    has_media = (media.isdigit() and int(media) > 0) or bool(_one(params, "Latitude"))
    if not text.strip() and has_media:
        return Incoming(message_id, number, "", kind="unsupported")
    return Incoming(message_id, number, text)


class TwilioWhatsAppOutput(PseudonymousOutput):
    """Sends through Twilio's Messages API: one form POST per message part."""

    @classmethod
    def name(cls) -> str:
        return NAME

    def __init__(self, settings: dict[str, str], book: Any) -> None:
        super().__init__(NAME, book)
        self.url = (
            f"{settings['TWILIO_API_BASE'].rstrip('/')}/2010-04-01/Accounts/"
            f"{settings['TWILIO_ACCOUNT_SID']}/Messages.json"
        )
        self.auth = aiohttp.BasicAuth(settings["TWILIO_ACCOUNT_SID"], settings["TWILIO_AUTH_TOKEN"])
        sender = settings["TWILIO_WHATSAPP_FROM"]
        self.sender = sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"

    async def send_to_provider(self, number: str, message: Any) -> None:
        form = {"To": f"whatsapp:{number}", "From": self.sender, "Body": message}
        await post(self.url, data=form, auth=self.auth)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.deliver(recipient_id, split_text(text, MAX_BODY_CHARS))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        text = numbered_choices(text, buttons)
        await self.deliver(recipient_id, split_text(text, MAX_BODY_CHARS))


class TwilioWhatsAppInput(WhatsAppInput):
    """Twilio WhatsApp webhook with signature check, deduplication and async replies."""

    @classmethod
    def name(cls) -> str:
        return NAME

    @classmethod
    def required_env(cls) -> tuple[str, ...]:
        return (
            "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
            "TWILIO_WHATSAPP_FROM",
            "TWILIO_WEBHOOK_URL",
        )

    @classmethod
    def optional_env(cls) -> dict[str, str]:
        return {"TWILIO_API_BASE": "https://api.twilio.com"}

    def output(self) -> TwilioWhatsAppOutput:
        return TwilioWhatsAppOutput(self.ready.settings, self.ready.book)

    def is_authentic(self, request: Request) -> bool:
        params = parse_form(request.body)
        header = request.headers.get("X-Twilio-Signature", "")
        token, url = (
            self.ready.settings["TWILIO_AUTH_TOKEN"],
            self.ready.settings["TWILIO_WEBHOOK_URL"],
        )
        return params is not None and is_signed(token, url, params, header)

    def parse(self, request: Request) -> list[Incoming]:
        message = parse_message(parse_form(request.body) or {})
        return [] if message is None else [message]

    def acknowledgement(self) -> HTTPResponse:
        return response.text(EMPTY_TWIML, content_type="text/xml")
