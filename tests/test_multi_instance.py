"""Two Rasa instances on one PostgreSQL tracker store and one Redis lock store
(endpoints.prod.yml): one transcript per conversation whatever instance answers, each message
handled once, nothing accepted is lost, and database or Redis failures are loud, then healed."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devstack.cluster import Cluster, postgres, running_cluster
from devstack.stack import Stack, free_port
from tests.chat import say
from tests.conftest import require_model
from tests.widget_client import WidgetClient, post_events

QUESTIONS = [
    "c'est quoi un cancer réfractaire ?",
    "Les métastases peuvent-elles disparaître ?",
    "qu'est-ce qu'un traitement de rattrapage ?",
    "Pourquoi demander un deuxième avis ?",
    "Que fait un oncologue médical ?",
    "Comment se passe un deuxième avis ?",
    "un cancer peut-il devenir résistant aux traitements ?",
    "C'est quoi une métastase ?",
    "un oncologue médical, il fait quoi ?",
    "quel est le rôle de l'oncologue ?",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    require_model()
    log_dir: Path = tmp_path_factory.mktemp("cluster")
    ports = [free_port(), free_port()]
    with running_cluster(log_dir, ports, free_port(), free_port()) as running:
        yield running


def sender() -> str:
    return f"patient-{uuid.uuid4().hex[:10]}"


def post(stack: Stack, sender_id: str, text: str) -> tuple[int, list[dict]]:
    """Status and body of one REST message (errors included, not raised)."""
    try:
        return 200, say(stack, sender_id, text)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null") or []


def user_texts(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["event"] == "user"]


def turns(events: list[dict]) -> list[tuple[str, int]]:
    """Each user message with the number of bot messages that followed it."""
    result: list[tuple[str, int]] = []
    for event in events:
        if event["event"] == "user":
            result.append((event["text"], 0))
        elif event["event"] == "bot" and result:
            text, bots = result[-1]
            result[-1] = (text, bots + 1)
    return result


def test_both_instances_are_healthy(cluster: Cluster):
    for index in (0, 1):
        status, body = cluster.health(index)
        assert status == 200 and body["tracker_store"] and body["lock_store"]


def test_alternating_instances_keep_one_ordered_transcript(cluster: Cluster):
    patient = sender()
    for number, question in enumerate(QUESTIONS[:6]):
        assert say(cluster.instances[number % 2], patient, question)
    events = cluster.instances[0].tracker_events(patient)
    assert user_texts(events) == QUESTIONS[:6]
    assert all(bots >= 1 for _, bots in turns(events))
    assert cluster.instances[1].tracker_events(patient) == events


def test_ten_simultaneous_messages_of_one_conversation_are_each_handled_once(cluster: Cluster):
    patient = sender()
    start = threading.Barrier(len(QUESTIONS))

    def send(number: int) -> list[dict]:
        start.wait()
        return say(cluster.instances[number % 2], patient, QUESTIONS[number])

    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        replies = list(pool.map(send, range(len(QUESTIONS))))
    assert all(replies), "every message got its reply"
    events = cluster.instances[0].tracker_events(patient)
    assert sorted(user_texts(events)) == sorted(QUESTIONS)
    assert all(bots >= 1 for _, bots in turns(events)), "each message answered in its turn"
    ids = [(e["event"], e.get("timestamp"), e.get("text")) for e in events]
    assert len(ids) == len(set(ids)), "no event stored twice"


def test_a_staff_reply_through_one_instance_reaches_a_widget_on_the_other(cluster: Cluster):
    async def scenario() -> dict:
        widget = await WidgetClient(cluster.instances[0]).connect()
        try:
            await widget.start()
            assert await widget.say("Bonjour")
            staff = {
                "event": "bot",
                "text": "Bonjour, ici Claire.",
                "metadata": {"author": "staff"},
            }
            await asyncio.to_thread(post_events, cluster.instances[1], widget.session_id, [staff])
            _, message = await widget.next("bot_uttered")
            return message
        finally:
            await widget.close()

    message = asyncio.run(scenario())
    assert message["text"] == "Bonjour, ici Claire." and message["author"] == "staff"


def test_a_dropped_database_connection_is_survived(cluster: Cluster):
    patient = sender()
    assert say(cluster.instances[0], patient, QUESTIONS[0])
    # What a PostgreSQL restart does to the instances' pooled connections.
    postgres(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{cluster.database}' AND pid <> pg_backend_pid()"
    )
    for index in (0, 1):
        assert say(cluster.instances[index], patient, QUESTIONS[index + 1])
    assert user_texts(cluster.instances[1].tracker_events(patient)) == QUESTIONS[:3]


def test_a_database_outage_is_loud_and_heals(cluster: Cluster):
    patient = sender()
    postgres(f'ALTER DATABASE "{cluster.database}" ALLOW_CONNECTIONS false')
    postgres(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{cluster.database}' AND pid <> pg_backend_pid()"
    )
    try:
        status, body = cluster.health(0)
        assert status == 503 and body["tracker_store"] is False
        status, _ = post(cluster.instances[0], patient, QUESTIONS[0])
        assert status >= 500, "the message is refused, not answered from memory"
        assert "ERROR" in cluster.log(0)
    finally:
        postgres(f'ALTER DATABASE "{cluster.database}" ALLOW_CONNECTIONS true')
    assert cluster.health(0)[0] == 200
    assert say(cluster.instances[0], patient, QUESTIONS[1])
    assert user_texts(cluster.instances[0].tracker_events(patient)) == [QUESTIONS[1]]


def test_redis_down_is_a_clear_error_then_recovers(cluster: Cluster):
    patient = sender()
    cluster.redis.stop()
    try:
        status, body = cluster.health(1)
        assert status == 503 and body["lock_store"] is False
        status, _ = post(cluster.instances[1], patient, QUESTIONS[0])
        assert status >= 500
    finally:
        cluster.redis.start()
    assert cluster.health(1)[0] == 200
    assert say(cluster.instances[1], patient, QUESTIONS[2])


def test_killing_an_instance_mid_load_loses_no_accepted_message(cluster: Cluster):
    """Last: it leaves one instance dead."""
    patients = [sender() for _ in range(12)]
    accepted: list[tuple[str, str]] = []
    lock = threading.Lock()

    def conversation(number: int) -> None:
        patient = patients[number]
        for turn in range(3):
            question = QUESTIONS[(number + turn) % len(QUESTIONS)]
            status, replies = post(cluster.instances[(number + turn) % 2], patient, question)
            if status == 200 and replies:
                with lock:
                    accepted.append((patient, question))

    def safe(number: int) -> None:
        try:
            conversation(number)
        except OSError:  # the killed instance refuses or drops the connection
            pass

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(safe, n) for n in range(len(patients))]
        while sum(f.done() for f in futures) < 3:
            time.sleep(0.05)
        cluster.kill(1)
    assert len(accepted) >= 3
    survivor = cluster.instances[0]
    for patient, question in accepted:
        assert question in user_texts(survivor.tracker_events(patient))
