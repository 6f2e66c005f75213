"""Runs evaluation cases through the trained assistant, in this process.

The whole assistant answers, not only its NLU: the pipeline (classifier, FAQ gate, red-flag
layer), the policies (rules, the handoff policy) and the responses, turn after turn, with the
text cleaned as every channel cleans it. Custom actions are not run (no action server): for
« Vouliez-vous dire » the buttons are computed from the parse data as action_clarify does.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from actions.clarify import closest_faq_entries
from channels.user_text import clean_user_text
from evaluation.outcomes import Turn

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PROJECT / "models" / "assistant.tar.gz"
FAQ_RESPONSE_PREFIX = "utter_faq/"


def quiet_rasa() -> None:
    """Custom actions fail here by design (no action server): keep their errors, and Rasa's
    structured debug lines, out of sight."""
    import structlog

    for name in ("rasa", "rasa.core.processor", "rasa.core.actions.action", "root"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))


async def load(model: Path = DEFAULT_MODEL) -> Any:
    """The assistant as scripts/rasa_server.py serves it (no TensorFlow), without channels."""
    from scripts.rasa_cli import (
        defer_tensorflow,
        run_graph_in_order,
        serve_without_training_graph,
    )

    defer_tensorflow()
    serve_without_training_graph()
    run_graph_in_order()
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT / "endpoints.yml"))
    endpoints = AvailableEndpoints(nlg=endpoints.nlg)  # no action server, in-memory trackers
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    quiet_rasa()
    return agent


def last_turn(events: list[Any], domain: dict[str, Any]) -> Turn:
    """The outcome of the events after the last user message."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    start = max(i for i, event in enumerate(events) if isinstance(event, UserUttered))
    user = events[start]
    responses, actions = [], []
    answer = None
    for event in events[start + 1 :]:
        if isinstance(event, ActionExecuted):
            actions.append(event.action_name)
        elif isinstance(event, BotUttered):
            name = (event.metadata or {}).get("utter_action") or ""
            responses.append(name)
            if name.startswith(FAQ_RESPONSE_PREFIX):
                answer = name.removeprefix(FAQ_RESPONSE_PREFIX)
    suggestions: tuple[str, ...] = ()
    if "action_clarify" in actions:
        entries = closest_faq_entries(user.parse_data, domain)
        suggestions = tuple(entry.slug for entry in entries)
    return Turn(tuple(responses), tuple(actions), answer, suggestions)


async def converse(agent: Any, turns: Iterable[str], domain: dict[str, Any]) -> Turn:
    """Sends the turns of one case in a new conversation; the outcome of the last one."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    sender = f"eval-{uuid.uuid4().hex}"
    for text in turns:
        message = UserMessage(clean_user_text(text) or "?", CollectingOutputChannel(), sender)
        await agent.handle_message(message)
    tracker = await agent.tracker_store.retrieve(sender)
    return last_turn(list(tracker.events), domain)


async def outcomes(agent: Any, cases: list[list[str]]) -> list[Turn]:
    domain = agent.domain.as_dict()
    return [await converse(agent, turns, domain) for turns in cases]
