"""Turns an unsure FAQ answer into `nlu_fallback`.

Rasa's FallbackClassifier only checks the confidence of the *intent* `faq`; the
ResponseSelector may still pick the answer with low confidence, or hesitate between two
answers. A wrong answer to a medical question is worse than none, so this component,
placed after the FallbackClassifier, checks the selected answer itself.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

FAQ_INTENT = "faq"


def faq_answer_is_sure(selector: dict[str, Any] | None, threshold: float, margin: float) -> bool:
    """True when the ResponseSelector's best FAQ answer is confident and well ahead."""
    if not selector:
        return False
    ranking = selector.get("ranking") or []
    best = selector["response"].get("confidence") or 0.0
    runner_up = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    return best >= threshold and best - runner_up >= margin


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FaqAnswerGate(GraphComponent):
    """Replaces intent `faq` by `nlu_fallback` when the chosen answer is not sure."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"threshold": 0.5, "ambiguity_threshold": 0.1, "single_word_threshold": 0.6}

    def __init__(self, config: dict[str, Any]) -> None:
        self.threshold = float(config["threshold"])
        self.margin = float(config["ambiguity_threshold"])
        self.single_word_threshold = float(config.get("single_word_threshold", self.threshold))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqAnswerGate:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._gate(message)
        return messages

    def threshold_for(self, message: Message) -> float:
        """A bare keyword ("métastases") names a topic, not a question: it needs a surer answer,
        otherwise it gets the topic's questions as suggestions."""
        single_word = len(str(message.get(TEXT) or "").split()) <= 1
        return max(self.threshold, self.single_word_threshold) if single_word else self.threshold

    def _gate(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) != FAQ_INTENT:
            return
        selector = (message.get("response_selector") or {}).get(FAQ_INTENT)
        if faq_answer_is_sure(selector, self.threshold_for(message), self.margin):
            return
        confidence = (selector or {}).get("response", {}).get("confidence") or 0.0
        fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": confidence}
        ranking = [fallback] + list(message.get(INTENT_RANKING_KEY) or [])
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
