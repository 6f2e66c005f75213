"""Writing into a conversation through Rasa's HTTP API (server side only).

Rasa runs with --enable-api and --auth-token; the token travels as `?token=` (Rasa 3.6 reads
it only there), so these URLs are never logged. `output_channel=latest` sends a message on the
channel the patient last wrote from (widget, WhatsApp); a REST conversation only stores it.
"""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

import requests
from django.conf import settings

from contracts.conversation import is_conversation_id
from contracts.handoff import HANDED_BACK_RESPONSE, HANDOFF_SLOT

TIMEOUT_S = 15


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached or refused the request (the message says which, in French)."""


def _url(sender_id: str, path: str, **params: str) -> str:
    if not settings.RASA_API_TOKEN:
        raise RasaUnavailable("RASA_API_TOKEN n'est pas configuré : action impossible.")
    # Rasa (Sanic) does not decode the id in its paths: only ids of the safe alphabet are sent.
    if not is_conversation_id(sender_id):
        raise RasaUnavailable(
            "L'identifiant de cette conversation contient des caractères que l'API de Rasa "
            "ne transmet pas : action impossible depuis la console."
        )
    query = urllib.parse.urlencode({**params, "token": settings.RASA_API_TOKEN})
    return f"{settings.RASA_URL}/conversations/{sender_id}/{path}?{query}"


def _call(method: str, url: str, body: Any = None) -> dict:
    try:
        response = requests.request(method, url, json=body, timeout=TIMEOUT_S)
    except requests.RequestException as error:
        raise RasaUnavailable("L'assistant (Rasa) ne répond pas : réessayez.") from error
    if response.status_code >= 400:
        raise RasaUnavailable(
            f"L'assistant (Rasa) a refusé l'action (HTTP {response.status_code})."
        )
    return response.json()


def handoff_slot(sender_id: str) -> dict:
    """The conversation's current `handoff` record (empty when the assistant answers)."""
    tracker = _call("GET", _url(sender_id, "tracker", include_events="NONE"))
    value = (tracker.get("slots") or {}).get(HANDOFF_SLOT)
    return value if isinstance(value, dict) else {}


def _append(sender_id: str, events: list[dict]) -> None:
    url = _url(sender_id, "tracker/events", output_channel="latest", execute_side_effects="true")
    _call("POST", url, events)


def set_handoff_slot(sender_id: str, record: dict | None) -> None:
    _append(
        sender_id,
        [{"event": "slot", "name": HANDOFF_SLOT, "value": record, "timestamp": time.time()}],
    )


def send_staff_message(sender_id: str, text: str, username: str) -> None:
    """A `bot` event written by a person: the widget shows it as the team's."""
    metadata = {"author": "staff", "staff_user": username}
    event = {"event": "bot", "text": text, "metadata": metadata, "timestamp": time.time()}
    _append(sender_id, [event])


def send_handed_back_notice(sender_id: str) -> None:
    """The domain's `utter_handed_back`, rendered by Rasa (organisation placeholders).

    `execute` leaves that response as the last action; without an `action_listen` after it,
    the policies read the patient's next message as coming mid-turn and fall back.
    """
    _call(
        "POST", _url(sender_id, "execute", output_channel="latest"), {"name": HANDED_BACK_RESPONSE}
    )
    _append(sender_id, [{"event": "action", "name": "action_listen", "timestamp": time.time()}])
