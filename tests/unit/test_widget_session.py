"""Session tokens of the website widget (channels/widget/session.py)."""

from __future__ import annotations

import pytest

from channels.widget.session import SessionTokens, new_session_id

SECRET = "s" * 40
DAY = 86400


@pytest.fixture
def tokens() -> SessionTokens:
    return SessionTokens(SECRET, max_age_s=30 * DAY)


def test_session_ids_are_random_and_long():
    ids = {new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(session_id) == 32 for session_id in ids)


def test_a_token_gives_back_its_session(tokens):
    session_id = new_session_id()
    assert tokens.session_of(tokens.issue(session_id)) == session_id


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: new_session_id() + token[32:],  # another session id, same signature
        lambda token: SessionTokens("t" * 40, 30 * DAY).issue(token.split(".")[0]),  # key
        lambda token: token.split(".")[0],  # a bare session id
        lambda token: "",
        lambda token: "a.b.c",
        lambda token: token + ".x",
        lambda token: 12345,
        lambda token: None,
        lambda token: {"token": token},
    ],
)
def test_a_forged_token_gives_no_session(tokens, forge):
    assert tokens.session_of(forge(tokens.issue(new_session_id()))) is None


def test_an_expired_token_gives_no_session(tokens):
    token = tokens.issue(new_session_id(), now=1_000_000)
    assert tokens.session_of(token, now=1_000_000 + 29 * DAY) is not None
    assert tokens.session_of(token, now=1_000_000 + 31 * DAY) is None
    assert tokens.session_of(token, now=1_000_000 - 60) is None  # issued in the future


def test_a_short_or_missing_secret_is_refused(monkeypatch):
    with pytest.raises(ValueError):
        SessionTokens("short", max_age_s=DAY)
    monkeypatch.delenv("WIDGET_SESSION_SECRET", raising=False)
    with pytest.raises(ValueError, match="WIDGET_SESSION_SECRET"):
        SessionTokens.from_env()
