"""`make run-prod`: the production layout on this machine (docs/production.md).

Two Rasa instances (loopback ports) with endpoints.prod.yml over the local PostgreSQL
(database rasa_prod_local, created if missing) and Redis, the action server, the staff console,
and Debian's nginx in front of them with deploy/nginx/assistant.conf.template rendered into
var/nginx/. Secrets come from the environment, else are made for this run. Ctrl-C or SIGTERM
stops everything. `--check` runs a few requests through the balancer, then stops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from devstack.stack import (
    CONSOLE_SECRET_ENV,
    DEFAULT_MODEL,
    ORIGINS_ENV,
    PROJECT,
    SECRET_ENV,
    STARTUP_TIMEOUT_S,
    running_console,
    start_action_server,
    start_rasa_server,
    stop,
    wait_until_up,
)

NGINX_TEMPLATE = PROJECT / "deploy" / "nginx" / "assistant.conf.template"
PROD_ENDPOINTS = PROJECT / "endpoints.prod.yml"
LOCAL_DATABASE = "rasa_prod_local"
# Secrets of the production processes (docs/production.md): the caller's, else random.
GENERATED_SECRETS = ("RASA_API_TOKEN", SECRET_ENV, "SENDER_ID_SECRET", CONSOLE_SECRET_ENV)
# Paths the balancer must refuse (Rasa's HTTP API, the REST channel, the health route).
PRIVATE_PATHS = (
    "/conversations/x/tracker",
    "/model",
    "/status",
    "/version",
    "/webhooks/rest/webhook",
    "/webhooks/health/",
    "/",
)
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")

logger = logging.getLogger(__name__)


# --- nginx ---------------------------------------------------------------------------------


def render(template: str, values: dict[str, str]) -> str:
    """Fills the template's ${NAME}s (what the nginx image's envsubst does); every one must
    have a value. nginx's own $variables, written without braces, stay."""
    missing = sorted({name for name in PLACEHOLDER.findall(template) if name not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def main_config(directory: Path) -> str:
    """nginx's main configuration for an unprivileged run from `directory`: pid, logs and
    temporary files there, nothing of /etc/nginx."""
    tmp = directory / "tmp"
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "# Written by devstack/prod.py (make run-prod) on every run.\n"
        "worker_processes 1;\n"
        f"pid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} warn;\n"
        "events {\n    worker_connections 512;\n}\n"
        "http {\n"
        f"{temp_paths}\n"
        "    default_type application/octet-stream;\n"
        f"    include {directory / 'assistant.conf'};\n"
        "}\n"
    )


def write_nginx_config(
    directory: Path,
    rasa_servers: list[str],
    console_upstream: str,
    public_listen: str,
    console_listen: str,
    demo_page: bool = True,
) -> Path:
    """Renders the balancer's configuration into `directory` (plain http, loopback); returns
    the main configuration file."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tmp").mkdir(exist_ok=True)
    values = {
        "LISTEN_PUBLIC": public_listen,
        "PUBLIC_HOST": "127.0.0.1 localhost",
        "LISTEN_CONSOLE": console_listen,
        "CONSOLE_HOST": "127.0.0.1 localhost",
        "CONSOLE_ALLOW": "127.0.0.1",
        "CONSOLE_UPSTREAM": console_upstream,
        "DEMO_PAGE": "on" if demo_page else "off",
    }
    (directory / "assistant.conf").write_text(render(NGINX_TEMPLATE.read_text(), values))
    servers = "".join(f"server {server} max_fails=3 fail_timeout=10s;\n" for server in rasa_servers)
    (directory / "rasa-servers.conf").write_text(servers)
    (directory / "tls.conf").write_text("# plain http on loopback: no TLS\n")
    main = directory / "nginx.conf"
    main.write_text(main_config(directory))
    return main


def nginx_command(main: Path, *extra: str) -> list[str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    directory = main.parent
    return [nginx, "-p", f"{directory}/", "-c", str(main), "-e", str(directory / "error.log"),
            *extra]  # fmt: skip


def start_nginx(main: Path, log: Path) -> subprocess.Popen:
    check = subprocess.run(nginx_command(main, "-t", "-q"), capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refuses {main}: {check.stderr.strip()}")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as log_file:
        return subprocess.Popen(
            nginx_command(main, "-g", "daemon off;"), stdout=log_file, stderr=subprocess.STDOUT
        )


# --- PostgreSQL ----------------------------------------------------------------------------


def ensure_database(name: str, host: str, port: str, user: str, password: str) -> None:
    """Creates the database `name` when the server does not have it yet."""
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(
        dbname="postgres", host=host, port=port, user=user, password=password or None
    )
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Base PostgreSQL {name} créée.")
    finally:
        connection.close()


# --- the processes -------------------------------------------------------------------------


def run_secrets() -> dict[str, str]:
    values = {}
    for name in GENERATED_SECRETS:
        values[name] = os.environ.get(name) or secrets.token_urlsafe(32)
        if not os.environ.get(name):
            logger.warning("%s is not set: a random one was made for this run", name)
    return values


def database_settings() -> dict[str, str]:
    """endpoints.prod.yml's database and lock store: the environment's, else the local
    servers (PostgreSQL with trust authentication, Redis without a password)."""
    return {
        "DB_HOST": os.environ.get("DB_HOST", "127.0.0.1"),
        "DB_PORT": os.environ.get("DB_PORT", "5432"),
        "DB_NAME": os.environ.get("DB_NAME", LOCAL_DATABASE),
        "DB_USER": os.environ.get("DB_USER", "postgres"),
        "DB_PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "REDIS_HOST": os.environ.get("REDIS_HOST", "127.0.0.1"),
        "REDIS_PORT": os.environ.get("REDIS_PORT", "6379"),
        "REDIS_PASSWORD": os.environ.get("REDIS_PASSWORD", ""),
        "REDIS_DB": os.environ.get("REDIS_DB", "5"),
    }


def database_url(db: dict[str, str]) -> str:
    password = f":{db['DB_PASSWORD']}" if db["DB_PASSWORD"] else ""
    return f"postgresql://{db['DB_USER']}{password}@{db['DB_HOST']}:{db['DB_PORT']}/{db['DB_NAME']}"


@contextlib.contextmanager
def running(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    try:
        yield process
    finally:
        stop(process)


class Layout:
    """Addresses of one local production run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.rasa_ports = [args.rasa_base_port + index for index in range(args.instances)]
        self.action_port = args.action_port
        self.console_port = args.console_port
        self.public_url = f"http://127.0.0.1:{args.public_port}"
        self.console_url = f"http://127.0.0.1:{args.console_public_port}"
        self.public_port = args.public_port
        self.console_public_port = args.console_public_port

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]


@contextlib.contextmanager
def running_prod(layout: Layout, endpoints: Path, model: Path) -> Iterator[dict[str, str]]:
    """Starts everything; yields the environment the Rasa instances run with."""
    var = PROJECT / "var"
    logs = var / "logs" / "prod"
    db = database_settings()
    ensure_database(db["DB_NAME"], db["DB_HOST"], db["DB_PORT"], db["DB_USER"], db["DB_PASSWORD"])
    run = run_secrets()
    origins = f"{layout.public_url},http://localhost:{layout.public_port}"
    rasa_env = {
        **db,
        **run,
        "RASA_TELEMETRY_ENABLED": "false",
        "SANIC_PROXIES_COUNT": "1",  # nginx in front: flow limits count the client's address
        "ACTION_SERVER_URL": f"http://127.0.0.1:{layout.action_port}/webhook",
        ORIGINS_ENV: os.environ.get(ORIGINS_ENV) or origins,
        "CONTACTS_DB_URL": database_url(db),
    }
    with contextlib.ExitStack() as stack:
        actions = stack.enter_context(
            running(start_action_server(layout.action_port, logs / "actions.log"))
        )
        wait_until_up(f"http://127.0.0.1:{layout.action_port}/health", actions, STARTUP_TIMEOUT_S)
        instances = [
            stack.enter_context(
                running(
                    start_rasa_server(
                        port,
                        logs / f"rasa-{number}.log",
                        model=model,
                        endpoints=endpoints,
                        api_token=run["RASA_API_TOKEN"],
                        env=rasa_env,
                    )
                )
            )
            for number, port in enumerate(layout.rasa_ports, start=1)
        ]
        for url, process in zip(layout.rasa_urls, instances, strict=True):
            wait_until_up(f"{url}/", process, STARTUP_TIMEOUT_S)
        console_env = {
            CONSOLE_SECRET_ENV: run[CONSOLE_SECRET_ENV],
            "CONSOLE_SECURE_COOKIES": "false",  # plain http on loopback
            "CONSOLE_BEHIND_PROXY": "true",
            "CONSOLE_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CONSOLE_TRUSTED_ORIGINS": (
                f"{layout.console_url},http://localhost:{layout.console_public_port}"
            ),
            "CONSOLE_DATABASE_URL": database_url(db),
            "TRACKER_DATABASE_URL": database_url(db),
            "CONTACTS_DB_URL": database_url(db),
            "SENDER_ID_SECRET": run["SENDER_ID_SECRET"],
            "RASA_URL": layout.rasa_urls[0],
            "RASA_API_TOKEN": run["RASA_API_TOKEN"],
        }
        stack.enter_context(running_console(layout.console_port, logs / "console.log", console_env))
        main = write_nginx_config(
            var / "nginx",
            rasa_servers=[f"127.0.0.1:{port}" for port in layout.rasa_ports],
            console_upstream=f"127.0.0.1:{layout.console_port}",
            public_listen=f"127.0.0.1:{layout.public_port}",
            console_listen=f"127.0.0.1:{layout.console_public_port}",
        )
        nginx = stack.enter_context(running(start_nginx(main, logs / "nginx.log")))
        wait_until_up(f"{layout.public_url}/widget/widget.js", nginx, 60)
        yield rasa_env


# --- checks (--check) ----------------------------------------------------------------------


def status_of(url: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def rest_message(rasa_url: str, text: str) -> tuple[list[dict], float]:
    body = json.dumps({"sender": f"run-prod-{uuid.uuid4().hex[:12]}", "message": text}).encode()
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response), time.monotonic() - started


async def widget_message(public_url: str, text: str) -> tuple[str, float]:
    """One widget conversation through the balancer (socket.io, long-polling as the widget
    starts); returns the first reply and how long it took."""
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", lambda data: replies.put_nowait(data))
    client.on("session_confirm", lambda data: confirmed.put_nowait(data))
    await client.connect(public_url, headers={"Origin": public_url}, transports=["polling"])
    try:
        await client.emit("session_request", {})
        await asyncio.wait_for(confirmed.get(), 60)
        started = time.monotonic()
        await client.emit("user_uttered", {"message": text})
        reply = await asyncio.wait_for(replies.get(), 120)
        return reply.get("text", ""), time.monotonic() - started
    finally:
        await client.disconnect()


def check(layout: Layout) -> bool:
    """A few requests through the balancer and to each instance; prints what it saw."""
    ok = True

    def report(passed: bool, what: str) -> None:
        nonlocal ok
        ok = ok and passed
        print(f"  [{'ok' if passed else 'ÉCHEC'}] {what}")

    for url in layout.rasa_urls:
        messages, seconds = rest_message(url, "Bonjour")
        report(bool(messages), f"REST {url}: {len(messages)} réponse(s) en {seconds:.2f} s")
    reply, seconds = asyncio.run(
        widget_message(layout.public_url, "Qu'est-ce qu'un cancer réfractaire ?")
    )
    report(
        bool(reply), f"widget (socket.io) via nginx: réponse en {seconds:.2f} s : {reply[:60]!r}"
    )
    for path in ("/demo", "/widget/widget.js"):
        code = status_of(layout.public_url + path)
        report(code == 200, f"GET {path} via nginx : {code}")
    for path in PRIVATE_PATHS:
        code = status_of(layout.public_url + path)
        report(code in (403, 404), f"GET {path} via nginx : {code} (refusé)")
    code = status_of(f"{layout.public_url}/webhooks/rest/webhook", b'{"sender":"x","message":"a"}')
    report(code in (403, 404), f"POST /webhooks/rest/webhook via nginx : {code} (refusé)")
    code = status_of(f"{layout.console_url}/connexion/")
    report(code == 200, f"console via nginx : GET /connexion/ {code}")
    return ok


def main() -> None:
    # `kill` or a service manager stops the run like Ctrl-C: the child servers stop with it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--rasa-base-port", type=int, default=5101)
    parser.add_argument("--action-port", type=int, default=5155)
    parser.add_argument("--console-port", type=int, default=8100, help="gunicorn, behind nginx")
    parser.add_argument("--public-port", type=int, default=8080)
    parser.add_argument("--console-public-port", type=int, default=8081)
    parser.add_argument("--endpoints", type=Path, default=PROD_ENDPOINTS)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--check", action="store_true", help="check through nginx, then stop")
    args = parser.parse_args()
    logging.basicConfig(format="%(levelname)s %(message)s")
    layout = Layout(args)
    logs = PROJECT / "var" / "logs" / "prod"
    print(
        f"Démarrage : serveur d'actions, {args.instances} instances de Rasa, console, nginx "
        f"(journaux dans {logs})..."
    )
    started = time.monotonic()
    with running_prod(layout, args.endpoints, args.model):
        print(f"Prêt en {time.monotonic() - started:.0f} s.")
        print(f"Page de démonstration (via nginx) : {layout.public_url}/demo")
        print(f"Console de l'équipe (via nginx) : {layout.console_url}/")
        print(
            "  premier compte : CONSOLE_DATABASE_URL="
            f"{database_url(database_settings())} make account NAME=... ADMIN=1"
        )
        print("Instances de Rasa (API et canal REST, non publics) : " + ", ".join(layout.rasa_urls))
        if args.check:
            passed = check(layout)
            print("Vérifications réussies." if passed else "Des vérifications ont échoué.")
            if not passed:
                sys.exit(1)
            return
        print("Ctrl-C pour arrêter.")
        while True:
            time.sleep(3600)
