"""`citykpi backup PATH`: the database and the evidence files in one archive (see operations/backup.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from citykpi.operations.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write the database and the evidence files to a new archive (.tar.gz, or .tar) with a manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive to create (refused when it exists)")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args: str, **options: Any) -> None:
        try:
            result = backup(options["path"], using=options["database"], progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(error.message) from None
        except DatabaseError as error:
            raise CommandError(f"อ่านฐานข้อมูลไม่ได้ / the database failed: {error}") from None
        manifest = result.manifest
        tables, evidence = manifest["tables"], manifest["evidence"]
        self.stdout.write(
            self.style.SUCCESS(
                f"สำรองข้อมูลแล้ว: {len(tables)} ตาราง {sum(tables.values())} แถว ไฟล์หลักฐาน {evidence['files']} ไฟล์ / "
                f"backed up: {len(tables)} tables, {sum(tables.values())} rows, {evidence['files']} evidence files"
            )
        )
        self.stdout.write(
            f"audit head: {manifest['audit']['head'] or '-'} ({manifest['audit']['rows']} rows)"
        )
        self.stdout.write(f"archive: {result.path} ({result.size} bytes)")
        # Keep this outside the deployment: it proves the archive (and its manifest) unchanged.
        self.stdout.write(f"sha256: {result.sha256}")
        if evidence["missing"]:
            self.stdout.write(
                self.style.WARNING(
                    f"คำเตือน: ไม่พบไฟล์ของหลักฐาน {len(evidence['missing'])} รายการในที่เก็บ / "
                    f"warning: {len(evidence['missing'])} evidence rows name a file the store does not hold: "
                    + ", ".join(evidence["missing"][:10])
                )
            )
