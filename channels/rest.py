"""Rasa's REST channel, with the typed text cleaned (channels/user_text.py).

For the terminal chat and the tests on 127.0.0.1: it trusts the sender id in the body, so it
is never exposed publicly.
"""

from __future__ import annotations

from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic.request import Request

from channels.user_text import clean_user_text


class RestInput(RasaRestInput):
    """REST webhook at /webhooks/rest/webhook."""

    def _extract_message(self, req: Request) -> str:
        return clean_user_text(req.json.get("message"))
