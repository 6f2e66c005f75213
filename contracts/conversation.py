"""The alphabet of conversation ids, on every channel.

A conversation id (Rasa's sender id) travels in URL paths: Rasa's HTTP API, the staff
console's pages. Rasa does not decode %-escapes in its paths, and ids such as "." or ".."
are path segments no URL can name. So every id is 1 to 128 letters, digits, "-" or "_":
the widget issues token_urlsafe ids, WhatsApp "wa-<hex>" pseudonyms, and the REST channel
refuses anything else.
"""

from __future__ import annotations

import re
from typing import TypeGuard

MAX_CONVERSATION_ID_CHARS = 128
CONVERSATION_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_CONVERSATION_ID_CHARS}}}")


def is_conversation_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and CONVERSATION_ID.fullmatch(value) is not None
