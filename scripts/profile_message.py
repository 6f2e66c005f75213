"""Where one message's time goes (docs/benchmark.md): cProfile over the NLU and dialogue
of 200 messages in one process, grouped by pipeline component.

    .venv/bin/python -m scripts.profile_message
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import pstats
import time
from pathlib import Path

from devstack.stack import DEFAULT_MODEL, PROJECT

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

MESSAGES = 200
TOP = 20


def questions() -> list[str]:
    import yaml

    texts: list[str] = []
    for path in sorted((PROJECT / "tests" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            texts += [line[2:].strip() for line in block["examples"].splitlines() if line]
    return texts


async def run(agent, texts: list[str]) -> float:
    started = time.perf_counter()
    for number, text in enumerate(texts):
        await agent.handle_text(text, sender_id=f"profile-{number}")
    return time.perf_counter() - started


async def parse_only(agent, texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        await agent.parse_message(text)
    return time.perf_counter() - started


def main() -> None:
    from scripts.rasa_cli import (
        defer_tensorflow,
        run_graph_in_order,
        serve_without_training_graph,
    )

    defer_tensorflow()  # as scripts/rasa_server.py serves
    serve_without_training_graph()
    run_graph_in_order()
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.core.utils import AvailableEndpoints

    # The project's NLG (organisation placeholders) as `rasa run` uses it; no action server:
    # custom actions fail fast, which leaves their (small) cost out.
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT / "endpoints.yml"))
    store = SQLTrackerStore(dialect="sqlite", db=str(PROJECT / "results" / "profile.db"))
    agent = Agent.load(str(DEFAULT_MODEL), generator=endpoints.nlg, tracker_store=store)
    texts = (questions() * 3)[:MESSAGES]
    asyncio.run(run(agent, texts[:20]))  # warm-up
    nlu_ms = 1000 * asyncio.run(parse_only(agent, texts)) / len(texts)
    profiler = cProfile.Profile()
    profiler.enable()
    whole_ms = 1000 * asyncio.run(run(agent, texts)) / len(texts)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    slowest = sorted(stats.stats.items(), key=lambda item: -item[1][3])[:TOP]  # type: ignore[attr-defined]  # pstats keeps its table undeclared
    top = [
        {"function": f"{Path(path).name}:{line} {name}", "ms": round(1000 * v[3] / len(texts), 1)}
        for (path, line, name), v in slowest
    ]
    result = {
        "messages": len(texts),
        "whole_message_ms": round(whole_ms, 1),
        "nlu_only_ms": round(nlu_ms, 1),
        "top_cumulative_ms_per_message": top,
    }
    out = PROJECT / "results" / "bench" / "message_profile.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
