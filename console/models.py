"""The console's own tables. Rasa's transcripts stay in Rasa's tracker store (tracker.py);
Conversation and Question are an index of it, rebuilt from its events (index.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from contracts import handoff


class Status(models.TextChoices):
    """What happened in a conversation (or after one user message), worst first."""

    URGENT = "urgent", "Urgence"
    HANDED_OFF = "handed_off", "Transmise à l'équipe"
    FALLBACK = "fallback", "Non comprise"
    ANSWERED = "answered", "Répondue par l'assistant"


class HandoffStatus(models.TextChoices):
    """The `handoff` record's status (contracts/handoff.py), as staff read it."""

    NONE = "", "—"
    WAITING = handoff.Status.WAITING.value, "En attente"
    TAKEN = handoff.Status.TAKEN.value, "Prise en charge"
    CLOSED = handoff.Status.CLOSED.value, "Close"


# The `reason` of a handoff record (contracts/handoff.py), as staff read it.
HANDOFF_REASONS = {
    handoff.Reason.EMERGENCY.value: "Urgence",
    handoff.Reason.CLINICAL.value: "Question personnelle de santé",
    handoff.Reason.HUMAN.value: "Demande à parler à quelqu'un",
    handoff.Reason.APPOINTMENT.value: "Rendez-vous",
}


# Rasa's input channel names (channels/), as staff read them.
CHANNELS = {
    "socketio": "Widget du site",
    "twilio_whatsapp": "WhatsApp (Twilio)",
    "meta_whatsapp": "WhatsApp (Meta)",
    "rest": "REST (tests)",
}


class Conversation(models.Model):
    """One Rasa conversation (sender id), summarised from the tracker store."""

    sender_id = models.CharField(max_length=255, unique=True)
    channel = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    last_message_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    user_messages = models.PositiveIntegerField(default=0)
    first_message = models.CharField(max_length=200, blank=True)
    handoff_status = models.CharField(
        max_length=16, choices=HandoffStatus.choices, blank=True, db_index=True
    )
    handoff_reason = models.CharField(max_length=32, blank=True)
    handoff_urgent = models.BooleanField(default=False)
    handoff_requested_at = models.DateTimeField(null=True)
    handoff_message = models.TextField(blank=True)
    # How many times the patient asked for a person while this request was open.
    handoff_requests = models.PositiveIntegerField(default=0)
    # Pseudonym of where the request came from (a widget client's address): the queue folds
    # a flood of urgent requests from one source into one row.
    handoff_source = models.CharField(max_length=64, blank=True)
    # Lower-case, accent-free text of every message, for the search box.
    search_text = models.TextField(blank=True)
    # What the index was built from: the newest event id and the number of events.
    last_event_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-last_message_at"]

    def __str__(self) -> str:
        return self.sender_id

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def reason_label(self) -> str:
        return HANDOFF_REASONS.get(self.handoff_reason, self.handoff_reason)


class Question(models.Model):
    """One user message and what the assistant did with it (the "what to improve" page)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="questions"
    )
    at = models.DateTimeField()
    text = models.TextField()
    normalised = models.CharField(max_length=200, db_index=True)
    outcome = models.CharField(max_length=16, choices=Status.choices)


class Claim(models.Model):
    """A staff member holding a handed-off conversation; one open claim per conversation."""

    sender_id = models.CharField(max_length=255, db_index=True)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    claimed_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=16, blank=True)  # handed_back / closed

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sender_id"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_claim_per_conversation",
            )
        ]


class Tag(models.TextChoices):
    IMPROVE_ANSWER = "improve_answer", "Réponse à améliorer"
    NEW_QUESTION = "new_question", "Question nouvelle"
    WRONG_HANDOFF = "wrong_handoff", "Transmission inutile"
    SAFETY = "safety", "À revoir (sécurité)"


class Review(models.Model):
    """A tag and/or a note left on a conversation by a reviewer."""

    sender_id = models.CharField(max_length=255, db_index=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    tag = models.CharField(max_length=32, choices=Tag.choices, blank=True)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["created_at"]


class AuditEntry(models.Model):
    """Who did what to which conversation. Kept after erasure: it holds no message text."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=32)
    sender_id = models.CharField(max_length=255, blank=True, db_index=True)
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at"]


class IndexState(models.Model):
    """The newest tracker event the index has seen (one row)."""

    last_event_id = models.BigIntegerField(default=0)
