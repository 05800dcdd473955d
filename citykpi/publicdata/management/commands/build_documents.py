"""`citykpi build_documents [--year 2566]`: (re)build the public documents of the KPIs.

Writes keep the documents current on their own (citykpi.publicdata.documents); a write that
changes the whole site (a year published, an agency renamed) leaves them out of date and
each is rebuilt at its next read. Run this after such a write, after a bulk load, a
restore or a change made outside the actions, so that no reader waits for a rebuild.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from citykpi.publicdata.documents import build_all
from citykpi.publicdata.management.years import add_year_argument, check_year


class Command(BaseCommand):
    help = "Build the KPIs' public documents (สร้างเอกสารสาธารณะของตัวชี้วัด)"

    def add_arguments(self, parser: CommandParser) -> None:
        add_year_argument(parser)

    def handle(self, *args: str, year: int | None, **options: Any) -> None:
        check_year(year)
        started = time.perf_counter()
        count = build_all(year)
        seconds = time.perf_counter() - started
        self.stdout.write(f"สร้างเอกสารแล้ว {count:,} ตัวชี้วัด / built {count:,} KPI documents in {seconds:.1f} s")
