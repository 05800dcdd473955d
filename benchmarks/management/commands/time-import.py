"""`citykpi time-import legacy|workbook [--pages N | --kpis N] [--fresh] [--profile FILE] [--json]`:
time the legacy import or the workbook import (benchmarks.import_timing). Without --fresh
it works in the configured database, which must be empty; --fresh uses a new SQLite one."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benchmarks import import_timing as timing


class Command(BaseCommand):
    # A measurement: it must not depend on URL or template checks of unrelated apps.
    requires_system_checks: list[str] = []
    help = "จับเวลาการนำเข้า / Time the legacy import or the workbook import (a measurement, not a test)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("which", choices=["legacy", "workbook"])
        parser.add_argument("--pages", type=int, default=1000, help="legacy pages to generate (default 1000)")
        parser.add_argument("--kpis", type=int, default=3000, help="workbook rows (default 3000)")
        parser.add_argument(
            "--fresh", action="store_true", help="run on a new SQLite database in a subprocess"
        )
        parser.add_argument("--profile", help="write cProfile stats of the timed part to this file")
        parser.add_argument("--json", action="store_true", help="print the result as one line of JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if min(options["pages"], options["kpis"]) < 1:
            raise CommandError("--pages และ --kpis ต้องมากกว่า 0 / --pages and --kpis must be positive")
        if options["which"] == "legacy":
            result = timing.time_legacy_import(
                options["pages"], fresh=options["fresh"], profile=options["profile"]
            )
        else:
            result = timing.time_workbook_import(
                options["kpis"], fresh=options["fresh"], profile=options["profile"]
            )
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for key, value in result.items():
            self.stdout.write(f"{key:<22}{value}")
