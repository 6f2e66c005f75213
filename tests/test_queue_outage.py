"""The staff queue is the truth whatever is down: with the action server stopped, an emergency
and a request for a person, sent on REST, the website widget and WhatsApp, are each told to the
patient AND queued for staff, urgent first; once the action server is back, each is still
queued exactly once."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from console import tracker
from devstack.stack import (
    free_port,
    running_stack,
    start_action_server,
    stop,
    wait_until_up,
    write_endpoints,
)
from tests.chat import responses_of_last_turn, say
from tests.conftest import require_model
from tests.fake_provider import FakeProvider
from tests.whatsapp_support import WhatsAppStack, whatsapp_env
from tests.widget_client import WidgetClient

pytestmark = pytest.mark.django_db
EMERGENCY = "mon mari est sous chimio, il a 39,5 de fièvre et des frissons"
PERSON = "je voudrais parler à une infirmière s'il vous plaît"


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory):
    """The assistant (with WhatsApp through the fake provider) and no action server."""
    require_model()
    workdir: Path = tmp_path_factory.mktemp("outage")
    action_port = free_port()
    provider = FakeProvider().start()
    try:
        with running_stack(
            free_port(), action_port, workdir / "logs",
            endpoints=write_endpoints(workdir, action_port),
            api_token=secrets.token_urlsafe(24), with_actions=False,
            rasa_env=whatsapp_env(provider.url, workdir),
        ) as stack:  # fmt: skip
            yield WhatsAppStack(stack, provider, workdir), action_port
    finally:
        provider.stop()


@pytest.fixture
def queue(settings, outage):
    """The console's queue (its rows: (conversation, holder)) over the stack's tracker store."""
    whatsapp, _ = outage
    settings.TRACKER_DATABASE_URL = f"sqlite:///{whatsapp.workdir / 'tracker.db'}"
    client = Client()
    client.force_login(User.objects.create_user("claire", password="x", is_staff=True))
    yield lambda: [row.first for row in client.get(reverse("queue")).context["rows"]]
    tracker.engine().dispose()


async def widget_says(whatsapp: WhatsAppStack, text: str) -> tuple[str, list[dict]]:
    client = await WidgetClient(whatsapp.stack).connect()
    try:
        await client.start()
        return client.session_id, await client.say(text)
    finally:
        await client.close()


def whatsapp_says(whatsapp: WhatsAppStack, number: str, text: str) -> str:
    assert whatsapp.twilio_text(number, text, f"SM{uuid.uuid4().hex}").status == 200
    sender = whatsapp.pseudonym(number)
    count = len(whatsapp.user_events(sender)) + 1
    whatsapp.wait_for_user_events(sender, count)
    return sender


def wait_for_reply(whatsapp: WhatsAppStack, sender: str, response: str) -> None:
    for _ in range(100):
        if response in responses_of_last_turn(whatsapp.stack, sender):
            return
        time.sleep(0.2)
    raise AssertionError(f"{response} never sent to {sender}")


def send_on_every_channel(whatsapp: WhatsAppStack, senders: dict[str, str]) -> None:
    """An emergency and a request for a person on REST, the widget and WhatsApp."""
    for kind, text, response in (
        ("emergency", EMERGENCY, "utter_emergency"),
        ("person", PERSON, "utter_handoff_person"),
    ):
        rest = senders.setdefault(f"rest-{kind}", f"outage-{uuid.uuid4().hex[:12]}")
        say(whatsapp.stack, rest, text)
        assert response in responses_of_last_turn(whatsapp.stack, rest)
        senders[f"widget-{kind}"], replies = asyncio.run(widget_says(whatsapp, text))
        assert replies, "the widget got no reply"
        number = "+33639980101" if kind == "emergency" else "+33639980102"
        senders[f"whatsapp-{kind}"] = whatsapp_says(whatsapp, number, text)
        wait_for_reply(whatsapp, senders[f"whatsapp-{kind}"], response)


def test_requests_are_queued_with_the_action_server_down_and_after_it_returns(outage, queue):
    whatsapp, action_port = outage
    senders: dict[str, str] = {}
    send_on_every_channel(whatsapp, senders)

    rows = queue()
    queued = [conversation.sender_id for conversation in rows]
    for name, sender in senders.items():
        assert queued.count(sender) == 1, f"{name} is not queued once: {queued}"
    urgent = {senders[f"{channel}-emergency"] for channel in ("rest", "widget", "whatsapp")}
    assert {c.sender_id for c in rows[:3]} == urgent, "urgent conversations come first"
    assert all(c.handoff_urgent for c in rows[:3]) and not any(c.handoff_urgent for c in rows[3:])

    actions = start_action_server(action_port, whatsapp.workdir / "logs" / "actions.log")
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, 600)
        say(whatsapp.stack, senders["rest-person"], "toujours là ?")
        after = [conversation.sender_id for conversation in queue()]
        assert sorted(after) == sorted(queued), "the queue changed once the actions came back"
    finally:
        stop(actions)
