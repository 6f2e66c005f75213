"""Fills the deploying organisation into every response.

Responses write {org_name}, {care_team}, {org_phone}, {org_hours}; this generator takes
their values from organisation.yml, read when the Rasa server starts (endpoints.yml: nlg).
It also gives `team_open` (whether the team is there now, from the opening schedule) for
response conditions, e.g. the utter_handoff_* wording outside opening hours. Running inside Rasa,
it needs no action server: the wording stays right even when the action server is down.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from organisation.settings import organisation


class OrganisationNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's response generator, with the organisation's values beside the slots."""

    def __init__(self, endpoint_config: EndpointConfig, domain: Domain, **kwargs: Any) -> None:
        super().__init__(domain.responses)
        self.organisation = organisation()
        self.organisation_values = self.organisation.as_variables()
        self.clock = lambda: datetime.now(timezone.utc)

    def generate_from_slots(
        self,
        utter_action: str,
        filled_slots: dict[str, Any],
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        team_open = self.organisation.is_open(self.clock())
        variables = {**self.organisation_values, "team_open": team_open, **(filled_slots or {})}
        return super().generate_from_slots(utter_action, variables, output_channel, **kwargs)

    def _fill_response(
        self, response: dict[str, Any], filled_slots: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        # Button payloads such as /choose_topic{"topic": "metastases"} are JSON, not
        # placeholders: Rasa would try to fill them, fail, and log an ERROR with a traceback
        # (tens of milliseconds) for every menu it sends. No button of the domain needs a value.
        buttons = response.pop("buttons", None)
        filled = super()._fill_response(response, filled_slots, **kwargs)
        if buttons is not None:
            filled["buttons"] = buttons
        return filled
