"""Custom actions, run in-process against the real domain (no network)."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import ActionClarify
from actions.topics import ActionShowTopic


def tracker(latest_message: dict | None = None, events: list | None = None, slots=None) -> Tracker:
    return Tracker(
        sender_id="test",
        slots=slots or {},
        latest_message=latest_message or {},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def run(action, dispatcher, tracker_, domain):
    return asyncio.run(action.run(dispatcher, tracker_, domain))


def parse_with_ranking(*slugs_and_confidences) -> dict:
    ranking = [
        {"intent_response_key": f"faq/{s}", "confidence": c} for s, c in slugs_and_confidences
    ]
    return {
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "response_selector": {
            "faq": {"ranking": ranking, "response": {"confidence": ranking[0]["confidence"]}}
        },
    }


def user(text="x"):
    return {"event": "user", "text": text}


def action(name):
    return {"event": "action", "name": name}


def test_clarify_offers_the_closest_questions_then_none_of_these(domain):
    message = parse_with_ranking(
        ("metastases_disappear", 0.4),
        ("complete_remission", 0.35),
        ("metastatic_curable", 0.15),
        ("chemotherapy", 0.05),
    )
    dispatcher = CollectingDispatcher()
    run(ActionClarify(), dispatcher, tracker(message, [user()]), domain)
    [sent] = dispatcher.messages
    questions = [b["payload"] for b in sent["buttons"]]
    metadata = domain["responses"]
    assert questions[:3] == [
        metadata[f"utter_faq/{slug}"][0]["metadata"]["question"]
        for slug in ("metastases_disappear", "complete_remission", "metastatic_curable")
    ]
    assert sent["buttons"][-1] == {"title": "Aucune de ces questions", "payload": "/deny"}
    assert sent["text"].startswith("Je ne suis pas sûr")


def test_clarify_without_candidates_shows_the_menu(domain):
    dispatcher = CollectingDispatcher()
    message = parse_with_ranking(("chemotherapy", 0.04))
    run(ActionClarify(), dispatcher, tracker(message, [user()]), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_not_understood", "utter_menu"]


def test_second_miss_in_a_row_says_there_is_no_reliable_answer(domain):
    events = [user("a"), action("action_clarify"), action("action_listen"), user("b")]
    dispatcher = CollectingDispatcher()
    message = parse_with_ranking(("chemotherapy", 0.4))
    run(ActionClarify(), dispatcher, tracker(message, events), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_no_answer"]


def test_a_miss_after_an_answer_is_a_first_miss_again(domain):
    events = [
        user("a"), action("action_clarify"), action("action_listen"),
        user("b"), action("utter_faq"), action("action_listen"), user("c"),
    ]  # fmt: skip
    dispatcher = CollectingDispatcher()
    message = parse_with_ranking(("chemotherapy", 0.4))
    run(ActionClarify(), dispatcher, tracker(message, events), domain)
    assert dispatcher.messages[0]["buttons"][0]["payload"].endswith("?")


def test_topic_lists_every_question_of_its_source(domain):
    dispatcher = CollectingDispatcher()
    run(ActionShowTopic(), dispatcher, tracker(slots={"topic": "metastases"}), domain)
    [sent] = dispatcher.messages
    expected = [
        variants[0]["metadata"]["question"]
        for name, variants in domain["responses"].items()
        if name.startswith("utter_faq/") and variants[0]["metadata"]["source"] == "metastases"
    ]
    assert sent["response"] == "utter_topic_intro"
    assert [b["payload"] for b in sent["buttons"]] == expected and expected
