"""The deploying organisation is configuration, read from a file."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from organisation.settings import DEFAULT_FILE, load_organisation


def test_the_shipped_file_loads():
    organisation = load_organisation(DEFAULT_FILE)
    assert organisation.name and organisation.care_team and organisation.opening_hours


ORGANISATION = """
name: "X"
care_team: "votre oncologue"
contact_phone: "01 02 03 04 05"
opening_hours: "9h-17h"
opening_schedule:
  timezone: "Europe/Paris"
  weekdays: [1, 2, 3, 4, 5]
  opens: "09:00"
  closes: "17:00"
"""


def test_an_empty_phone_means_no_phone(tmp_path):
    path = tmp_path / "org.yml"
    path.write_text(ORGANISATION.replace('contact_phone: "01 02 03 04 05"', 'contact_phone: ""'))
    assert load_organisation(path).as_variables() == {
        "org_name": "X",
        "care_team": "votre oncologue",
        "org_phone": None,
        "org_hours": "9h-17h",
    }


def test_a_missing_field_is_an_error(tmp_path):
    path = tmp_path / "org.yml"
    path.write_text('name: "X"\n')
    with pytest.raises(ValueError, match="care_team"):
        load_organisation(path)


@pytest.mark.parametrize(
    ("utc_time", "is_open"),
    [
        (datetime(2026, 11, 23, 7, 59, tzinfo=timezone.utc), False),  # Monday 08:59 in Paris
        (datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc), True),  # Monday 09:00
        (datetime(2026, 11, 23, 15, 59, tzinfo=timezone.utc), True),  # Monday 16:59
        (datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc), False),  # Monday 17:00
        (datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc), False),  # Sunday
        (datetime(2026, 7, 6, 7, 30, tzinfo=timezone.utc), True),  # summer time: 09:30 in Paris
    ],
)
def test_opening_hours_follow_the_local_time(tmp_path, utc_time, is_open):
    path = tmp_path / "org.yml"
    path.write_text(ORGANISATION)
    assert load_organisation(path).is_open(utc_time) is is_open


def test_button_payloads_are_sent_as_written_without_an_error(domain):
    import asyncio

    from rasa.shared.core.domain import Domain
    from structlog.testing import capture_logs

    from organisation.nlg import OrganisationNLG

    nlg = OrganisationNLG(None, Domain.from_dict(domain))
    with_buttons = [
        name for name, variants in domain["responses"].items()
        if any("{" in str(b.get("payload", "")) for v in variants for b in v.get("buttons", []))
    ]  # fmt: skip
    assert with_buttons, "the topic menu has JSON payloads"
    for name in with_buttons:
        expected = domain["responses"][name][0]["buttons"]
        with capture_logs() as logs:  # Rasa logs through structlog
            message = asyncio.run(nlg.generate(name, _tracker(), "rest"))
        assert message["buttons"] == expected
        assert not [log for log in logs if log["log_level"] in ("error", "exception")], name


def _tracker():
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker("nlg-test", slots=[])


@pytest.mark.parametrize(
    ("utc_time", "wording"),
    [
        (datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc), "et vous orientera"),
        (datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc), "dès son retour"),  # Sunday
        (datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc), "dès son retour"),  # evening
    ],
)
def test_the_handoff_says_one_true_thing_in_and_outside_opening_hours(domain, utc_time, wording):
    import asyncio

    from rasa.shared.core.domain import Domain

    from organisation.nlg import OrganisationNLG

    nlg = OrganisationNLG(None, Domain.from_dict(domain))
    nlg.clock = lambda: utc_time
    text = asyncio.run(nlg.generate("utter_handoff_clinical", _tracker(), "rest"))["text"]
    assert wording in text and "15 ou le 112" in text
    assert "{" not in text, "every placeholder filled"
