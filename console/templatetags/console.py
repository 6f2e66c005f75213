"""Template filters of the console."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def waited(since: datetime, now: datetime) -> str:
    """How long a patient has waited: « moins d'une minute », then Django's « 5 minutes »."""
    if now - since < timedelta(minutes=1):
        return "moins d'une minute"
    return timesince(since, now)
