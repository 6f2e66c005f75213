"""Without its settings, a WhatsApp channel does not stop the assistant: it answers 503."""

from __future__ import annotations

import os

import pytest

from tests.whatsapp_support import http

ENV = ("SENDER_ID_SECRET", "TWILIO_AUTH_TOKEN", "META_APP_SECRET")


@pytest.mark.skipif(any(name in os.environ for name in ENV), reason="WhatsApp env is set here")
def test_unconfigured_channels_answer_503_and_say_why_in_the_log(stack, stack_dir):
    for route in ("twilio_whatsapp/webhook", "meta_whatsapp/webhook"):
        answer = http("POST", f"{stack.rasa_url}/webhooks/{route}", b"Body=x")
        assert answer.status == 503
    assert http("GET", f"{stack.rasa_url}/webhooks/meta_whatsapp/webhook").status == 503
    assert http("GET", f"{stack.rasa_url}/webhooks/twilio_whatsapp/").status == 503
    log = (stack_dir / "logs" / "rasa.log").read_text()
    assert "twilio_whatsapp is not configured (missing TWILIO_ACCOUNT_SID" in log
    assert "meta_whatsapp is not configured (missing META_APP_SECRET" in log
