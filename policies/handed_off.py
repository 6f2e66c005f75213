"""Records requests for a person and keeps a handed-off conversation with staff.

The handoff contract is contracts/handoff.py. This policy runs inside Rasa, so none of it
needs the action server:

- **Recording.** On a user turn that asks for a person (a safety intent, or « oui » to the
  offer of a person), the policy attaches a `SlotSet("handoff", record)` to its prediction.
  Rasa applies the events of every policy's prediction before running the predicted action
  (rasa/core/policies/ensemble.py), so the record is stored in the same turn as the rule's
  utter_handoff_* / utter_emergency*, whichever policy wins and whether or not any custom
  action can run. An emergency while a person is awaited or present updates the record too
  (urgent, holder kept).
- **Enforcing.** While handed off, every other user message gets `utter_handoff_reminder`
  at most once per HANDOFF_REMINDER_MINUTES (default 15), silence otherwise, instead of a FAQ
  answer, until staff hand the conversation back. Emergencies go through to the rules of
  data/rules/safety.yml. Priority 7 outranks RulePolicy (6), so no rule can bypass it.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from contracts import handoff

REMINDER_INTERVAL = timedelta(minutes=int(os.environ.get("HANDOFF_REMINDER_MINUTES", "15")))


def is_handed_off(tracker: DialogueStateTracker) -> bool:
    return handoff.is_handed_off(tracker.get_slot(handoff.HANDOFF_SLOT))


def action_before_user_turn(tracker: DialogueStateTracker) -> str | None:
    """The last action before the listen that received the latest user message."""
    listens_seen = 0
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            if event.action_name == ACTION_LISTEN_NAME and listens_seen == 0:
                listens_seen = 1
                continue
            return event.action_name
    return None


def user_turn_time(tracker: DialogueStateTracker) -> datetime:
    user = next((e for e in reversed(tracker.events) if isinstance(e, UserUttered)), None)
    timestamp = user.timestamp if user is not None else datetime.now(timezone.utc).timestamp()
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def requested_record(tracker: DialogueStateTracker, reason: handoff.Reason) -> dict[str, Any]:
    message = tracker.latest_message
    parse_data = message.parse_data if message else {}
    return handoff.request(
        tracker.get_slot(handoff.HANDOFF_SLOT),
        reason,
        user_turn_time(tracker),
        channel=tracker.get_latest_input_channel(),
        message=message.text if message else None,
        intent=(message.intent or {}).get("name") if message else None,
        red_flag=parse_data.get("red_flag"),
        source=((message.metadata or {}) if message else {}).get("source"),
    )


def decide(tracker: DialogueStateTracker) -> tuple[str | None, list[Event]]:
    """The action this policy insists on (None: it abstains) and the events to record."""
    record = tracker.get_slot(handoff.HANDOFF_SLOT)
    handed_off = handoff.is_handed_off(record)
    if tracker.latest_action_name == handoff.REMINDER_RESPONSE and handed_off:
        return ACTION_LISTEN_NAME, []
    if tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.latest_message is None:
        return None, []
    intent = (tracker.latest_message.intent or {}).get("name")
    reason = handoff.requested_reason(intent, action_before_user_turn(tracker))
    if handed_off and intent not in handoff.EMERGENCY_INTENTS:
        at = user_turn_time(tracker)
        if handoff.reminder_due(record, at, REMINDER_INTERVAL):
            reminded = handoff.reminded(record, at)
            return handoff.REMINDER_RESPONSE, [SlotSet(handoff.HANDOFF_SLOT, reminded)]
        return ACTION_LISTEN_NAME, []
    if reason is None:
        return None, []
    return None, [SlotSet(handoff.HANDOFF_SLOT, requested_record(tracker, reason))]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class HandedOffPolicy(Policy):
    """Records handoff requests; answers a handed-off conversation with the reminder only."""

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
        action, events = decide(tracker)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, events=events)

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
