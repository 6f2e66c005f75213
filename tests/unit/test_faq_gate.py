"""The gate that refuses to give an unsure FAQ answer."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from components.faq_gate import FaqAnswerGate, faq_answer_is_sure


def selector(best: float, runner_up: float) -> dict:
    return {
        "response": {"confidence": best, "intent_response_key": "faq/a"},
        "ranking": [
            {"intent_response_key": "faq/a", "confidence": best},
            {"intent_response_key": "faq/b", "confidence": runner_up},
        ],
    }


def faq_message(best: float, runner_up: float, text: str = "c'est quoi une RCP ?") -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": "faq", "confidence": 0.99}, add_to_output=True)
    message.set("intent_ranking", [{"name": "faq", "confidence": 0.99}], add_to_output=True)
    message.set("response_selector", {"faq": selector(best, runner_up)}, add_to_output=True)
    return message


def test_a_confident_clear_answer_is_sure():
    assert faq_answer_is_sure(selector(0.9, 0.05), threshold=0.5, margin=0.1)


def test_a_low_confidence_answer_is_not_sure():
    assert not faq_answer_is_sure(selector(0.45, 0.05), threshold=0.5, margin=0.1)


def test_two_close_answers_are_not_sure():
    assert not faq_answer_is_sure(selector(0.52, 0.45), threshold=0.5, margin=0.1)


def test_no_selector_output_is_not_sure():
    assert not faq_answer_is_sure(None, threshold=0.5, margin=0.1)


def test_gate_turns_an_unsure_answer_into_nlu_fallback():
    gate = FaqAnswerGate({"threshold": 0.5, "ambiguity_threshold": 0.1})
    [message] = gate.process([faq_message(0.4, 0.35)])
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"
    # The ResponseSelector's ranking stays, so the assistant can suggest the closest questions.
    assert message.get("response_selector")["faq"]["ranking"][0]["intent_response_key"] == "faq/a"


def test_gate_keeps_a_sure_answer():
    gate = FaqAnswerGate({"threshold": 0.5, "ambiguity_threshold": 0.1})
    [message] = gate.process([faq_message(0.93, 0.02)])
    assert message.get("intent")["name"] == "faq"


def test_gate_ignores_other_intents():
    gate = FaqAnswerGate({"threshold": 0.5, "ambiguity_threshold": 0.1})
    message = faq_message(0.1, 0.09)
    message.set("intent", {"name": "greet", "confidence": 0.97}, add_to_output=True)
    [message] = gate.process([message])
    assert message.get("intent")["name"] == "greet"


def test_a_bare_keyword_needs_a_surer_answer():
    gate = FaqAnswerGate(
        {"threshold": 0.35, "ambiguity_threshold": 0.1, "single_word_threshold": 0.6}
    )
    [keyword] = gate.process([faq_message(0.5, 0.05, text="métastases")])
    [question] = gate.process([faq_message(0.5, 0.05, text="les métastases disparaissent ?")])
    assert keyword.get("intent")["name"] == "nlu_fallback"
    assert question.get("intent")["name"] == "faq"
