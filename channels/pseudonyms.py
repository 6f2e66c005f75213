"""Phone numbers never become sender ids: a keyed pseudonym stands in for them.

The sender id Rasa sees (trackers, logs, the HTTP API) is HMAC-SHA256 of the normalised
E.164 number, keyed with SENDER_ID_SECRET. Without the secret a pseudonym cannot be linked
back to a number, not even by trying every number. Both WhatsApp channels use the same
function, so one person keeps one conversation whatever the provider.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

SECRET_ENV = "SENDER_ID_SECRET"
# A short secret could be guessed offline against the ~10^10 numbers of a country.
MIN_SECRET_CHARS = 32
PREFIX = "wa-"
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SEPARATORS = re.compile(r"[\s().-]")


class InvalidNumber(ValueError):
    """The sender address is not a phone number (its value is never put in the message)."""


def normalise_number(raw: str) -> str:
    """ "whatsapp:+33 6 12…", "0033612…", "33612…" (Meta's wa_id) → "+33612…"."""
    number = SEPARATORS.sub("", raw.strip().removeprefix("whatsapp:"))
    if number.startswith("00"):
        number = "+" + number[2:]
    elif not number.startswith("+"):
        number = "+" + number
    if not E164.fullmatch(number):
        raise InvalidNumber("not an E.164 phone number")
    return number


def secret_from_env() -> bytes | None:
    """The key, or None when it is missing or too short (the channels then refuse to run)."""
    secret = os.environ.get(SECRET_ENV, "")
    return secret.encode() if len(secret) >= MIN_SECRET_CHARS else None


def pseudonym(number: str, secret: bytes) -> str:
    """The sender id of a phone number, e.g. "wa-3f9c…" (128 bits, hex)."""
    digest = hmac.new(secret, normalise_number(number).encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:32]
