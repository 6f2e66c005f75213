"""While a person holds the conversation, the assistant stops answering.

After a handoff (slot `handoff` set by action_handoff or action_emergency) every user message
gets `action_handoff_reminder` (a short "a person will answer you", at most once in a while)
instead of a FAQ answer, until staff hand the conversation back by resetting the slot. An
emergency still gets the emergency reply at once: for those intents this policy abstains and
the rules of data/rules/safety.yml apply. It outranks RulePolicy (priority 7 > 6), so no rule
or later intent can bypass it.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

HANDOFF_SLOT = "handoff"
REMINDER_ACTION = "action_handoff_reminder"
EMERGENCY_INTENTS = frozenset({"emergency", "self_harm"})


def is_handed_off(tracker: DialogueStateTracker) -> bool:
    handoff = tracker.get_slot(HANDOFF_SLOT)
    return bool(handoff) and handoff.get("status") != "closed"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class HandedOffPolicy(Policy):
    """Predicts the handoff reminder for every non-emergency message of a handed-off chat."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        # Nothing to learn: the behaviour is fixed.
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self._next_action(tracker)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    @staticmethod
    def _next_action(tracker: DialogueStateTracker) -> str | None:
        if not is_handed_off(tracker):
            return None
        if tracker.latest_action_name == ACTION_LISTEN_NAME:
            if tracker.latest_message.intent.get("name") in EMERGENCY_INTENTS:
                return None
            return REMINDER_ACTION
        if tracker.latest_action_name == REMINDER_ACTION:
            return ACTION_LISTEN_NAME
        return None

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> HandedOffPolicy:
        return cls(config, model_storage, resource, execution_context)
