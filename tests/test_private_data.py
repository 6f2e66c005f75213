"""Private by default: what the running assistant and console write is their owner's only,
the API token is in no process list, and no access log holds patient words."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest
import requests

from devstack.stack import Stack
from scripts import rasa_server
from tests.chat import say
from tests.whatsapp_support import WhatsAppStack


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_tracker_store_and_logs_are_readable_by_their_owner_only(stack: Stack, stack_dir):
    say(stack, f"private-{uuid.uuid4().hex[:8]}", "bonjour")
    assert mode(stack_dir / "tracker.db") == 0o600
    assert mode(stack_dir / "logs") == 0o700
    for log in (stack_dir / "logs").glob("*.log"):
        assert mode(log) == 0o600, log


def test_the_contacts_database_is_readable_by_its_owner_only(whatsapp_stack: WhatsAppStack):
    answer = whatsapp_stack.twilio_text("+33639980501", "bonjour", f"SM{uuid.uuid4().hex}")
    assert answer.status == 200
    whatsapp_stack.wait_for_user_events(whatsapp_stack.pseudonym("+33639980501"), 1)
    assert mode(whatsapp_stack.workdir / "contacts.db") == 0o600


def test_the_console_database_is_readable_by_its_owner_only(console_server, stack_dir):
    assert mode(stack_dir / "console.db") == 0o600


def test_the_api_token_is_in_no_process_list(stack: Stack):
    assert stack.api_token and stack.tracker_events  # the API is on, with its token
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        assert stack.api_token.encode() not in arguments, cmdline


def test_staff_search_terms_stay_out_of_the_console_access_log(console_server, stack_dir):
    console_server.create_account("lecteur", "mot-de-passe-solide-42")
    session = requests.Session()
    login = session.get(f"{console_server.url}/connexion/")
    token = session.cookies["console_csrftoken"]
    session.post(
        f"{console_server.url}/connexion/",
        data={"username": "lecteur", "password": "mot-de-passe-solide-42",
              "csrfmiddlewaretoken": token},
        headers={"Referer": login.url},
    )  # fmt: skip
    term = f"metastasesrecherche{uuid.uuid4().hex[:6]}"
    page = session.get(f"{console_server.url}/conversations/", params={"q": term})
    assert page.status_code == 200 and "Conversations" in page.text
    log = (stack_dir / "logs" / "console.log").read_text()
    assert "GET /conversations/" in log, "the request is logged"
    assert term not in log


def test_the_token_file_must_be_private(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("s3cr3t-token\n")
    token_file.chmod(0o600)
    assert rasa_server.api_token({"RASA_API_TOKEN_FILE": str(token_file)}) == "s3cr3t-token"
    token_file.chmod(0o644)
    with pytest.raises(SystemExit, match="chmod 600"):
        rasa_server.api_token({"RASA_API_TOKEN_FILE": str(token_file)})
    assert rasa_server.api_token({}) is None


def test_the_api_is_never_enabled_on_the_command_line():
    assert rasa_server.rasa_arguments(["--port", "1"], "t")[-2:] == [
        "--enable-api",
        "--auth-token=t",
    ]
    assert "--enable-api" not in rasa_server.rasa_arguments(["--port", "1"], None)
    with pytest.raises(SystemExit):
        rasa_server.rasa_arguments(["--auth-token=x"], None)
