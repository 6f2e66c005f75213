"""Session ids of the website widget, issued by the server and carried by signed tokens.

The browser keeps a token, never chooses an id: a token is `<session id>.<issued at>.<HMAC>`,
so a client can only come back to a conversation the server gave it. The secret comes from the
environment (WIDGET_SESSION_SECRET); there is no default one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time

SECRET_ENV = "WIDGET_SESSION_SECRET"
MAX_AGE_ENV = "WIDGET_SESSION_MAX_AGE_DAYS"
MIN_SECRET_CHARS = 32
DEFAULT_MAX_AGE_DAYS = 30
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_session_id() -> str:
    """An unguessable conversation id (192 random bits)."""
    return secrets.token_urlsafe(24)


class SessionTokens:
    """Issues and checks the signed tokens that bind a browser to its conversation."""

    def __init__(self, secret: str, max_age_s: float) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"{SECRET_ENV} must hold at least {MIN_SECRET_CHARS} characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        self._key = secret.encode()
        self.max_age_s = max_age_s

    @classmethod
    def from_env(cls) -> SessionTokens:
        secret = os.environ.get(SECRET_ENV, "")
        if not secret:
            raise ValueError(f"{SECRET_ENV} is not set: the website widget needs a secret")
        days = float(os.environ.get(MAX_AGE_ENV, DEFAULT_MAX_AGE_DAYS))
        return cls(secret, max_age_s=days * 86400)

    def _signature(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def address_pseudonym(self, address: str) -> str:
        """A keyed pseudonym of a client address: counted and grouped, never stored as is."""
        digest = hmac.new(self._key, f"address:{address}".encode(), hashlib.sha256).hexdigest()
        return f"ip-{digest[:16]}"

    def issue(self, session_id: str, now: float | None = None) -> str:
        payload = f"{session_id}.{int(time.time() if now is None else now)}"
        return f"{payload}.{self._signature(payload)}"

    def session_of(self, token: object, now: float | None = None) -> str | None:
        """The session id a valid, unexpired token was issued for; None otherwise."""
        if not isinstance(token, str) or len(token) > 200 or token.count(".") != 2:
            return None
        session_id, issued, signature = token.split(".")
        if not SESSION_ID.match(session_id) or not issued.isdigit():
            return None
        if not hmac.compare_digest(signature, self._signature(f"{session_id}.{issued}")):
            return None
        age = (time.time() if now is None else now) - int(issued)
        return session_id if 0 <= age <= self.max_age_s else None
