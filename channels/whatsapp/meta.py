"""WhatsApp Cloud API (Meta) directly; Rasa 3.6 has no such channel.

- GET  /webhooks/meta_whatsapp/webhook: Meta's subscription handshake (hub.verify_token).
- POST /webhooks/meta_whatsapp/webhook: messages, signed with X-Hub-Signature-256
  (HMAC-SHA256 of the raw body with the app secret), checked before anything is stored.
- GET  /webhooks/meta_whatsapp/: health, with the count of undelivered replies.

Replies: text cut at 4096 characters; up to 3 buttons as reply buttons (titles ≤ 20
characters), 4 to 10 as a list (titles ≤ 24, the full title as description), more as
numbered text. A button's id is its payload, so a tap on an older message still works.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.pseudonyms import InvalidNumber, normalise_number
from channels.whatsapp.base import Incoming, MalformedRequest, WhatsAppInput
from channels.whatsapp.formatting import (
    button_payload,
    numbered_choices,
    replies,
    shorten,
    split_text,
)
from channels.whatsapp.outbound import PseudonymousOutput, post

logger = logging.getLogger(__name__)

NAME = "meta_whatsapp"
MAX_TEXT_CHARS = 4096
MAX_INTERACTIVE_BODY_CHARS = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE_CHARS = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE_CHARS = 24
MAX_ROW_DESCRIPTION_CHARS = 72
MAX_ID_CHARS = 200
# Message types answered with the polite "I only read text" reply; others (reactions,
# system notices) get no answer.
UNSUPPORTED_TYPES = {"image", "audio", "video", "document", "sticker", "location", "contacts"}
UNSUPPORTED_TYPES |= {"unsupported", "unknown", "order"}


def is_signed(app_secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def _get(container: Any, key: str, kind: type, default: Any = None) -> Any:
    if not isinstance(container, dict):
        raise MalformedRequest("object expected")
    value = container.get(key, default)
    if not isinstance(value, kind):
        raise MalformedRequest(f"{key}: {kind.__name__} expected")
    return value


def _message(raw: Any) -> Incoming | None:
    message_id, kind = _get(raw, "id", str), _get(raw, "type", str)
    try:
        number = normalise_number(_get(raw, "from", str))
    except InvalidNumber as error:
        raise MalformedRequest(str(error)) from None
    if kind == "text":
        return Incoming(message_id, number, _get(_get(raw, "text", dict), "body", str, ""))
    if kind == "interactive":
        interactive = _get(raw, "interactive", dict)
        reply = interactive.get("button_reply") or interactive.get("list_reply")
        return Incoming(message_id, number, _get(reply, "id", str), kind="payload")
    if kind == "button":  # a quick-reply button of a template message
        return Incoming(message_id, number, _get(_get(raw, "button", dict), "text", str, ""))
    if kind in UNSUPPORTED_TYPES:
        return Incoming(message_id, number, "", kind="unsupported")
    return None


def parse_messages(body: Any, phone_number_id: str) -> list[Incoming]:
    """The messages sent to our number; statuses and other numbers' messages are skipped."""
    messages = []
    for entry in _get(body, "entry", list, []):
        for change in _get(entry, "changes", list, []):
            value = _get(change, "value", dict, {})
            metadata = _get(value, "metadata", dict, {})
            if metadata.get("phone_number_id") != phone_number_id:
                continue
            for raw in _get(value, "messages", list, []):
                if (message := _message(raw)) is not None:
                    messages.append(message)
    return messages


def text_messages(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "text", "text": {"preview_url": False, "body": part}}
        for part in split_text(text, MAX_TEXT_CHARS)
    ]


def _interactive(kind: str, body: str, action: dict[str, Any]) -> dict[str, Any]:
    interactive = {"type": kind, "body": {"text": body}, "action": action}
    return {"type": "interactive", "interactive": interactive}


def button_messages(text: str, buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reply buttons, a list, or numbered text, whichever fits WhatsApp's limits."""
    ids = [button_payload(button) for button in buttons]
    titles = [
        str(button.get("title") or payload) for button, payload in zip(buttons, ids, strict=True)
    ]
    usable_ids = all(0 < len(id_) <= MAX_ID_CHARS for id_ in ids) and len(set(ids)) == len(ids)
    if not buttons or len(buttons) > MAX_LIST_ROWS or not usable_ids:
        return text_messages(numbered_choices(text, buttons) if buttons else text)
    before, body = [], text.strip()
    if not body or len(body) > MAX_INTERACTIVE_BODY_CHARS:
        before, body = (text_messages(body) if body else []), replies()["choose_hint"]
    short = [shorten(title, MAX_BUTTON_TITLE_CHARS) for title in titles]
    if len(buttons) <= MAX_REPLY_BUTTONS and len(set(short)) == len(short):
        reply_buttons = [
            {"type": "reply", "reply": {"id": id_, "title": title}}
            for id_, title in zip(ids, short, strict=True)
        ]
        return [*before, _interactive("button", body, {"buttons": reply_buttons})]
    rows = []
    for id_, title in zip(ids, titles, strict=True):
        row = {"id": id_, "title": shorten(title, MAX_ROW_TITLE_CHARS)}
        if row["title"] != title:
            row["description"] = shorten(title, MAX_ROW_DESCRIPTION_CHARS)
        rows.append(row)
    action = {"button": replies()["list_button"], "sections": [{"rows": rows}]}
    return [*before, _interactive("list", body, action)]


class MetaWhatsAppOutput(PseudonymousOutput):
    """Sends through the Cloud API's /{phone-number-id}/messages endpoint."""

    @classmethod
    def name(cls) -> str:
        return NAME

    def __init__(self, settings: dict[str, str], book: Any) -> None:
        super().__init__(NAME, book)
        base = settings["META_GRAPH_API_BASE"].rstrip("/")
        self.url = f"{base}/{settings['META_PHONE_NUMBER_ID']}/messages"
        self.headers = {"Authorization": f"Bearer {settings['META_ACCESS_TOKEN']}"}

    async def send_to_provider(self, number: str, message: Any) -> None:
        envelope = {"messaging_product": "whatsapp", "recipient_type": "individual"}
        await post(
            self.url, json={**envelope, "to": number.lstrip("+"), **message}, headers=self.headers
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.deliver(recipient_id, text_messages(text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.deliver(recipient_id, button_messages(text, buttons))


class MetaWhatsAppInput(WhatsAppInput):
    """WhatsApp Cloud API webhook: handshake, signature check, deduplication, async replies."""

    @classmethod
    def name(cls) -> str:
        return NAME

    @classmethod
    def required_env(cls) -> tuple[str, ...]:
        return ("META_APP_SECRET", "META_VERIFY_TOKEN", "META_ACCESS_TOKEN", "META_PHONE_NUMBER_ID")

    @classmethod
    def optional_env(cls) -> dict[str, str]:
        return {"META_GRAPH_API_BASE": "https://graph.facebook.com/v21.0"}

    def output(self) -> MetaWhatsAppOutput:
        return MetaWhatsAppOutput(self.ready.settings, self.ready.book)

    def is_authentic(self, request: Request) -> bool:
        header = request.headers.get("X-Hub-Signature-256", "")
        return is_signed(self.ready.settings["META_APP_SECRET"], request.body, header)

    def parse(self, request: Request) -> list[Incoming]:
        try:
            body = json.loads(request.body)
        except (ValueError, RecursionError) as error:
            raise MalformedRequest(f"not JSON ({type(error).__name__})") from None
        return parse_messages(body, self.ready.settings["META_PHONE_NUMBER_ID"])

    def add_routes(self, blueprint: Blueprint) -> None:
        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            """Meta's subscription handshake: echo hub.challenge for the right verify token."""
            if not self.configured:
                return response.text("not configured", status=503)
            token = request.args.get("hub.verify_token") or ""
            expected = self.ready.settings["META_VERIFY_TOKEN"]
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                token.encode(), expected.encode()
            ):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("%s: webhook verification with a wrong token refused", NAME)
            return response.text("forbidden", status=403)
