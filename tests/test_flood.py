"""Bounded, answered, never silent, on running servers (channels/flow_control.py).

A flood on one widget connection (websocket and long-polling) is answered message by message,
either by the assistant or by the French refusal; an address cannot open sessions without
bound; a flood of urgent requests from one address is one row of the staff queue, beside the
real emergency; a page-less client (no Origin) opens nothing, not even with a valid token;
a WhatsApp number sending in a burst is answered in order and told once that it sends too
much. Every refusal is counted on the health route.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import urllib.request
from pathlib import Path

import pytest
import websockets
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from channels.user_text import REFUSALS
from console import tracker
from devstack.stack import Stack, free_port, running_stack, write_endpoints
from tests.conftest import require_model
from tests.whatsapp_support import FictionalNumbers, WhatsAppStack
from tests.widget_client import RawSocket, WidgetClient

NEW_SESSIONS_PER_ADDRESS = 5
FLOOD = 300
EMERGENCY = "j'ai 39,8 de fièvre depuis ma chimio d'hier et je tremble"
number = FictionalNumbers(block=4)


@pytest.fixture(scope="module")
def flood_stack(tmp_path_factory: pytest.TempPathFactory):
    """The assistant with the default flow limits, a low limit of new sessions per address,
    and Sanic told that a proxy is in front (the tests set X-Forwarded-For, as nginx does)."""
    require_model()
    workdir: Path = tmp_path_factory.mktemp("flood")
    action_port, rasa_port = free_port(), free_port()
    widget = {
        "WIDGET_SESSION_SECRET": secrets.token_urlsafe(32),
        "WIDGET_ALLOWED_ORIGINS": f"http://127.0.0.1:{rasa_port}",
        "WIDGET_NEW_SESSIONS_PER_ADDRESS": str(NEW_SESSIONS_PER_ADDRESS),
    }
    with running_stack(
        rasa_port, action_port, workdir / "logs",
        endpoints=write_endpoints(workdir, action_port), api_token=secrets.token_urlsafe(24),
        widget=widget, rasa_env={"SANIC_PROXIES_COUNT": "1"},
    ) as stack:  # fmt: skip
        yield stack, workdir


def client_from(stack: Stack, address: str) -> WidgetClient:
    client = WidgetClient(stack)
    connect = client.sio.connect

    async def connect_from_address(url: str, headers: dict, **kwargs) -> None:
        await connect(url, headers={**headers, "X-Forwarded-For": address}, **kwargs)

    client.sio.connect = connect_from_address
    return client


def refused(stack: Stack) -> dict:
    with urllib.request.urlopen(f"{stack.rasa_url}/webhooks/health/", timeout=30) as answer:
        return json.load(answer)["refused"]


def user_texts(stack: Stack, sender: str) -> list[str]:
    return [e["text"] for e in stack.tracker_events(sender) if e["event"] == "user"]


async def outcomes(next_event, count: int) -> tuple[int, int]:
    """Reads events until `count` messages are accounted for: (answered, refused)."""
    answered = refusals = 0
    while answered + refusals < count:
        event, data = await next_event("handoff_state", "error")
        if event == "error":
            assert data == {"code": "rate_limited", "message": REFUSALS["rate_limited"]}
            refusals += 1
        else:
            answered += 1
    return answered, refusals


def assert_all_accounted(stack: Stack, session_id: str, answered: int, refusals: int) -> None:
    assert answered + refusals == FLOOD
    assert 1 <= answered <= 20, "a burst is answered, the rest refused"
    stored = user_texts(stack, session_id)
    assert len(stored) == answered, "every answered message, and only those, is stored"
    numbers = [int(text.split()[-1]) for text in stored]
    assert numbers == sorted(numbers), "handled in the order sent"


def test_a_flood_on_one_websocket_is_answered_or_refused_message_by_message(flood_stack):
    stack, _ = flood_stack

    async def scenario() -> tuple[str, int, int]:
        raw = await RawSocket(stack).connect()
        await raw.emit("session_request", {})
        _, confirm = await raw.next("session_confirm")
        await raw.next("handoff_state")
        for n in range(FLOOD):
            await raw.emit("user_uttered", {"message": f"quel temps fait-il {n}"})
        answered, refusals = await outcomes(raw.next, FLOOD)
        await raw.close()
        return confirm["session_id"], answered, refusals

    before = refused(stack).get("socketio", {}).get("rate_limited", 0)
    session_id, answered, refusals = asyncio.run(scenario())
    assert_all_accounted(stack, session_id, answered, refusals)
    assert refused(stack)["socketio"]["rate_limited"] == before + refusals


def test_a_flood_over_long_polling_is_not_refused_whole(flood_stack):
    """python-engineio refused a long-polling batch of more than 16 messages: all lost."""
    stack, _ = flood_stack

    async def scenario() -> tuple[str, int, int]:
        client = await client_from(stack, "192.0.2.10").connect()
        await client.start()
        for n in range(FLOOD):
            await client.sio.emit("user_uttered", {"message": f"quel temps fait-il {n}"})
        answered, refusals = await outcomes(client.next, FLOOD)
        await client.close()
        return client.session_id, answered, refusals

    session_id, answered, refusals = asyncio.run(scenario())
    assert_all_accounted(stack, session_id, answered, refusals)


def test_one_address_cannot_open_sessions_without_bound(flood_stack):
    stack, _ = flood_stack

    async def open_session(address: str, token: str | None = None) -> tuple[str, dict]:
        client = await client_from(stack, address).connect()
        await client.sio.emit("session_request", {"token": token} if token else {})
        event, data = await client.next("session_confirm", "error")
        await client.close()
        return event, data

    async def scenario() -> list[tuple[str, dict]]:
        results = [await open_session("198.51.100.7") for _ in range(NEW_SESSIONS_PER_ADDRESS)]
        results.append(await open_session("198.51.100.7"))
        results.append(await open_session("198.51.100.7", token=results[0][1]["token"]))
        results.append(await open_session("198.51.100.8"))
        return results

    results = asyncio.run(scenario())
    events = [event for event, _ in results]
    assert events[:NEW_SESSIONS_PER_ADDRESS] == ["session_confirm"] * NEW_SESSIONS_PER_ADDRESS
    assert results[NEW_SESSIONS_PER_ADDRESS][1]["code"] == "too_many_sessions"
    assert events[-2:] == ["session_confirm"] * 2, "a known session, another address: welcome"
    assert refused(stack)["socketio"]["too_many_sessions"] >= 1


@pytest.mark.django_db
def test_a_flood_of_urgent_requests_is_one_queue_row_beside_the_real_emergency(
    flood_stack, settings
):
    stack, workdir = flood_stack

    async def emergency_from(address: str) -> str:
        client = await client_from(stack, address).connect()
        await client.start()
        replies = await client.say(EMERGENCY)
        await client.close()
        assert any("15" in reply["text"] for reply in replies)
        return client.session_id

    async def scenario() -> tuple[list[str], str]:
        flood = [await emergency_from("203.0.113.50") for _ in range(4)]
        return flood, await emergency_from("203.0.113.99")

    flood, real = asyncio.run(scenario())
    settings.TRACKER_DATABASE_URL = f"sqlite:///{workdir / 'tracker.db'}"
    staff = Client()
    staff.force_login(User.objects.create_user("claire", password="x", is_staff=True))
    try:
        rows = staff.get(reverse("queue")).context["rows"]
    finally:
        tracker.engine().dispose()
    grouped = [sorted(c.sender_id for c in row.conversations) for row in rows]
    assert sorted(flood) in grouped, "the 4 urgent requests of one address are one row"
    assert [real] in grouped, "the real emergency keeps its own row"


def test_a_page_less_client_opens_nothing_even_with_a_valid_token(flood_stack):
    stack, _ = flood_stack

    async def scenario() -> tuple[str, list[str]]:
        page = await client_from(stack, "192.0.2.30").connect()
        await page.start()
        await page.say("bonjour")
        await page.close()
        host = stack.rasa_url.removeprefix("http://")
        url = f"ws://{host}/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(url) as ws:  # no Origin header, as a script sends
            assert (await ws.recv()).startswith("0{")
            await ws.send("40")
            answer = await ws.recv()
            await ws.send("42" + json.dumps(["session_request", {"token": page.token}]))
            later = []
            try:
                while True:
                    later.append(await asyncio.wait_for(ws.recv(), 3))
            except (asyncio.TimeoutError, websockets.ConnectionClosed):
                pass
        return answer, later

    answer, later = asyncio.run(scenario())
    assert answer.startswith("44"), f"connection refused (Socket.IO CONNECT_ERROR), got {answer}"
    assert not [frame for frame in later if "history" in frame or "session_confirm" in frame]


def test_a_whatsapp_burst_is_handled_in_order_and_the_sender_told_once(
    whatsapp_stack: WhatsAppStack,
):
    sender_number = number(1)
    burst = 20
    before = refused(whatsapp_stack.stack).get("twilio_whatsapp", {}).get("rate_limited", 0)
    for n in range(burst):
        answer = whatsapp_stack.twilio_text(sender_number, f"quel temps fait-il {n}", f"SM{n}x")
        assert answer.status == 200
    sender = whatsapp_stack.pseudonym(sender_number)
    deadline = time.monotonic() + 60
    while refused(whatsapp_stack.stack).get("twilio_whatsapp", {}).get("rate_limited", 0) < (
        before + 1
    ):
        assert time.monotonic() < deadline, "no refusal counted"
        time.sleep(0.2)
    refusals = refused(whatsapp_stack.stack)["twilio_whatsapp"]["rate_limited"] - before
    answered = burst - refusals
    stored = whatsapp_stack.wait_for_user_events(sender, answered)
    numbers = [int(event["text"].split()[-1]) for event in stored]
    assert numbers == sorted(numbers) and len(numbers) == answered
    time.sleep(1)  # any further notice would have been sent by now
    notices = [
        call for call in whatsapp_stack.provider.delivered(f"whatsapp:{sender_number}")
        if call.body.get("Body") == REFUSALS["rate_limited"]
    ]  # fmt: skip
    assert refusals >= 1 and len(notices) == 1, "told once, not once per refused message"
