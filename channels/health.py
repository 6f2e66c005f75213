"""GET /webhooks/health/: can this instance handle a message now? For the load balancer,
the orchestrator and monitoring.

200 when the model is loaded and the tracker store and lock store answer; 503 otherwise,
naming what failed, with an ERROR log line (the tracker store itself refuses Rasa's silent
memory fallback: stores/tracker_store.py).
`refused` counts, per channel and reason, the messages and sessions this process refused
since it started (channels/flow_control.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.flow_control import REFUSED

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 3.0


def _sql_ping(store: SQLTrackerStore) -> None:
    with store.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def probe(store: Any) -> Callable[[], None] | None:
    """The blocking check of a tracker store (any SQL one) or lock store (one with `ping`);
    None for in-memory ones."""
    if isinstance(store, FailSafeTrackerStore):
        store = store._tracker_store
    if hasattr(store, "ping"):
        return store.ping
    if isinstance(store, SQLTrackerStore):
        return lambda: _sql_ping(store)
    return None


async def answers(check: Callable[[], None] | None) -> bool:
    if check is None:
        return True
    try:
        await asyncio.wait_for(asyncio.to_thread(check), CHECK_TIMEOUT_S)
    except Exception as error:  # any failure of the store is "not healthy"
        logger.error("health check failed: %s", type(error).__name__)
        return False
    return True


class HealthInput(InputChannel):
    """Health route (credentials.yml: channels.health.HealthInput)."""

    @classmethod
    def name(cls) -> str:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("health_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "starting", "model": False}, status=503)
            checks = {
                "tracker_store": await answers(probe(agent.tracker_store)),
                "lock_store": await answers(probe(agent.lock_store)),
            }
            healthy = all(checks.values())
            status = "ok" if healthy else "unavailable"
            body = {"status": status, "model": True, **checks, "refused": REFUSED.as_dict()}
            return response.json(body, status=200 if healthy else 503)

        return bp
