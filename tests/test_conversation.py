"""Whole conversations with the real assistant: Rasa server + action server over REST."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
import uuid

import pytest

from organisation.settings import organisation
from tests.chat import say, texts, turn


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex}"


def response_text(domain, name: str) -> str:
    return domain["responses"][name][0]["text"]


def test_greeting_gives_the_disclaimer_and_the_topics(stack, sender):
    replies = say(stack, sender, "Bonjour")
    assert "15" in replies[0]["text"] and "112" in replies[0]["text"]
    assert "pas un médecin" in replies[0]["text"]
    assert organisation().name in replies[0]["text"]  # filled by organisation/nlg.py
    assert len(replies[-1]["buttons"]) == 5


def test_a_faq_question_gets_its_sourced_answer(stack, sender):
    answer = texts(say(stack, sender, "c'est quoi exactement un cancer refractaire ?"))
    assert "Source : « Le cancer réfractaire »" in answer
    assert "{" not in answer and organisation().care_team in answer


@pytest.mark.parametrize(
    "message",
    ["quel temps fera-t-il à Lyon demain ?", "tu connais une bonne recette de quiche ?"],
)
def test_out_of_scope_gets_the_scope_never_a_faq_answer(stack, sender, domain, message):
    answer = texts(say(stack, sender, message))
    assert response_text(domain, "utter_out_of_scope") in answer
    assert "Source :" not in answer


def test_another_language_is_told_the_service_is_in_french(stack, sender, domain):
    answer = texts(say(stack, sender, "Hi, could you help me understand my treatment options?"))
    assert response_text(domain, "utter_non_french") in answer


def test_the_assistant_says_it_is_a_bot(stack, sender, domain):
    answer = texts(say(stack, sender, "attends, je parle à un robot là ?"))
    assert response_text(domain, "utter_iamabot").split("{")[0] in answer


def test_unclear_message_asks_then_admits_it_has_no_answer(stack, sender):
    # A bare keyword matches several answers about as well: the assistant must not pick one.
    first = say(stack, sender, "traitement")
    assert "Vouliez-vous dire" in texts(first) and "Source :" not in texts(first)
    assert any(button["payload"] == "/deny" for button in first[-1]["buttons"])
    second = say(stack, sender, "cancer")
    assert "pas de réponse fiable" in texts(second)
    assert {"title": "Parler à quelqu'un", "payload": "/request_human"} in second[-1]["buttons"]


def test_a_suggested_question_answers_when_clicked(stack, sender, domain, sources):
    replies = say(stack, sender, "metastases")
    buttons = [b for m in replies for b in m.get("buttons", []) if b["payload"] != "/deny"]
    assert buttons, "a bare keyword should get suggestions, not an answer"
    clicked = buttons[0]["payload"]
    [source] = [
        variants[0]["metadata"]["source"]
        for name, variants in domain["responses"].items()
        if name.startswith("utter_faq/") and variants[0]["metadata"]["question"] == clicked
    ]
    answer = texts(say(stack, sender, clicked))
    assert f"Source : « {sources[source]['title']} »" in answer


def test_topic_menu_lists_the_questions_of_the_topic(stack, sender, domain):
    replies = say(stack, sender, '/choose_topic{"topic": "second_opinion"}')
    payloads = [b["payload"] for b in replies[-1]["buttons"]]
    second_opinion_questions = [
        variants[0]["metadata"]["question"]
        for name, variants in domain["responses"].items()
        if name.startswith("utter_faq/") and variants[0]["metadata"]["source"] == "second_opinion"
    ]
    assert payloads == second_opinion_questions
    answer = texts(say(stack, sender, payloads[0]))
    assert "Source : « Demander un deuxième avis en oncologie »" in answer


def test_the_conversation_is_kept_in_the_tracker_store(stack, stack_dir, sender):
    say(stack, sender, "Bonjour")
    say(stack, sender, "qu'est-ce qu'une RCP ?")
    with sqlite3.connect(stack_dir / "tracker.db") as db:
        kinds = [
            row[0]
            for row in db.execute(
                "SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,)
            )
        ]
    assert kinds.count("user") == 2 and kinds.count("bot") >= 3


def latest_user_event(stack, sender) -> dict:
    return [e for e in stack.tracker_events(sender) if e["event"] == "user"][-1]


@pytest.mark.parametrize("forged", ["/stop_everything", '/greet{"handoff": null}', "//affirm"])
def test_a_typed_slash_command_cannot_force_an_intent(stack, sender, forged):
    say(stack, sender, forged)
    event = latest_user_event(stack, sender)
    assert not event["text"].startswith("/")
    assert event["parse_data"]["intent"]["name"] != forged.lstrip("/").split("{")[0]


def test_an_issued_button_payload_still_works(stack, sender):
    replies = say(stack, sender, '/choose_topic{"topic": "metastases"}')
    assert latest_user_event(stack, sender)["parse_data"]["intent"]["name"] == "choose_topic"
    assert replies[-1]["buttons"]


def test_a_handoff_outlives_a_new_session(stack, sender):
    say(stack, sender, "je voudrais parler à une infirmière")
    execute = urllib.request.Request(
        f"{stack.rasa_url}/conversations/{sender}/execute?token={stack.api_token}",
        data=json.dumps({"name": "action_session_start"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(execute, timeout=30).close()
    assert turn(stack, sender, "c'est quoi une RCP ?") == ["utter_handoff_reminder"]
    assert not any(
        (e.get("metadata") or {}).get("utter_action", "").startswith("utter_faq")
        for e in stack.tracker_events(sender)
        if e["event"] == "bot"
    )
