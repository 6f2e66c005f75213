"""The deploying organisation, read once from organisation.yml at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "organisation.yml"


@dataclass(frozen=True)
class OpeningSchedule:
    timezone: ZoneInfo
    weekdays: frozenset[int]
    opens: time
    closes: time

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.timezone)
        return local.isoweekday() in self.weekdays and self.opens <= local.time() < self.closes


@dataclass(frozen=True)
class Organisation:
    name: str
    care_team: str
    contact_phone: str | None
    opening_hours: str
    schedule: OpeningSchedule

    def is_open(self, moment: datetime) -> bool:
        """Whether a member of the team is there to answer at `moment`."""
        return self.schedule.is_open(moment)

    def as_variables(self) -> dict[str, str | None]:
        """Values of the {org_...} and {care_team} placeholders of the responses."""
        return {
            "org_name": self.name,
            "care_team": self.care_team,
            "org_phone": self.contact_phone,
            "org_hours": self.opening_hours,
        }


def load_organisation(path: str | os.PathLike[str]) -> Organisation:
    """Reads and checks the organisation file; an empty phone means "mention none"."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    required = ("name", "care_team", "opening_hours", "opening_schedule")
    missing = [key for key in required if not data.get(key)]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    return Organisation(
        name=str(data["name"]).strip(),
        care_team=str(data["care_team"]).strip(),
        contact_phone=str(data.get("contact_phone") or "").strip() or None,
        opening_hours=str(data["opening_hours"]).strip(),
        schedule=_schedule(data["opening_schedule"]),
    )


def _schedule(data: dict) -> OpeningSchedule:
    return OpeningSchedule(
        timezone=ZoneInfo(data["timezone"]),
        weekdays=frozenset(int(day) for day in data["weekdays"]),
        opens=time.fromisoformat(data["opens"]),
        closes=time.fromisoformat(data["closes"]),
    )


@lru_cache(maxsize=1)
def organisation() -> Organisation:
    """The organisation of this deployment (ORGANISATION_FILE, else organisation.yml)."""
    return load_organisation(os.environ.get("ORGANISATION_FILE", DEFAULT_FILE))
