"""The console's pages through Django's test client: sign-in, roles, CSRF, lock-out, output
escaping, exports and the audit log. (The handoff actions against a real Rasa server are in
test_console_handoff.py, the whole path in a browser in test_console_browser.py.)"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from console import tracker
from console.models import AuditEntry, Review
from tests.console_support import Clock, clinical_conversation, faq_conversation, sqlite_database

pytestmark = pytest.mark.django_db
PASSWORD = "une-phrase-de-passe-solide"
XSS = '<img src=x onerror=alert(1)><script>alert("x")</script>'


@pytest.fixture
def tracker_db(settings, tmp_path):
    database = sqlite_database(tmp_path / "tracker.db")
    settings.TRACKER_DATABASE_URL = database.url
    clock = Clock(time.time() - 600)
    database.save("patient-faq", faq_conversation(clock))
    database.save("patient-xss", clinical_conversation(clock, XSS))
    yield database
    tracker.engine().dispose()


@pytest.fixture
def staff(client: Client) -> User:
    user = User.objects.create_user("infirmiere", password=PASSWORD, is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def admin(client: Client) -> User:
    user = User.objects.create_user("admin", password=PASSWORD, is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def every_route() -> list[str]:
    """Every console address, with placeholder arguments."""
    samples = {"sender_id": "patient-faq", "file_format": "json", "name": "shares", "user_id": 1,
               "action": "unlock"}  # fmt: skip
    urls = []
    for pattern in get_resolver().url_patterns:
        assert isinstance(pattern, URLPattern)
        arguments = {name: samples[name] for name in pattern.pattern.converters}
        urls.append(reverse(pattern.name, kwargs=arguments))
    return urls


@pytest.mark.parametrize("url", every_route())
def test_nothing_but_the_sign_in_page_is_reachable_without_signing_in(client, tracker_db, url):
    for response in (client.get(url), client.post(url)):
        if url == reverse("login"):
            assert response.status_code in (200, 403)  # 403: POST without a CSRF token
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))


def test_sign_in_and_out(tracker_db):
    User.objects.create_user("infirmiere", password=PASSWORD)
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"))
    token = page.cookies["console_csrftoken"].value
    form = {"username": "infirmiere", "password": PASSWORD, "csrfmiddlewaretoken": token}
    assert client.post(reverse("login"), form)["Location"] == reverse("queue")
    assert client.get(reverse("queue")).status_code == 200
    token = client.cookies["console_csrftoken"].value
    client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert client.get(reverse("queue")).status_code == 302


def test_session_and_csrf_cookies_are_httponly_and_strict(tracker_db, settings):
    User.objects.create_user("infirmiere", password=PASSWORD)
    client = Client()
    client.post(reverse("login"), {"username": "infirmiere", "password": PASSWORD})
    session = client.cookies["console_session"]
    assert session["httponly"] and session["samesite"] == "Strict"
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert User.objects.get().password.startswith("argon2")


@pytest.mark.parametrize(
    "name, data",
    [
        ("claim", {}),
        ("reply", {"text": "Bonjour"}),
        ("hand_back", {}),
        ("close", {}),
        ("review", {"tag": "improve_answer"}),
    ],
)
def test_a_form_posted_without_its_csrf_token_is_refused(tracker_db, name, data):
    user = User.objects.create_user("infirmiere", password=PASSWORD)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse(name, args=["patient-faq"]), data)
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()
    assert not Review.objects.exists()


OUTSIDER, STAFF_DESK = "203.0.113.66", "10.1.2.3"


def sign_in(client: Client, username: str, password: str, address: str):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_five_failed_sign_ins_lock_the_account_from_that_address_until_an_admin_unlocks_it(
    tracker_db,
):
    User.objects.create_user("infirmiere", password=PASSWORD)
    client = Client()
    for _ in range(5):
        sign_in(client, "infirmiere", "mauvais", STAFF_DESK)
    locked = sign_in(client, "infirmiere", PASSWORD, STAFF_DESK)
    assert (
        locked.status_code == 429
        and "pour ce compte depuis cette adresse" in locked.content.decode()
    )
    assert client.get(reverse("queue")).status_code == 302

    admin = Client()
    admin.force_login(User.objects.create_superuser("admin", password=PASSWORD))
    assert "bloqué" in admin.get(reverse("accounts")).content.decode()
    user_id = User.objects.get(username="infirmiere").pk
    admin.post(reverse("account_action", args=[user_id, "unlock"]))
    sign_in(client, "infirmiere", PASSWORD, STAFF_DESK)
    assert client.get(reverse("queue")).status_code == 200


def test_an_outsider_cannot_lock_a_staff_member_out(tracker_db):
    User.objects.create_user("infirmiere", password=PASSWORD)
    outsider = Client()
    for _ in range(10):
        sign_in(outsider, "infirmiere", "devine", OUTSIDER)
    assert sign_in(outsider, "infirmiere", PASSWORD, OUTSIDER).status_code == 429
    staff = Client()
    assert sign_in(staff, "infirmiere", PASSWORD, STAFF_DESK).status_code == 302
    assert staff.get(reverse("queue")).status_code == 200


def test_an_address_guessing_across_accounts_is_stopped(tracker_db, settings):
    User.objects.create_user("infirmiere", password=PASSWORD)
    guesser = Client()
    for number in range(settings.ADDRESS_FAILURE_LIMIT):
        sign_in(guesser, f"compte{number}", "devine", OUTSIDER)
    refused = sign_in(guesser, "infirmiere", PASSWORD, OUTSIDER)
    assert refused.status_code == 429 and "depuis cette adresse" in refused.content.decode()
    assert sign_in(Client(), "infirmiere", PASSWORD, STAFF_DESK).status_code == 302


@pytest.mark.parametrize("name", ["accounts", "audit"])
def test_admin_pages_are_refused_to_staff(client, tracker_db, staff, name):
    assert client.get(reverse(name)).status_code == 403


def test_staff_cannot_erase_a_conversation(client, tracker_db, staff):
    assert client.post(reverse("erase", args=["patient-faq"])).status_code == 403
    assert tracker.conversation_events("patient-faq")


def test_an_admin_erases_a_conversation_after_confirming(client, tracker_db, admin):
    page = client.get(reverse("erase", args=["patient-faq"]))
    assert "définitivement" in page.content.decode()
    assert tracker.conversation_events("patient-faq")
    client.post(reverse("erase", args=["patient-faq"]))
    assert tracker.conversation_events("patient-faq") == []
    assert client.get(reverse("conversation", args=["patient-faq"])).status_code == 404


def test_an_admin_creates_an_account_with_a_strong_password_only(client, tracker_db, admin):
    weak = {"username": "nouveau", "password": "12345678"}
    assert "trop court" in client.post(reverse("accounts"), weak).content.decode()
    client.post(reverse("accounts"), {"username": "nouveau", "password": PASSWORD})
    assert User.objects.get(username="nouveau").check_password(PASSWORD)


@pytest.mark.parametrize("name", ["queue", "conversations", "conversation"])
def test_message_text_is_shown_as_text(client, tracker_db, staff, name):
    url = reverse(name, args=["patient-xss"]) if name == "conversation" else reverse(name)
    html = client.get(url).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html and "<script>alert" not in html


def test_every_page_has_a_strict_content_security_policy(client, tracker_db, staff):
    response = client.get(reverse("queue"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_queue_lists_the_handed_off_conversation(client, tracker_db, staff):
    html = client.get(reverse("queue")).content.decode()
    assert "patient-xss" in html and "patient-faq" not in html
    assert "Question personnelle de santé" in html


def test_filters_and_search(client, tracker_db, staff):
    def listed(**query) -> bool:
        return "patient-faq" in client.get(reverse("conversations"), query).content.decode()

    assert listed()
    assert listed(q="REFRACTAIRE") and not listed(q="chimio")
    assert listed(status="answered") and not listed(status="handed_off")
    assert listed(channel="socketio") and not listed(channel="meta_whatsapp")
    assert not listed(tag="new_question")
    client.post(
        reverse("review", args=["patient-faq"]), {"tag": "new_question", "note": "à ajouter"}
    )
    assert listed(tag="new_question")


def test_opening_and_exporting_a_transcript_is_audited(client, tracker_db, staff):
    client.get(reverse("conversation", args=["patient-faq"]))
    response = client.get(reverse("export", args=["patient-faq", "csv"]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("text/csv")
    actions = set(AuditEntry.objects.filter(username="infirmiere").values_list("action", flat=True))
    assert {"view", "export_csv"} <= actions
    assert client.get(reverse("export", args=["patient-faq", "html"])).status_code == 404


def test_the_improvement_page_draws_its_plots(client, tracker_db, staff):
    assert "Questions les plus fréquentes" in client.get(reverse("improve")).content.decode()
    for name in ("per-day", "shares", "unanswered"):
        image = client.get(reverse("plot", args=[name]))
        assert image["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"


def test_an_unknown_conversation_is_a_french_404(client, tracker_db, staff):
    response = client.get(reverse("conversation", args=["personne"]))
    assert response.status_code == 404 and "introuvable" in response.content.decode()
