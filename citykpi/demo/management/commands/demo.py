"""`citykpi demo [--if-empty] [--reset] [--scale N] [--seed S]`: load the demo data.

`make run` calls it with --if-empty on every start. It prints the time taken and the
row counts at the end.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citykpi.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from citykpi.demo.actions import load_demo
from citykpi.lib.errors import ActionError


def _year_range(text: str) -> list[int]:
    # "2563-2566" or "2565"
    first, _, last = text.partition("-")
    start, end = int(first), int(last or first)
    if not (2400 <= start <= end <= 2700):
        raise ValueError(text)
    return list(range(start, end + 1))


class Command(BaseCommand):
    help = "โหลดข้อมูลตัวอย่าง / Load the demo data (deterministic; --scale multiplies the KPIs)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when KPIs exist")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete every row of the domain apps (only in a database the demo loaded), then load again",
        )
        parser.add_argument("--scale", type=int, default=1, help="multiply the KPIs (benchmarks)")
        parser.add_argument("--seed", type=int, default=2566, help="random seed (default 2566)")
        parser.add_argument("--years", type=_year_range, default=None, help="fiscal years, e.g. 2563-2566")
        parser.add_argument(
            "--agencies", type=int, default=None, help="number of agencies (default: the ~80 real ones)"
        )

    def handle(self, *args: str, **options: Any) -> None:
        if options["scale"] < 1:
            raise CommandError("--scale ต้องเป็นจำนวนเต็มตั้งแต่ 1 / --scale must be a whole number >= 1")
        kwargs = {}
        if options["years"]:
            kwargs["years"] = options["years"]
        verbose = options["verbosity"] >= 2
        try:
            result = load_demo(
                scale=options["scale"],
                seed=options["seed"],
                agency_count=options["agencies"],
                if_empty=options["if_empty"],
                reset=options["reset"],
                progress=(lambda message: self.stdout.write(f"  {message}")) if verbose else None,
                **kwargs,
            )
        except ActionError as exc:
            raise CommandError(exc.message) from exc
        if not result.loaded:
            self.stdout.write(result.message)
            return
        self.stdout.write(self.style.SUCCESS(f"โหลดข้อมูลตัวอย่างแล้ว / Demo loaded in {result.seconds:.1f} s"))
        for name, count in sorted(result.counts.items()):
            self.stdout.write(f"  {name}: {count:,}")
        self.stdout.write(
            "บัญชีตัวอย่าง / Demo accounts: "
            + ", ".join(DEMO_ACCOUNTS)
            + f" (รหัสผ่าน / password: {DEMO_PASSWORD})"
        )
