"""The console's data layer against real tracker stores written by Rasa (SQLite and
PostgreSQL): the index, search, retention and erasure."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from channels.whatsapp import contacts
from console import index, retention, tracker
from console.models import AuditEntry, Conversation, HandoffStatus, Question, Review, Status
from tests.console_support import (
    Clock,
    clinical_conversation,
    drop_postgres_database,
    emergency_conversation,
    fallback_conversation,
    faq_conversation,
    postgres_database,
    sqlite_database,
    user,
)

pytestmark = pytest.mark.django_db
DAY = 86_400


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_db(request, settings, tmp_path):
    """A tracker store the console reads (settings.TRACKER_DATABASE_URL), on both engines."""
    if request.param == "sqlite":
        database, name = sqlite_database(tmp_path / "tracker.db"), None
    else:
        database, name = postgres_database()
    settings.TRACKER_DATABASE_URL = database.url
    yield database
    tracker.engine().dispose()
    database.store.engine.dispose()
    if name:
        drop_postgres_database(name)


def test_the_index_summarises_each_conversation(tracker_db):
    clock = Clock(time.time() - 3600)
    tracker_db.save("faq", faq_conversation(clock))
    tracker_db.save("clinical", clinical_conversation(clock, "Dois-je arrêter ma chimio ?"))
    tracker_db.save("urgent", emergency_conversation(clock, "j'ai 40 de fièvre et des frissons"))
    tracker_db.save("unclear", fallback_conversation(clock, "blabla truc"))

    assert index.refresh() == 4
    statuses = dict(Conversation.objects.values_list("sender_id", "status"))
    assert statuses == {
        "faq": Status.ANSWERED,
        "clinical": Status.HANDED_OFF,
        "urgent": Status.URGENT,
        "unclear": Status.FALLBACK,
    }
    urgent = Conversation.objects.get(sender_id="urgent")
    assert urgent.handoff_status == HandoffStatus.WAITING and urgent.handoff_urgent
    assert urgent.handoff_message == "j'ai 40 de fièvre et des frissons"
    assert urgent.channel == "socketio" and urgent.user_messages == 1
    assert Question.objects.get(conversation__sender_id="unclear").outcome == Status.FALLBACK


def test_refresh_rebuilds_only_what_changed_and_sees_new_messages(tracker_db):
    clock = Clock(time.time() - 3600)
    tracker_db.save("a", faq_conversation(clock))
    tracker_db.save("b", faq_conversation(clock))
    assert index.refresh() == 2
    assert index.refresh() == 0
    tracker_db.append("b", clinical_conversation(clock, "et pour mon traitement à moi ?")[3:])
    assert index.refresh() == 1
    assert Conversation.objects.get(sender_id="b").status == Status.HANDED_OFF


def test_search_ignores_case_and_accents(tracker_db):
    clock = Clock(time.time() - 3600)
    tracker_db.save("m", faq_conversation(clock, "Les MÉTASTASES peuvent-elles disparaître ?"))
    tracker_db.save("r", faq_conversation(clock))
    index.refresh()
    found = Conversation.objects.filter(search_text__contains="metastases")
    assert [c.sender_id for c in found] == ["m"]


def test_retention_deletes_conversations_silent_for_n_days_everywhere(
    tracker_db, tmp_path, monkeypatch
):
    monkeypatch.setenv(contacts.DB_URL_ENV, f"sqlite:///{tmp_path / 'contacts.db'}")
    contacts.book.cache_clear()
    book = contacts.book()
    old, recent = Clock(time.time() - 40 * DAY), Clock(time.time() - 2 * DAY)
    tracker_db.save("wa-old", clinical_conversation(old, "ancienne question", channel="meta"))
    tracker_db.save("recent", faq_conversation(recent))
    book.remember("wa-old", "meta_whatsapp", "+33612345678")
    index.refresh()
    staff = User.objects.create_user("relectrice", password="x")
    Review.objects.create(sender_id="wa-old", author=staff, note="à revoir")

    call_command("purge_conversations", "--days", "30")

    assert tracker.conversation_events("wa-old") == []
    assert tracker.conversation_events("recent") != []
    assert list(Conversation.objects.values_list("sender_id", flat=True)) == ["recent"]
    assert not Review.objects.exists()
    assert book.number_for("wa-old") is None
    assert AuditEntry.objects.filter(action="purge").exists()
    contacts.book.cache_clear()


def test_erasure_deletes_one_conversation_and_keeps_the_others(tracker_db):
    clock = Clock(time.time() - 3600)
    tracker_db.save("erase-me", clinical_conversation(clock, "ma question personnelle"))
    tracker_db.save("keep-me", faq_conversation(clock))
    index.refresh()

    call_command("erase_conversation", "erase-me")

    assert tracker.conversation_events("erase-me") == []
    assert len(tracker.conversation_events("keep-me")) > 0
    assert not Conversation.objects.filter(sender_id="erase-me").exists()
    entry = AuditEntry.objects.get(action="erase")
    assert entry.sender_id == "erase-me" and "question" not in entry.detail
    # The index does not bring it back from a stale look-back window.
    index.refresh()
    assert not Conversation.objects.filter(sender_id="erase-me").exists()


def test_retention_refuses_a_non_positive_number_of_days():
    with pytest.raises(ValueError):
        retention.purge_older_than(0)


def test_a_tracker_store_rasa_has_not_created_yet_reads_as_empty(settings, tmp_path):
    settings.TRACKER_DATABASE_URL = f"sqlite:///{tmp_path / 'not-yet.db'}"
    assert index.refresh() == 0
    assert tracker.conversation_events("anyone") == []


def test_messages_in_several_sessions_stay_in_one_conversation(tracker_db):
    clock = Clock(time.time() - 3600)
    events = faq_conversation(clock)
    events += [*faq_conversation(clock)[:3], user(clock, "re-bonjour", "greet")]
    tracker_db.save("two-sessions", events)
    index.refresh()
    assert Conversation.objects.get(sender_id="two-sessions").user_messages == 2
