"""WhatsApp building blocks without Rasa: pseudonyms, contacts, signatures, layout, sending."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from datetime import timedelta

import aiohttp
import pytest
from twilio.request_validator import RequestValidator

from channels.pseudonyms import InvalidNumber, normalise_number, pseudonym, secret_from_env
from channels.whatsapp import contacts as contacts_module
from channels.whatsapp.base import MalformedRequest
from channels.whatsapp.contacts import ContactBook
from channels.whatsapp.formatting import chosen_payload, numbered_choices, shorten, split_text
from channels.whatsapp.meta import button_messages, parse_messages, text_messages
from channels.whatsapp.meta import is_signed as meta_is_signed
from channels.whatsapp.outbound import DeliveryError, RetryPolicy, post
from channels.whatsapp.twilio import is_signed as twilio_is_signed
from channels.whatsapp.twilio import parse_form, parse_message, signature
from tests.fake_provider import (
    META_PHONE_ID,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeProvider,
    meta_problem,
)

SECRET = b"s" * 32
MENU = [
    {"title": "Traitement de sauvetage", "payload": '/choose_topic{"topic": "salvage_therapy"}'},
    {"title": "Cancer réfractaire", "payload": '/choose_topic{"topic": "refractory_cancer"}'},
    {"title": "Métastases", "payload": '/choose_topic{"topic": "metastases"}'},
    {"title": "Deuxième avis", "payload": '/choose_topic{"topic": "second_opinion"}'},
    {
        "title": "Oncologue et traitements",
        "payload": '/choose_topic{"topic": "medical_oncologist"}',
    },  # noqa: E501
]


# --- pseudonyms ---------------------------------------------------------------------------


def test_one_number_one_pseudonym_whatever_its_spelling():
    spellings = ["whatsapp:+33612345678", "+33 6 12 34 56 78", "0033612345678", "33612345678"]
    assert {normalise_number(spelling) for spelling in spellings} == {"+33612345678"}
    assert len({pseudonym(spelling, SECRET) for spelling in spellings}) == 1
    [value] = {pseudonym(spelling, SECRET) for spelling in spellings}
    assert value.startswith("wa-") and len(value) == 35 and "612345678" not in value


def test_the_pseudonym_depends_on_the_secret():
    assert pseudonym("+33612345678", SECRET) != pseudonym("+33612345678", b"t" * 32)
    assert pseudonym("+33612345678", SECRET) != pseudonym("+33612345679", SECRET)


@pytest.mark.parametrize("raw", ["", "whatsapp:", "+33", "abc", "+0612345678", "+33 6 12 ab"])
def test_what_is_not_a_number_is_refused_without_echoing_it(raw):
    with pytest.raises(InvalidNumber) as error:
        normalise_number(raw)
    assert raw not in str(error.value) or not raw


def test_there_is_no_default_secret(monkeypatch):
    monkeypatch.delenv("SENDER_ID_SECRET", raising=False)
    assert secret_from_env() is None
    monkeypatch.setenv("SENDER_ID_SECRET", "too-short")
    assert secret_from_env() is None
    monkeypatch.setenv("SENDER_ID_SECRET", "x" * 32)
    assert secret_from_env() == b"x" * 32


# --- contacts -----------------------------------------------------------------------------


@pytest.fixture
def book(tmp_path) -> ContactBook:
    return ContactBook(f"sqlite:///{tmp_path}/contacts.db")


def test_the_number_is_kept_under_its_pseudonym_and_refreshed(book):
    book.remember("wa-1", "twilio_whatsapp", "+33612345678")
    book.remember("wa-1", "meta_whatsapp", "+33612345678")
    assert book.number_for("wa-1") == "+33612345678"
    assert book.number_for("wa-unknown") is None


def test_a_message_id_is_processed_once_even_across_instances(tmp_path):
    url = f"sqlite:///{tmp_path}/shared.db"
    first, second = ContactBook(url), ContactBook(url)  # two Rasa instances, one database
    assert first.claim_message("meta_whatsapp", "wamid.ABC") is True
    assert second.claim_message("meta_whatsapp", "wamid.ABC") is False
    assert second.claim_message("twilio_whatsapp", "wamid.ABC") is True
    with first.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT message_hash FROM processed_messages").all()
    assert ("wamid.ABC",) not in stored  # Meta's ids encode the number: only hashes are kept


def test_erase_forgets_the_number_and_failures(book, monkeypatch):
    book.remember("wa-1", "twilio_whatsapp", "+33612345678")
    book.record_failure("wa-1", "twilio_whatsapp", "HTTP 500")
    assert book.erase("wa-1") is True
    assert book.number_for("wa-1") is None
    assert book.failures_since("twilio_whatsapp", contacts_module.now() - timedelta(1)) == 0
    assert book.erase("wa-1") is False


def test_erase_by_number_needs_the_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTACTS_DB_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SENDER_ID_SECRET", SECRET.decode())
    contacts_module.book.cache_clear()
    try:
        contacts_module.book().remember(pseudonym("+33612345678", SECRET), "x", "+33612345678")
        contacts_module.main(["erase", "+33 6 12 34 56 78"])
        assert contacts_module.book().number_for(pseudonym("+33612345678", SECRET)) is None
    finally:
        contacts_module.book.cache_clear()


def test_retention_purges_silent_contacts(book, monkeypatch):
    book.remember("wa-old", "meta_whatsapp", "+33600000001")
    book.claim_message("meta_whatsapp", "old")
    later = contacts_module.now() + timedelta(days=91)
    monkeypatch.setattr(contacts_module, "now", lambda: later)
    book.remember("wa-new", "meta_whatsapp", "+33600000002")
    assert book.purge_older_than(90) == 1
    assert book.number_for("wa-old") is None and book.number_for("wa-new") == "+33600000002"
    assert book.claim_message("meta_whatsapp", "old") is True


# --- signatures ---------------------------------------------------------------------------

TWILIO_URL = "https://assistant.example.org/webhooks/twilio_whatsapp/webhook"
TWILIO_BODY = b"MessageSid=SM1&From=whatsapp%3A%2B33612345678&Body=Bonjour+%C3%A0+vous&NumMedia=0"


def test_twilio_signature_is_twilios():
    params = parse_form(TWILIO_BODY)
    flat = {name: values[0] for name, values in params.items()}
    expected = RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_URL, flat)
    assert signature(TWILIO_TOKEN, TWILIO_URL, params) == expected
    assert twilio_is_signed(TWILIO_TOKEN, TWILIO_URL, params, expected)
    with_port = TWILIO_URL.replace(".org/", ".org:443/")
    assert twilio_is_signed(TWILIO_TOKEN, with_port, params, expected)


def test_a_tampered_or_unsigned_twilio_request_is_refused():
    params = parse_form(TWILIO_BODY)
    good = signature(TWILIO_TOKEN, TWILIO_URL, params)
    tampered = parse_form(TWILIO_BODY.replace(b"Bonjour", b"Bonsoir"))
    assert not twilio_is_signed(TWILIO_TOKEN, TWILIO_URL, tampered, good)
    assert not twilio_is_signed(TWILIO_TOKEN, TWILIO_URL + "?x=1", params, good)
    assert not twilio_is_signed("other-token", TWILIO_URL, params, good)
    assert not twilio_is_signed(TWILIO_TOKEN, TWILIO_URL, params, "")


def test_meta_signature_covers_the_raw_body():
    body = b'{"entry": []}'
    header = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert meta_is_signed("app-secret", body, header)
    assert not meta_is_signed("app-secret", body + b" ", header)
    assert not meta_is_signed("other", body, header)
    assert not meta_is_signed("app-secret", body, "")
    assert not meta_is_signed("app-secret", body, base64.b64encode(b"x").decode())


# --- parsing ------------------------------------------------------------------------------


def test_twilio_messages_text_empty_media_and_status():
    form = {"MessageSid": ["SM1"], "From": ["whatsapp:+33612345678"]}
    assert parse_message({**form, "Body": ["Bonjour"]}).text == "Bonjour"
    assert parse_message(form).text == ""
    media = parse_message({**form, "Body": [""], "NumMedia": ["1"]})
    assert media.kind == "unsupported"
    assert parse_message({**form, "Body": ["légende"], "NumMedia": ["1"]}).kind == "text"
    assert parse_message({**form, "MessageStatus": ["delivered"]}) is None
    for broken in ({"MessageSid": ["SM1"]}, {**form, "From": ["whatsapp:hello"]}):
        with pytest.raises(MalformedRequest):
            parse_message(broken)


def meta_body(*messages: dict, phone_id: str = META_PHONE_ID) -> dict:
    value = {"metadata": {"phone_number_id": phone_id}, "messages": list(messages)}
    return {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}


def test_meta_messages_of_every_kind():
    base = {"from": "33612345678", "id": "wamid.1"}
    text = {**base, "type": "text", "text": {"body": "Bonjour"}}
    reply = {"type": "button_reply", "button_reply": {"id": "/deny", "title": "Non"}}
    tap = {**base, "type": "interactive", "interactive": reply}
    image = {**base, "type": "image", "image": {"id": "1"}}
    reaction = {**base, "type": "reaction", "reaction": {"emoji": "👍"}}
    parsed = parse_messages(meta_body(text, tap, image, reaction), META_PHONE_ID)
    assert [(m.kind, m.text, m.number) for m in parsed] == [
        ("text", "Bonjour", "+33612345678"),
        ("payload", "/deny", "+33612345678"),
        ("unsupported", "", "+33612345678"),
    ]
    assert parse_messages(meta_body(text, phone_id="other"), META_PHONE_ID) == []
    statuses = {"entry": [{"changes": [{"value": {"statuses": [{"id": "x"}]}}]}]}
    assert parse_messages(statuses, META_PHONE_ID) == []


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"entry": "x"},
        {"entry": [{"changes": [{"value": {"metadata": []}}]}]},
        meta_body({"from": 33612345678, "id": "w", "type": "text", "text": {"body": "x"}}),
        meta_body({"from": "33612345678", "id": "w", "type": "text", "text": {"body": 1}}),
        meta_body({"from": "33612345678", "id": "w", "type": "interactive", "interactive": {}}),
    ],
)
def test_malformed_meta_bodies_are_refused(body):
    with pytest.raises(MalformedRequest):
        parse_messages(body, META_PHONE_ID)


# --- layout -------------------------------------------------------------------------------


def test_long_texts_are_split_within_the_limit_at_boundaries():
    text = ("Une phrase de la réponse. " * 40 + "\n\n") * 10
    parts = split_text(text, 1600)
    assert all(len(part) <= 1600 for part in parts) and len(parts) > 1
    assert " ".join(parts).split() == text.split()
    assert split_text("x" * 5000, 4096) == ["x" * 4096, "x" * 904]


def test_titles_are_shortened_at_a_word():
    assert shorten("Oui, parler à quelqu'un", 20) == "Oui, parler à…"
    assert shorten("Non merci", 20) == "Non merci"
    assert len(shorten("Qu'est-ce qu'un traitement de sauvetage ?", 24)) <= 24


def test_buttons_as_numbers_and_numbers_back_to_payloads():
    text = numbered_choices("Sur quel thème ?", MENU)
    assert "1. Traitement de sauvetage\n2. Cancer réfractaire" in text
    assert text.endswith("Répondez par le numéro de votre choix.")
    assert chosen_payload("1", MENU) == MENU[0]["payload"]
    assert chosen_payload(" 5. ", MENU) == MENU[4]["payload"]
    assert chosen_payload("6", MENU) is None
    assert chosen_payload("1 fois", MENU) is None
    assert chosen_payload("1", []) is None


def test_meta_buttons_lists_and_numbered_text_fit_whatsapps_limits():
    two = [{"title": "Oui, parler à quelqu'un", "payload": "/request_human"}, MENU[0]]
    [buttons] = button_messages("Voulez-vous ?", two)
    reply_buttons = buttons["interactive"]["action"]["buttons"]
    assert buttons["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in reply_buttons] == ["/request_human", MENU[0]["payload"]]
    [as_list] = button_messages("Sur quel thème ?", MENU)
    assert as_list["interactive"]["type"] == "list"
    twelve = [{"title": f"Question {n}", "payload": f"q{n}"} for n in range(12)]
    [as_text] = button_messages("Choisissez", twelve)
    assert as_text["type"] == "text" and "12. Question 11" in as_text["text"]["body"]
    long_intro, interactive = button_messages("Très long. " * 120, two)
    assert long_intro["type"] == "text" and interactive["type"] == "interactive"
    for message in [buttons, as_list, as_text, long_intro, interactive, *text_messages("x" * 9000)]:
        envelope = {"messaging_product": "whatsapp", "to": "33612345678", **message}
        assert meta_problem(envelope) is None, message


# --- sending ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provider():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


FAST = RetryPolicy(first_delay_s=0.01)


def twilio_send(provider: FakeProvider, to: str) -> dict:
    url = f"{provider.url}/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    form = {"To": to, "From": "whatsapp:+14155238886", "Body": "Bonjour"}
    auth = aiohttp.BasicAuth(TWILIO_SID, TWILIO_TOKEN)
    return asyncio.run(post(url, data=form, auth=auth, policy=FAST))


def test_a_provider_error_is_retried_then_delivered(provider):
    provider.fail("whatsapp:+33600000010", 500, 429)
    assert twilio_send(provider, "whatsapp:+33600000010")["sid"].startswith("SM")
    statuses = [call.status for call in provider.attempts("whatsapp:+33600000010")]
    assert statuses == [500, 429, 201]


def test_a_client_error_is_not_retried(provider):
    provider.fail("whatsapp:+33600000011", 400)
    with pytest.raises(DeliveryError, match="HTTP 400"):
        twilio_send(provider, "whatsapp:+33600000011")
    assert len(provider.attempts("whatsapp:+33600000011")) == 1


def test_giving_up_after_three_attempts(provider):
    provider.fail_always("whatsapp:+33600000012")
    with pytest.raises(DeliveryError, match="HTTP 500 after 3 attempts"):
        twilio_send(provider, "whatsapp:+33600000012")
    assert len(provider.attempts("whatsapp:+33600000012")) == 3


def test_an_unreachable_provider_is_a_delivery_error():
    with pytest.raises(DeliveryError, match="after 3 attempts"):
        asyncio.run(post("http://127.0.0.1:9/", data={}, policy=FAST))
