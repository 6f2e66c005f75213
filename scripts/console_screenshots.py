"""Screenshots of the staff console for the README: docs/console-queue.png and
docs/console-transcript.png.

    .venv/bin/python -m scripts.console_screenshots

Starts the assistant and the console as the tests do (a temporary directory, its own SQLite
tracker store, Rasa's HTTP API with a token made for this run), has a few patients write
through the REST webhook, then signs a staff member in with chromium (Playwright), takes one
conversation over, answers it and saves the two pages. Needs the trained model and chromium
(`make browser`).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

from devstack.stack import (
    CONSOLE_SECRET_ENV,
    ORIGINS_ENV,
    PROJECT,
    SECRET_ENV,
    Stack,
    console_command,
    console_settings,
    free_port,
    running_console,
    running_stack,
    send_message,
    write_endpoints,
)

DOCS = PROJECT / "docs"
QUEUE_PNG = DOCS / "console-queue.png"
TRANSCRIPT_PNG = DOCS / "console-transcript.png"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
STAFF = "claire.martin"
TIMEOUT_MS = 60_000

# (sender id, messages): one conversation per patient, as they would type them.
FAQ = ("demo-faq", ["Bonjour", "c'est quoi un cancer réfractaire ?"])
UNCLEAR = ("demo-unclear", ["et pour la mutuelle ça se passe comment"])
CLINICAL = (
    "demo-clinical",
    ["Bonjour", "Mon oncologue veut changer ma chimio, est-ce que je dois accepter ?"],
)
EMERGENCY = ("demo-emergency", ["j'ai 40 de fièvre et des frissons depuis ce matin"])
HUMAN = ("demo-human", ["Je voudrais parler à une infirmière s'il vous plaît"])
STAFF_REPLY = (
    "Bonjour, je suis Claire, infirmière de coordination du service. Votre oncologue vous "
    "propose ce changement pour une raison précise : je vous conseille de noter vos questions "
    "et de lui en parler lors de votre prochaine consultation. Si vous le souhaitez, je peux "
    "vous rappeler demain matin pour en discuter."
)
PATIENT_THANKS = "Merci beaucoup pour votre réponse."


def converse(stack: Stack, conversation: tuple[str, list[str]]) -> None:
    sender, messages = conversation
    for text in messages:
        replies = send_message(stack.rest_webhook, sender, text)
        first = (replies[0].get("text") or "").split("\n")[0][:70] if replies else "(rien)"
        print(f"  {sender}: « {text} » -> {first}")
        time.sleep(1)  # a little time between messages, as people type


def sign_in(page: Page, url: str, password: str) -> None:
    page.goto(url + "/connexion/")
    page.get_by_label("Identifiant").fill(STAFF)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="File d'attente")).to_be_visible()


def take_screenshots(console_url: str, password: str, stack: Stack) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is missing: `make browser` installs it")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
        page = context.new_page()
        sign_in(page, console_url, password)

        # Take the clinical question over and answer it; the patient thanks the team.
        page.locator("tr", has_text="Mon oncologue").get_by_role("link", name="Ouvrir").click()
        page.get_by_role("button", name="Prendre en charge").click()
        page.get_by_label("Votre réponse au patient").fill(STAFF_REPLY)
        page.get_by_role("button", name="Envoyer au patient").click()
        expect(page.locator(".transcript .entry.staff")).to_contain_text("infirmière")
        send_message(
            stack.rest_webhook, CLINICAL[0], PATIENT_THANKS
        )  # the assistant stays silent: a person holds it
        transcript_url = page.url

        page.get_by_role("link", name="File d'attente").click()
        expect(page.locator("table.queue tbody tr")).to_have_count(3)
        page.screenshot(path=str(QUEUE_PNG), full_page=True)

        page.goto(transcript_url)  # without the one-time "message sent" notice
        expect(page.locator(".transcript")).to_contain_text(PATIENT_THANKS)
        page.screenshot(path=str(TRANSCRIPT_PNG), full_page=True)
        browser.close()


def main() -> None:
    logging.basicConfig(format="%(levelname)s %(message)s")
    os.environ.setdefault(CONSOLE_SECRET_ENV, secrets.token_urlsafe(48))
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="console-screenshots-") as tmp:
        workdir = Path(tmp)
        action_port, rasa_port, console_port = free_port(), free_port(), free_port()
        widget = {
            SECRET_ENV: secrets.token_urlsafe(32),
            ORIGINS_ENV: f"http://127.0.0.1:{rasa_port}",
        }
        print("Starting the action server, Rasa and the console (a minute or two)...")
        with running_stack(
            rasa_port,
            action_port,
            workdir / "logs",
            endpoints=write_endpoints(workdir, action_port),
            api_token=secrets.token_urlsafe(24),
            widget=widget,
        ) as stack:
            env = console_settings(stack, workdir / "tracker.db", workdir / "console.db")
            with running_console(console_port, workdir / "logs" / "console.log", env) as url:
                password = secrets.token_urlsafe(18)
                console_command(
                    env, "createstaff", STAFF, "--password-stdin", stdin=password + "\n"
                )
                print("Patients writing:")
                for conversation in (FAQ, UNCLEAR, HUMAN, CLINICAL, EMERGENCY):
                    converse(stack, conversation)
                take_screenshots(url, password, stack)
    for path in (QUEUE_PNG, TRANSCRIPT_PNG):
        print(f"{path.relative_to(PROJECT)}: {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
