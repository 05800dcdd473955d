"""`citykpi quality --year 2566`: run the data-quality checks over a whole fiscal year.

Stores the findings (the evaluator's report and the dashboards read them) unless
--dry-run, prints counts by rule and severity and, with --list, every finding.
Exits with status 1 when --fail-on-error is given and an error was found (for CI or cron).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citykpi.indicators.models import FiscalYear
from citykpi.quality.actions import refresh_year
from citykpi.quality.rules import RULES


class Command(BaseCommand):
    help = "Run the data-quality checks over a fiscal year (ตรวจคุณภาพข้อมูลทั้งปีงบประมาณ)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="BE fiscal year, e.g. 2566")
        parser.add_argument("--dry-run", action="store_true", help="check only; do not store the findings")
        parser.add_argument("--list", action="store_true", help="print every finding")
        parser.add_argument("--fail-on-error", action="store_true", help="exit 1 when an error is found")

    def handle(
        self, *args: Any, year: int, dry_run: bool, list: bool, fail_on_error: bool, **options: Any
    ) -> None:
        if not FiscalYear.objects.filter(pk=year).exists():
            raise CommandError(f"ไม่พบปีงบประมาณ {year} / Fiscal year {year} does not exist")
        summary = refresh_year(None, year, store=not dry_run, source="cli")
        out = self.stdout
        out.write(f"ปีงบประมาณ {year}: ตรวจ {summary.indicators} ตัวชี้วัด / checked {summary.indicators} KPIs")
        out.write(
            f"errors: {summary.by_severity.get('error', 0)}  warnings: {summary.by_severity.get('warning', 0)}"
        )
        for rule, count in sorted(summary.by_rule.items()):
            th, en = RULES.get(rule, (rule, rule))
            out.write(f"  {rule:34} {count:6}  {th} / {en}")
        if list:
            for indicator, finding in summary.findings:
                out.write(f"{indicator.code} [{finding.severity}] {finding.rule}: {finding.message}")
        if not dry_run:
            out.write("บันทึกผลการตรวจแล้ว / findings stored")
        if fail_on_error and summary.by_severity.get("error", 0):
            raise SystemExit(1)
