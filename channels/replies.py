"""The channels' own French wording, in channels/replies.yml (what they write without asking
Rasa: refusals of unusable messages, errors, WhatsApp's hints). Rasa's replies are in data/."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

REPLIES_FILE = Path(__file__).with_name("replies.yml")


@lru_cache(maxsize=1)
def replies() -> dict[str, Any]:
    return yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))
