"""Shared fixtures: the project's data as Rasa loads it, a real running assistant, and the
staff console (in-process for pytest-django, or served by gunicorn next to the assistant)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import django
import pytest
import yaml

from devstack.stack import (
    DEFAULT_MODEL,
    PROJECT,
    Stack,
    console_command,
    console_settings,
    free_port,
    running_console,
    running_stack,
    write_endpoints,
)

# The console's settings (console/settings.py) for the in-process Django tests: a key made
# for this run, plain-http cookies for the test client. pytest-django reads them at setup.
os.environ.setdefault("CONSOLE_SECRET_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("CONSOLE_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
django.setup()


@pytest.fixture(scope="session")
def domain() -> dict:
    """The merged domain (domain.yml + data/responses) exactly as Rasa sends it to actions."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(PROJECT / "config.yml"), str(PROJECT / "domain.yml"), [str(PROJECT / "data")]
    )
    return importer.get_domain().as_dict()


@pytest.fixture(scope="session")
def sources() -> dict:
    return yaml.safe_load((PROJECT / "data" / "sources.yml").read_text())["sources"]


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the test stack keeps its tracker store (tracker.db) and logs."""
    return tmp_path_factory.mktemp("stack")


def require_model() -> None:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make train` (make test does it)")


@pytest.fixture(scope="session")
def embed_port() -> int:
    """Port of a third-party page embedding the widget (test_widget_browser.py): allowed."""
    return free_port()


@pytest.fixture(scope="session")
def stack(stack_dir: Path, embed_port: int) -> Stack:
    """A real Rasa server and action server on loopback, with their own SQLite tracker store.

    Its website widget channel (channels/widget/socketio.py) accepts the Origins of the server's own
    demo page and of the page on `embed_port`, with a session secret made for this run.
    """
    require_model()
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(stack_dir, action_port)
    token = secrets.token_urlsafe(24)
    widget = {
        "WIDGET_SESSION_SECRET": secrets.token_urlsafe(32),
        "WIDGET_ALLOWED_ORIGINS": f"http://127.0.0.1:{rasa_port},http://127.0.0.1:{embed_port}",
        # Every test session comes from 127.0.0.1; tests/test_flood.py tests this limit.
        "WIDGET_NEW_SESSIONS_PER_ADDRESS": "100000",
    }
    with running_stack(
        rasa_port, action_port, stack_dir / "logs",
        endpoints=endpoints, api_token=token, widget=widget,
    ) as running:  # fmt: skip
        yield running


@pytest.fixture(scope="session")
def whatsapp_stack(tmp_path_factory: pytest.TempPathFactory):
    """A real assistant with both WhatsApp channels configured (--debug logs), replying to a
    fake Twilio + Meta server on loopback (tests/fake_provider.py)."""
    from tests.fake_provider import FakeProvider
    from tests.whatsapp_support import WhatsAppStack, whatsapp_env

    require_model()
    workdir = tmp_path_factory.mktemp("whatsapp")
    action_port, rasa_port = free_port(), free_port()
    provider = FakeProvider().start()
    try:
        with running_stack(
            rasa_port,
            action_port,
            workdir / "logs",
            endpoints=write_endpoints(workdir, action_port),
            api_token=secrets.token_urlsafe(24),
            rasa_env=whatsapp_env(provider.url, workdir),
            rasa_args=("--debug",),
        ) as running:
            yield WhatsAppStack(running, provider, workdir)
    finally:
        provider.stop()


@dataclass(frozen=True)
class ConsoleServer:
    url: str
    env: dict[str, str]

    def create_account(self, username: str, password: str, admin: bool = False) -> None:
        options = ("--admin",) if admin else ()
        console_command(
            self.env, "createstaff", username, *options, "--password-stdin", stdin=password + "\n"
        )


@pytest.fixture(scope="session")
def console_server(stack: Stack, stack_dir: Path) -> ConsoleServer:
    """The staff console served by gunicorn, reading the test stack's tracker store and
    writing into its conversations through the stack's HTTP API."""
    env = console_settings(stack, stack_dir / "tracker.db", stack_dir / "console.db")
    with running_console(free_port(), stack_dir / "logs" / "console.log", env) as url:
        yield ConsoleServer(url, env)
