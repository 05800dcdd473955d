"""`citykpi export-setup --year YYYY FILE.xlsx`: the setup workbook of a fiscal year
(agencies, people and roles, units, strategy plans, dimensions, the year, templates and
KPI definitions), to edit and import elsewhere with `citykpi import-setup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citykpi.exchange.setup.export import build_workbook
from citykpi.lib.errors import ActionError
from citykpi.lib.thai import to_arabic_digits


def _year(text: str) -> int:
    return int(to_arabic_digits(text.strip()))


class Command(BaseCommand):
    help = "ส่งออกสมุดงานตั้งค่าระบบของปีงบประมาณ / Export the setup workbook of a fiscal year"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year", type=_year, required=True, help="fiscal year (BE), Thai digits accepted"
        )
        parser.add_argument("file", help="the .xlsx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            book = build_workbook(options["year"])
        except ActionError as exc:
            raise CommandError(exc.message) from exc
        path = Path(options["file"])
        try:
            book.save(path)
        except OSError as exc:
            raise CommandError(f"เขียนไฟล์ไม่ได้ / cannot write the file: {exc}") from None
        counts = ", ".join(
            f"{ws.title}: {max(ws.max_row - 2, 0)}" for ws in book.worksheets if ws.sheet_state == "visible"
        )
        self.stdout.write(f"เขียน {path} แล้ว / wrote {path} ({counts})")
