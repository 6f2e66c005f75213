"""The deterministic red-flag layer (data/safety/red_flags.yml, components/red_flags.py)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.red_flags import RedFlagDetector, RedFlagRules
from components.text import normalise


@pytest.fixture(scope="module")
def rules() -> RedFlagRules:
    return RedFlagRules.from_file()


def category(rules: RedFlagRules, text: str) -> str | None:
    flag = rules.find(text)
    return flag.category if flag else None


def test_normalise_removes_accents_punctuation_and_expands_sms(rules):
    assert normalise("J’ai 38,5 °C de FIÈVREEE !!") == "j ai 38 5 °c de fievre"
    assert normalise("g mal ds la poitrine") == "j ai mal dans la poitrine"


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
        # Timing of a treatment is not a past event: fever a week after chemo is the alarm.
        "chimio la semaine dernière et là j'ai 38,5 de fièvre",
        "ça me serre dans la poitrine et j'ai du mal à respirer",
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


@pytest.mark.parametrize(
    "text",
    [
        "merci beaucoup, bonne soirée",
        "il fait 35 degrés dehors aujourd'hui",
        "mon chat a 15 ans",
        "je suis crevé après cette journée de boulot",
        "mort de rire cette vidéo",
        "pas de fievre ni de frissons, juste une question sur l'immunotherapie",
        "j'ai eu de la fièvre il y a trois ans, c'est passé",
        "« Mourir peut attendre », vous l'avez vu ?",
    ],
)
def test_a_classifier_emergency_without_evidence_is_not_believed(text):
    [message] = detector().process([classified(text, "emergency")])
    assert message.get("intent")["name"] != "emergency"
    assert message.get("red_flag_set_aside") == "emergency"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ma femme est toute bleue et ne bouge plus", "emergency"),
        ("je ne me sens vraiment pas bien, ça empire", "emergency"),
        ("je ne veux plus être un poids pour eux", "self_harm"),
    ],
)
def test_a_confident_classifier_with_evidence_is_believed(text, intent):
    [message] = detector().process([classified(text, intent, 0.9)])
    assert message.get("intent") == {"name": intent, "confidence": 1.0}
    assert message.get("red_flag")["category"] in ("classifier", "emergency", "self_harm")


def test_an_alarm_at_the_end_of_a_long_message_counts_through_its_sentence():
    text = "On a parlé de la chimio. Le médecin était gentil. Depuis une heure il respire mal."
    message = classified(text, "faq", 0.8)
    message.set(
        "sentence_scores",
        [{"text": "Depuis une heure il respire mal.", "scores": {"emergency": 0.9}}],
        add_to_output=True,
    )
    [message] = detector().process([message])
    assert message.get("intent")["name"] == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "je n'ai plus d'appetit depuis 2 semaines",
        "mes cheveux tombent par poignees, est ce que ca va repousser",
        "j'ai 37,5, est ce que je dois m'inquieter ?",
    ],
)
def test_a_clinical_guess_about_the_body_is_believed_even_with_a_negation(text):
    [message] = detector().process([classified(text, "clinical_question", 0.6)])
    assert message.get("intent")["name"] == "clinical_question"


def test_a_classifier_emergency_in_a_general_question_is_not_believed():
    text = "pourquoi dit-on qu'il faut surveiller la fievre pendant une chimio ?"
    [message] = detector().process([classified(text, "emergency", 0.6)])
    assert message.get("intent")["name"] != "emergency"


def test_a_sentence_counts_only_with_evidence_in_that_sentence():
    text = "je comprends. au fait les métastases ça peut disparaître ?"
    message = classified(text, "faq", 0.9)
    message.set(
        "sentence_scores",
        [{"text": "je comprends.", "scores": {"clinical_question": 0.6}}],
        add_to_output=True,
    )
    [message] = detector().process([message])
    assert message.get("intent")["name"] == "faq"


def test_a_negated_suicidal_word_is_not_overruled_by_the_probability_alone():
    text = "je n'ai jamais eu d'idees suicidaires, je voulais juste savoir ce qu'est un second avis"
    [message] = detector().process([classified(text, "self_harm", 0.95)])
    assert message.get("intent")["name"] != "self_harm"


def test_a_wordless_suicidal_hint_is_believed_on_a_high_probability():
    [message] = detector().process([classified("j'ai pris mes dispositions", "self_harm", 0.95)])
    assert message.get("intent")["name"] == "self_harm"


def test_a_clinical_guess_without_any_health_word_is_not_believed():
    [message] = detector().process(
        [classified("ma voisine m'a apporté une tarte", "clinical_question")]
    )
    assert message.get("intent")["name"] != "clinical_question"


@pytest.mark.parametrize(
    "text",
    [
        "il fait 39 degrés à Marseille, on étouffe",
        "j'ai 39 ans et deux enfants",
        "rdv le 15 à 11h, c'est noté merci",
        "je vais en parler à mon oncologue lundi, merci",
        "le chien de ma voisine a vomi sur le tapis",
        "je suis mort de fatigue après le déménagement",
        "c'est urgent, ma commande n'est pas arrivée",
        "j'écoute la radio en cuisinant",
    ],
)
def test_everyday_messages_match_no_pattern(rules, text):
    assert rules.find(text) is None


def test_a_state_negation_is_not_a_negated_symptom_after_a_comma(rules):
    assert category(rules, "je ne suis pas en détresse respiratoire") is None
    assert category(rules, "ça ne va pas, en détresse respiratoire depuis ce matin") == "emergency"


def test_a_past_event_followed_by_a_question_still_asks(rules):
    sentence = "J'ai eu des douleurs en 2016."
    message = sentence + " Est-ce que ça peut revenir ?"
    assert rules.evidence_for("clinical_question", sentence, message) is not None
    assert rules.evidence_for("clinical_question", sentence, sentence) is None
