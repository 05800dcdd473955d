"""`citykpi import-xlsx FILE --user USERNAME [--commit]`: check (and save) a filled quarter template."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from citykpi.exchange.xlsx import import_workbook


class Command(BaseCommand):
    help = "นำเข้าแบบฟอร์มรายงานผลรายไตรมาส / Import a filled quarter template (a dry run unless --commit)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the account whose permissions apply")
        parser.add_argument("--commit", action="store_true", help="save the changes (default: dry run)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"ไม่พบผู้ใช้ {options['user']} / no such user") from None
        try:
            handle = open(options["file"], "rb")
        except OSError as exc:
            raise CommandError(f"เปิดไฟล์ไม่ได้ / cannot open the file: {exc}") from None
        with handle:
            result = import_workbook(handle, user=user, commit=options["commit"])
        self.stdout.write(
            f"หน่วยงาน/agency {result.agency_code}  ปีงบประมาณ/FY {result.fiscal_year}  "
            f"ไตรมาส/quarter {result.quarter}  แถว/rows {result.rows}"
        )
        for change in result.changes:
            self.stdout.write(
                f"  {change.sheet}!{change.column} แถว/row {change.row} {change.code}: "
                f"{change.before!s:.60} -> {change.after!s:.60}"
            )
        for error in result.errors:
            self.stderr.write(f"  ! {error}")
        if result.errors:
            raise CommandError(
                f"พบข้อผิดพลาด {len(result.errors)} รายการ ไม่มีการบันทึก / "
                f"{len(result.errors)} error(s); nothing was saved"
            )
        if result.committed:
            self.stdout.write(f"บันทึกแล้ว {result.saved_rows} แถว / saved {result.saved_rows} row(s)")
        elif options["commit"]:
            self.stdout.write("ไม่มีการเปลี่ยนแปลง / nothing to change")
        else:
            self.stdout.write(
                f"ทดลองเท่านั้น: จะเปลี่ยน {len(result.changes)} ช่อง ใช้ --commit เพื่อบันทึก / "
                f"dry run: {len(result.changes)} cell(s) would change; add --commit to save"
            )
