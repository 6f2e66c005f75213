"""WhatsApp through Twilio, end to end: signed webhooks into a real assistant, replies
received by a fake Twilio API on loopback (tests/fake_provider.py)."""

from __future__ import annotations

import time
import urllib.parse
import uuid

import pytest

from channels.whatsapp.twilio import EMPTY_TWIML, parse_form, signature
from tests.fake_provider import TWILIO_TOKEN
from tests.whatsapp_support import (
    TWILIO_FROM,
    TWILIO_PUBLIC_URL,
    FictionalNumbers,
    assert_numbers_nowhere,
    health,
    http,
    staff_message,
    wait_for_a_new_failure,
)

FORM = "application/x-www-form-urlencoded"

number = FictionalNumbers(block=0)


def sid() -> str:
    return "SM" + uuid.uuid4().hex


def bodies(calls) -> list[str]:
    return [call.body["Body"] for call in calls]


def test_a_signed_message_gets_its_french_reply_on_the_senders_number(whatsapp_stack):
    sender = number(1)
    answer = whatsapp_stack.twilio_text(sender, "Bonjour", sid())
    assert (answer.status, answer.text) == (200, EMPTY_TWIML)
    assert answer.content_type.startswith("text/xml")
    calls = whatsapp_stack.provider.wait_for(f"whatsapp:{sender}", count=2)
    assert all(call.body["From"] == TWILIO_FROM for call in calls)
    text = "\n".join(bodies(calls))
    assert "Bonjour, je suis l'assistant d'information" in text
    assert "1. Traitement de sauvetage\n2. Cancer réfractaire" in text
    assert "Répondez par le numéro de votre choix." in text
    [event] = whatsapp_stack.user_events(whatsapp_stack.pseudonym(sender))
    assert event["text"] == "Bonjour" and event["input_channel"] == "twilio_whatsapp"


@pytest.mark.parametrize(
    "signed_by", [None, "not-the-auth-token"], ids=["no signature", "wrong signature"]
)
def test_an_unsigned_request_is_refused_and_nothing_is_kept(whatsapp_stack, signed_by):
    sender = number(2)
    form = {"MessageSid": sid(), "From": f"whatsapp:{sender}", "Body": "Bonjour"}
    assert whatsapp_stack.twilio(form, signed_by=signed_by).status == 403
    time.sleep(1)
    pseudonym = whatsapp_stack.pseudonym(sender)
    assert whatsapp_stack.user_events(pseudonym) == []  # reading it adds a session start
    assert whatsapp_stack.book.number_for(pseudonym) is None
    assert whatsapp_stack.provider.attempts(f"whatsapp:{sender}") == []


def test_a_request_altered_or_signed_for_another_url_is_refused(whatsapp_stack):
    sender = number(3)
    form = {"MessageSid": sid(), "From": f"whatsapp:{sender}", "Body": "Bonjour"}
    body = urllib.parse.urlencode(form).encode()
    url = f"{whatsapp_stack.stack.rasa_url}/webhooks/twilio_whatsapp/webhook"
    signed = {
        TWILIO_PUBLIC_URL: body.replace(b"Bonjour", b"%2Faffirm"),  # altered after signing
        "https://attacker.example.com/webhooks/twilio_whatsapp/webhook": body,
    }
    for signed_url, sent in signed.items():
        header = signature(TWILIO_TOKEN, signed_url, parse_form(body))
        headers = {"X-Twilio-Signature": header, "Content-Type": FORM}
        assert http("POST", url, sent, headers).status == 403
    assert whatsapp_stack.user_events(whatsapp_stack.pseudonym(sender)) == []


def test_a_duplicate_delivery_is_answered_once(whatsapp_stack):
    sender, message_sid = number(4), sid()
    assert whatsapp_stack.twilio_text(sender, "merci", message_sid).status == 200
    assert whatsapp_stack.twilio_text(sender, "merci", message_sid).status == 200
    calls = whatsapp_stack.provider.wait_for(f"whatsapp:{sender}")
    time.sleep(2)
    assert len(whatsapp_stack.provider.delivered(f"whatsapp:{sender}")) == len(calls) == 1
    assert len(whatsapp_stack.user_events(whatsapp_stack.pseudonym(sender))) == 1


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"Body": ""}, "Votre message est vide"),
        ({}, "Votre message est vide"),
        (
            {"Body": "", "NumMedia": "1", "MediaContentType0": "image/jpeg"},
            "Je ne peux lire que les messages écrits",
        ),
    ],
    ids=["empty body", "no body", "photo"],
)
def test_empty_and_media_messages_get_a_polite_french_reply(whatsapp_stack, extra, expected):
    sender = number(5 + len(extra))
    form = {"MessageSid": sid(), "From": f"whatsapp:{sender}", **extra}
    if "MediaContentType0" in form:
        form["MediaUrl0"] = "https://api.twilio.com/media/ME1"
    assert whatsapp_stack.twilio(form).status == 200
    [call] = whatsapp_stack.provider.wait_for(f"whatsapp:{sender}")
    assert call.body["Body"].startswith(expected)
    assert whatsapp_stack.user_events(whatsapp_stack.pseudonym(sender)) == []


def test_buttons_are_numbered_and_a_number_clicks_the_button(whatsapp_stack):
    sender = number(10)
    whatsapp_stack.twilio_text(sender, "menu", sid())
    [menu] = whatsapp_stack.provider.wait_for(f"whatsapp:{sender}")
    assert "\n3. Métastases\n" in menu.body["Body"]
    whatsapp_stack.twilio_text(sender, "3", sid())
    calls = whatsapp_stack.provider.wait_for(f"whatsapp:{sender}", count=2)
    events = whatsapp_stack.wait_for_user_events(whatsapp_stack.pseudonym(sender), 2)
    assert events[-1]["text"] == '/choose_topic{"topic": "metastases"}'
    assert events[-1]["parse_data"]["intent"]["name"] == "choose_topic"
    assert calls[-1].body["Body"].startswith("Voici les questions auxquelles je peux répondre")
    assert "\n1. " in calls[-1].body["Body"]


def test_a_number_with_no_buttons_before_it_stays_text(whatsapp_stack):
    sender = number(11)
    whatsapp_stack.twilio_text(sender, "3", sid())
    [event] = whatsapp_stack.wait_for_user_events(whatsapp_stack.pseudonym(sender), 1)
    assert event["text"] == "3"


def test_a_typed_command_cannot_force_an_intent(whatsapp_stack):
    sender = number(12)
    whatsapp_stack.twilio_text(sender, "/affirm", sid())
    [event] = whatsapp_stack.wait_for_user_events(whatsapp_stack.pseudonym(sender), 1)
    assert event["text"] == "affirm"


def test_a_provider_error_is_retried_and_the_reply_delivered(whatsapp_stack):
    sender = number(13)
    whatsapp_stack.provider.fail(f"whatsapp:{sender}", 500)
    whatsapp_stack.twilio_text(sender, "merci", sid())
    whatsapp_stack.provider.wait_for(f"whatsapp:{sender}")
    attempts = [call.status for call in whatsapp_stack.provider.attempts(f"whatsapp:{sender}")]
    assert attempts == [500, 201]


def test_the_webhook_answers_at_once_while_a_slow_provider_is_called(whatsapp_stack):
    sender = number(16)
    whatsapp_stack.provider.slow_down(f"whatsapp:{sender}", 5)
    started = time.monotonic()
    assert whatsapp_stack.twilio_text(sender, "Bonjour", sid()).status == 200
    assert time.monotonic() - started < 2
    time.sleep(1)  # Rasa has answered; the provider is still "sending"
    other = number(17)
    started = time.monotonic()
    assert whatsapp_stack.twilio_text(other, "merci", sid()).status == 200
    assert time.monotonic() - started < 2, "the server is blocked by the slow send"
    whatsapp_stack.provider.wait_for(f"whatsapp:{other}")
    calls = whatsapp_stack.provider.wait_for(f"whatsapp:{sender}", count=2)
    assert len(calls) == 2


def test_a_reply_that_cannot_be_delivered_is_logged_and_counted(whatsapp_stack):
    sender = number(14)
    failures_before = health(whatsapp_stack, "twilio_whatsapp")["delivery_failures_24h"]
    whatsapp_stack.provider.fail_always(f"whatsapp:{sender}")
    whatsapp_stack.twilio_text(sender, "merci", sid())
    pseudonym = whatsapp_stack.pseudonym(sender)
    wait_for_a_new_failure(whatsapp_stack, "twilio_whatsapp", failures_before)
    assert len(whatsapp_stack.provider.attempts(f"whatsapp:{sender}")) == 3
    log = whatsapp_stack.rasa_log.read_text()
    assert f"twilio_whatsapp: reply to {pseudonym} not delivered: HTTP 500 after 3 attempts" in log
    assert len(whatsapp_stack.user_events(pseudonym)) == 1  # the conversation was still saved


def test_staff_can_write_through_the_http_api_and_long_texts_are_split(whatsapp_stack):
    sender = number(15)
    whatsapp_stack.twilio_text(sender, "merci", sid())
    whatsapp_stack.provider.wait_for(f"whatsapp:{sender}")
    pseudonym = whatsapp_stack.pseudonym(sender)
    text = "Bonjour, ici l'équipe. " + "Nous avons bien lu votre message. " * 120
    answer = staff_message(whatsapp_stack, pseudonym, text)
    assert answer.status == 200, answer.text
    calls = whatsapp_stack.provider.wait_for(f"whatsapp:{sender}", count=4)[1:]
    assert all(len(part) <= 1600 for part in bodies(calls))
    assert " ".join(bodies(calls)).split() == text.split()


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"Body": "Bonjour"}, 400),
        ({"MessageSid": "SM1", "From": "whatsapp:pas-un-numero", "Body": "x"}, 400),
        ({"MessageSid": "SM1", "From": "whatsapp:+33639980099", "Body": "x" * 70_000}, 413),
    ],
    ids=["no sender", "not a number", "huge"],
)
def test_malformed_requests_get_a_4xx(whatsapp_stack, form, status):
    assert whatsapp_stack.twilio(form).status == status


def test_the_phone_numbers_appear_in_no_tracker_and_no_log(whatsapp_stack):
    assert number.used, "run with the other tests of this file"
    assert_numbers_nowhere(whatsapp_stack, number.used)
