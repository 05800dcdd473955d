"""`citykpi import-setup FILE.xlsx [--commit]`: check (and write) a setup workbook.

Without --commit it is a dry run: every row it would create, change or leave, cell by
cell, and every problem by sheet, row and column. With --commit and no problem, all of
it is written in one transaction, audited (as the system, source "xlsx").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citykpi.exchange.setup.apply import import_setup
from citykpi.exchange.setup.parse import CREATE, UNCHANGED, UPDATE


class Command(BaseCommand):
    help = "นำเข้าสมุดงานตั้งค่าระบบ / Import a setup workbook (a dry run unless --commit)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help="write the changes (default: dry run)")
        parser.add_argument("--quiet-rows", action="store_true", help="print the counts only, not every row")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"เปิดไฟล์ไม่ได้ / cannot open the file: {exc}") from None
        plan = import_setup(data, actor=None, commit=options["commit"], source="cli", file_name=path.name)
        if not options["quiet_rows"]:
            for row in plan.rows:
                self.stdout.write(f"{row.sheet_title} แถว/row {row.row} {row.key}: {row.action_label}")
                for change in row.changes:
                    self.stdout.write(f"    {change.column}: {change.before!s:.60} -> {change.after!s:.60}")
        for count in plan.counts():
            if count[CREATE] or count[UPDATE] or count[UNCHANGED] or count["problems"]:
                self.stdout.write(
                    f"  {count['sheet'].title}: สร้าง/create {count[CREATE]}, เปลี่ยน/change {count[UPDATE]}, "
                    f"คงเดิม/leave {count[UNCHANGED]}, ปัญหา/problems {count['problems']}"
                )
        for problem in plan.problems:
            self.stderr.write(f"  ! {problem}")
        if plan.problems:
            raise CommandError(
                f"พบปัญหา {len(plan.problems)} รายการ ไม่มีการบันทึก / {len(plan.problems)} problem(s); nothing was written"
            )
        if plan.committed:
            self.stdout.write(f"บันทึกแล้ว {plan.written} แถว / wrote {plan.written} row(s)")
        elif options["commit"]:
            self.stdout.write("ไม่มีการเปลี่ยนแปลง / nothing to change")
        else:
            self.stdout.write(
                f"ทดลองเท่านั้น: จะเปลี่ยน {len(plan.changed)} แถว ใช้ --commit เพื่อบันทึก / "
                f"dry run: {len(plan.changed)} row(s) would change; add --commit to write"
            )
