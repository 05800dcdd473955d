"""The `citykpi` console script: Django's manage commands with our settings preset."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citykpi.settings")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
