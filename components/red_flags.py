"""The safety layer: emergencies, self-harm and personal clinical questions, sensitive and precise.

It runs right after the classifier (config.yml) and decides the safety intents; the gates
after it (FallbackClassifier, FaqAnswerGate) only ever turn an unsure answer into
« Vouliez-vous dire… », never an override. Two ways to a safety intent, each recorded in the
transcript's parse data (`red_flag`: category, pattern or evidence, and why):

1. **Patterns** (data/safety/red_flags.yml, owned by clinical reviewers): a match overrides
   the classifier, whatever it said. A match does not count when it is negated (« je n'ai pas
   de fièvre »), inside an idiom (« mort de rire »), for an emergency about a past event that
   is over (« j'ai eu de la fièvre il y a 3 ans »), or in a general question.
2. **The classifier, believed only with evidence**: its probability of a safety intent (over
   the whole message, or over one of its sentences so that an alarm at the end of a long
   message counts) must reach a threshold chosen on the tuning set, AND the message must
   contain an alarm word of that kind (a symptom, a means, an intent: `evidence` in the
   file), neither negated nor in an idiom; for an emergency, neither past nor in a general
   question; for a clinical question, not in an account of a past event that asks nothing.
   A classifier emergency without evidence is not believed: « merci », « il fait 35 degrés »
   or a book title never get the SAMU's number.
   Suicidal statements are often wordless hints (« j'ai pris mes dispositions »): a
   self-harm probability above `without_evidence` is believed on its own, unless the
   message holds a negated alarm word (« je n'ai jamais eu d'idées suicidaires »).

A FAQ question about the user's own case gets the entity `personal_case`, so that its answer
is followed by the offer of a person (data/rules/safety.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.text import normalise

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_PATTERNS_FILE = "data/safety/red_flags.yml"  # relative to the project folder
PERSONAL_CASE_ENTITY = "personal_case"
NEGATION_WINDOW_WORDS = 4
SAFETY_INTENTS = ("self_harm", "emergency", "clinical_question")
URGENT_INTENTS = ("self_harm", "emergency")


@dataclass(frozen=True)
class Pattern:
    id: str
    regex: re.Pattern[str]
    unless: re.Pattern[str] | None = None  # the pattern does not count in such a message
    requires: re.Pattern[str] | None = None  # ...nor in a message without this


@dataclass(frozen=True)
class Category:
    name: str
    intent: str
    patterns: tuple[Pattern, ...]
    negatable: bool = False
    requires_personal: bool = False
    skip_general_questions: bool = False
    skip_past_events: bool = False


@dataclass(frozen=True)
class RedFlag:
    """What the layer found: the category, its intent and the id of the pattern."""

    category: str
    intent: str
    pattern: str


def _compile(items: list[dict[str, str]]) -> tuple[Pattern, ...]:
    return tuple(
        Pattern(
            item["id"],
            re.compile(item["regex"]),
            re.compile(item["unless"]) if item.get("unless") else None,
            re.compile(item["requires"]) if item.get("requires") else None,
        )
        for item in items
    )


def _any_of(patterns: list[str] | str | None) -> re.Pattern[str]:
    if not patterns:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile(patterns if isinstance(patterns, str) else "|".join(patterns))


class RedFlagRules:
    """The rules of data/safety/red_flags.yml, applied to one message at a time."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.negations = set(spec.get("negations", []))
        self.negation_particles = set(spec.get("negation_particles", []))
        self.negation_followers = set(spec.get("negation_followers", []))
        self.negation_phrases = tuple(spec.get("negation_phrases", []))
        self.general_starts = tuple(spec.get("general_question_starts", []))
        self.general_words = _any_of(spec.get("general_question_words"))
        self.personal = _any_of(spec["personal_patterns"])
        self.idioms = _any_of(spec.get("idioms"))
        self.past_event = _any_of(spec.get("past_event"))
        self.still_now = _any_of(spec.get("still_now"))
        self.resolved = _any_of(spec.get("resolved"))
        self.categories = tuple(
            Category(
                name=name,
                intent=body["intent"],
                patterns=_compile(body["patterns"]),
                negatable=body.get("negatable", False),
                requires_personal=body.get("requires_personal", False),
                skip_general_questions=body.get("skip_general_questions", False),
                skip_past_events=body.get("skip_past_events", False),
            )
            for name, body in spec["categories"].items()
        )
        self.evidence = {
            intent: _compile(items) for intent, items in (spec.get("evidence") or {}).items()
        }
        self.personal_case = _compile(spec.get("personal_case", {}).get("patterns", []))

    @classmethod
    def from_file(cls, path: str | Path = DEFAULT_PATTERNS_FILE) -> RedFlagRules:
        path = PROJECT / path  # an absolute `path` stays as it is
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def read(self, text: str) -> str:
        """The normalised text with its idioms blanked out (« mort de rire » says nothing)."""
        return " ".join(self.idioms.sub(" ", normalise(text)).split())

    def is_personal(self, normalised: str) -> bool:
        return bool(self.personal.search(normalised))

    def is_past_event(self, normalised: str) -> bool:
        """« il y a 3 ans », « l'an dernier »… and nothing saying it is still going on, or
        words saying it is over."""
        if not self.past_event.search(normalised):
            return False
        return not self.still_now.search(normalised) or bool(self.resolved.search(normalised))

    def is_general_question(self, normalised: str) -> bool:
        """« pourquoi la fièvre sous chimio est-elle surveillée ? »: no personal word, and a
        general question's start or word."""
        return not self.is_personal(normalised) and (
            normalised.startswith(self.general_starts)
            or bool(self.general_words.search(normalised))
        )

    def find(self, text: str) -> RedFlag | None:
        """The first category (in file order) with a pattern that applies to `text`."""
        normalised = self.read(text)
        personal = self.is_personal(normalised)
        general = self.is_general_question(normalised)
        past = self.is_past_event(normalised)
        for category in self.categories:
            if category.requires_personal and not personal:
                continue
            if (category.skip_general_questions and general) or (
                category.skip_past_events and past
            ):
                continue
            for pattern in category.patterns:
                if self._applies(pattern, normalised, negatable=category.negatable):
                    return RedFlag(category.name, category.intent, pattern.id)
        return None

    def evidence_for(self, intent: str, text: str, whole: str | None = None) -> str | None:
        """The id of the first alarm word of `intent`'s kind in `text` (one sentence of the
        message `whole`, or all of it), or None. Never negated nor in an idiom; for an
        emergency, neither in a message about a past event that is over nor in a general
        question; for a clinical question, not in an account of a past event that is over
        and asks nothing."""
        normalised = self.read(text)
        message = self.read(whole) if whole is not None else normalised
        if intent == "emergency" and (
            self.is_past_event(message) or self.is_general_question(message)
        ):
            return None
        asks = "?" in (whole if whole is not None else text)
        if intent == "clinical_question" and self.is_past_event(message) and not asks:
            return None  # « j'ai eu une phlébite en 2016, soignée : tout va bien » asks nothing
        for pattern in self.evidence.get(intent, ()):
            if self._applies(pattern, normalised, negatable=True):
                return pattern.id
        return None

    def mentions(self, intent: str, text: str) -> bool:
        """Whether `text` holds an alarm word of `intent`'s kind, negated or not: « je n'ai
        jamais eu d'idées suicidaires » says no, and the classifier is not believed alone."""
        normalised = self.read(text)
        return any(pattern.regex.search(normalised) for pattern in self.evidence.get(intent, ()))

    def is_personal_case(self, text: str) -> bool:
        """True when the message speaks of the writer's (or a relative's) own illness."""
        normalised = normalise(text)
        return any(pattern.regex.search(normalised) for pattern in self.personal_case)

    def _applies(self, pattern: Pattern, text: str, negatable: bool) -> bool:
        if pattern.unless is not None and pattern.unless.search(text):
            return False
        if pattern.requires is not None and not pattern.requires.search(text):
            return False
        if not negatable:
            return bool(pattern.regex.search(text))
        return any(not self._negated(text, m.start()) for m in pattern.regex.finditer(text))

    def _negated(self, text: str, start: int) -> bool:
        """True when the words just before `start` negate what follows."""
        before = text[:start].split()[-NEGATION_WINDOW_WORDS:]
        if any(word in self.negations for word in before):
            return True
        if any(phrase in " ".join(before) for phrase in self.negation_phrases):
            return True
        for position, word in enumerate(before):
            if word not in self.negation_particles:
                continue
            following = before[position + 1 : position + 2]
            if not following or following[0] in self.negation_followers:
                return True
        return False


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagDetector(GraphComponent):
    """Decides the safety intents: patterns first, then the classifier with evidence."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "patterns_file": DEFAULT_PATTERNS_FILE,
            # The classifier's probability (whole message or one sentence) from which its
            # safety intent is believed, when the message holds evidence of that kind...
            "thresholds": {"self_harm": 0.3, "emergency": 0.3, "clinical_question": 0.4},
            # ...and from which it is believed even without (an intent missing here: never).
            "without_evidence": {"self_harm": 0.8},
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.rules = RedFlagRules.from_file(config["patterns_file"])
        self.thresholds: dict[str, float] = dict(config["thresholds"])
        self.without_evidence: dict[str, float] = dict(config.get("without_evidence") or {})

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagDetector:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and not text.startswith("/"):  # button payloads say what they mean
                self._decide(message, text)
        return messages

    def _decide(self, message: Message, text: str) -> None:
        flag = self.rules.find(text)
        if flag is not None and flag.intent in URGENT_INTENTS:
            self._override(message, flag.intent, dict(flag.__dict__))
            return
        readings = self._readings(message, text)
        believed = self._believed(readings, URGENT_INTENTS)
        if believed is not None:  # a lesser pattern never hides a suicide or an emergency
            self._override(message, believed["intent"], believed)
            return
        if flag is not None:
            self._override(message, flag.intent, dict(flag.__dict__))
            return
        believed = self._believed(readings, ("clinical_question",))
        if believed is not None:
            self._override(message, believed["intent"], believed)
            return
        current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if current in SAFETY_INTENTS:
            self._not_believed(message, current)
            return
        if self.rules.is_personal_case(text):
            self._add_personal_case(message)

    def _believed(
        self, readings: list[tuple[str, dict[str, float]]], intents: tuple[str, ...]
    ) -> dict[str, Any] | None:
        """The first of `intents` the classifier gives its threshold, with evidence in the
        same reading (the whole message, or one of its sentences)."""
        whole = readings[0][0]
        for intent in intents:
            for text, scores in readings:
                probability = scores.get(intent, 0.0)
                if probability < self.thresholds.get(intent, 1.0):
                    continue
                evidence = self.rules.evidence_for(intent, text, whole)
                if (
                    evidence is None
                    and probability >= self.without_evidence.get(intent, 2.0)
                    and not self.rules.mentions(intent, text)
                ):
                    evidence = "probability alone"
                if evidence is not None:
                    return {"category": "classifier", "intent": intent, "evidence": evidence,
                            "probability": round(probability, 3)}  # fmt: skip
        return None

    @staticmethod
    def _readings(message: Message, text: str) -> list[tuple[str, dict[str, float]]]:
        """The classifier's probability of each intent for the whole message, then for each
        of its sentences (components/linear_classifier.py)."""
        whole = {
            item[INTENT_NAME_KEY]: item.get("confidence", 0.0)
            for item in message.get(INTENT_RANKING_KEY) or []
        }
        sentences = [
            (part["text"], part["scores"]) for part in message.get("sentence_scores") or []
        ]
        return [(text, whole), *sentences]

    def _not_believed(self, message: Message, intent: str) -> None:
        """The classifier's safety guess lacks threshold or evidence: its best other intent
        takes over (the gates after this decide whether it is sure enough)."""
        ranking = [
            item
            for item in message.get(INTENT_RANKING_KEY) or []
            if item.get(INTENT_NAME_KEY) not in SAFETY_INTENTS
        ]
        best = ranking[0] if ranking else {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME}
        message.set(INTENT, {**best, "confidence": best.get("confidence", 0.0)}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set("red_flag_set_aside", intent, add_to_output=True)
        if best.get(INTENT_NAME_KEY) == "faq" and self.rules.is_personal_case(message.get(TEXT)):
            self._add_personal_case(message)

    @staticmethod
    def _override(message: Message, intent_name: str, red_flag: dict[str, Any]) -> None:
        """The decision is final: the ranking holds it alone (so that no gate after this one
        reads the classifier's other guesses as a hesitation); the classifier's ranking is
        kept beside it for reviewers."""
        intent = {INTENT_NAME_KEY: intent_name, "confidence": 1.0}
        message.set("classifier_ranking", message.get(INTENT_RANKING_KEY), add_to_output=True)
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        message.set("red_flag", red_flag, add_to_output=True)

    @staticmethod
    def _add_personal_case(message: Message) -> None:
        entity = {
            "entity": PERSONAL_CASE_ENTITY,
            "value": "true",
            "start": 0,
            "end": len(message.get(TEXT)),
            "extractor": "RedFlagDetector",
        }
        entities = [*(message.get(ENTITIES) or []), entity]
        message.set(ENTITIES, entities, add_to_output=True)
