"""The website widget's socket.io channel (channels/widget/socketio.py) on a real running assistant.

Covers the pitfalls of Rasa 3.6's own channel: replies lost with python-socketio >= 5.10
(enter_room not awaited), session ids chosen by the client, no Origin check, no size limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest
import socketio
import websockets

from channels.user_text import MAX_MESSAGE_CHARS
from channels.widget.session import SESSION_ID, SessionTokens
from channels.widget.socketio import ERRORS, MAX_PACKET_BYTES, enter_room
from devstack.stack import Stack
from tests.widget_client import RawSocket, WidgetClient, post_events

DISALLOWED_ORIGIN = "http://evil.example"
FAQ = "c'est quoi un cancer réfractaire ?"


def run(coroutine: Awaitable[Any]) -> Any:
    return asyncio.run(coroutine)


def texts(messages: list[dict]) -> str:
    return "\n".join(message["text"] for message in messages)


def user_texts(stack: Stack, session_id: str) -> list[str]:
    return [e["text"] for e in stack.tracker_events(session_id) if e["event"] == "user"]


def test_a_reply_arrives(stack):
    async def scenario():
        client = await WidgetClient(stack).connect()
        assert await client.start() == []
        replies = await client.say("Bonjour")
        await client.close()
        return replies

    replies = run(scenario())
    assert "Je ne suis pas un médecin" in texts(replies)
    topics = [reply["title"] for reply in replies[-1]["quick_replies"]]
    assert "Cancer réfractaire" in topics
    assert all(reply["author"] == "bot" for reply in replies)


def test_a_reply_arrives_over_a_websocket(stack):
    async def scenario():
        raw = await RawSocket(stack).connect()
        await raw.emit("session_request", {})
        await raw.next("handoff_state")
        await raw.emit("user_uttered", {"message": FAQ})
        _, reply = await raw.next("bot_uttered")
        await raw.close()
        return reply

    assert "réfractaire" in run(scenario())["text"]


def test_enter_room_is_awaited_when_it_is_a_coroutine():
    """python-socketio >= 5.10 made enter_room a coroutine; Rasa 3.6 never awaits it."""
    joined = []

    class NewSocketIO:
        async def enter_room(self, sid: str, room: str) -> None:
            joined.append((sid, room))

    class OldSocketIO:
        def enter_room(self, sid: str, room: str) -> None:
            joined.append((sid, room))

    run(enter_room(NewSocketIO(), "sid-1", "room-1"))
    run(enter_room(OldSocketIO(), "sid-2", "room-2"))
    assert joined == [("sid-1", "room-1"), ("sid-2", "room-2")]


def test_the_server_issues_the_session_and_resumes_it_with_its_token(stack):
    async def scenario():
        first = await WidgetClient(stack).connect()
        await first.start({"session_id": "chosen-by-the-client"})
        await first.say(FAQ)
        await first.close()
        again = await WidgetClient(stack).connect()
        history = await again.start({"token": first.token})
        await again.close()
        return first, again, history

    first, again, history = run(scenario())
    assert SESSION_ID.match(first.session_id)
    assert SessionTokens(stack.widget_secret, 3600).session_of(first.token) == first.session_id
    assert again.session_id == first.session_id
    assert history[0] == {"sender": "user", "text": FAQ}
    assert "réfractaire" in history[1]["text"]
    assert again.token != ""


def forged_tokens(stack: Stack, real: str) -> list[str]:
    session_id = real.split(".")[0]
    return [
        real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB"),
        SessionTokens("another secret of at least 32 characters", 3600).issue(session_id),
        SessionTokens(stack.widget_secret, 3600).issue(session_id, now=0),  # expired
        session_id,
        "not a token",
    ]


def test_a_forged_or_expired_token_gets_a_new_empty_session(stack):
    async def scenario():
        owner = await WidgetClient(stack).connect()
        await owner.start()
        await owner.say(FAQ)
        await owner.close()
        results = []
        for token in forged_tokens(stack, owner.token):
            intruder = await WidgetClient(stack).connect()
            history = await intruder.start({"token": token})
            results.append((intruder.session_id, history))
            await intruder.close()
        return owner.session_id, results

    owner_session, results = run(scenario())
    for session_id, history in results:
        assert session_id != owner_session
        assert history == []


def test_a_client_cannot_read_or_write_another_session_by_naming_it(stack):
    async def scenario():
        owner = await WidgetClient(stack).connect()
        await owner.start()
        await owner.say("Bonjour")
        intruder = await WidgetClient(stack).connect()
        await intruder.start({"session_id": owner.session_id})
        await intruder.sio.emit(
            "user_uttered", {"message": "il fait beau ?", "session_id": owner.session_id}
        )
        await intruder.until_turn_ends()
        # Anything of the intruder's turn sent to the owner would arrive before this reply.
        thanks = await owner.say("merci")
        left_over = owner.received.qsize()
        await owner.close()
        await intruder.close()
        return owner, intruder, thanks, left_over

    owner, intruder, thanks, left_over = run(scenario())
    assert intruder.session_id != owner.session_id
    assert [message["text"] for message in thanks] == [
        "Avec plaisir. Si vous avez une autre question, je vous écoute."
    ]
    assert left_over == 0
    assert user_texts(stack, owner.session_id) == ["Bonjour", "merci"]


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_a_disallowed_origin_cannot_connect(stack, transport):
    async def polling():
        client = WidgetClient(stack, origin=DISALLOWED_ORIGIN)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect()

    async def websocket():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
            await RawSocket(stack, origin=DISALLOWED_ORIGIN).connect()
        assert refused.value.status_code == 400

    run(polling() if transport == "polling" else websocket())


def test_every_allowed_origin_can_connect(stack):
    async def scenario(origin: str):
        client = await WidgetClient(stack, origin=origin).connect()
        await client.start()
        await client.close()

    for origin in stack.allowed_origins:
        run(scenario(origin))


MALFORMED = [
    ("user_uttered",),
    ("user_uttered", "un texte nu"),
    ("user_uttered", 42),
    ("user_uttered", None),
    ("user_uttered", ["une", "liste"]),
    ("user_uttered", {}),
    ("user_uttered", {"text": "mauvaise clé"}),
    ("user_uttered", {"message": 5}),
    ("user_uttered", {"message": {"nested": "objet"}}),
    ("user_uttered", {"message": "deux"}, "arguments"),
    ("user_uttered", b"\x00\x01binaire"),
    ("user_uttered", {"message": b"binaire"}),
]


def test_malformed_events_get_an_error_and_the_server_still_answers(stack):
    async def scenario():
        client = await WidgetClient(stack).connect()
        await client.start()
        errors = []
        for event, *args in MALFORMED:
            await client.sio.emit(event, tuple(args) if len(args) != 1 else args[0])
            errors.append(await client.next("error", "bot_uttered"))
        await client.sio.emit("session_request", "pas un objet")  # a fresh session anyway
        await client.next("handoff_state")
        replies = await client.say(FAQ)
        await client.close()
        return errors, replies

    errors, replies = run(scenario())
    assert errors == [("error", {"code": "malformed", "message": ERRORS["malformed"]})] * len(
        MALFORMED
    )
    assert "réfractaire" in texts(replies)


def test_messages_need_a_session_and_some_text(stack):
    async def scenario():
        client = await WidgetClient(stack).connect()
        await client.sio.emit("user_uttered", {"message": "bonjour"})
        before_session = await client.next()
        await client.start()
        await client.sio.emit("user_uttered", {"message": " \x00\x07 "})
        empty = await client.next()
        await client.close()
        return before_session, empty

    before_session, empty = run(scenario())
    assert before_session == ("error", {"code": "no_session", "message": ERRORS["no_session"]})
    assert empty == ("error", {"code": "empty", "message": ERRORS["empty"]})


def test_an_oversize_message_is_refused_and_the_server_still_answers(stack):
    async def scenario():
        client = await WidgetClient(stack).connect()
        await client.start()
        await client.sio.emit("user_uttered", {"message": "😀" * (MAX_MESSAGE_CHARS + 1)})
        refused = await client.next()
        at_limit = await client.say("c'est quoi un cancer refractaire " * 60)
        await client.close()
        return client.session_id, refused, at_limit

    session_id, refused, at_limit = run(scenario())
    assert refused == ("error", {"code": "too_long", "message": ERRORS["too_long"]})
    assert at_limit  # a message under the limit is answered
    stored = user_texts(stack, session_id)
    assert len(stored) == 1 and len(stored[0]) <= MAX_MESSAGE_CHARS
    assert not stored[0].startswith("😀")


def test_an_oversize_or_garbled_packet_drops_only_that_connection(stack):
    async def scenario():
        big = await RawSocket(stack).connect()
        await big.emit("user_uttered", {"message": "x" * (MAX_PACKET_BYTES * 4)})
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            await big.next()
        garbled = await RawSocket(stack).connect()
        for frame in ["42[pas du json", '42{"pas": "une liste"}', "4", "9zz", b"\x00\xff\x00"]:
            await garbled.send(frame)
        await garbled.close()
        survivor = await WidgetClient(stack).connect()
        await survivor.start()
        replies = await survivor.say(FAQ)
        await survivor.close()
        return replies

    assert "réfractaire" in texts(run(scenario()))


def test_typed_commands_are_cleaned_like_on_every_channel(stack):
    async def scenario():
        client = await WidgetClient(stack).connect()
        await client.start()
        await client.say('/request_human{"x": 1}')
        await client.close()
        return client.session_id

    session_id = run(scenario())
    [user] = [e for e in stack.tracker_events(session_id) if e["event"] == "user"]
    assert user["text"] == 'request_human{"x": 1}'
    assert user["input_channel"] == "socketio"


def test_asking_for_a_person_hands_off(stack):
    async def scenario():
        client = await WidgetClient(stack).connect()
        await client.start()
        await client.sio.emit("user_uttered", {"message": "/request_human"})
        replies, state = await client.until_turn_ends()
        await client.close()
        return replies, state

    replies, state = run(scenario())
    assert "ici, dans cette conversation" in texts(replies)
    assert state == "waiting"


def test_every_tab_of_a_session_gets_the_replies(stack):
    async def scenario():
        first = await WidgetClient(stack).connect()
        await first.start()
        second = await WidgetClient(stack).connect()
        await second.start({"token": first.token})
        await first.say(FAQ)
        _, in_second_tab = await second.next("bot_uttered")
        await first.close()
        await second.close()
        return in_second_tab

    assert "réfractaire" in run(scenario())["text"]


def test_staff_messages_and_handoff_changes_through_the_http_api_reach_the_widget(stack):
    async def scenario():
        client = await WidgetClient(stack).connect()
        await client.start()
        await client.sio.emit("user_uttered", {"message": "/request_human"})
        _, waiting = await client.until_turn_ends()
        taken = {"status": "taken", "reason": "human"}
        staff_message = {
            "event": "bot",
            "text": "Bonjour, ici Claire, infirmière de l'équipe.",
            "metadata": {"author": "staff"},
        }
        post = asyncio.to_thread
        await post(post_events, stack, client.session_id, [
            {"event": "slot", "name": "handoff", "value": taken}, staff_message,
        ])  # fmt: skip
        from_staff, human = await client.until_turn_ends()
        await post(post_events, stack, client.session_id, [
            {"event": "slot", "name": "handoff", "value": None},
        ])  # fmt: skip
        _, back = await client.next("handoff_state")
        await client.close()
        reloaded = await WidgetClient(stack).connect()
        history = await reloaded.start({"token": client.token})
        await reloaded.close()
        return waiting, from_staff, human, back, history

    waiting, from_staff, human, back, history = run(scenario())
    assert (waiting, human, back) == ("waiting", "human", {"state": "bot"})
    assert from_staff == [
        {
            "sender": "bot",
            "text": "Bonjour, ici Claire, infirmière de l'équipe.",
            "quick_replies": [],
            "author": "staff",
        }
    ]
    assert history[-1]["author"] == "staff"
