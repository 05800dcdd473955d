"""`citykpi import-legacy [--fiscal-year 2564] [--dry-run] PATH...`: import legacy BMA pages."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citykpi.exchange.legacy import Report, import_paths
from citykpi.lib.thai import to_arabic_digits


def progress_bar(stream: Any = sys.stderr, width: int = 30) -> Callable[[int, int, str], None]:
    """A one-line progress bar on stderr (rewritten in place with a carriage return)."""

    def show(done: int, total: int, name: str) -> None:
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "." * (width - filled)
        label = name[-40:] if name else ""
        stream.write(f"\r[{bar}] {done}/{total} {label:<40}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def describe(report: Report) -> list[str]:
    lines = []
    for item in report.files:
        head = f"{item.path}: {item.page_type or '?'} {item.key}".rstrip()
        if item.error:
            lines.append(f"{head} -- {item.error}")
            continue
        lines.append(head)
        for warning in item.warnings:
            lines.append(f"    ! {warning}")
        for outcome in item.outcomes:
            line = f"    {outcome.action:<9} {outcome.kind} {outcome.key}"
            if outcome.reason:
                line += f" -- {outcome.reason}"
            lines.append(line)
            if report.dry_run and outcome.action in ("created", "updated"):
                for name, (before, after) in outcome.changes.items():
                    lines.append(f"        {name}: {_short(before)} -> {_short(after)}")
    if report.placeholder_agencies:
        lines.append(
            "หน่วยงานที่สร้างเป็นชื่อชั่วคราว (กรุณาเติมชื่อ) / placeholder agencies created (fill in their names): "
            + ", ".join(report.placeholder_agencies)
        )
    return lines


def _short(value: Any) -> str:
    text = "–" if value is None else str(value)
    return text if len(text) <= 70 else text[:67] + "..."


class Command(BaseCommand):
    help = "นำเข้าหน้าเว็บระบบเดิม / Import legacy BMA KPI pages (text or HTML) from files or folders"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--fiscal-year", help="ปีงบประมาณ (พ.ศ.) for pages that do not state one, e.g. 2564"
        )
        parser.add_argument("--dry-run", action="store_true", help="show what would change; save nothing")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        year = None
        if options["fiscal_year"]:
            try:
                year = int(to_arabic_digits(str(options["fiscal_year"]).strip()))
            except ValueError:
                raise CommandError(
                    "--fiscal-year ต้องเป็นปี พ.ศ. เช่น 2564 / must be a BE year such as 2564"
                ) from None
            if not 2400 <= year <= 2700:
                raise CommandError("--fiscal-year ต้องเป็นปี พ.ศ. เช่น 2564 / must be a BE year such as 2564")
        report = import_paths(
            options["paths"],
            fiscal_year=year,
            dry_run=options["dry_run"],
            progress=None if options["no_progress"] else progress_bar(self.stderr._out),
        )
        for line in describe(report):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(report.summary_table())
        if report.findings:
            for finding in report.findings:
                self.stdout.write(f"  [{finding.rule}] {finding.key}: {finding.message}")
        if report.files and len(report.failed_files) == len(report.files):
            raise CommandError("ไม่มีไฟล์ใดนำเข้าได้ / no file could be imported")
