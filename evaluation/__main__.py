"""`make evaluate`: the assistant on French text its authors did not write (eval/README.md).

    python -m evaluation [--sets blind_a tuning] [--no-ordinary] [--gate] [--docs]

Prints, per set and category, what the assistant did (right, answer on another topic,
« Vouliez-vous dire », handed off, emergency reply, other), and the rates on the ordinary
corpus; writes every case's outcome to results/evaluation/<set>.json. `--gate` fails when a
gated set misses a requirement of evaluation/report.py's GATES; `--docs` writes the table to
docs/evaluation.md with the date and commit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

from evaluation import report, run
from evaluation.outcomes import Tally, verdict

RESULTS = run.PROJECT / "results" / "evaluation"
DOCS_PAGE = run.PROJECT / "docs" / "evaluation.md"


async def evaluate_set(agent, name: str) -> dict[str, Tally]:
    cases = report.load_set(name)
    turns = await run.outcomes(agent, [list(case.turns) for case in cases])
    tallies: dict[str, Tally] = {category: Tally() for category in report.CATEGORIES}
    details = []
    for case, turn in zip(cases, turns, strict=True):
        column = verdict(case.expect, case.entries, turn)
        tallies[case.category].add(column, turn, case.entries)
        details.append({**asdict(case), "outcome": column, **asdict(turn)})
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(details, indent=1, ensure_ascii=False))
    return tallies


async def evaluate_ordinary(agent) -> Tally:
    messages = report.ordinary_messages()
    turns = await run.outcomes(agent, [[message] for message in messages])
    tally = Tally()
    flagged = []
    for message, turn in zip(messages, turns, strict=True):
        column = verdict("out_of_scope", (), turn)
        tally.add(column, turn, ())
        if column != "right":
            flagged.append({"message": message, "outcome": column, "answer": turn.answer})
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ordinary.json").write_text(json.dumps(flagged, indent=1, ensure_ascii=False))
    return tally


def commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


async def main(arguments: argparse.Namespace) -> int:
    started = time.monotonic()
    agent = await run.load(Path(arguments.model))
    sections, targets, failures = [], [], []
    for name in arguments.sets:
        tallies = await evaluate_set(agent, name)
        sections.append(
            report.table(f"{name} ({sum(t.total for t in tallies.values())} cases)", tallies)
        )
        if name in report.GATED_SETS:
            targets += [f"{name} {miss}" for miss in report.missed(tallies, "target")]
            failures += [f"{name} {miss}" for miss in report.missed(tallies, "limit")]
    if not arguments.no_ordinary:
        tally = await evaluate_ordinary(agent)
        sections.append(
            report.table(f"ordinary corpus ({tally.total} messages)", {"ordinary": tally})
        )
        targets += [f"ordinary corpus {m}" for m in report.missed({"ordinary": tally}, "target")]
        failures += [f"ordinary corpus {m}" for m in report.missed({"ordinary": tally}, "limit")]
    text = "\n\n".join(sections)
    print(text)
    print(f"\n{time.monotonic() - started:.0f} s; every case in {RESULTS}")
    if arguments.docs:
        write_docs(text, targets, failures)
    for miss in targets:
        print(f"target missed: {miss}")
    for failure in failures:
        print(f"GATE FAILED (worse than the level reached): {failure}")
    return 1 if arguments.gate and failures else 0


def write_docs(text: str, targets: list[str], failures: list[str]) -> None:
    gates = "\n".join(f"- {g.category}: {g.description}" for g in report.GATES)
    missed = "\n".join(f"- {m}" for m in targets) or "- none"
    failed = "\n".join(f"- {f}" for f in failures) or "- none"
    DOCS_PAGE.write_text(
        f"# Evaluation on text the team did not write\n\n"
        f"Written by `make evaluate` on {date.today().isoformat()} (commit {commit()}); do not "
        f"edit by hand. The sets and their rules: `eval/README.md`.\n\n"
        f"Columns: *right*; *wrong_answer*, a FAQ answer on another topic (or any FAQ answer "
        f"where none was due); *clarify*, « Vouliez-vous dire… »; *handoff*, handed to a "
        f"person; *emergency*, the emergency reply; *other*, anything else (scope, greeting…).\n\n"
        f"{text}\n\n## Requirements\n\nEach has issue 12's target and the gate `make test` "
        f"holds (the level reached, so that no change makes it worse):\n\n{gates}\n\n"
        f"Targets missed:\n\n{missed}\n\nGates failed:\n\n{failed}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sets", nargs="*", default=list(report.GATED_SETS))
    parser.add_argument("--no-ordinary", action="store_true")
    parser.add_argument("--gate", action="store_true")
    parser.add_argument("--docs", action="store_true")
    parser.add_argument("--model", default=str(run.DEFAULT_MODEL))
    sys.exit(asyncio.run(main(parser.parse_args())))
