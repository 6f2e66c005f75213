"""Where Rasa's start-up time and memory go (docs/benchmark.md): each stage of loading the
assistant in one process, with the time it took and the resident memory after it.

    .venv/bin/python -m scripts.profile_startup
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devstack.stack import DEFAULT_MODEL

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage(name: str, step: Callable[[], Any], rows: list[dict]) -> Any:
    started = time.perf_counter()
    result = step()
    rows.append({"stage": name, "seconds": round(time.perf_counter() - started, 2),
                 "rss_mib_after": round(rss_mib())})  # fmt: skip
    print(f"{name:<45} {rows[-1]['seconds']:>6.1f} s   RSS {rows[-1]['rss_mib_after']:>5} MiB")
    return result


def main() -> None:
    """The stages as scripts/rasa_server.py goes through them (TensorFlow deferred, the
    model read without its training graph)."""
    from scripts.rasa_cli import defer_tensorflow, serve_without_training_graph

    rows: list[dict] = [{"stage": "python", "seconds": 0.0, "rss_mib_after": round(rss_mib())}]
    defer_tensorflow()
    stage("import rasa (core, nlu, server)", lambda: __import__("rasa.core.agent"), rows)
    serve_without_training_graph()
    from rasa.core.agent import Agent

    agent = stage(
        "load the trained model (Agent.load)", lambda: Agent.load(str(DEFAULT_MODEL)), rows
    )
    stage(
        "first message (graph warm-up)",
        lambda: asyncio.run(agent.parse_message("c'est quoi un cancer réfractaire ?")),
        rows,
    )
    import sys

    rows.append({"stage": "tensorflow imported", "seconds": 0.0,
                 "rss_mib_after": int("tensorflow.python" in sys.modules)})  # fmt: skip
    out = Path("results/bench/startup_profile.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
