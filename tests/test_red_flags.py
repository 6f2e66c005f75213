"""The deterministic red-flag layer (data/safety/red_flags.yml, components/red_flags.py)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.red_flags import RedFlagDetector, RedFlagRules, normalise, promoted_intent


@pytest.fixture(scope="module")
def rules() -> RedFlagRules:
    return RedFlagRules.from_file()


def category(rules: RedFlagRules, text: str) -> str | None:
    flag = rules.find(text)
    return flag.category if flag else None


def test_normalise_removes_accents_punctuation_and_expands_sms(rules):
    assert normalise("J’ai 38,5 °C de FIÈVREEE !!", rules.sms) == "j ai 38 5 °c de fievre"
    assert normalise("g mal ds la poitrine", rules.sms) == "j ai mal dans la poitrine"


@pytest.mark.parametrize(
    "text",
    [
        "Mon mari sous chimio a perdu connaissance",
        "j'ai 38,5 de fièvre depuis ma chimio",
        "J AI 39 DE FIEVRE",
        "il a des frissons depuis la perfusion d'hier",
        "g du mal a respirer",
        "ma mère étouffe",
        "douleur dans la poitrine depuis ce matin",
        "je saigne beaucoup du nez, ça ne s'arrête pas",
        "ma femme vomit du sang",
        "il s'est évanoui dans la salle de bain",
        "mon père est désorienté, il ne sait plus où il est",
        "il fait une crise d'épilepsie",
        "elle convulse",
        "que faire en cas de fièvre sous chimio ?",
        "pas de fièvre mais je n'arrive plus à respirer",
    ],
)
def test_emergencies_are_flagged(rules, text):
    assert category(rules, text) == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "je veux en finir",
        "j'ai envie de mourir",
        "jai plus envie de vivre",
        "je pense au suicide",
        "je vais avaler toutes mes pilules",
        "j'ai des idées noires depuis le diagnostic",
        "mon fils parle de se tuer",
    ],
)
def test_self_harm_is_flagged_before_anything_else(rules, text):
    assert category(rules, text) == "self_harm"


@pytest.mark.parametrize(
    "text",
    [
        "je n'ai pas de fièvre",
        "il n'a plus de fièvre depuis hier, c'est quoi une RCP ?",
        "sans fièvre ni frissons, tout va bien",
        "qu'est-ce que la fièvre sous chimio ?",
        "comment en finir avec les nausées ?",
        "je ne veux pas mourir",
        "je n'ai jamais eu d'idées suicidaires",
        "qu'est-ce qu'un traitement de rattrapage ?",
    ],
)
def test_negated_or_general_mentions_are_not_emergencies(rules, text):
    assert category(rules, text) not in ("emergency", "self_harm")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mes métastases vont-elles disparaître ?", "clinical_question"),
        ("combien de temps il me reste", "clinical_question"),
        ("mon père a un cancer réfractaire, peut-il guérir ?", "clinical_question"),
        ("j'ai des nausées depuis ma dernière cure", "clinical_question"),
        ("mes résultats de prise de sang sont mauvais ?", "clinical_question"),
        ("dois-je arrêter ma chimio ?", "clinical_question"),
        ("pouvez-vous m'expliquer le compte rendu de mon scanner ?", "clinical_question"),
        ("j'ai oublié de prendre mon comprimé", "clinical_question"),
        ("peut-on boire de l'alcool pendant la chimio ?", "clinical_question"),
        ("je peux prendre du doliprane avec mon traitement ?", "clinical_question"),
        ("peut-on se faire vacciner contre la grippe sous immunothérapie ?", "clinical_question"),
        ("je suis enceinte, est-ce compatible avec l'hormonothérapie ?", "clinical_question"),
    ],
)
def test_personal_clinical_questions_go_to_a_person(rules, text, expected):
    assert rules.find(text).intent == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("je voudrais parler à un humain", "human"),
        ("une infirmière svp", "human"),
        ("passez-moi quelqu'un de l'équipe", "human"),
        ("comment prendre rendez-vous pour un deuxième avis ?", "appointment"),
        ("je voudrais un deuxième avis", "appointment"),
    ],
)
def test_requests_for_a_person_or_an_appointment(rules, text, expected):
    assert category(rules, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "c'est quoi un traitement de sauvetage",
        "les métastases peuvent-elles disparaître ?",
        "est-il possible de guérir un cancer réfractaire ?",
        "mon père m'a parlé de RCP, c'est quoi ?",
        "a-t-on le droit de demander un deuxième avis ?",
        "que fait un oncologue médical ?",
        "comment agit l'immunothérapie ?",
        "pourquoi un cancer devient-il réfractaire ?",
    ],
)
def test_general_questions_pass_through(rules, text):
    assert category(rules, text) is None


def test_own_case_is_marked_without_overriding(rules):
    assert rules.is_personal_case("mon cancer est réfractaire, ça veut dire quoi ?")
    assert not rules.is_personal_case("c'est quoi un cancer réfractaire ?")


def test_a_safety_intent_ranked_close_behind_is_promoted():
    ranking = [{"name": "faq", "confidence": 0.6}, {"name": "emergency", "confidence": 0.3}]
    assert promoted_intent(ranking, {"emergency": 0.2})["name"] == "emergency"
    assert promoted_intent(ranking, {"emergency": 0.4}) is None


def classified(text: str, intent: str, confidence: float = 0.99) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}], add_to_output=True)
    return message


def detector() -> RedFlagDetector:
    return RedFlagDetector(RedFlagDetector.get_default_config())


def test_the_component_overrides_a_confident_classifier():
    [message] = detector().process([classified("Mon mari sous chimio a perdu connaissance", "faq")])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert message.get("red_flag") == {
        "category": "emergency",
        "intent": "emergency",
        "pattern": "unconscious",
    }


def test_the_component_adds_personal_case_to_an_own_case_faq():
    [message] = detector().process([classified("mon cancer est réfractaire c'est quoi", "faq")])
    assert message.get("intent")["name"] == "faq"
    assert [e["entity"] for e in message.get("entities")] == ["personal_case"]


def test_the_component_leaves_general_questions_alone():
    [message] = detector().process([classified("c'est quoi une RCP ?", "faq")])
    assert message.get("intent")["name"] == "faq" and not message.get("red_flag")


def with_faq_answer(message: Message, confidence: float, runner_up: float = 0.05) -> Message:
    ranking = [
        {"intent_response_key": "faq/immunotherapy", "confidence": confidence},
        {"intent_response_key": "faq/chemotherapy", "confidence": runner_up},
    ]
    selector = {"faq": {"response": {"confidence": confidence}, "ranking": ranking}}
    message.set("response_selector", selector, add_to_output=True)
    return message


@pytest.mark.parametrize(
    "text",
    [
        "pas de fievre ni de frissons, juste une question sur l'immunotherapie",
        "Je ne suis pas en détresse respiratoire, j'avais une question sur les essais cliniques",
        "pourquoi dit-on qu'il faut surveiller la fievre pendant une chimio ?",
    ],
)
def test_a_negated_alarm_with_a_question_sets_the_classifier_emergency_aside(rules, text):
    assert rules.alarm_is_set_aside(text)
    [sure] = detector().process([with_faq_answer(classified(text, "emergency"), 0.9)])
    assert sure.get("intent")["name"] == "faq" and not sure.get("red_flag")
    [unsure] = detector().process([with_faq_answer(classified(text, "emergency"), 0.3)])
    assert unsure.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize(
    "text",
    [
        # An alarm word that is not negated: safety wins.
        "pas de fievre mais il a du mal a respirer, j'avais une question sur la chimio",
        # Negated, but no sign that the writer only wants information.
        "je n'ai pas de fièvre mais je me sens vraiment pas bien",
        # No alarm word the layer knows: the classifier's emergency stands.
        "ma femme est toute bleue et ne bouge plus",
    ],
)
def test_the_classifier_emergency_stands_when_the_layer_cannot_tell(rules, text):
    assert not rules.alarm_is_set_aside(text)
    [message] = detector().process([with_faq_answer(classified(text, "emergency"), 0.9)])
    assert message.get("intent")["name"] == "emergency"


def test_a_state_negation_is_not_a_negated_symptom_after_a_comma(rules):
    assert category(rules, "je ne suis pas en détresse respiratoire") is None
    assert category(rules, "ça ne va pas, en détresse respiratoire depuis ce matin") == "emergency"
