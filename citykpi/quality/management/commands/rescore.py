"""`citykpi rescore [--year 2566]`: rebuild the stored scores (each quarter's score,
progress and status, each KPI's standing, and the dashboards' summary rows,
citykpi.quality.summaries) from the results, plans and rules.

Writes keep them current on their own (citykpi.quality.standing); run this after a change
made outside the actions (SQL, a restore) or after a change of the scoring rules' code.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from citykpi.indicators.models import FiscalYear
from citykpi.quality import summaries
from citykpi.quality.standing import rescore_years


class Command(BaseCommand):
    help = "Rebuild the stored scores (คำนวณคะแนนที่เก็บไว้ใหม่ทั้งหมด)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="BE fiscal year, e.g. 2566 (default: every year)")

    def handle(self, *args: Any, year: int | None, **options: Any) -> None:
        if year is not None and not FiscalYear.objects.filter(pk=year).exists():
            raise CommandError(f"ไม่พบปีงบประมาณ {year} / Fiscal year {year} does not exist")
        with transaction.atomic():
            count = rescore_years(None if year is None else [year])
            summaries.rebuild(None if year is None else [year])
        where = f"ปีงบประมาณ {year}" if year else "ทุกปีงบประมาณ"
        where_en = f"fiscal year {year}" if year else "every fiscal year"
        self.stdout.write(f"คำนวณคะแนนใหม่ {count} ตัวชี้วัด ({where}) / rescored {count} KPIs ({where_en})")
