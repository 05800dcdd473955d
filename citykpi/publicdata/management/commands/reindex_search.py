"""`citykpi reindex_search [--year 2566]`: rebuild the public word search's entries.

Writes keep them current on their own (citykpi.publicdata.search.index); run this after a
change made outside the actions (SQL, a restore, a bulk load), after editing the shipped
dictionary (search/government_terms.txt) or the segmentation code.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from citykpi.publicdata.management.years import add_year_argument, check_year
from citykpi.publicdata.search.index import reindex_all


class Command(BaseCommand):
    help = "Rebuild the search index (สร้างดัชนีค้นหาใหม่ทั้งหมด)"

    def add_arguments(self, parser: CommandParser) -> None:
        add_year_argument(parser)

    def handle(self, *args: str, year: int | None, **options: Any) -> None:
        check_year(year)
        started = time.perf_counter()
        with transaction.atomic():
            count = reindex_all(None if year is None else [year])
        seconds = time.perf_counter() - started
        where = f"ปีงบประมาณ {year}" if year else "ทุกปีงบประมาณ"
        where_en = f"fiscal year {year}" if year else "every fiscal year"
        self.stdout.write(
            f"สร้างดัชนีค้นหาใหม่ {count} ตัวชี้วัด ({where}) / reindexed {count} KPIs ({where_en}) in {seconds:.1f} s"
        )
