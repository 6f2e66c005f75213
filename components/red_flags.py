"""Deterministic red-flag layer: emergencies, self-harm and personal clinical questions.

A trained classifier always picks some intent, sometimes wrongly and confidently. This
component runs last in the NLU pipeline and cannot be out-voted: when a pattern of
data/safety/red_flags.yml matches, it replaces the intent with the safety intent. It also
promotes a safety intent that the classifier ranked close behind (when in doubt, safety wins).
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
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.faq_gate import FAQ_INTENT, faq_answer_is_sure
from components.text import normalise

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_PATTERNS_FILE = "data/safety/red_flags.yml"  # relative to the project folder
PERSONAL_CASE_ENTITY = "personal_case"
NEGATION_WINDOW_WORDS = 4
EMERGENCY_INTENT = "emergency"


@dataclass(frozen=True)
class Pattern:
    id: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Category:
    name: str
    intent: str
    patterns: tuple[Pattern, ...]
    negatable: bool = False
    requires_personal: bool = False
    skip_general_questions: bool = False


@dataclass(frozen=True)
class RedFlag:
    """What the layer found: the category, its intent and the id of the pattern."""

    category: str
    intent: str
    pattern: str


def _compile(items: list[dict[str, str]]) -> tuple[Pattern, ...]:
    return tuple(Pattern(item["id"], re.compile(item["regex"])) for item in items)


class RedFlagRules:
    """The rules of data/safety/red_flags.yml, applied to one message at a time."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.negations = set(spec.get("negations", []))
        self.negation_particles = set(spec.get("negation_particles", []))
        self.negation_followers = set(spec.get("negation_followers", []))
        self.negation_phrases = tuple(spec.get("negation_phrases", []))
        self.general_starts = tuple(spec.get("general_question_starts", []))
        self.general_words = re.compile(spec.get("general_question_words", r"(?!)"))
        self.personal = re.compile("|".join(spec["personal_patterns"]))
        self.information_request = re.compile(spec.get("information_request_words", r"(?!)"))
        self.categories = tuple(
            Category(
                name=name,
                intent=body["intent"],
                patterns=_compile(body["patterns"]),
                negatable=body.get("negatable", False),
                requires_personal=body.get("requires_personal", False),
                skip_general_questions=body.get("skip_general_questions", False),
            )
            for name, body in spec["categories"].items()
        )
        self.personal_case = _compile(spec.get("personal_case", {}).get("patterns", []))

    @classmethod
    def from_file(cls, path: str | Path = DEFAULT_PATTERNS_FILE) -> RedFlagRules:
        path = PROJECT / path  # an absolute `path` stays as it is
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def is_personal(self, normalised: str) -> bool:
        return bool(self.personal.search(normalised))

    def find(self, text: str) -> RedFlag | None:
        """The first category (in file order) with a pattern that applies to `text`."""
        normalised = normalise(text)
        personal = self.is_personal(normalised)
        general = not personal and (
            normalised.startswith(self.general_starts)
            or bool(self.general_words.search(normalised))
        )
        for category in self.categories:
            if category.requires_personal and not personal:
                continue
            for pattern in category.patterns:
                if self._applies(pattern, category, normalised, general):
                    return RedFlag(category.name, category.intent, pattern.id)
        return None

    def alarm_is_set_aside(self, text: str, category_name: str = "emergency") -> bool:
        """True when `text` names alarm words of the category only negated or in general,
        and asks for information ("pas de fièvre, juste une question sur ...")."""
        if self.find(text) is not None:
            return False
        normalised = normalise(text)
        category = next(c for c in self.categories if c.name == category_name)
        mentioned = any(p.regex.search(normalised) for p in category.patterns)
        return mentioned and bool(self.information_request.search(normalised))

    def is_personal_case(self, text: str) -> bool:
        """True when the message speaks of the writer's (or a relative's) own illness."""
        normalised = normalise(text)
        return any(pattern.regex.search(normalised) for pattern in self.personal_case)

    def _applies(self, pattern: Pattern, category: Category, text: str, general: bool) -> bool:
        if general and category.skip_general_questions:
            return False
        if not category.negatable:
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


def promoted_intent(
    ranking: list[dict[str, Any]], safety_intents: dict[str, float]
) -> dict[str, Any] | None:
    """A safety intent the classifier ranked at or above its promotion threshold, if any."""
    for candidate in ranking:
        threshold = safety_intents.get(candidate.get(INTENT_NAME_KEY))
        if threshold is not None and candidate.get("confidence", 0.0) >= threshold:
            return candidate
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagDetector(GraphComponent):
    """Overrides the intent with a safety intent when a red flag is found."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "patterns_file": DEFAULT_PATTERNS_FILE,
            # Classifier confidence at which a safety intent wins even when not ranked first.
            "promote": {"self_harm": 0.2, "emergency": 0.2, "clinical_question": 0.35},
            # A set-aside emergency (see red_flags.yml) gets the FAQ answer only when the
            # answer is as sure as FaqAnswerGate requires; otherwise "Vouliez-vous dire...".
            "faq_threshold": 0.5,
            "faq_margin": 0.1,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.rules = RedFlagRules.from_file(config["patterns_file"])
        self.promote: dict[str, float] = dict(config["promote"])
        self.faq_threshold = float(config["faq_threshold"])
        self.faq_margin = float(config["faq_margin"])

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
            if text:
                self._check(message, text)
        return messages

    def _check(self, message: Message, text: str) -> None:
        flag = self.rules.find(text)
        if flag is not None:
            self._override(message, flag.intent, red_flag=flag.__dict__)
            return
        ranking = message.get(INTENT_RANKING_KEY) or []
        current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if self.rules.alarm_is_set_aside(text):
            ranking = [item for item in ranking if item.get(INTENT_NAME_KEY) != EMERGENCY_INTENT]
            if current == EMERGENCY_INTENT:
                self._set_aside_emergency(message)
                return
        promoted = promoted_intent(ranking, self.promote)
        if promoted is not None and promoted[INTENT_NAME_KEY] != current:
            self._override(
                message,
                promoted[INTENT_NAME_KEY],
                red_flag={"category": "classifier", "intent": promoted[INTENT_NAME_KEY]},
            )
            return
        if self.rules.is_personal_case(text):
            self._add_personal_case(message)

    def _set_aside_emergency(self, message: Message) -> None:
        selector = (message.get("response_selector") or {}).get(FAQ_INTENT)
        if faq_answer_is_sure(selector, self.faq_threshold, self.faq_margin):
            intent_name = FAQ_INTENT
        else:
            intent_name = DEFAULT_NLU_FALLBACK_INTENT_NAME
        self._override(message, intent_name)
        message.set("red_flag_set_aside", EMERGENCY_INTENT, add_to_output=True)

    @staticmethod
    def _override(
        message: Message, intent_name: str, red_flag: dict[str, Any] | None = None
    ) -> None:
        intent = {INTENT_NAME_KEY: intent_name, "confidence": 1.0}
        ranking = [intent] + [
            item
            for item in message.get(INTENT_RANKING_KEY) or []
            if item.get(INTENT_NAME_KEY) != intent_name
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        if red_flag is not None:
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
