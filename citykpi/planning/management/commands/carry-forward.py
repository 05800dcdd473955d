"""`citykpi carry-forward --from 2566 --to 2567 [--agency 0409 ...] [--template ID] [--dry-run]`:
start a fiscal year from the last one, from the command line.

Calls citykpi.planning.actions.carry_forward as the system (actor None, source "cli"):
the same checks, the same audit rows as the carry-forward page. Years and agency codes
may be written in Thai digits.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citykpi.agencies.models import Agency
from citykpi.lib.errors import ActionError
from citykpi.lib.thai import to_arabic_digits
from citykpi.planning import actions
from citykpi.planning.models import KpiTemplate


class Command(BaseCommand):
    help = (
        "ยกยอดตัวชี้วัดจากปีงบประมาณหนึ่งไปปีถัดไป / Carry a fiscal year's KPIs forward to a new year "
        "(new codes, definitions copied, targets proposed from last year's results)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from", dest="from_year", required=True, help="ปีงบประมาณต้นทาง / source year, e.g. 2566"
        )
        parser.add_argument("--to", dest="to_year", required=True, help="ปีงบประมาณใหม่ / new year, e.g. 2567")
        parser.add_argument(
            "--agency",
            dest="agencies",
            action="append",
            default=[],
            metavar="CODE",
            help="รหัสหน่วยงาน (ซ้ำได้; ไม่ระบุ = ทุกหน่วยงาน) / agency code (repeatable; none = all)",
        )
        parser.add_argument(
            "--template",
            type=int,
            default=None,
            metavar="ID",
            help="เฉพาะตัวชี้วัดต้นแบบนี้ / only the KPIs of this template",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="แสดงสิ่งที่จะสร้างโดยไม่บันทึก / show what would be created, keep nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes = [to_arabic_digits(c).strip() for c in options["agencies"]]
        agencies = None
        if codes:
            found = {a.code: a for a in Agency.objects.filter(code__in=codes)}
            unknown = [c for c in codes if c not in found]
            if unknown:
                raise CommandError(f"ไม่พบหน่วยงาน / unknown agencies: {', '.join(unknown)}")
            agencies = [found[c] for c in codes]
        template = None
        if options["template"] is not None:
            template = KpiTemplate.objects.filter(pk=options["template"]).first()
            if template is None:
                raise CommandError(f"ไม่พบตัวชี้วัดต้นแบบ / no template with id {options['template']}")
        try:
            result = actions.carry_forward(
                None,
                from_year=options["from_year"],
                to_year=options["to_year"],
                agencies=agencies,
                template=template,
                dry_run=options["dry_run"],
                source="cli",
            )
        except ActionError as exc:
            raise CommandError(exc.message) from exc
        year = result.fiscal_year.pk
        verbose = options["verbosity"] >= 2
        for indicator in result.created:
            if verbose:
                source = indicator.carried_from.code if indicator.carried_from is not None else ""
                self.stdout.write(f"  {source} -> {indicator.code}  {indicator.name[:70]}")
        if result.dry_run:
            self.stdout.write(
                self.style.WARNING(
                    f"ทดลอง ไม่ได้บันทึก: จะสร้างตัวชี้วัดปีงบประมาณ {year} {len(result.created)} ตัว "
                    f"(มีอยู่แล้ว {len(result.skipped)} ตัว) / Dry run, nothing kept: would create "
                    f"{len(result.created)} KPIs for fiscal year {year} ({len(result.skipped)} already there)"
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"สร้างตัวชี้วัดปีงบประมาณ {year} แล้ว {len(result.created)} ตัว (มีอยู่แล้ว {len(result.skipped)} ตัว) / "
                f"Created {len(result.created)} KPIs for fiscal year {year} ({len(result.skipped)} already there)"
            )
        )
        if not result.fiscal_year.is_published:
            self.stdout.write(
                f"ปีงบประมาณ {year} ยังไม่เผยแพร่: สยป. เผยแพร่ได้ที่ /setup/ เมื่ออนุมัติครบ / "
                f"Fiscal year {year} is not published: the evaluator publishes it at /setup/ once every setup is approved"
            )
