"""`make run`: the assistant, its action server and a terminal chat, on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import time
import urllib.error
import urllib.request
import uuid

from devstack.stack import (
    PROJECT,
    console_settings,
    private_directory,
    running_console,
    running_stack,
    send_message,
)

API_TOKEN_ENV = "RASA_API_TOKEN"


def api_token() -> str:
    """Rasa's HTTP API token (the console writes through it): the caller's, else one for this
    run only."""
    return os.environ.get(API_TOKEN_ENV) or secrets.token_urlsafe(32)


def send(webhook: str, sender: str, text: str) -> list[dict]:
    """The bot's messages; a refusal of the REST channel (too long, empty…) shown as one."""
    try:
        return send_message(webhook, sender, text)
    except urllib.error.HTTPError as error:
        try:
            refusal = json.load(error)["message"]
        except (ValueError, KeyError, TypeError):
            refusal = f"Erreur HTTP {error.code}."
        return [{"text": refusal}]


def show(messages: list[dict]) -> list[dict]:
    """Prints the bot's messages; returns the buttons of the last one, numbered on screen."""
    buttons: list[dict] = []
    for message in messages:
        if message.get("text"):
            print(f"\nAssistant : {message['text']}")
        buttons = message.get("buttons") or []
        for number, button in enumerate(buttons, start=1):
            print(f"   {number}. {button['title']}")
    return buttons


def chat(webhook: str) -> None:
    sender = f"terminal-{uuid.uuid4().hex[:12]}"
    print("Écrivez votre message (Ctrl-D pour quitter). Tapez un numéro pour choisir un bouton.")
    buttons = show(send(webhook, sender, "Bonjour"))
    while True:
        try:
            text = input("\nVous : ").strip()
        except EOFError:
            print()
            return
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        if text:
            buttons = show(send(webhook, sender, text))


def main() -> None:
    # `kill` or a service manager stops the run like Ctrl-C: the child servers stop with it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--console-port", type=int, default=8000)
    args = parser.parse_args()
    logging.basicConfig(format="%(levelname)s %(message)s")
    var = private_directory(PROJECT / "var")  # transcripts and logs are health data
    logs = private_directory(var / "logs")
    print(f"Démarrage du serveur d'actions, de Rasa et de la console (journaux dans {logs})...")
    with (
        running_stack(args.rasa_port, args.action_port, logs, api_token=api_token()) as stack,
        running_console(
            args.console_port,
            logs / "console.log",
            console_settings(stack, var / "tracker.db", var / "console.db"),
        ) as console,
    ):
        print(f"Assistant prêt. Canal REST : POST {stack.rest_webhook}")
        print(f"Page de démonstration du widget : {stack.demo_page}")
        print(f"Console de l'équipe : {console}/  (premier compte : make account NAME=... ADMIN=1)")
        if sys.stdin.isatty():
            chat(stack.rest_webhook)
        else:
            print("Pas de terminal interactif : Ctrl-C pour arrêter.")
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\nArrêt.")
