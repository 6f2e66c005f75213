"""Two Rasa instances over one PostgreSQL tracker store and one Redis lock store, as in
production (endpoints.prod.yml), on loopback, for the consistency and fault tests and the
benchmark's whole-machine runs.

PostgreSQL is the machine's server (a fresh database per run, dropped afterwards); Redis is a
private `redis-server` on a free port, so a test can stop and restart it.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from devstack.stack import (
    ORIGINS_ENV,
    PROJECT,
    SECRET_ENV,
    STARTUP_TIMEOUT_S,
    Stack,
    start_action_server,
    start_rasa_server,
    stop,
    wait_until_up,
    widget_settings,
)
from tests.console_support import POSTGRES_URL, drop_postgres_database


def create_postgres_database() -> str:
    name = f"rasa_cluster_{secrets.token_hex(4)}"
    engine = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name


def postgres(sql: str) -> None:
    """Runs one administrative statement on the PostgreSQL server."""
    engine = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(sql))
    engine.dispose()


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing (Debian package redis-server)")
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@dataclass
class Cluster:
    instances: list[Stack]
    processes: list[subprocess.Popen]
    database: str
    redis: RedisServer
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def health(self, index: int) -> tuple[int, dict]:
        url = f"{self.instances[index].rasa_url}/webhooks/health/"
        try:
            with urllib.request.urlopen(url, timeout=15) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def kill(self, index: int) -> None:
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait()

    def log(self, index: int) -> str:
        return (self.log_dir / f"rasa-{index}.log").read_text(errors="replace")


@contextlib.contextmanager
def running_cluster(
    log_dir: Path, ports: list[int], action_port: int, redis_port: int
) -> Iterator[Cluster]:
    database = create_postgres_database()
    redis = RedisServer(redis_port).start()
    server = sa.engine.make_url(POSTGRES_URL)
    token = secrets.token_urlsafe(24)
    env = {
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "DB_HOST": server.host or "127.0.0.1",
        "DB_PORT": str(server.port or 5432),
        "DB_NAME": database,
        "DB_USER": server.username or "postgres",
        "DB_PASSWORD": server.password or "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
        "REDIS_PASSWORD": "",
        "REDIS_DB": "0",
        **widget_settings(ports[0]),
        # Both instances accept the widget page of the first one.
    }
    actions = start_action_server(action_port, log_dir / "actions.log")
    processes: list[subprocess.Popen] = []
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, STARTUP_TIMEOUT_S)
        for index, port in enumerate(ports):
            processes.append(
                start_rasa_server(
                    port,
                    log_dir / f"rasa-{index}.log",
                    endpoints=PROJECT / "endpoints.prod.yml",
                    api_token=token,
                    env=env,
                )
            )
        for port, process in zip(ports, processes, strict=True):
            wait_until_up(f"http://127.0.0.1:{port}/webhooks/health/", process, STARTUP_TIMEOUT_S)
        instances = [
            Stack(
                f"http://127.0.0.1:{port}",
                f"http://127.0.0.1:{action_port}",
                token,
                widget_secret=env[SECRET_ENV],
                allowed_origins=tuple(env[ORIGINS_ENV].split(",")),
            )
            for port in ports
        ]
        yield Cluster(instances, processes, database, redis, log_dir, env)
    finally:
        for process in [*processes, actions]:
            stop(process)
        redis.stop()
        drop_postgres_database(database)
