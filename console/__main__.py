"""`python -m console <command>`: Django's management commands with the console's settings.

The console's own: createstaff, purge_conversations, erase_conversation (README, staff guide).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m console", *sys.argv[1:]])


if __name__ == "__main__":
    main()
