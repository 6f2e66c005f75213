"""`rasa run`, with the HTTP API's token kept out of the process list, and private files.

Rasa 3.6 takes its API token only as `--auth-token`, which any local user reads in the
process list (`ps`, /proc/<pid>/cmdline). This launcher reads it from the environment
(RASA_API_TOKEN) or from a file only its owner can read (RASA_API_TOKEN_FILE), and gives it to
Rasa's own argument parser inside the process: the command line shows no secret. Without a
token the HTTP API stays off (never open). It also sets an owner-only umask, so that the
tracker store, the contacts database and anything else Rasa creates is private (transcripts
are health data). The production tracker store fails loudly instead of falling back to
memory (stores/tracker_store.py).

    python -m scripts.rasa_server --model models/assistant.tar.gz --endpoints endpoints.yml ...

takes `rasa run`'s options (never --enable-api or --auth-token: the environment decides).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from scripts.rasa_cli import (
    defer_tensorflow,
    run_graph_in_order,
    serve_without_training_graph,
)

TOKEN_ENV = "RASA_API_TOKEN"
TOKEN_FILE_ENV = "RASA_API_TOKEN_FILE"
PRIVATE_UMASK = 0o077


def api_token(environ: dict[str, str]) -> str | None:
    """The token from the environment, else from its file (refused if others can read it)."""
    if environ.get(TOKEN_ENV):
        return environ[TOKEN_ENV]
    path = environ.get(TOKEN_FILE_ENV)
    if not path:
        return None
    if Path(path).stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SystemExit(f"{TOKEN_FILE_ENV}: {path} must be readable by its owner only (chmod 600)")
    return Path(path).read_text(encoding="utf-8").strip() or None


def rasa_arguments(arguments: list[str], token: str | None) -> list[str]:
    if any(a.split("=")[0] in ("--enable-api", "--auth-token") for a in arguments):
        raise SystemExit(f"the HTTP API is enabled by {TOKEN_ENV}, never on the command line")
    api = ["--enable-api", f"--auth-token={token}"] if token else []
    return ["rasa", "run", *arguments, *api]


def main() -> None:
    token = api_token(dict(os.environ))
    os.environ.pop(TOKEN_ENV, None)  # nothing Rasa starts inherits it
    os.umask(PRIVATE_UMASK)
    sys.argv = rasa_arguments(sys.argv[1:], token)
    defer_tensorflow()
    serve_without_training_graph()
    run_graph_in_order()
    from stores.tracker_store import refuse_memory_fallback  # imports Rasa: after the above

    refuse_memory_fallback()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
