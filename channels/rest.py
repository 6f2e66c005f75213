"""The REST channel: Rasa's, with its request checked and its failures reported.

For the terminal chat and the tests on 127.0.0.1: it trusts the sender id in the body, so it
is never exposed publicly.

`POST /webhooks/rest/webhook` with `{"sender": "...", "message": "..."}` answers 200 with the
bot's messages, or a French JSON error `{"code", "message"}` (codes as in
channels/user_text.py's REFUSALS):
- 400 `malformed`: the body is not a JSON object, or `message` is missing or not a string;
- 400 `sender`: `sender` is not a conversation id (contracts/conversation.py: 1 to 128
  letters, digits, "-" or "_"; "." or ".." could not be addressed by the staff console);
- 400 `empty`: nothing left once the text is cleaned (spaces, control characters, "/");
- 413 `too_long`: more than MAX_MESSAGE_CHARS characters (bodies over Sanic's
  REQUEST_MAX_SIZE get Sanic's own 413 before this code runs);
- 503 `server`: the message could not be processed.

What it changes from Rasa 3.6's RestInput: Rasa answered 500 for a body that is not a JSON
object, stored an empty user message for a missing or non-text `message`, put every request
without `sender` into one shared "default" conversation, and on any failure while processing
logged the user's text and answered 200 with an empty list (the message silently dropped).
The body's `input_channel` and `metadata` are ignored (nothing but the cleaned text enters the
tracker, as on the other channels), and so is `?stream=true`.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.replies import replies
from channels.user_text import REFUSALS, clean_user_text, is_too_long
from contracts.conversation import MAX_CONVERSATION_ID_CHARS, is_conversation_id

logger = logging.getLogger(__name__)


ERRORS = {
    **REFUSALS,
    "sender": replies()["rest_errors"]["sender"].format(max_id_chars=MAX_CONVERSATION_ID_CHARS),
}
STATUS = {"malformed": 400, "sender": 400, "empty": 400, "too_long": 413, "server": 503}


def refusal(code: str) -> HTTPResponse:
    return response.json({"code": code, "message": ERRORS[code]}, status=STATUS[code])


def read_request(body: bytes) -> tuple[str, str] | str:
    """The sender id and the cleaned text of a webhook body, or the error code to answer."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
        return "malformed"
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return "malformed"
    sender = data.get("sender")
    if not is_conversation_id(sender):
        return "sender"
    if is_too_long(data["message"]):
        return "too_long"
    text = clean_user_text(data["message"])
    return (sender, text) if text else "empty"


class RestInput(RasaRestInput):
    """REST webhook at /webhooks/rest/webhook."""

    async def answer(
        self, body: bytes, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """The webhook's answer to a request body."""
        read = read_request(body)
        if isinstance(read, str):
            return refusal(read)
        sender, text = read
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, sender, input_channel="rest"))
        except Exception as error:
            # The traceback's frames and the exception's type, never the exception's message
            # nor Rasa's structured log with its frames' locals: both can carry the user's text.
            logger.error(
                "rest: the message of %s could not be processed (%s)\n%s",
                sender,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            return refusal("server")
        return response.json(collector.messages)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("custom_webhook_RestInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.answer(request.body, on_new_message)

        return webhook
