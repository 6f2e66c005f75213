"""Staff taking over a conversation, against the real assistant (Rasa server + actions):
the console (Django test client) writes through Rasa's HTTP API with its token."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from console import tracker
from console.models import Claim
from devstack.stack import Stack
from tests.chat import say as send

pytestmark = pytest.mark.django_db
CLINICAL = "Mon oncologue veut arrêter ma chimio, est-ce que je dois accepter ?"
FAQ = "c'est quoi un cancer réfractaire ?"


@pytest.fixture
def console(settings, stack: Stack, stack_dir):
    settings.RASA_URL = stack.rasa_url
    settings.RASA_API_TOKEN = stack.api_token
    settings.TRACKER_DATABASE_URL = f"sqlite:///{stack_dir / 'tracker.db'}"
    yield
    tracker.engine().dispose()


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.create_user(username, password="x", is_staff=True))
    return client


def handed_off_patient(stack: Stack) -> str:
    sender = f"patient-{uuid.uuid4().hex[:8]}"
    send(stack, sender, CLINICAL)
    return sender


def handoff_slot(stack: Stack, sender: str) -> dict:
    slots = [e for e in stack.tracker_events(sender) if e["event"] == "slot"]
    return [e["value"] for e in slots if e["name"] == "handoff"][-1] or {}


def notices(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def act(client: Client, name: str, sender: str, **data):
    return client.post(reverse(name, args=[sender]), data, follow=True)


def test_claim_reply_and_hand_back(console, stack: Stack):
    sender = handed_off_patient(stack)
    claire, paul = signed_in("claire"), signed_in("paul")
    assert sender in claire.get(reverse("queue")).content.decode()

    act(claire, "claim", sender)
    assert handoff_slot(stack, sender)["status"] == "taken"
    assert handoff_slot(stack, sender)["taken_by"] == "claire"
    assert "claire" in paul.get(reverse("queue")).content.decode()

    assert "déjà prise en charge par claire" in notices(act(paul, "claim", sender))
    assert "prise en charge par claire" in notices(act(paul, "reply", sender, text="Bonjour"))

    act(claire, "reply", sender, text="Bonjour, ici Claire, infirmière. Je regarde votre question.")
    staff_messages = [
        e for e in stack.tracker_events(sender)
        if e["event"] == "bot" and (e.get("metadata") or {}).get("author") == "staff"
    ]  # fmt: skip
    assert [m["text"] for m in staff_messages] == [
        "Bonjour, ici Claire, infirmière. Je regarde votre question."
    ]
    # While a person holds the conversation, the assistant stays silent.
    assert send(stack, sender, "merci, j'attends") == []

    act(claire, "hand_back", sender)
    assert handoff_slot(stack, sender)["status"] == "closed"
    assert not Claim.objects.filter(sender_id=sender, ended_at__isnull=True).exists()
    answer = " ".join(m.get("text", "") for m in send(stack, sender, FAQ))
    assert "réfractaire" in answer and "Source" in answer


def test_close_ends_the_handoff_without_a_message(console, stack: Stack):
    sender = handed_off_patient(stack)
    before = len(stack.tracker_events(sender))
    act(signed_in("claire"), "close", sender)
    new_events = stack.tracker_events(sender)[before:]
    assert handoff_slot(stack, sender)["status"] == "closed"
    assert not [e for e in new_events if e["event"] == "bot"]
    assert sender not in signed_in("paul").get(reverse("queue")).content.decode()


def test_a_conversation_nobody_waits_for_cannot_be_claimed(console, stack: Stack):
    sender = f"patient-{uuid.uuid4().hex[:8]}"
    send(stack, sender, FAQ)
    assert "n'attend personne" in notices(act(signed_in("claire"), "claim", sender))


def test_rasa_unreachable_is_a_clear_message_and_nothing_changes(console, stack, settings):
    sender = handed_off_patient(stack)
    settings.RASA_URL = "http://127.0.0.1:9"  # nothing listens there
    assert "ne répond pas" in notices(act(signed_in("claire"), "claim", sender))
    assert not Claim.objects.filter(sender_id=sender).exists()
    settings.RASA_API_TOKEN = "wrong-token"
    settings.RASA_URL = stack.rasa_url
    assert "HTTP 401" in notices(act(signed_in("paul"), "claim", sender))
    assert handoff_slot(stack, sender)["status"] == "waiting"
