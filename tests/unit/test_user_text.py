"""What every channel does to typed text before Rasa sees it."""

from __future__ import annotations

import importlib
import inspect

import yaml

from channels.user_text import MAX_MESSAGE_CHARS, clean_user_text, issued_payloads
from devstack.stack import PROJECT


def test_a_typed_slash_command_is_plain_text():
    assert clean_user_text("/affirm") == "affirm"
    assert clean_user_text('/faq{"x": 1}') == 'faq{"x": 1}'
    assert clean_user_text("//restart") == "restart"
    assert clean_user_text("/") == ""


def test_issued_button_payloads_still_work():
    for payload in issued_payloads():
        assert clean_user_text(payload) == payload
    assert '/choose_topic{"topic": "metastases"}' in issued_payloads()


def test_control_characters_and_outer_spaces_go():
    assert clean_user_text("  bon\x00jour\x1b[31m \n") == "bon jour [31m"
    assert clean_user_text("ligne 1\nligne 2") == "ligne 1\nligne 2"


def test_long_messages_are_cut_at_the_documented_limit():
    assert len(clean_user_text("a" * (MAX_MESSAGE_CHARS * 3))) == MAX_MESSAGE_CHARS


def test_non_text_becomes_empty():
    assert clean_user_text(None) == ""
    assert clean_user_text(12) == ""
    assert clean_user_text(["x"]) == ""


# Routes registered as channels that never pass a message to Rasa.
CHANNELS_WITHOUT_MESSAGES = {"channels.health.HealthInput"}


def test_every_configured_channel_cleans_user_text():
    credentials = yaml.safe_load((PROJECT / "credentials.yml").read_text()) or {}
    for channel in credentials:
        assert channel.startswith("channels."), f"{channel} bypasses channels/user_text.py"
        module_name, class_name = channel.rsplit(".", 1)
        channel_class = getattr(importlib.import_module(module_name), class_name)
        # The cleaning may sit in a base class of the package (channels/whatsapp/base.py).
        sources = [
            inspect.getsource(inspect.getmodule(base))
            for base in channel_class.__mro__
            if base.__module__.startswith("channels.")
        ]
        if channel in CHANNELS_WITHOUT_MESSAGES:
            assert all("on_new_message(" not in source for source in sources), channel
            continue
        assert any("clean_user_text" in source for source in sources), channel
