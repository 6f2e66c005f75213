"""Shared fixtures: the project's data as Rasa loads it, and a real running assistant."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import pytest
import yaml

from scripts.local_stack import DEFAULT_MODEL, PROJECT, Stack, running_stack


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the test stack keeps its tracker store (tracker.db) and logs."""
    return tmp_path_factory.mktemp("stack")


def write_endpoints(workdir: Path, action_port: int) -> Path:
    """Endpoints of a test stack: its own action port and SQLite tracker store."""
    endpoints = workdir / "endpoints.yml"
    tracker_store = {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "tracker.db")}
    project_endpoints = yaml.safe_load((PROJECT / "endpoints.yml").read_text())
    project_endpoints["action_endpoint"] = {"url": f"http://127.0.0.1:{action_port}/webhook"}
    project_endpoints["tracker_store"] = tracker_store
    endpoints.write_text(yaml.safe_dump(project_endpoints))
    return endpoints


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

    Its website widget channel (channels/socketio.py) accepts the Origins of the server's own
    demo page and of the page on `embed_port`, with a session secret made for this run.
    """
    require_model()
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(stack_dir, action_port)
    token = secrets.token_urlsafe(24)
    widget = {
        "WIDGET_SESSION_SECRET": secrets.token_urlsafe(32),
        "WIDGET_ALLOWED_ORIGINS": f"http://127.0.0.1:{rasa_port},http://127.0.0.1:{embed_port}",
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
