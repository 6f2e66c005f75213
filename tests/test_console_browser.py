"""The staff console in a real browser, next to a patient using the website widget.

Two browser profiles: the patient's, on the stack's demo page, and a staff member's, signed in
to the console (served by gunicorn, reading the same tracker store). Everything they see is
French; the console runs no JavaScript (its CSP forbids it), the widget updates live.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Locator, Page, expect

from console import rasa_api
from devstack.stack import Stack
from tests.browser import bot_messages, log, new_page, open_widget, send, stored_session
from tests.chat import say
from tests.conftest import ConsoleServer
from tests.console_support import Clock, fallback_conversation, sqlite_database

pytest_plugins = ["tests.browser"]  # the `browser` and `page` fixtures

CLINICAL = "Mon oncologue veut changer ma chimio, est-ce que je dois accepter ?"
FAQ = "c'est quoi un cancer réfractaire ?"
HANDOFF_REPLY = "ici, dans cette conversation"  # utter_handoff, in and outside opening hours
HANDED_BACK = "L'échange avec l'équipe est terminé."  # utter_handed_back
STAFF_REPLY = (
    "Bonjour, je suis Claire, infirmière de coordination. Votre oncologue vous expliquera "
    "pourquoi il propose ce changement : notez vos questions pour votre prochain rendez-vous."
)
MARKUP = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
FORMULA = '=HYPERLINK("http://x")'
LISTED_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def staff(console_server: ConsoleServer) -> tuple[str, str]:
    """A staff account (not admin) made for this module: its name and password."""
    username = f"claire-{uuid.uuid4().hex[:6]}"
    password = secrets.token_urlsafe(18)
    console_server.create_account(username, password)
    return username, password


@pytest.fixture
def staff_page(
    browser: Browser, console_server: ConsoleServer, staff: tuple[str, str]
) -> Iterator[Page]:
    """The staff member's own browser profile, signed in, on the queue."""
    page = new_page(browser)
    page.goto(console_server.url + "/connexion/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    page.get_by_label("Identifiant").fill(staff[0])
    page.get_by_label("Mot de passe").fill(staff[1])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="File d'attente")).to_be_visible()
    yield page
    page.context.close()


def queue_rows(page: Page) -> Locator:
    return page.locator("table.queue tbody tr")


def conversation_href(sender_id: str) -> str:
    """The console's address of a conversation, as its pages link to it."""
    return reverse("conversation", args=[sender_id])


def queued(page: Page) -> list[tuple[str, bool]]:
    """The queue's rows, top first: each conversation's link and whether it is urgent."""
    rows = []
    for row in queue_rows(page).all():
        href = row.get_by_role("link", name="Ouvrir").get_attribute("href")
        rows.append((href, "urgent" in (row.get_attribute("class") or "").split()))
    return rows


def reload_until_visible(page: Page, locator: Locator) -> None:
    """Console pages are plain HTML: reload until `locator` is there (Rasa stores a turn's
    events once the turn is over, a moment after the patient saw the replies)."""
    deadline = time.monotonic() + LISTED_TIMEOUT_S
    while locator.count() == 0:
        assert time.monotonic() < deadline, f"not shown within {LISTED_TIMEOUT_S} s: {locator}"
        page.wait_for_timeout(500)
        page.reload()
    expect(locator.first).to_be_visible()


def notice(page: Page) -> Locator:
    return page.locator("main .notice")


def test_staff_take_over_reply_and_hand_back(page: Page, staff_page: Page, stack: Stack):
    patient, console = page, staff_page
    # Already waiting before the patient asks (left by other tests): urgent or older.
    before = queued(console)

    open_widget(patient, stack.demo_page)
    send(patient, CLINICAL)
    expect(log(patient)).to_contain_text(HANDOFF_REPLY)
    expect(patient.get_by_role("status").first).to_contain_text("Votre demande a été transmise")
    sender_id = stored_session(patient)
    href = conversation_href(sender_id)

    # The queue: urgent conversations first, then the longest waiting. Ours is the newest
    # request and not urgent, so it comes right after whatever was waiting before it (first
    # row when the queue was empty: this module alone, or first in the session).
    console.reload()
    row = queue_rows(console).filter(has=console.locator(f'a[href="{href}"]'))
    reload_until_visible(console, row)
    expect(row.locator("td.message")).to_have_text(CLINICAL)
    expect(row).to_contain_text("normal")
    expect(row).to_contain_text("personne")  # nobody holds it yet
    rows = queued(console)
    still_waiting = [entry for entry in before if entry in rows]
    assert rows == [*still_waiting, (href, False)], rows
    urgent_flags = [urgent for _, urgent in rows]
    assert urgent_flags == sorted(urgent_flags, reverse=True), "urgent rows must come first"
    if not before:
        assert rows[0] == (href, False)

    row.get_by_role("link", name="Ouvrir").click()
    handoff = console.get_by_role("region", name="Prise en charge")
    expect(handoff).to_contain_text("Message déclencheur")
    expect(handoff.locator("q.message")).to_have_text(CLINICAL)
    expect(console.locator(".transcript .entry.user").last).to_contain_text(CLINICAL)

    handoff.get_by_role("button", name="Prendre en charge").click()
    expect(notice(console)).to_have_text(
        "Vous avez pris la conversation en charge : l'assistant ne répond plus."
    )
    expect(patient.get_by_role("status").first).to_have_text(
        "Un membre de l'équipe a pris le relais et vous répond ici."
    )

    console.get_by_label("Votre réponse au patient").fill(STAFF_REPLY)
    console.get_by_role("button", name="Envoyer au patient").click()
    expect(notice(console)).to_have_text("Message envoyé au patient.")
    # Live in the widget, as the team's (not the assistant's), with no reload.
    expect(patient.locator(".msg.staff")).to_have_text("Membre de l'équipe : " + STAFF_REPLY)
    expect(console.locator(".transcript .entry.staff")).to_contain_text(STAFF_REPLY)

    console.get_by_role("button", name="Rendre la main à l'assistant").click()
    expect(notice(console)).to_have_text(
        "Conversation rendue à l'assistant ; le patient en est informé."
    )
    expect(console.get_by_role("region", name="Prise en charge")).to_have_count(0)
    expect(bot_messages(patient).filter(has_text=HANDED_BACK)).to_have_count(1)
    expect(log(patient)).to_contain_text("L'assistant a repris la conversation.")
    expect(patient.locator(".status")).to_be_hidden()

    # The assistant answers again: a FAQ question gets its sourced answer.
    send(patient, FAQ)
    answer = bot_messages(patient).last
    expect(answer).to_contain_text("réfractaire")
    expect(answer).to_contain_text("Source :")
    assert patient.locator(".msg.staff").count() == 1

    console.get_by_role("link", name="File d'attente").click()
    expect(console.locator(f'a[href="{href}"]')).to_have_count(0)  # out of the queue


def test_patient_text_is_inert_in_the_console(
    staff_page: Page, stack: Stack, stack_dir: Path, console_server: ConsoleServer
):
    console = staff_page
    dialogs: list[str] = []
    console.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sender_id = f"xss-{uuid.uuid4().hex[:8]}"
    for text in (MARKUP, SCRIPT, FORMULA):
        say(stack, sender_id, text)
    say(stack, sender_id, CLINICAL)  # handed off: the conversation lands in the queue
    # The channels refuse such sender ids now (REST: 400), but a tracker store may hold one
    # (older data, another tool): written by Rasa's own SQLTrackerStore, it must stay text.
    odd_sender_id = f'xss-"><img src=x onerror=alert(3)>-{uuid.uuid4().hex[:8]}'
    tracker_db = sqlite_database(stack_dir / "tracker.db")
    # Recent, so that it is on the list's first page whatever other tests left in the store.
    events = fallback_conversation(Clock(time.time() - 1), MARKUP)
    with ThreadPoolExecutor(1) as pool:  # outside Playwright's event loop
        pool.submit(tracker_db.save, odd_sender_id, events).result()
    tracker_db.store.engine.dispose()
    href, odd_href = conversation_href(sender_id), conversation_href(odd_sender_id)

    response = console.goto(console_server.url + "/")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    row = queue_rows(console).filter(has=console.locator(f'a[href="{href}"]'))
    reload_until_visible(console, row)
    expect(row.locator("td.message")).to_have_text(CLINICAL)

    console.goto(console_server.url + "/conversations/")
    expect(console.locator(f'a[href="{href}"]')).to_have_text(sender_id)
    expect(console.locator(f'a[href="{odd_href}"]')).to_have_text(odd_sender_id[:39] + "…")
    assert console.locator("img").count() == 0

    console.goto(console_server.url + "/ameliorer/")  # unanswered messages are listed there
    expect(console.get_by_role("heading", level=1)).to_be_visible()

    console.goto(console_server.url + odd_href)
    expect(console.get_by_role("heading", level=1)).to_have_text("Conversation " + odd_sender_id)
    expect(console.locator(".transcript .entry.user .text")).to_have_text([MARKUP])
    assert console.locator("img").count() == 0

    response = console.goto(console_server.url + href)
    assert response.status == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    transcript = console.locator(".transcript .entry.user .text")
    expect(transcript).to_have_text([MARKUP, SCRIPT, FORMULA, CLINICAL])
    expect(console.get_by_text(MARKUP, exact=True)).to_be_visible()
    expect(console.get_by_text(SCRIPT, exact=True)).to_be_visible()
    assert console.locator("img[src=x], main script").count() == 0
    assert console.locator("img").count() == 0

    # Exports: downloads (never shown inline), not sniffed, formulas defused in the CSV.
    for name in ("JSON", "CSV"):
        link = console.get_by_role("link", name=name, exact=True)
        export = console.request.get(console_server.url + link.get_attribute("href"))
        assert export.status == 200, name
        assert export.headers["content-disposition"].startswith("attachment;"), name
        assert export.headers["x-content-type-options"] == "nosniff", name
        if name == "JSON":
            assert export.headers["content-type"].startswith("application/json")
            texts = [entry["text"] for entry in json.loads(export.text())["entries"]]
            assert FORMULA in texts and MARKUP in texts  # the JSON keeps the exact text
        else:
            assert export.headers["content-type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(export.text())))
            user_texts = [row["text"] for row in rows if row["kind"] == "user"]
            assert user_texts == [MARKUP, SCRIPT, "'" + FORMULA, CLINICAL]

    # Leave the queue as it was: closed without a message to the (REST) patient.
    console.get_by_role("button", name="Clore sans message").click()
    expect(notice(console)).to_have_text("Conversation close.")
    console.get_by_role("link", name="File d'attente").click()
    expect(console.get_by_role("heading", name="File d'attente")).to_be_visible()
    expect(console.locator(f'a[href="{href}"]')).to_have_count(0)
    assert dialogs == []


def test_an_id_rasa_cannot_address_is_refused_not_rewritten(settings):
    """Rasa does not decode percent-escapes in its paths: the console must not write into a
    conversation named "xss-%22%3E..." instead of the patient's (found by the test above)."""
    settings.RASA_API_TOKEN = "token"
    assert "/conversations/wa-0f3a_1-x/tracker?" in rasa_api._url("wa-0f3a_1-x", "tracker")
    for sender_id in ('xss-"><img src=x>', "a/../b", "50%25", "é", ".", "..", "a:b"):
        with pytest.raises(rasa_api.RasaUnavailable, match="caractères"):
            rasa_api._url(sender_id, "tracker")
