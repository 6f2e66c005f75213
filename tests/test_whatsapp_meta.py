"""WhatsApp Cloud API (Meta), end to end: signed webhooks into a real assistant, replies
received by a fake Graph API on loopback (tests/fake_provider.py)."""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid

import pytest

from tests.whatsapp_support import (
    META_VERIFY_TOKEN,
    FictionalNumbers,
    assert_numbers_nowhere,
    health,
    http,
    staff_message,
    wait_for_a_new_failure,
)

number = FictionalNumbers(block=1)


def wamid() -> str:
    return "wamid." + uuid.uuid4().hex


def to(number_: str) -> str:
    """The recipient as the Cloud API receives it: digits, no "+"."""
    return number_.lstrip("+")


def texts(calls) -> list[str]:
    return [
        call.body["text"]["body"] if call.body["type"] == "text"
        else call.body["interactive"]["body"]["text"]
        for call in calls
    ]  # fmt: skip


def verify(whatsapp_stack, **params: str):
    query = urllib.parse.urlencode(params)
    return http("GET", f"{whatsapp_stack.stack.rasa_url}/webhooks/meta_whatsapp/webhook?{query}")


def test_the_subscription_handshake_echoes_the_challenge_for_the_right_token(whatsapp_stack):
    answer = verify(
        whatsapp_stack,
        **{"hub.mode": "subscribe", "hub.verify_token": META_VERIFY_TOKEN, "hub.challenge": "42"},
    )
    assert (answer.status, answer.text) == (200, "42")
    for token, mode in [("wrong", "subscribe"), ("", "subscribe"), (META_VERIFY_TOKEN, "other")]:
        answer = verify(
            whatsapp_stack, **{"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "42"}
        )
        assert answer.status == 403 and "42" not in answer.text


def test_a_signed_message_gets_its_french_reply_on_the_senders_number(whatsapp_stack):
    sender = number(1)
    assert whatsapp_stack.meta_text(sender, "Bonjour", wamid()).status == 200
    greeting, menu = whatsapp_stack.provider.wait_for(to(sender), count=2)
    assert greeting.body["text"]["body"].startswith("Bonjour, je suis l'assistant")
    assert menu.body["interactive"]["type"] == "list"  # five topics: a list
    [event] = whatsapp_stack.user_events(whatsapp_stack.pseudonym(sender))
    assert event["text"] == "Bonjour" and event["input_channel"] == "meta_whatsapp"


@pytest.mark.parametrize("signed_by", [None, "not-the-app-secret"], ids=["none", "wrong"])
def test_an_unsigned_request_is_refused_and_nothing_is_kept(whatsapp_stack, signed_by):
    sender = number(2)
    message = {"from": to(sender), "id": wamid(), "type": "text", "text": {"body": "Bonjour"}}
    value = {"metadata": {"phone_number_id": "109876543210"}, "messages": [message]}
    body = {"entry": [{"changes": [{"field": "messages", "value": value}]}]}
    assert whatsapp_stack.meta(body, signed_by=signed_by).status == 403
    time.sleep(1)
    pseudonym = whatsapp_stack.pseudonym(sender)
    assert whatsapp_stack.user_events(pseudonym) == []  # reading it adds a session start
    assert whatsapp_stack.book.number_for(pseudonym) is None
    assert whatsapp_stack.provider.attempts(to(sender)) == []


def test_a_duplicate_delivery_is_answered_once(whatsapp_stack):
    sender, message_id = number(3), wamid()
    assert whatsapp_stack.meta_text(sender, "merci", message_id).status == 200
    assert whatsapp_stack.meta_text(sender, "merci", message_id).status == 200
    whatsapp_stack.provider.wait_for(to(sender))
    time.sleep(2)
    assert len(whatsapp_stack.provider.delivered(to(sender))) == 1
    assert len(whatsapp_stack.user_events(whatsapp_stack.pseudonym(sender))) == 1


@pytest.mark.parametrize(
    ("suffix", "content", "expected"),
    [
        (4, {"type": "image", "image": {"id": "1", "mime_type": "image/jpeg"}}, "Je ne peux lire"),
        (5, {"type": "audio", "audio": {"id": "2", "mime_type": "audio/ogg"}}, "Je ne peux lire"),
        (6, {"type": "text", "text": {"body": "   "}}, "Votre message est vide"),
    ],
    ids=["photo", "voice note", "blank text"],
)
def test_non_text_messages_get_a_polite_french_reply(whatsapp_stack, suffix, content, expected):
    sender = number(suffix)
    assert whatsapp_stack.meta_message(sender, wamid(), **content).status == 200
    [call] = whatsapp_stack.provider.wait_for(to(sender))
    assert call.body["text"]["body"].startswith(expected)
    assert whatsapp_stack.user_events(whatsapp_stack.pseudonym(sender)) == []


def test_a_list_choice_sends_the_buttons_payload(whatsapp_stack):
    sender = number(60)
    whatsapp_stack.meta_text(sender, "menu", wamid())
    [menu] = whatsapp_stack.provider.wait_for(to(sender))
    rows = menu.body["interactive"]["action"]["sections"][0]["rows"]
    assert [row["title"] for row in rows][:3] == [
        "Traitement de sauvetage", "Cancer réfractaire", "Métastases",
    ]  # fmt: skip
    reply = {"type": "list_reply", "list_reply": {"id": rows[3]["id"], "title": rows[3]["title"]}}
    whatsapp_stack.meta_message(sender, wamid(), type="interactive", interactive=reply)
    events = whatsapp_stack.wait_for_user_events(whatsapp_stack.pseudonym(sender), 2)
    assert events[-1]["text"] == '/choose_topic{"topic": "second_opinion"}'
    assert events[-1]["parse_data"]["intent"]["name"] == "choose_topic"
    questions = whatsapp_stack.provider.wait_for(to(sender), count=2)[-1]
    assert texts([questions])[0].startswith("Voici les questions")


def test_a_typed_number_also_chooses(whatsapp_stack):
    sender = number(61)
    whatsapp_stack.meta_text(sender, "menu", wamid())
    whatsapp_stack.provider.wait_for(to(sender))
    whatsapp_stack.meta_text(sender, "2", wamid())
    events = whatsapp_stack.wait_for_user_events(whatsapp_stack.pseudonym(sender), 2)
    assert events[-1]["text"] == '/choose_topic{"topic": "refractory_cancer"}'


def test_neither_typed_text_nor_a_forged_button_id_can_force_an_intent(whatsapp_stack):
    sender = number(66)
    whatsapp_stack.meta_text(sender, "/affirm", wamid())
    whatsapp_stack.wait_for_user_events(whatsapp_stack.pseudonym(sender), 1)
    forged = {"type": "button_reply", "button_reply": {"id": "/affirm", "title": "Oui"}}
    whatsapp_stack.meta_message(sender, wamid(), type="interactive", interactive=forged)
    events = whatsapp_stack.wait_for_user_events(whatsapp_stack.pseudonym(sender), 2)
    assert [event["text"] for event in events] == ["affirm", "affirm"]


def test_two_buttons_are_reply_buttons_with_short_titles(whatsapp_stack):
    sender = number(62)
    whatsapp_stack.meta_text(
        sender, "mon cancer est réfractaire, qu'est-ce que ça veut dire ?", wamid()
    )
    calls = whatsapp_stack.provider.wait_for(to(sender), count=2)
    offer = calls[-1].body["interactive"]
    assert offer["type"] == "button"
    buttons = [button["reply"] for button in offer["action"]["buttons"]]
    assert [b["id"] for b in buttons] == ["/request_human", "/deny"]
    assert [b["title"] for b in buttons] == ["Oui, parler à…", "Non merci"]
    reply = {"type": "button_reply", "button_reply": buttons[1]}
    whatsapp_stack.meta_message(sender, wamid(), type="interactive", interactive=reply)
    events = whatsapp_stack.wait_for_user_events(whatsapp_stack.pseudonym(sender), 2)
    assert events[-1]["parse_data"]["intent"]["name"] == "deny"


def test_staff_can_write_through_the_http_api_and_long_texts_respect_4096(whatsapp_stack):
    sender = number(63)
    whatsapp_stack.meta_text(sender, "merci", wamid())
    whatsapp_stack.provider.wait_for(to(sender))
    pseudonym = whatsapp_stack.pseudonym(sender)
    text = "Bonjour, ici l'équipe. " + "Nous avons bien lu votre message. " * 200
    assert len(text) > 4096
    assert staff_message(whatsapp_stack, pseudonym, text).status == 200
    parts = texts(whatsapp_stack.provider.wait_for(to(sender), count=3)[1:])
    assert len(parts) == 2 and all(len(part) <= 4096 for part in parts)
    assert " ".join(parts).split() == text.split()


def test_a_provider_error_is_retried_and_the_reply_delivered(whatsapp_stack):
    sender = number(64)
    whatsapp_stack.provider.fail(to(sender), 503)
    whatsapp_stack.meta_text(sender, "merci", wamid())
    whatsapp_stack.provider.wait_for(to(sender))
    assert [call.status for call in whatsapp_stack.provider.attempts(to(sender))] == [503, 200]


def test_a_reply_that_cannot_be_delivered_is_logged_and_counted(whatsapp_stack):
    sender = number(65)
    failures_before = health(whatsapp_stack, "meta_whatsapp")["delivery_failures_24h"]
    whatsapp_stack.provider.fail_always(to(sender))
    whatsapp_stack.meta_text(sender, "merci", wamid())
    wait_for_a_new_failure(whatsapp_stack, "meta_whatsapp", failures_before)
    pseudonym = whatsapp_stack.pseudonym(sender)
    log = whatsapp_stack.rasa_log.read_text()
    assert f"meta_whatsapp: reply to {pseudonym} not delivered: HTTP 500 after 3 attempts" in log


WRONG_FIELD_TYPES = json.dumps(
    {"entry": [{"changes": [{"value": {"metadata": {"phone_number_id": "109876543210"},
                                       "messages": [{"from": 336, "id": 1}]}}]}]}
).encode()  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"\xff\xfe", 400),
        (b'{"entry": "x"}', 400),
        (WRONG_FIELD_TYPES, 400),
        (b'{"entry": []}', 200),
        (b"[" * 70_000, 413),
        (b"[" * 30_000 + b"]" * 30_000, 400),
    ],
    ids=["bad json", "not utf-8", "wrong type", "wrong field types", "nothing", "huge", "deep"],
)  # fmt: skip
def test_malformed_bodies_get_a_4xx_never_a_500(whatsapp_stack, body, status):
    assert whatsapp_stack.meta(body).status == status


def test_the_phone_numbers_appear_in_no_tracker_and_no_log(whatsapp_stack):
    assert number.used, "run with the other tests of this file"
    assert_numbers_nowhere(whatsapp_stack, number.used)
