"""The website widget in a real browser: Debian's chromium, driven by Playwright.

The demo page is served by the test stack's Rasa server (channels/widget/assets.py), exactly as
`make run` serves it; a second page on another port embeds the widget as a third-party site.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page, expect

from channels.user_text import MAX_MESSAGE_CHARS
from devstack.stack import Stack
from tests.browser import (
    bot_messages,
    log,
    message_box,
    open_widget,
    send,
    stored_session,
)
from tests.widget_client import post_events

pytest_plugins = ["tests.browser"]  # the `browser` and `page` fixtures

FAQ = "c'est quoi un cancer réfractaire ?"
HUMAN = "Parler à un membre de l'équipe"
EMERGENCY_LINKS = {"tel:15", "tel:112", "sms:114", "tel:3114"}


def test_a_faq_question_gets_its_answer(page: Page, stack: Stack):
    open_widget(page, stack.demo_page)
    expect(bot_messages(page).first).to_contain_text("Bonjour")  # the opening message
    send(page, FAQ)
    expect(page.locator(".msg.user")).to_have_text(["Vous : " + FAQ])
    expect(log(page)).to_contain_text("Source :")
    expect(bot_messages(page).filter(has_text="réfractaire").first).to_be_visible()
    expect(page.locator(".typing")).to_be_hidden()


def test_the_text_box_takes_the_servers_message_limit(page: Page, stack: Stack):
    open_widget(page, stack.demo_page)
    expect(bot_messages(page).first).to_contain_text("Bonjour")  # connected
    box = page.get_by_role("textbox", name="Votre message")
    expect(box).to_have_attribute("maxlength", str(MAX_MESSAGE_CHARS))


def test_a_quick_reply_button_is_clicked(page: Page, stack: Stack):
    open_widget(page, stack.demo_page)
    page.get_by_role("button", name="Voir les thèmes").click()
    topics = page.get_by_role("group", name="Réponses proposées")
    topics.get_by_role("button", name="Cancer réfractaire").click()
    expect(log(page)).to_contain_text("Voici les questions auxquelles je peux répondre")
    expect(page.locator(".msg.user").last).to_have_text("Vous : Cancer réfractaire")
    # The topic's questions are buttons too: clicking one sends it and gets its answer.
    question = page.get_by_role("group", name="Réponses proposées").get_by_role("button").first
    asked = question.inner_text()
    question.click()
    expect(page.locator(".msg.user").last).to_have_text("Vous : " + asked)
    expect(bot_messages(page).last).to_contain_text("Source :")


def test_the_conversation_survives_a_reload(page: Page, stack: Stack):
    open_widget(page, stack.demo_page)
    send(page, FAQ)
    expect(log(page)).to_contain_text("Source :")
    messages = page.locator(".msg")
    shown = messages.all_text_contents()[1:]  # all but the opening message, which is not stored
    session_id = stored_session(page)
    page.reload()
    expect(messages).to_have_text(shown)  # the panel reopens with the history
    assert stored_session(page) == session_id
    # Closed then reloaded: the history is there when the widget is opened again.
    page.get_by_role("button", name="Fermer l'assistant").click()
    page.reload()
    page.get_by_role("button", name="Poser une question").click()
    expect(log(page)).to_contain_text(FAQ)


def test_a_new_conversation_forgets_the_previous_one(page: Page, stack: Stack):
    open_widget(page, stack.demo_page)
    send(page, FAQ)
    expect(log(page)).to_contain_text("Source :")
    previous = stored_session(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Nouvelle conversation").click()
    expect(page.locator(".msg")).to_have_count(1)  # only the opening message
    expect(message_box(page)).to_be_focused()
    page.reload()
    expect(page.get_by_role("button", name="Voir les thèmes")).to_be_visible()
    expect(log(page)).not_to_contain_text(FAQ)
    assert stored_session(page) != previous


def test_a_message_written_while_connecting_is_sent_once_connected(page: Page, stack: Stack):
    held = []  # the socket.io client's download, held back: the widget cannot connect yet
    page.route("**/widget/socket.io.esm.min.js", lambda route: held.append(route))
    open_widget(page, stack.demo_page)
    send(page, FAQ)
    expect(page.locator(".msg.user")).to_have_text(["Vous : " + FAQ])
    expect(page.locator(".typing")).to_be_visible()
    assert len(held) == 1
    held[0].continue_()
    expect(log(page)).to_contain_text("Source :")
    expect(page.locator(".msg.user")).to_have_text(["Vous : " + FAQ])


def test_asking_for_a_person_shows_the_waiting_state(page: Page, stack: Stack):
    open_widget(page, stack.demo_page)
    page.get_by_role("button", name=HUMAN).click()
    expect(page.locator(".msg.user").last).to_have_text("Vous : " + HUMAN)
    expect(log(page)).to_contain_text("ici, dans cette conversation")
    expect(page.get_by_role("status").first).to_have_text(
        "Votre demande a été transmise : un membre de l'équipe va vous répondre ici."
    )
    expect(page.get_by_role("button", name=HUMAN)).to_be_hidden()
    expect(log(page)).to_contain_text("Un membre de l'équipe va vous répondre.")  # the change
    page.reload()  # the waiting state is the server's, not the page's
    expect(page.get_by_role("status").first).to_contain_text("Votre demande a été transmise")


def test_a_person_takes_over_then_hands_back(page: Page, stack: Stack):
    open_widget(page, stack.demo_page)
    page.get_by_role("button", name=HUMAN).click()
    status = page.get_by_role("status").first
    expect(status).to_contain_text("Votre demande a été transmise")
    session_id = stored_session(page)
    taken = {"event": "slot", "name": "handoff", "value": {"status": "taken"}}
    said = {"event": "bot", "text": "Bonjour, ici Claire.", "metadata": {"author": "staff"}}
    post_events(stack, session_id, [taken, said])
    expect(page.locator(".msg.staff")).to_have_text("Membre de l'équipe : Bonjour, ici Claire.")
    expect(status).to_have_text("Un membre de l'équipe a pris le relais et vous répond ici.")
    expect(log(page)).to_contain_text("Un membre de l'équipe a pris le relais.")
    post_events(stack, session_id, [{"event": "slot", "name": "handoff", "value": None}])
    expect(log(page)).to_contain_text("L'assistant a repris la conversation.")
    expect(page.locator(".status")).to_be_hidden()  # no banner while the assistant answers
    expect(page.get_by_role("button", name=HUMAN)).to_be_visible()


def test_keyboard_only(page: Page, stack: Stack):
    page.goto(stack.demo_page)
    page.keyboard.press("Tab")
    launcher = page.get_by_role("button", name="Poser une question")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(message_box(page)).to_be_focused()
    page.keyboard.type(FAQ)
    page.keyboard.press("Enter")
    expect(page.locator(".msg.user")).to_have_text(["Vous : " + FAQ])
    expect(message_box(page)).to_have_value("")
    expect(log(page)).to_contain_text("Source :")
    page.keyboard.press("Shift+Tab")  # back from the box: the "person" action, then the log
    expect(page.get_by_role("button", name=HUMAN)).to_be_focused()
    page.keyboard.press("Escape")
    expect(launcher).to_be_focused()
    expect(page.get_by_role("region", name="Assistant d'information")).to_be_hidden()


def test_emergency_numbers_and_a_phone_sized_screen(browser: Browser, stack: Stack):
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True)
    page = context.new_page()
    open_widget(page, stack.demo_page)
    emergency = page.get_by_role("navigation", name="En cas d'urgence")
    expect(emergency).to_be_visible()
    hrefs = {link.get_attribute("href") for link in emergency.get_by_role("link").all()}
    assert hrefs == EMERGENCY_LINKS
    for link in emergency.get_by_role("link").all():
        expect(link).to_be_in_viewport()
    panel = page.get_by_role("region", name="Assistant d'information").bounding_box()
    assert panel is not None and panel["x"] >= 0 and panel["width"] <= 360
    send(page, FAQ)
    expect(log(page)).to_contain_text("Source :")
    expect(emergency).to_be_in_viewport()  # still there after a long answer
    expect(page.get_by_role("button", name="Envoyer")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


CONTRAST = """
root => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
      .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => {
    for (let node = el; node; node = node.parentElement || node.getRootNode().host) {
      const [r, g, b, a = 1] = rgb(getComputedStyle(node).backgroundColor);
      if (a > 0) return [r, g, b];
    }
    return [255, 255, 255];
  };
  const ratios = {};
  for (const el of root.querySelectorAll("h2, p, .msg, .text, a, button, .typing-text")) {
    if (!el.offsetParent || !el.textContent.trim()) continue;
    const [l1, l2] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const key = el.className || el.tagName;
    ratios[key] = Math.min(ratios[key] || 99, Math.round(ratio * 100) / 100);
  }
  return ratios;
}
"""


def test_text_contrast_meets_wcag_aa(page: Page, stack: Stack):
    open_widget(page, stack.demo_page)
    send(page, FAQ)
    expect(log(page)).to_contain_text("Source :")
    ratios = page.locator("#assistant-widget").evaluate(
        "host => (" + CONTRAST + ")(host.shadowRoot)"
    )
    assert {"msg bot", "msg user", "human-button", "send-button"} <= set(ratios)
    assert all(ratio >= 4.5 for ratio in ratios.values()), ratios


def test_messages_are_shown_as_text_never_as_html(page: Page, stack: Stack):
    open_widget(page, stack.demo_page)
    markup = '<img src="x" onerror="document.title=\'pwned\'"><b>gras</b>'
    send(page, markup)
    expect(page.locator(".msg.user")).to_have_text(["Vous : " + markup])
    expect(bot_messages(page).nth(1)).to_be_visible()  # a reply came
    assert page.locator("#assistant-widget img, #assistant-widget b").count() == 0
    assert page.title() != "pwned"


@pytest.fixture(scope="module")
def third_party_site(embed_port: int, stack: Stack) -> Iterator[str]:
    """Another site (another Origin, allowed by the stack) embedding the widget with one tag."""
    page = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Clinique</title>'
        "</head><body><h1>Clinique de démonstration</h1>"
        f'<script src="{stack.rasa_url}/widget/widget.js" defer data-title="Aide aux patients"'
        ' data-primary-color="#ffd400" data-greeting="Bienvenue à la clinique !"></script>'
        "</body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", embed_port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{embed_port}/"
    server.shutdown()
    server.server_close()


def test_the_widget_works_embedded_on_another_site(page: Page, third_party_site: str):
    open_widget(page, third_party_site)
    expect(page.get_by_role("heading", name="Aide aux patients")).to_be_visible()
    expect(bot_messages(page).first).to_have_text("Assistant : Bienvenue à la clinique !")
    # A light brand colour gets dark text, for contrast.
    assert page.locator(".send-button").evaluate("b => getComputedStyle(b).color") == "rgb(0, 0, 0)"
    send(page, FAQ)
    expect(log(page)).to_contain_text("Source :")


def test_a_site_that_is_not_allowed_gets_no_conversation(page: Page, third_party_site: str):
    """The widget's files are public, but its conversations only open from allowed Origins:
    http://localhost:<port> is another Origin than the allowed http://127.0.0.1:<port>."""
    page.goto(third_party_site.replace("127.0.0.1", "localhost"))
    page.get_by_role("button", name="Poser une question").click()
    expect(page.get_by_role("status").first).to_have_text(
        "L'assistant est momentanément indisponible. En cas d'urgence, appelez le 15 ou le 112."
    )
