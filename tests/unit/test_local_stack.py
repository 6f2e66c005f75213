"""The widget settings of a local run (devstack/stack.py)."""

from __future__ import annotations

import logging

from devstack.stack import widget_settings


def test_without_settings_a_local_run_makes_a_secret_and_says_so(monkeypatch, caplog):
    monkeypatch.delenv("WIDGET_SESSION_SECRET", raising=False)
    monkeypatch.delenv("WIDGET_ALLOWED_ORIGINS", raising=False)
    with caplog.at_level(logging.WARNING):
        first, second = widget_settings(5005), widget_settings(5005)
    assert len(first["WIDGET_SESSION_SECRET"]) >= 32
    assert first["WIDGET_SESSION_SECRET"] != second["WIDGET_SESSION_SECRET"]
    assert first["WIDGET_ALLOWED_ORIGINS"] == "http://127.0.0.1:5005,http://localhost:5005"
    assert "WIDGET_SESSION_SECRET is not set" in caplog.text


def test_the_environment_settings_win(monkeypatch, caplog):
    monkeypatch.setenv("WIDGET_SESSION_SECRET", "k" * 40)
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://www.hopital.example")
    with caplog.at_level(logging.WARNING):
        settings = widget_settings(5005)
    assert settings == {
        "WIDGET_SESSION_SECRET": "k" * 40,
        "WIDGET_ALLOWED_ORIGINS": "https://www.hopital.example",
    }
    assert caplog.text == ""
