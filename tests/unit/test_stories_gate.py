"""The end-to-end gate (scripts/stories_gate.py) on hand-made result folders."""

from __future__ import annotations

from pathlib import Path

import yaml

from scripts.stories_gate import main, story_count


def results_with(tmp_path: Path, failed: list[str]) -> Path:
    stories = [{"story": name, "steps": []} for name in failed]
    content = {"version": "3.1", "stories": stories} if failed else None
    (tmp_path / "failed_test_stories.yml").write_text(yaml.safe_dump(content))
    return tmp_path


def test_all_passing_is_green(tmp_path):
    assert main(results_with(tmp_path, [])) == 0


def test_one_failing_safety_story_is_red(tmp_path):
    assert main(results_with(tmp_path, ["Declining the offer (tests/e2e/test_safety.yml)"])) == 1


def test_faq_failures_are_red_only_beyond_the_rate(tmp_path):
    few = [f"faq {n} (tests/e2e/test_faq_x.yml)" for n in range(2)]
    many = [f"faq {n} (tests/e2e/test_faq_x.yml)" for n in range(story_count() // 10 + 1)]
    assert main(results_with(tmp_path, few)) == 0
    assert main(results_with(tmp_path, many)) == 1
