"""What the WhatsApp tests share: the settings given to Rasa, signed webhook requests, and
reading back trackers, the contacts table and the Rasa log."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from channels.pseudonyms import pseudonym
from channels.whatsapp.contacts import ContactBook
from channels.whatsapp.twilio import parse_form, signature
from devstack.stack import Stack
from tests.fake_provider import META_PHONE_ID, META_TOKEN, TWILIO_SID, TWILIO_TOKEN, FakeProvider

SENDER_ID_SECRET = "test-secret-" + "0123456789abcdef" * 2
TWILIO_FROM = "whatsapp:+14155238886"
# The public URL Twilio signs; the tests post to the local server behind it, like a proxy.
TWILIO_PUBLIC_URL = "https://assistant.example.org/webhooks/twilio_whatsapp/webhook"
META_APP_SECRET = "meta-test-app-secret"
META_VERIFY_TOKEN = "meta-test-verify-token"


def whatsapp_env(provider_url: str, workdir: Path) -> dict[str, str]:
    return {
        "SENDER_ID_SECRET": SENDER_ID_SECRET,
        "CONTACTS_DB_URL": f"sqlite:///{workdir}/contacts.db",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_WHATSAPP_FROM": TWILIO_FROM,
        "TWILIO_WEBHOOK_URL": TWILIO_PUBLIC_URL,
        "TWILIO_API_BASE": provider_url,
        "META_APP_SECRET": META_APP_SECRET,
        "META_VERIFY_TOKEN": META_VERIFY_TOKEN,
        "META_ACCESS_TOKEN": META_TOKEN,
        "META_PHONE_NUMBER_ID": META_PHONE_ID,
        "META_GRAPH_API_BASE": f"{provider_url}/v21.0",
    }


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    content_type: str = ""


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(
                response.status, response.read().decode(), response.headers["Content-Type"]
            )
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode())


@dataclass(frozen=True)
class WhatsAppStack:
    stack: Stack
    provider: FakeProvider
    workdir: Path

    @property
    def rasa_log(self) -> Path:
        return self.workdir / "logs" / "rasa.log"

    @property
    def book(self) -> ContactBook:
        return ContactBook(f"sqlite:///{self.workdir}/contacts.db")

    def pseudonym(self, number: str) -> str:
        return pseudonym(number, SENDER_ID_SECRET.encode())

    def user_events(self, sender_id: str) -> list[dict]:
        return [e for e in self.stack.tracker_events(sender_id) if e["event"] == "user"]

    def wait_for_user_events(self, sender_id: str, count: int, timeout_s: float = 60) -> list:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(events := self.user_events(sender_id)) >= count:
                return events
            time.sleep(0.2)
        raise AssertionError(f"{count} user event(s) expected for {sender_id}")

    # --- Twilio ---

    def twilio(self, form: dict[str, str], signed_by: str | None = TWILIO_TOKEN) -> Answer:
        """POSTs a form to the Twilio webhook, signed like Twilio (None: no signature)."""
        body = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signed_by is not None:
            headers["X-Twilio-Signature"] = signature(
                signed_by, TWILIO_PUBLIC_URL, parse_form(body)
            )
        return http(
            "POST", f"{self.stack.rasa_url}/webhooks/twilio_whatsapp/webhook", body, headers
        )

    def twilio_text(self, number: str, text: str, sid: str) -> Answer:
        form = {"MessageSid": sid, "AccountSid": TWILIO_SID, "From": f"whatsapp:{number}"}
        return self.twilio({**form, "To": TWILIO_FROM, "Body": text, "NumMedia": "0"})

    # --- Meta ---

    def meta(self, payload: object, signed_by: str | None = META_APP_SECRET) -> Answer:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signed_by is not None:
            digest = hmac.new(signed_by.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature-256"] = f"sha256={digest}"
        return http("POST", f"{self.stack.rasa_url}/webhooks/meta_whatsapp/webhook", body, headers)

    def meta_message(self, number: str, message_id: str, **content: object) -> Answer:
        """One message from `number` (E.164) as Meta posts it; `content` gives type and body."""
        message = {"from": number.lstrip("+"), "id": message_id, "timestamp": "1764090000"}
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": META_PHONE_ID},
            "contacts": [{"profile": {"name": "Patient"}, "wa_id": number.lstrip("+")}],
            "messages": [{**message, **content}],
        }
        change = {"field": "messages", "value": value}
        return self.meta({"object": "whatsapp_business_account", "entry": [{"changes": [change]}]})

    def meta_text(self, number: str, text: str, message_id: str) -> Answer:
        return self.meta_message(number, message_id, type="text", text={"body": text})


@dataclass
class FictionalNumbers:
    """Numbers of the range French regulation reserves for fiction (06 39 98 xx xx), one
    block of 100 per test file; each one handed out is kept for assert_numbers_nowhere."""

    block: int
    used: list[str] = field(default_factory=list)

    def __call__(self, suffix: int) -> str:
        value = f"+3363998{self.block:02d}{suffix:02d}"
        self.used.append(value)
        return value


def staff_message(whatsapp_stack: WhatsAppStack, sender_id: str, text: str) -> Answer:
    """What issue 5's staff console does: a bot event through Rasa's HTTP API."""
    query = urllib.parse.urlencode(
        {"token": whatsapp_stack.stack.api_token, "output_channel": "latest",
         "execute_side_effects": "true"}
    )  # fmt: skip
    url = f"{whatsapp_stack.stack.rasa_url}/conversations/{sender_id}/tracker/events?{query}"
    body = json.dumps({"event": "bot", "text": text}).encode()
    return http("POST", url, body, {"Content-Type": "application/json"})


def health(whatsapp_stack: WhatsAppStack, channel: str) -> dict:
    answer = http("GET", f"{whatsapp_stack.stack.rasa_url}/webhooks/{channel}/")
    assert answer.status == 200
    return json.loads(answer.text)


def wait_for_a_new_failure(whatsapp_stack: WhatsAppStack, channel: str, before: int) -> None:
    deadline = time.monotonic() + 30
    while health(whatsapp_stack, channel)["delivery_failures_24h"] == before:
        assert time.monotonic() < deadline, "the failure was not counted"
        time.sleep(0.2)


def assert_numbers_nowhere(whatsapp_stack: WhatsAppStack, numbers: list[str]) -> None:
    """No trace of the numbers in the trackers (API and database file) nor in the logs."""
    logs = whatsapp_stack.workdir / "logs"
    rasa_log = (logs / "rasa.log").read_text()
    assert "Acquired lock for conversation 'wa-" in rasa_log  # Rasa's own debug logs are there
    places = {
        "rasa.log": rasa_log,
        "actions.log": (logs / "actions.log").read_text(),
        "tracker.db": (whatsapp_stack.workdir / "tracker.db").read_bytes().decode(errors="replace"),
    }
    for number in numbers:
        sender_id = whatsapp_stack.pseudonym(number)
        places[sender_id] = json.dumps(whatsapp_stack.stack.tracker_events(sender_id))
        national = number.lstrip("+")[2:]  # 639980001, as in 06 39 98 00 01
        for place, content in places.items():
            assert national not in content, f"{number} found in {place}"
