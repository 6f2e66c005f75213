"""How every component reads a message: one normalisation for the classifier and the
red-flag layer, so that « Fièvre !! », « fievre » and « fièvreee » are one word."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

SMS_FILE = Path(__file__).resolve().parent.parent / "data" / "text" / "sms.yml"


@lru_cache(maxsize=1)
def sms_spellings() -> dict[str, str]:
    """data/text/sms.yml: SMS spellings and their expansion (« jai » -> « j ai »)."""
    return dict(yaml.safe_load(SMS_FILE.read_text(encoding="utf-8"))["sms"])


def normalise(text: str, sms: dict[str, str] | None = None) -> str:
    """Lower case, no accents, no punctuation, squeezed repeats, SMS spellings expanded."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"[^\w°]+|_", " ", text)  # letters of any script stay (« مرحبا »)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)
    spellings = sms_spellings() if sms is None else sms
    return " ".join(spellings.get(word, word) for word in text.split())
