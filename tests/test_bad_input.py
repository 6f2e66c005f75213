"""Bad input on every public entry point (issue 6): the REST webhook, the website widget's
socket.io channel and both WhatsApp webhooks, on real running servers (fixtures `stack` and
`whatsapp_stack`, WhatsApp requests validly signed so they reach the message path), plus
property-based tests (hypothesis) of the functions on the message path and of the REST
channel of the running stack.

Every input gets a French reply or a 4xx (never a 500, never silence) within MAX_SECONDS;
nothing longer than MAX_MESSAGE_CHARS is stored; a typed "/intent" is never executed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import time
import unicodedata
import urllib.parse
import uuid
from dataclasses import dataclass

import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.replies import replies
from channels.rest import STATUS, RestInput, read_request
from channels.user_text import (
    CONTROL_CHARACTERS,
    LONE_SURROGATES,
    MAX_MESSAGE_CHARS,
    REFUSALS,
    clean_user_text,
    is_too_long,
    issued_payloads,
)
from channels.whatsapp.base import MalformedRequest
from channels.whatsapp.meta import parse_messages
from channels.whatsapp.twilio import EMPTY_TWIML, parse_form, parse_message
from channels.widget.socketio import ERRORS as WIDGET_ERRORS
from contracts.conversation import is_conversation_id
from devstack.stack import REQUEST_MAX_SIZE, Stack
from tests.fake_provider import META_PHONE_ID
from tests.whatsapp_support import Answer, FictionalNumbers, http
from tests.widget_client import RawSocket, WidgetClient

MAX_SECONDS = 10  # per request, processing included
FRENCH = re.compile(
    r"\b(vous|votre|je|le|la|les|un|une|des|du|de|et|ou|est|pas|sans|en)\b", re.IGNORECASE
)

# (id, typed text, what every channel does with it: "reply", "empty" or "too_long")
TEXTS = [
    ("whitespace", " \t\n\u00a0\u3000 ", "empty"),
    ("control characters only", "\x00\x07\x1b\x7f\x9f", "empty"),
    ("slashes only", "/ //", "empty"),
    ("5000 characters", "a" * 5000, "too_long"),
    ("NUL and controls", "bon\x00jour\x07, c'est quoi un cancer \x1b[31mréfractaire ?", "reply"),
    ("emoji only", "😀🎗️💊", "reply"),
    ("French English Arabic", "Bonjour, I need help with my treatment, مرحبا شكرا", "reply"),
    ("lone surrogate", "\ud800 bonjour", "reply"),
    ("typed /request_human", "/request_human", "reply"),  # a button's own payload: allowed
    ("typed /faq with entities", '/faq{"x":1}', "reply"),
    ("slash newline slash", '/\n/faq{"x":1}', "reply"),
    ("html", "<script>alert(1)</script><b>gras</b>", "reply"),
    ("templates", "{{7*7}} ${7*7} {org_name} {care_team} %s", "reply"),
]
TEXT_IDS = [case[0] for case in TEXTS]
MILLION = "a" * 1_000_000


def fresh(prefix: str = "bad") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def timed(call, *args, **kwargs):
    started = time.monotonic()
    result = call(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < MAX_SECONDS, f"{elapsed:.1f} s"
    return result


def user_events(stack: Stack, sender: str) -> list[dict]:
    return [event for event in stack.tracker_events(sender) if event["event"] == "user"]


def assert_french(text: str) -> None:
    assert text.strip() and FRENCH.search(text), text


def assert_stored_safely(events: list[dict], typed: str) -> None:
    """What the tracker keeps of a message: bounded, clean, no forged command."""
    assert events, "the message was not stored"
    for event in events:
        text = event["text"]
        assert len(text) <= MAX_MESSAGE_CHARS
        assert not CONTROL_CHARACTERS.search(text)
        text.encode("utf-8")  # no lone surrogate left
        assert not text.startswith("/") or text in issued_payloads()
        entities = (event.get("parse_data") or {}).get("entities") or []
        assert not any(entity.get("entity") == "x" for entity in entities)
    if typed.startswith("{{"):
        assert events[-1]["text"] == typed  # kept as typed, never evaluated


def assert_harmless_replies(replies_: list[str]) -> None:
    assert replies_, "no reply"
    assert_french("\n".join(replies_))
    for reply in replies_:
        assert "<script" not in reply and "{{" not in reply and "${" not in reply


# --- REST ------------------------------------------------------------------------------


def rest(stack: Stack, body: object, query: str = "") -> Answer:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    return timed(http, "POST", stack.rest_webhook + query, data, headers)


def assert_rest_refusal(answer: Answer, code: str) -> None:
    assert answer.status == STATUS[code] and 400 <= answer.status < 500
    refusal = json.loads(answer.text)
    assert refusal["code"] == code
    assert_french(refusal["message"])


@pytest.mark.parametrize(("typed", "outcome"), [case[1:] for case in TEXTS], ids=TEXT_IDS)
def test_rest_typed_text(stack, typed, outcome):
    sender = fresh()
    answer = rest(stack, {"sender": sender, "message": typed})
    if outcome == "reply":
        assert answer.status == 200
        assert_harmless_replies([message.get("text") or "" for message in json.loads(answer.text)])
        assert_stored_safely(user_events(stack, sender), typed)
    else:
        assert_rest_refusal(answer, outcome)
        assert user_events(stack, sender) == []


SENDER_MARK = object()  # replaced by a new sender id in each case

REST_BODIES = [
    ("empty body", b"", "malformed"),
    ("invalid JSON", b"{pas du json", "malformed"),
    ("invalid UTF-8", b'{"sender": "bad-utf8", "message": "\xff\xfe bonjour"}', "malformed"),
    ("deeply nested", b"[" * 100_000 + b"]" * 100_000, "malformed"),
    ("a number", b"42", "malformed"),
    ("a list", b'["bonjour"]', "malformed"),
    ("null", b"null", "malformed"),
    ("a string", b'"bonjour"', "malformed"),
    ("no message", {"sender": SENDER_MARK}, "malformed"),
    ("message null", {"sender": SENDER_MARK, "message": None}, "malformed"),
    ("message number", {"sender": SENDER_MARK, "message": 42}, "malformed"),
    ("message list", {"sender": SENDER_MARK, "message": ["bonjour"]}, "malformed"),
    ("message object", {"sender": SENDER_MARK, "message": {"text": "bonjour"}}, "malformed"),
    ("no sender", {"message": "bonjour"}, "sender"),
    ("sender null", {"sender": None, "message": "bonjour"}, "sender"),
    ("sender number", {"sender": 42, "message": "bonjour"}, "sender"),
    ("sender list", {"sender": ["x"], "message": "bonjour"}, "sender"),
    ("sender empty", {"sender": "", "message": "bonjour"}, "sender"),
    ("sender with a space", {"sender": "a b", "message": "bonjour"}, "sender"),
    ("sender too long", {"sender": "s" * 129, "message": "bonjour"}, "sender"),
    ("sender '.'", {"sender": ".", "message": "bonjour"}, "sender"),
    ("sender '..'", {"sender": "..", "message": "bonjour"}, "sender"),
    ("sender with a slash", {"sender": "a/b", "message": "bonjour"}, "sender"),
    ("1M characters", {"sender": SENDER_MARK, "message": MILLION}, "too_long"),
]


@pytest.mark.parametrize(
    ("body", "code"), [case[1:] for case in REST_BODIES], ids=[case[0] for case in REST_BODIES]
)
def test_rest_bad_bodies_get_a_french_4xx_and_store_nothing(stack, body, code):
    sender = fresh()
    if isinstance(body, dict):
        body = {key: sender if value is SENDER_MARK else value for key, value in body.items()}
    assert_rest_refusal(rest(stack, body), code)
    assert user_events(stack, sender) == []


def test_rest_without_a_sender_never_writes_into_a_shared_conversation(stack):
    # Rasa's channel put every request without "sender" into the conversation "default".
    assert_rest_refusal(rest(stack, {"message": "bonjour"}), "sender")
    assert user_events(stack, "default") == []


def test_rest_ignores_the_bodys_channel_metadata_and_stream_option(stack):
    sender = fresh()
    body = {"sender": sender, "message": "bonjour", "metadata": "x", "input_channel": ["x"]}
    answer = rest(stack, body, query="?stream=true")
    assert answer.status == 200 and json.loads(answer.text)  # one JSON answer, not a stream
    [event] = user_events(stack, sender)
    assert event["input_channel"] == "rest"
    assert "x" not in (event.get("metadata") or {}).values()


def test_a_body_over_sanics_limit_is_refused_before_it_is_read(stack):
    # Rasa's Sanic app reads up to 100 MB by default; devstack/stack.py sets
    # SANIC_REQUEST_MAX_SIZE. The headers alone, declaring one byte too many, get the 413.
    url = urllib.parse.urlsplit(stack.rasa_url)
    head = (
        "POST /webhooks/rest/webhook HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/json\r\nExpect: 100-continue\r\n"
        f"Content-Length: {REQUEST_MAX_SIZE + 1}\r\n\r\n"
    )
    started = time.monotonic()
    with socket.create_connection((url.hostname, url.port), timeout=MAX_SECONDS) as connection:
        connection.sendall(head.encode())
        received = b""
        while b"HTTP/1.1 4" not in received and time.monotonic() - started < MAX_SECONDS:
            received += connection.recv(4096)
    assert b"HTTP/1.1 413" in received


def test_a_processing_failure_answers_503_in_french_and_logs_no_user_text(caplog):
    async def failing(message) -> None:
        raise RuntimeError(f"boom on {message.text}")

    body = json.dumps({"sender": "s-1", "message": "mon secret médical"}).encode()
    with caplog.at_level(logging.ERROR, logger="channels.rest"):
        answer = asyncio.run(RestInput().answer(body, failing))
    assert answer.status == 503
    refusal = json.loads(answer.body)
    assert refusal == {"code": "server", "message": REFUSALS["server"]}
    assert "RuntimeError" in caplog.text and "s-1" in caplog.text
    assert "secret" not in caplog.text


# --- website widget (socket.io) ----------------------------------------------------------


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 4 * MAX_SECONDS))


@pytest.mark.parametrize(("typed", "outcome"), [case[1:] for case in TEXTS], ids=TEXT_IDS)
def test_widget_typed_text(stack, typed, outcome):
    async def scenario():
        client = await WidgetClient(stack).connect()
        await client.start()
        started = time.monotonic()
        await client.sio.emit("user_uttered", {"message": typed})
        first = await client.next("bot_uttered", "error")
        rest_of_turn = [] if first[0] == "error" else (await client.until_turn_ends())[0]
        elapsed = time.monotonic() - started
        await client.close()
        return client.session_id, first, rest_of_turn, elapsed

    session_id, (event, data), rest_of_turn, elapsed = run(scenario())
    assert elapsed < MAX_SECONDS
    if outcome == "reply":
        assert event == "bot_uttered"
        assert_harmless_replies([data["text"]] + [message["text"] for message in rest_of_turn])
        assert_stored_safely(user_events(stack, session_id), typed)
    else:
        assert (event, data) == ("error", {"code": outcome, "message": WIDGET_ERRORS[outcome]})
        assert_french(data["message"])
        assert user_events(stack, session_id) == []


WIDGET_PAYLOADS = [
    {"message": 42},
    {"message": ["bonjour"]},
    {"message": None},
    {},
    "pas un objet",
    b"\xff\xfe",  # bytes: a binary socket.io attachment
    {"message": b"\xff\xfe bonjour"},
]


def test_widget_wrong_types_and_bytes_get_the_malformed_error(stack):
    async def scenario():
        client = await WidgetClient(stack).connect()
        await client.start()
        errors = []
        for payload in WIDGET_PAYLOADS:
            await client.sio.emit("user_uttered", payload)
            errors.append(await client.next("error", "bot_uttered"))
        await client.close()
        return client.session_id, errors

    session_id, errors = run(scenario())
    malformed = ("error", {"code": "malformed", "message": WIDGET_ERRORS["malformed"]})
    assert errors == [malformed] * len(WIDGET_PAYLOADS)
    assert user_events(stack, session_id) == []


def test_widget_a_million_characters_close_only_that_connection(stack):
    async def scenario():
        raw = await RawSocket(stack).connect()
        await raw.emit("session_request", {})
        await raw.next("handoff_state")
        await raw.emit("user_uttered", {"message": MILLION})
        with pytest.raises(websockets.ConnectionClosed):
            await raw.next("bot_uttered", "error")
        client = await WidgetClient(stack).connect()
        await client.start()
        replies_ = await client.say("c'est quoi un cancer réfractaire ?")
        await client.close()
        return replies_

    assert "réfractaire" in "\n".join(message["text"] for message in run(scenario()))


# --- WhatsApp (Twilio and Meta), validly signed --------------------------------------------

twilio_number = FictionalNumbers(block=2)
meta_number = FictionalNumbers(block=3)


@dataclass
class Sent:
    """A webhook request, its answer, and what happened after it."""

    number: str
    answer: Answer
    seconds: float
    replies: list[str] | None = None
    stored: list[dict] | None = None


def twilio_to(number: str) -> str:
    return f"whatsapp:{number}"


def meta_to(number: str) -> str:
    return number.lstrip("+")


def call_text(call) -> str:
    body = call.body
    if call.provider == "twilio":
        return body["Body"]
    return body["text"]["body"] if body["type"] == "text" else body["interactive"]["body"]["text"]


def collect(whatsapp_stack, sent: dict[str, Sent], recipient) -> dict[str, Sent]:
    """Waits until every accepted message got a reply (60 s at most), then reads the replies
    and the stored user messages of each."""
    provider = whatsapp_stack.provider
    waiting = [s for s in sent.values() if s.answer.status == 200]
    deadline = time.monotonic() + 60
    while any(not provider.delivered(recipient(s.number)) for s in waiting):
        assert time.monotonic() < deadline, "a WhatsApp message got no reply"
        time.sleep(0.2)
    time.sleep(1.5)  # the rest of each reply
    for s in sent.values():
        s.replies = [call_text(call) for call in provider.delivered(recipient(s.number))]
        s.stored = whatsapp_stack.user_events(whatsapp_stack.pseudonym(s.number))
    return sent


def send(call, *args, **kwargs) -> tuple[Answer, float]:
    started = time.monotonic()
    answer = call(*args, **kwargs)
    return answer, time.monotonic() - started


def twilio_form(number: str, **fields) -> dict:
    form = {"MessageSid": fresh("SM"), "AccountSid": "AC" + "0" * 32, "NumMedia": "0"}
    return {**form, "From": twilio_to(number), "To": "whatsapp:+14155238886", **fields}


TWILIO_EXTRA = {
    "no Body field": {},
    "Body given twice": None,  # built by hand below
    "percent-encoded invalid UTF-8": {"Body": b"\xff\xfe bonjour"},
}


@pytest.fixture(scope="module")
def twilio_sent(whatsapp_stack) -> dict[str, Sent]:
    """Every typed text of TEXTS and a few Twilio-specific forms, each from its own number,
    all sent before waiting for the replies."""
    sent = {}
    for suffix, (case_id, typed, _) in enumerate(TEXTS, start=1):
        number = twilio_number(suffix)
        # Bytes, percent-encoded: a lone surrogate arrives as the bytes UTF-8 would give it.
        form = twilio_form(number, Body=typed.encode("utf-8", "surrogatepass"))
        sent[case_id] = Sent(number, *send(whatsapp_stack.twilio, form))
    for suffix, (case_id, fields) in enumerate(TWILIO_EXTRA.items(), start=50):
        number = twilio_number(suffix)
        if fields is None:  # a form with Body twice: urlencode a list of pairs
            form = list(twilio_form(number).items()) + [("Body", "bonjour"), ("Body", "merci")]
            sent[case_id] = Sent(number, *send(whatsapp_stack.twilio, form))
        else:
            sent[case_id] = Sent(
                number, *send(whatsapp_stack.twilio, twilio_form(number, **fields))
            )
    return collect(whatsapp_stack, sent, twilio_to)


def assert_whatsapp_outcome(sent: Sent, typed: str, outcome: str, acknowledgement: str) -> None:
    assert (sent.answer.status, sent.answer.text) == (200, acknowledgement)
    assert sent.seconds < MAX_SECONDS
    if outcome == "reply":
        assert_harmless_replies(sent.replies)
        assert_stored_safely(sent.stored, typed)
    else:
        expected = replies()["empty"] if outcome == "empty" else REFUSALS[outcome]
        assert sent.replies == [expected]
        assert_french(expected)
        assert sent.stored == []


@pytest.mark.parametrize(("case_id", "typed", "outcome"), TEXTS, ids=TEXT_IDS)
def test_twilio_typed_text(twilio_sent, case_id, typed, outcome):
    assert_whatsapp_outcome(twilio_sent[case_id], typed, outcome, EMPTY_TWIML)


def test_twilio_body_missing_twice_or_garbled(twilio_sent):
    assert_whatsapp_outcome(twilio_sent["no Body field"], "", "empty", EMPTY_TWIML)
    assert_whatsapp_outcome(twilio_sent["Body given twice"], "bonjour", "reply", EMPTY_TWIML)
    garbled = twilio_sent["percent-encoded invalid UTF-8"]
    assert_whatsapp_outcome(garbled, "\ufffd\ufffd bonjour", "reply", EMPTY_TWIML)
    assert garbled.stored[0]["text"] == "\ufffd\ufffd bonjour"


TWILIO_URL = "/webhooks/twilio_whatsapp/webhook"


@pytest.mark.parametrize(
    ("make_request", "status"),
    [
        (lambda ws: ws.twilio({}), 400),  # signed, but no MessageSid nor From
        (lambda ws: ws.twilio(twilio_form(twilio_number(90), Body=MILLION)), 413),
        (lambda ws: ws.twilio(twilio_form(twilio_number(91), Body="x"), signed_by="wrong"), 403),
        (lambda ws: http("POST", ws.stack.rasa_url + TWILIO_URL, b"Body=\xff\xfe"), 403),
    ],
    ids=["empty form", "1M characters", "invalid signature", "raw invalid UTF-8"],
)
def test_twilio_refusals(whatsapp_stack, make_request, status):
    # Raw invalid UTF-8 cannot be parsed, hence its signature not checked: 403, like a forgery.
    answer = timed(make_request, whatsapp_stack)
    assert answer.status == status


@pytest.fixture(scope="module")
def meta_sent(whatsapp_stack) -> dict[str, Sent]:
    sent = {}
    for suffix, (case_id, typed, _) in enumerate(TEXTS, start=1):
        number = meta_number(suffix)
        answer = send(whatsapp_stack.meta_text, number, typed, fresh("wamid"))
        sent[case_id] = Sent(number, *answer)
    number = meta_number(50)
    answer = send(whatsapp_stack.meta_message, number, fresh("wamid"), type="text", text={})
    sent["no body"] = Sent(number, *answer)
    return collect(whatsapp_stack, sent, meta_to)


@pytest.mark.parametrize(("case_id", "typed", "outcome"), TEXTS, ids=TEXT_IDS)
def test_meta_typed_text(meta_sent, case_id, typed, outcome):
    assert_whatsapp_outcome(meta_sent[case_id], typed, outcome, "ok")


def test_meta_text_without_body(meta_sent):
    assert_whatsapp_outcome(meta_sent["no body"], "", "empty", "ok")


def meta_text_body(value: object):
    return lambda ws: ws.meta_message(meta_number(92), fresh("wamid"), type="text", text=value)


@pytest.mark.parametrize(
    ("make_request", "status"),
    [
        (meta_text_body({"body": None}), 400),
        (meta_text_body({"body": 42}), 400),
        (meta_text_body({"body": ["bonjour"]}), 400),
        (meta_text_body("bonjour"), 400),
        (lambda ws: ws.meta(b""), 400),
        (lambda ws: ws.meta(b"{pas du json"), 400),
        (lambda ws: ws.meta(b'{"entry": "\xff\xfe"}'), 400),
        (lambda ws: ws.meta(None), 400),
        (lambda ws: ws.meta(42), 400),
        (lambda ws: ws.meta(["bonjour"]), 400),
        (lambda ws: ws.meta_text(meta_number(93), MILLION, fresh("wamid")), 413),
        (lambda ws: ws.meta({"entry": []}, signed_by="wrong"), 403),
    ],
    ids=[
        "body null", "body number", "body list", "text a string", "empty body", "invalid JSON",
        "invalid UTF-8", "null", "a number", "a list", "1M characters", "invalid signature",
    ],
)  # fmt: skip
def test_meta_refusals(whatsapp_stack, make_request, status):
    answer = timed(make_request, whatsapp_stack)
    assert answer.status == status


# --- properties (hypothesis) -------------------------------------------------------------

SPECIALS = list("/ \t\n\r\x00\x07\x1b\x7f\x85\u00a0\u2028\u3000\u200b\u202e{}<>$%\\\"'")
# Any code point, lone surrogates included, with the characters that matter often.
TYPED = st.text(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(SPECIALS)), max_size=300
)
LONG = st.builds(lambda text, n: text * n, TYPED, st.integers(1, 40))
# Typed commands: slashes and spaces of any kind, then an intent, perhaps with entities.
COMMANDS = st.builds(
    lambda prefix, intent, entities: prefix + intent + entities,
    st.text(st.sampled_from("/ \t\n\r\x0b\x85\u00a0\u2028\u3000"), min_size=1, max_size=6),
    st.sampled_from(["request_human", "faq", "affirm", "emergency", "restart", "greet"]),
    st.sampled_from(["", '{"x":1}', '{"handoff": null}', "{}"]),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
FAST = settings(max_examples=500, deadline=None)


@FAST
@given(st.one_of(TYPED, COMMANDS, LONG, JSON_VALUES))
def test_cleaned_text_is_bounded_encodable_and_never_a_forged_command(raw):
    cleaned = clean_user_text(raw)
    assert isinstance(cleaned, str) and len(cleaned) <= MAX_MESSAGE_CHARS
    assert cleaned == cleaned.strip() and not CONTROL_CHARACTERS.search(cleaned)
    cleaned.encode("utf-8")
    assert not cleaned.startswith("/") or cleaned in issued_payloads()
    assert clean_user_text(cleaned) == cleaned


@FAST
@given(st.one_of(TYPED, COMMANDS, LONG))
def test_a_message_within_the_limit_is_never_cut(raw):
    if is_too_long(raw):
        return
    whole = unicodedata.normalize("NFC", LONE_SURROGATES.sub("\ufffd", raw))
    whole = CONTROL_CHARACTERS.sub(" ", whole).strip()
    cleaned = clean_user_text(raw)
    # Only the leading slashes and spaces of a typed command may go; nothing is cut at the end.
    assert cleaned == whole or (whole.startswith("/") and whole.endswith(cleaned))


@FAST
@given(
    st.one_of(
        st.binary(max_size=200),
        st.builds(
            lambda sender, message, extra: json.dumps(
                {"sender": sender, "message": message, **extra}
            ).encode(),
            st.one_of(st.text(max_size=20), JSON_VALUES),
            st.one_of(TYPED, LONG, JSON_VALUES),
            st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=2),
        ),
        JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    )
)
def test_the_rest_request_reader_never_raises(body):
    read = read_request(body)
    if isinstance(read, str):
        assert read in STATUS and 400 <= STATUS[read] < 500
    else:
        sender, text = read
        assert is_conversation_id(sender) and text == clean_user_text(text) and text


@FAST
@given(
    st.one_of(
        st.binary(max_size=200),
        st.dictionaries(
            st.sampled_from(["MessageSid", "From", "Body", "NumMedia", "ButtonPayload", "x"]),
            st.one_of(st.text(max_size=30), st.binary(max_size=10)),
        ).map(lambda form: urllib.parse.urlencode(form).encode()),
    )
)
def test_the_twilio_parser_raises_only_malformed_request(body):
    try:
        parse_message(parse_form(body) or {})
    except MalformedRequest:
        pass


@FAST
@given(JSON_VALUES)
def test_the_meta_parser_raises_only_malformed_request(value):
    message = {"from": "33639980300", "id": "wamid.1", "type": "text", "text": {"body": value}}
    change = {"value": {"metadata": {"phone_number_id": META_PHONE_ID}, "messages": [message]}}
    for body in (value, {"entry": [{"changes": [change]}]}, {"entry": value}):
        try:
            parse_messages(body, META_PHONE_ID)
        except MalformedRequest:
            pass


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.one_of(TYPED, COMMANDS, LONG, JSON_VALUES, st.sampled_from([c[1] for c in TEXTS])))
def test_the_running_rest_channel_answers_any_message_in_french_or_4xx(stack, message):
    sender = fresh("hypothesis")
    answer = rest(stack, {"sender": sender, "message": message})
    assert answer.status < 500
    if answer.status == 200:
        assert_harmless_replies([m.get("text") or "" for m in json.loads(answer.text)])
        assert_stored_safely(user_events(stack, sender), "")
    else:
        assert 400 <= answer.status < 500
        assert_french(json.loads(answer.text)["message"])
        assert user_events(stack, sender) == []
