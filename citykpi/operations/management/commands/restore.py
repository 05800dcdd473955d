"""`citykpi restore PATH`: bring a `citykpi backup` archive back into an empty deployment
(the database DATABASE_URL names and the evidence store), then verify it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from citykpi.operations.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty deployment: checks every checksum first, "
        "then compares every table's count and verifies the audit chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="an archive written by `citykpi backup`")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args: str, **options: Any) -> None:
        try:
            result = restore(options["path"], using=options["database"], progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(error.message) from None
        except DatabaseError as error:
            raise CommandError(
                f"เชื่อมต่อหรือใช้ฐานข้อมูลปลายทางไม่ได้ / the target database failed: {error}"
            ) from None
        created = result.manifest["created_at"]
        self.stdout.write(
            self.style.SUCCESS(
                f"กู้คืนแล้ว (สำรองเมื่อ {created}): {result.tables} ตาราง {result.rows} แถว "
                f"ไฟล์หลักฐาน {result.files} ไฟล์ / restored (backup of {created}): {result.tables} tables, "
                f"{result.rows} rows, {result.files} evidence files"
            )
        )
        if result.files_skipped:
            self.stdout.write(f"({result.files_skipped} files were already in the store, byte for byte)")
        self.stdout.write(
            f"บันทึกการตรวจสอบถูกต้องครบ {result.audit_rows} รายการ / "
            f"audit log intact: {result.audit_rows} rows verified"
        )
        self.stdout.write(f"head: {result.audit_head or '-'}")
        if result.leftover_tables:
            self.stdout.write(
                f"ตารางว่างที่มีอยู่เดิมและไม่อยู่ในไฟล์สำรอง / empty tables the target had that the archive "
                f"does not: {', '.join(result.leftover_tables)}"
            )
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"ไฟล์สำรองมาจากโค้ดรุ่นเก่ากว่า: รัน `citykpi migrate` ({len(result.pending_migrations)} "
                    f"migration) / the archive predates this code: run `citykpi migrate` "
                    f"({', '.join(result.pending_migrations[:8])})"
                )
            )
