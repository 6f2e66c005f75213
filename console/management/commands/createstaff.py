"""python -m console createstaff <username> [--admin]: a staff account, password asked twice
(or read from standard input with --password-stdin, for scripts)."""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from console import audit


class Command(BaseCommand):
    help = "Create a staff account (--admin: may manage accounts and delete data)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--admin", action="store_true")
        parser.add_argument("--password-stdin", action="store_true")

    def handle(self, username: str, admin: bool, password_stdin: bool, **_) -> None:
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            raise CommandError(f"{username} already exists")
        password = sys.stdin.readline().rstrip("\n") if password_stdin else self._ask()
        user = users(username=username, is_staff=True, is_superuser=admin)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        user.set_password(password)
        user.save()
        audit.record("command line", "create_account", detail=f"{username} admin={admin}")
        self.stdout.write(f"{'admin' if admin else 'staff'} account {username} created")

    @staticmethod
    def _ask() -> str:
        if not sys.stdin.isatty():
            raise CommandError("no terminal to ask the password: use --password-stdin")
        password = getpass.getpass("Mot de passe : ")
        if password != getpass.getpass("Mot de passe (encore) : "):
            raise CommandError("the two passwords differ")
        return password
