"""`citykpi build_documents [--year 2566]`: (re)build the public documents of the KPIs.

Writes keep the documents current on their own (citykpi.publicdata.documents); a write that
changes the whole site (a year published, an agency renamed) leaves them out of date and
each is rebuilt at its next read. Run this after such a write, after a bulk load, a
restore or a change made outside the actions, so that no reader waits for a rebuild.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from citykpi.indicators.models import FiscalYear
from citykpi.publicdata.documents import build_all


class Command(BaseCommand):
    help = "Build the KPIs' public documents (สร้างเอกสารสาธารณะของตัวชี้วัด)"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="BE fiscal year, e.g. 2566 (default: every year)")

    def handle(self, *args, year: int | None, **options):
        if year is not None and not FiscalYear.objects.filter(pk=year).exists():
            raise CommandError(f"ไม่พบปีงบประมาณ {year} / Fiscal year {year} does not exist")
        started = time.perf_counter()
        count = build_all(year)
        seconds = time.perf_counter() - started
        self.stdout.write(f"สร้างเอกสารแล้ว {count:,} ตัวชี้วัด / built {count:,} KPI documents in {seconds:.1f} s")
