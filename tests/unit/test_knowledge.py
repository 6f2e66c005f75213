"""The FAQ knowledge: every answer sourced, sized for a lay reader, trained and tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.faq_catalogue import faq_entries
from devstack.stack import PROJECT
from organisation.settings import organisation

MIN_FAQ_ENTRIES = 35
MIN_EXAMPLES_PER_ENTRY = 12
ANSWER_WORDS = (40, 90)
CARE_TEAM_POINTER = "Pour votre situation personnelle, parlez-en avec {care_team}."


def normalise(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.lower()).strip()


def examples(block: str) -> list[str]:
    return [line[2:].strip() for line in block.splitlines() if line.startswith("- ")]


def nlu_examples(folder: Path) -> dict[str, list[str]]:
    by_intent: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.yml")):
        for item in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" in item:
                by_intent.setdefault(item["intent"], []).extend(examples(item["examples"]))
    return by_intent


@pytest.fixture(scope="module")
def entries(domain):
    return faq_entries(domain)


@pytest.fixture(scope="module")
def training():
    return nlu_examples(PROJECT / "data" / "nlu")


def answer_text(domain, slug) -> str:
    return domain["responses"][f"utter_faq/{slug}"][0]["text"].strip()


def test_there_are_enough_faq_entries(entries):
    assert len(entries) >= MIN_FAQ_ENTRIES


def test_every_source_file_exists(sources):
    for source_id, source in sources.items():
        assert (PROJECT / source["file"]).is_file(), source_id
        assert source["title"] and source["topic"], source_id


def test_every_answer_has_a_known_source_and_every_source_is_used(entries, sources):
    used = {entry.source for entry in entries.values()}
    assert used <= set(sources), f"unknown sources: {used - set(sources)}"
    assert set(sources) <= used, f"sources never used: {set(sources) - used}"


def test_every_answer_names_its_source_on_its_last_line(domain, entries, sources):
    for slug, entry in entries.items():
        last_line = answer_text(domain, slug).splitlines()[-1]
        assert last_line == f"Source : « {sources[entry.source]['title']} »", slug


def test_answers_are_sized_for_a_lay_reader(domain, entries):
    low, high = ANSWER_WORDS
    for slug in entries:
        body = answer_text(domain, slug).splitlines()[:-1]
        words = len(" ".join(body).split())
        assert low <= words <= high, f"{slug}: {words} words"


def test_answers_never_speak_for_a_clinic(domain, entries):
    for slug in entries:
        text = answer_text(domain, slug).lower()
        assert not re.search(r"\b(nous|notre|nos)\b", text), slug
        for clinic in ("horg", "hartmann", "ipros", "clairval", "marseille"):
            assert clinic not in text, f"{slug} names {clinic}"


def test_answers_only_use_known_placeholders(domain, entries):
    known = set(domain["slots"]) | set(organisation().as_variables())
    for slug in entries:
        for placeholder in re.findall(r"\{(\w+)\}", answer_text(domain, slug)):
            assert placeholder in known, f"{slug}: unknown placeholder {placeholder}"


def test_most_answers_point_to_the_care_team(domain, entries):
    pointing = [slug for slug in entries if CARE_TEAM_POINTER in answer_text(domain, slug)]
    assert len(pointing) >= 0.8 * len(entries)


def test_every_entry_is_trained_with_varied_examples(entries, training):
    for slug, entry in entries.items():
        found = training.get(f"faq/{slug}", [])
        assert len({normalise(e) for e in found}) >= MIN_EXAMPLES_PER_ENTRY, slug
        assert entry.question in found, f"{slug}: its button question is not a training example"


def test_every_trained_entry_has_an_answer(entries, training):
    trained = {intent.removeprefix("faq/") for intent in training if intent.startswith("faq/")}
    assert trained == set(entries)


def test_button_texts_fit_the_channels(entries):
    for slug, entry in entries.items():
        assert len(entry.question) <= 70 and entry.question.endswith("?"), slug
        assert len(entry.label) <= 24, slug


def load_e2e_stories() -> list[dict]:
    stories = []
    for path in sorted((PROJECT / "tests" / "e2e").glob("*.yml")):
        stories.extend(yaml.safe_load(path.read_text())["stories"])
    return stories


def test_every_entry_has_an_end_to_end_story(entries):
    tested = {
        step["intent"].removeprefix("faq/")
        for story in load_e2e_stories()
        for step in story["steps"]
        if str(step.get("intent", "")).startswith("faq/")
    }
    assert set(entries) <= tested, f"no story for {set(entries) - tested}"


def test_test_paraphrases_are_not_training_examples(training):
    trained = {normalise(e) for found in training.values() for e in found}
    held_out = [e for found in nlu_examples(PROJECT / "tests" / "nlu").values() for e in found]
    story_texts = [
        step["user"] for story in load_e2e_stories() for step in story["steps"] if "user" in step
    ]
    leaked = [text for text in held_out + story_texts if normalise(text) in trained]
    assert not leaked
