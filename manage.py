#!/usr/bin/env python
"""Django's command-line utility.

The sandbox store is a separate Django project in the same repository, with its own
settings and database: its commands run under `sandbox.settings`.
"""

import os
import sys

SANDBOX_COMMANDS = {"runsandbox", "seed_sandbox", "sandbox_token", "sandbox_migrate"}


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in SANDBOX_COMMANDS:
        os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
