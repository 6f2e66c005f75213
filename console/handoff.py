"""Staff taking over a handed-off conversation: claim, reply, hand back, close.

The `handoff` slot in Rasa is what decides who answers (policies/handed_off.py, the widget's
state); the Claim row says which staff member holds it. Both change together: the slot first
(through Rasa's HTTP API), and the claim is rolled back if Rasa refuses.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from console import audit, index, rasa_api
from console.models import Claim, HandoffStatus

MAX_REPLY_CHARS = 2000


class NotAllowed(Exception):
    """The action is not possible now; the message (French) says why."""


def open_claim(sender_id: str) -> Claim | None:
    return Claim.objects.filter(sender_id=sender_id, ended_at__isnull=True).first()


def _check_holder(sender_id: str, user: AbstractBaseUser) -> Claim | None:
    claim = open_claim(sender_id)
    if claim is not None and claim.holder_id != user.pk and not user.is_superuser:
        raise NotAllowed(f"Cette conversation est prise en charge par {claim.holder.username}.")
    return claim


def claim(sender_id: str, user: AbstractBaseUser) -> None:
    record = rasa_api.handoff_slot(sender_id)
    if record.get("status") not in (HandoffStatus.WAITING, HandoffStatus.TAKEN):
        raise NotAllowed("Cette conversation n'attend personne.")
    try:
        with transaction.atomic():
            Claim.objects.create(sender_id=sender_id, holder=user)
            taken = {**record, "status": HandoffStatus.TAKEN, "taken_by": user.username,
                     "taken_at": timezone.now().isoformat()}  # fmt: skip
            rasa_api.set_handoff_slot(sender_id, taken)
    except IntegrityError:
        holder = open_claim(sender_id)
        raise NotAllowed(
            f"Cette conversation est déjà prise en charge par {holder.holder.username}."
            if holder
            else "Cette conversation vient d'être prise en charge."
        ) from None
    audit.record(user.username, "claim", sender_id)
    index.rebuild(sender_id)


def reply(sender_id: str, user: AbstractBaseUser, text: str) -> None:
    text = text.strip()
    if not text:
        raise NotAllowed("Le message est vide.")
    if len(text) > MAX_REPLY_CHARS:
        raise NotAllowed(f"Le message dépasse {MAX_REPLY_CHARS} caractères.")
    held = _check_holder(sender_id, user)
    if held is None:
        raise NotAllowed("Prenez d'abord la conversation en charge.")
    rasa_api.send_staff_message(sender_id, text, user.username)
    audit.record(user.username, "reply", sender_id, f"{len(text)} caractères")
    index.rebuild(sender_id)


def end(sender_id: str, user: AbstractBaseUser, hand_back: bool) -> None:
    """Hand back (the patient is told the assistant answers again) or close (no message)."""
    held = _check_holder(sender_id, user)
    record = rasa_api.handoff_slot(sender_id)
    if record.get("status") not in (HandoffStatus.WAITING, HandoffStatus.TAKEN):
        raise NotAllowed("Cette conversation n'attend personne.")
    outcome = "handed_back" if hand_back else "closed"
    closed = {**record, "status": HandoffStatus.CLOSED, "closed_by": user.username,
              "closed_at": timezone.now().isoformat(), "outcome": outcome}  # fmt: skip
    rasa_api.set_handoff_slot(sender_id, closed)
    if hand_back:
        rasa_api.send_handed_back_notice(sender_id)
    if held is not None:
        Claim.objects.filter(pk=held.pk).update(ended_at=timezone.now(), outcome=outcome)
    audit.record(user.username, outcome, sender_id)
    index.rebuild(sender_id)
