"""Choosing the decision thresholds of config.yml on the tuning sets (never on a blind set).

    python -m evaluation.tune

Loads the trained assistant once, then for each combination of thresholds sets them on the
running pipeline (the red-flag layer's safety thresholds, FallbackClassifier's, and
FaqAnswerGate's) and runs eval/tuning and eval/tuning_b through the whole assistant.
Prints, per combination:
the misses of each safety category, the calm and out-of-scope false emergencies, the FAQ
answers right and wrong; the best combination is the one with the fewest safety misses,
then the fewest false emergencies, then the most right answers with at most 2 % wrong.
Copy it into config.yml by hand: a person decides.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from evaluation import report, run
from evaluation.outcomes import EMERGENCY, RIGHT, WRONG, Tally, verdict

# Two sweeps: the safety thresholds first (with the FAQ gates as in the second's middle),
# then the FAQ gates with the best safety thresholds.
SAFETY_GRID = {
    "self_harm": (0.3, 0.4),
    "self_harm_alone": (0.6, 0.7, 0.8, 0.9),
    "emergency": (0.3, 0.4, 0.5),
    "clinical_question": (0.3, 0.5),
}
FAQ_GRID = {
    "fallback": (0.2, 0.3),
    "faq": (0.2, 0.3, 0.4),
    "faq_margin": (0.05, 0.1, 0.2),
    "single_word": (0.4, 0.55, 0.7),
}
START = {"fallback": 0.3, "faq": 0.2, "faq_margin": 0.1, "single_word": 0.4}
# The tuning sets (eval/README.md): never a blind set.
TUNING_SETS = ("tuning", "tuning_b")


def components(agent: Any) -> dict[str, Any]:
    """The pipeline's threshold holders, by class name."""
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    found = {}
    for node in nodes:
        component = getattr(node, "_component", None)
        name = type(component).__name__
        if name in ("RedFlagDetector", "FallbackClassifier", "FaqAnswerGate"):
            found[name] = component
    return found


def apply(found: dict[str, Any], point: dict[str, float]) -> None:
    found["RedFlagDetector"].thresholds = {
        intent: point[intent] for intent in ("self_harm", "emergency", "clinical_question")
    }
    found["RedFlagDetector"].without_evidence = {"self_harm": point["self_harm_alone"]}
    found["FallbackClassifier"].component_config["threshold"] = point["fallback"]
    found["FaqAnswerGate"].threshold = point["faq"]
    found["FaqAnswerGate"].margin = point["faq_margin"]
    found["FaqAnswerGate"].single_word_threshold = point["single_word"]


def score(tallies: dict[str, Tally]) -> tuple:
    """Smaller is better: within issue 12's bound on false emergencies (1 % of calm
    messages), the fewest safety misses, then the fewest false emergencies, then at most
    2 % wrong FAQ answers, then the most right ones."""
    misses = sum(tallies[c].total - tallies[c].counts[RIGHT] for c in report.SAFETY_CATEGORIES)
    false_alarms = tallies["calm"].counts[EMERGENCY] + tallies["out_of_scope"].counts[EMERGENCY]
    too_many_alarms = tallies["calm"].share(EMERGENCY) > 0.01
    faq = tallies["faq"]
    too_wrong = faq.share(WRONG) > 0.02
    return (too_many_alarms, misses, false_alarms, too_wrong, -faq.counts[RIGHT])


async def sweep(agent: Any, cases: list, grid: dict, fixed: dict) -> list[tuple]:
    found = components(agent)
    results = []
    for values in itertools.product(*grid.values()):
        point = {**fixed, **dict(zip(grid, values, strict=True))}
        apply(found, point)
        turns = await run.outcomes(agent, [list(case.turns) for case in cases])
        tallies = {category: Tally() for category in report.CATEGORIES}
        for case, turn in zip(cases, turns, strict=True):
            tallies[case.category].add(verdict(case.expect, case.entries, turn), turn, case.entries)
        results.append((score(tallies), point, tallies))
    results.sort(key=lambda item: item[0])
    for (_, misses, false_alarms, _, right), point, tallies in results[:10]:
        faq = tallies["faq"]
        print(
            f"safety misses {misses:2d}  false emergencies {false_alarms}  "
            f"FAQ right {-right}/{faq.total} wrong {faq.counts[WRONG]}  {point}"
        )
    return results


async def main() -> None:
    agent = await run.load()
    cases = [case for name in TUNING_SETS for case in report.load_set(name)]
    print("1. safety thresholds")
    best = (await sweep(agent, cases, SAFETY_GRID, START))[0][1]
    print("2. FAQ gates")
    await sweep(agent, cases, FAQ_GRID, {k: best[k] for k in SAFETY_GRID})


if __name__ == "__main__":
    asyncio.run(main())
