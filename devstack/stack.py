"""Starts the action server and the Rasa server as child processes, on loopback.

Used by `make run` (scripts/run_local.py) and by the tests, so both run the assistant the
same way.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).with_name("rasa"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
DEFAULT_MODEL = PROJECT / "models" / "assistant.tar.gz"
# Generous: loading the model takes minutes when other test stacks share the 2 cores.
STARTUP_TIMEOUT_S = 600
API_TOKEN_ENV = "RASA_API_TOKEN"
SECRET_ENV = "WIDGET_SESSION_SECRET"
ORIGINS_ENV = "WIDGET_ALLOWED_ORIGINS"
CONSOLE_SECRET_ENV = "CONSOLE_SECRET_KEY"
# Largest request body Rasa's server reads, in bytes (Sanic's default: 100 MB); a bigger one
# gets 413 before any channel sees it. Sanic reads SANIC_* environment variables into its
# config when Rasa creates the app. The largest legitimate bodies are far smaller: a REST
# message (2,000 characters), a socket.io packet (32 KiB), a WhatsApp webhook (64 KiB).
REQUEST_MAX_SIZE_ENV = "SANIC_REQUEST_MAX_SIZE"
REQUEST_MAX_SIZE = 1024 * 1024

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stack:
    rasa_url: str
    action_url: str
    api_token: str | None = None
    # The website widget's settings (channels/widget/socketio.py) this Rasa server runs with.
    widget_secret: str = ""
    allowed_origins: tuple[str, ...] = ()

    @property
    def rest_webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def demo_page(self) -> str:
        return f"{self.rasa_url}/demo"

    def tracker_events(self, sender_id: str) -> list[dict]:
        """The conversation's events, through Rasa's HTTP API (needs `api_token`)."""
        query = urllib.parse.urlencode({"token": self.api_token, "include_events": "ALL"})
        url = f"{self.rasa_url}/conversations/{urllib.parse.quote(sender_id)}/tracker?{query}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.load(response)["events"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_endpoints(workdir: Path, action_port: int) -> Path:
    """The project's endpoints with another action port and a SQLite tracker store in
    `workdir` (test stacks, benchmark, screenshots)."""
    endpoints = workdir / "endpoints.yml"
    tracker_store = {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "tracker.db")}
    project_endpoints = yaml.safe_load((PROJECT / "endpoints.yml").read_text())
    project_endpoints["action_endpoint"] = {"url": f"http://127.0.0.1:{action_port}/webhook"}
    project_endpoints["tracker_store"] = tracker_store
    endpoints.write_text(yaml.safe_dump(project_endpoints))
    return endpoints


def send_message(webhook: str, sender: str, text: str) -> list[dict]:
    """One message through the REST channel; the bot's messages (HTTP errors are raised)."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        webhook, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def widget_settings(rasa_port: int) -> dict[str, str]:
    """The widget channel's environment for a local run: the caller's, else a secret made for
    this run only (sessions do not survive a restart) and the server's own Origins."""
    origins = f"http://127.0.0.1:{rasa_port},http://localhost:{rasa_port}"
    settings = {
        SECRET_ENV: os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32),
        ORIGINS_ENV: os.environ.get(ORIGINS_ENV) or origins,
    }
    if not os.environ.get(SECRET_ENV):
        logger.warning(
            "%s is not set: a random secret was generated for this run; widget "
            "conversations will not be resumed after a restart",
            SECRET_ENV,
        )
    return settings


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["SANIC_HOST"] = "127.0.0.1"
    env.update(extra or {})
    return env


def wait_until_up(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    """Polls `url` until it answers 200; fails early if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s")


def start_action_server(port: int, log: Path) -> subprocess.Popen:
    command = [RASA, "run", "actions", "--actions", "actions", "--port", str(port)]
    return _spawn(command, log)


def start_rasa_server(
    port: int,
    log: Path,
    model: Path = DEFAULT_MODEL,
    endpoints: Path = PROJECT / "endpoints.yml",
    credentials: Path = PROJECT / "credentials.yml",
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    api_token: str | None = None,
) -> subprocess.Popen:
    """`rasa run` through scripts/rasa_server.py: the HTTP API (with `api_token`, else none)
    without the token on the command line, and owner-only files."""
    command = [
        sys.executable, "-m", "scripts.rasa_server",
        "--model", str(model),
        "--endpoints", str(endpoints),
        "--credentials", str(credentials),
        "--interface", "127.0.0.1",
        "--port", str(port),
        *extra_args,
    ]  # fmt: skip
    # The caller's own SANIC_REQUEST_MAX_SIZE wins. The default goes to Rasa only, not to the
    # action server, which receives whole trackers.
    max_size = {REQUEST_MAX_SIZE_ENV: os.environ.get(REQUEST_MAX_SIZE_ENV) or str(REQUEST_MAX_SIZE)}
    token = {API_TOKEN_ENV: api_token or ""}  # empty: no HTTP API, whatever the caller's env
    return _spawn(command, log, {**max_size, **(env or {}), **token})


def private_directory(path: Path) -> Path:
    """A directory only its owner can enter (transcripts and logs are health data)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _private_files() -> None:
    os.umask(0o077)  # in the child: every file it creates is its owner's only


def _spawn(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    private_directory(log.parent)
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "ab") as log_file:
        return subprocess.Popen(
            command,
            cwd=PROJECT,
            env=_env(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_private_files,
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_stack(
    rasa_port: int,
    action_port: int,
    log_dir: Path,
    endpoints: Path | None = None,
    api_token: str | None = None,
    with_actions: bool = True,
    model: Path = DEFAULT_MODEL,
    widget: dict[str, str] | None = None,
    rasa_env: dict[str, str] | None = None,
    rasa_args: tuple[str, ...] = (),
) -> Iterator[Stack]:
    """Runs the action server (unless `with_actions` is False) and Rasa until the block exits.

    `widget` is the socket.io channel's environment (default: widget_settings()),
    `rasa_env` more environment variables for Rasa (e.g. WhatsApp settings), `rasa_args`
    command-line options (e.g. --debug).
    """
    widget = widget or widget_settings(rasa_port)
    stack = Stack(
        f"http://127.0.0.1:{rasa_port}",
        f"http://127.0.0.1:{action_port}",
        api_token,
        widget_secret=widget[SECRET_ENV],
        allowed_origins=tuple(widget[ORIGINS_ENV].split(",")),
    )
    actions = start_action_server(action_port, log_dir / "actions.log") if with_actions else None
    rasa = None
    try:
        if actions is not None:
            wait_until_up(f"{stack.action_url}/health", actions, STARTUP_TIMEOUT_S)
        rasa = start_rasa_server(
            rasa_port,
            log_dir / "rasa.log",
            model=model,
            endpoints=endpoints or PROJECT / "endpoints.yml",
            extra_args=rasa_args,
            env={**widget, **(rasa_env or {})},
            api_token=api_token,
        )
        wait_until_up(f"{stack.rasa_url}/", rasa, STARTUP_TIMEOUT_S)
        yield stack
    finally:
        for process in (rasa, actions):
            if process is not None:
                stop(process)


def console_settings(stack: Stack, tracker_db: Path, console_db: Path) -> dict[str, str]:
    """The staff console's environment for a local run next to `stack` (plain http on
    loopback, hence cookies without the Secure flag)."""
    if not stack.api_token:
        raise ValueError("the console needs Rasa's HTTP API, hence a stack with an api_token")
    secret = os.environ.get(CONSOLE_SECRET_ENV)
    if not secret:
        secret = secrets.token_urlsafe(48)
        logger.warning("%s is not set: console sign-ins end with this run", CONSOLE_SECRET_ENV)
    return {
        CONSOLE_SECRET_ENV: secret,
        "CONSOLE_SECURE_COOKIES": "false",
        "CONSOLE_DATABASE_URL": f"sqlite:///{console_db}",
        "TRACKER_DATABASE_URL": f"sqlite:///{tracker_db}",
        "RASA_URL": stack.rasa_url,
        "RASA_API_TOKEN": stack.api_token,
    }


def console_command(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """`python -m console <args>` with the console's environment; returns what it printed."""
    result = subprocess.run(
        [sys.executable, "-m", "console", *args],
        cwd=PROJECT,
        env=_env(env),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_private_files,
    )
    if result.returncode != 0:
        raise RuntimeError(f"console {args[0]} failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


@contextlib.contextmanager
def running_console(port: int, log: Path, env: dict[str, str]) -> Iterator[str]:
    """Migrates the console's database and serves the console (gunicorn) until the block exits."""
    console_command(env, "migrate", "--no-input")
    url = f"http://127.0.0.1:{port}"
    command = [GUNICORN, "console.wsgi", "--config", "console/gunicorn.conf.py",
               "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    server = _spawn(command, log, env)
    try:
        wait_until_up(f"{url}/connexion/", server, STARTUP_TIMEOUT_S)
        yield url
    finally:
        stop(server)
