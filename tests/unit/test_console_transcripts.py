"""Rasa events as staff read them (console/transcripts.py) and exports (console/exports.py)."""

from __future__ import annotations

import csv
import io
import json

from console import exports
from console.models import Status
from console.transcripts import entries, fold, summary
from tests.console_support import (
    Clock,
    action,
    bot,
    clinical_conversation,
    emergency_conversation,
    faq_conversation,
    handoff,
    user,
)


def as_dicts(events) -> list[dict]:
    """Events as the tracker store keeps them (the `data` column)."""
    return [event.as_dict() for event in events]


def test_a_faq_answer_shows_the_question_the_answer_and_its_confidence():
    transcript = entries(as_dicts(faq_conversation(Clock(0))))
    question, answer = [e for e in transcript if e.kind in ("user", "bot")]
    assert question.text == "c'est quoi un cancer réfractaire ?"
    assert question.intent == "faq/refractory_cancer_definition" and question.confidence == 0.97
    assert question.flags == ()
    assert answer.answer == "utter_faq/refractory_cancer_definition"


def test_staff_messages_and_handoff_steps_appear_in_order():
    clock = Clock(0)
    events = clinical_conversation(clock, "Dois-je arrêter mon traitement ?")
    events += [
        handoff(clock, "taken", "clinical", "Dois-je arrêter mon traitement ?", taken_by="claire"),
        bot(clock, "Bonjour, ici Claire.", "", author="staff", staff_user="claire"),
        handoff(clock, "closed", "clinical", "", closed_by="claire", outcome="handed_back"),
    ]
    transcript = entries(as_dicts(events))
    kinds = [(e.kind, e.text) for e in transcript if e.kind != "event" or "par" in e.text]
    assert kinds[-3:] == [
        ("event", "Prise en charge par claire"),
        ("staff", "Bonjour, ici Claire."),
        ("event", "Rendue à l'assistant par claire"),
    ]
    staff = next(e for e in transcript if e.kind == "staff")
    assert staff.author == "claire" and staff.answer == ""
    question = next(e for e in transcript if e.kind == "user")
    assert question.flags == (Status.HANDED_OFF.value,)


def test_a_conversation_takes_its_worst_outcome():
    clock = Clock(0)
    events = faq_conversation(clock) + emergency_conversation(clock, "je saigne beaucoup")[3:]
    result = summary(as_dicts(events))
    assert result.status == Status.URGENT
    assert [status for _, _, status in result.questions] == [Status.ANSWERED, Status.URGENT]
    assert result.handoff["urgent"] is True


def test_only_a_bot_event_marked_staff_is_a_staff_message():
    clock = Clock(0)
    events = [
        user(clock, "bonjour", "greet"),
        bot(clock, "Bonjour !", "utter_greet", author="<script>"),
        action(clock, "action_listen"),
    ]
    assert [e.kind for e in entries(as_dicts(events))] == ["user", "bot"]


def test_fold_removes_case_and_accents():
    assert fold("Métastases À l'ÉTÉ") == "metastases a l'ete"


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    clock = Clock(0)
    events = [
        user(clock, '=HYPERLINK("http://x")', "nlu_fallback"),
        user(clock, "+33 6 00", "nlu_fallback"),
        user(clock, "-1", "nlu_fallback"),
        user(clock, "@SUM(A1)", "nlu_fallback"),
        user(clock, "une question normale", "nlu_fallback"),
    ]
    rows = list(csv.DictReader(io.StringIO(exports.as_csv(entries(as_dicts(events))))))
    assert [row["text"] for row in rows] == [
        '\'=HYPERLINK("http://x")',
        "'+33 6 00",
        "'-1",
        "'@SUM(A1)",
        "une question normale",
    ]


def test_json_export_keeps_the_text_as_written():
    clock = Clock(0)
    events = [user(clock, "<script>alert(1)</script>", "nlu_fallback")]
    exported = json.loads(exports.as_json("s-1", entries(as_dicts(events))))
    assert exported["sender_id"] == "s-1"
    assert exported["entries"][0]["text"] == "<script>alert(1)</script>"
