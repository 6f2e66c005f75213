"""Browser tests' shared pieces: Debian's chromium driven by Playwright, and the widget's parts.

A pytest plugin: a browser test module loads it with `pytest_plugins = ["tests.browser"]` for
the `browser` fixture (one chromium per module) and `page` (a fresh desktop-sized profile).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPLY_TIMEOUT_MS = 60_000

expect.set_options(timeout=REPLY_TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is missing: `make browser` installs it (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser: Browser) -> Page:
    """A page in a fresh browser profile (empty storage, no cookies), desktop-sized, French."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    return context.new_page()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = new_page(browser)
    yield page
    page.context.close()


# --- the website widget ------------------------------------------------------------------


def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Poser une question").click()
    expect(message_box(page)).to_be_focused()


def message_box(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Votre message")


def log(page: Page) -> Locator:
    return page.get_by_role("log", name="Conversation")


def send(page: Page, text: str) -> None:
    message_box(page).fill(text)
    page.get_by_role("button", name="Envoyer").click()


def bot_messages(page: Page) -> Locator:
    return page.locator(".msg.bot")


def stored_session(page: Page) -> str:
    """The session id in the token the widget keeps in localStorage (Rasa's sender id)."""
    return page.evaluate("Object.values({...localStorage})[0]").split(".")[0]
