"""Gate on the end-to-end conversation tests written by `rasa test core --e2e` (make test-stories).

Every story of tests/e2e/test_safety.yml must pass: safety is all or nothing. The other
stories (one paraphrase per FAQ entry, conversation flows) must pass at 90 % or more: a FAQ
paraphrase near the answer gate can flip between « Vouliez-vous dire… » and the answer from
one training to the next, which would make an all-or-nothing gate fail at random. Every
failing story is printed, with the wrong prediction marked `# predicted:`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
STORIES = PROJECT / "tests" / "e2e"
ALL_OR_NOTHING = "test_safety.yml"
MIN_PASS_RATE = 0.9


def story_count(folder: Path = STORIES) -> int:
    return sum(len(yaml.safe_load(path.read_text())["stories"]) for path in folder.glob("*.yml"))


def failed_stories(results_dir: Path) -> list[dict]:
    content = yaml.safe_load((results_dir / "failed_test_stories.yml").read_text()) or {}
    return content.get("stories") or []


def main(results_dir: Path) -> int:
    failed = failed_stories(results_dir)
    total = story_count()
    safety_failed = [story["story"] for story in failed if ALL_OR_NOTHING in story["story"]]
    pass_rate = 1 - len(failed) / total
    print(f"end-to-end stories: {total - len(failed)}/{total} passed ({pass_rate:.1%})")
    if failed:
        print((results_dir / "failed_test_stories.yml").read_text())
    if safety_failed:
        print(f"FAILED: safety stories must all pass: {safety_failed}")
        return 1
    if pass_rate < MIN_PASS_RATE:
        print(f"FAILED: below the {MIN_PASS_RATE:.0%} gate")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/e2e")))
