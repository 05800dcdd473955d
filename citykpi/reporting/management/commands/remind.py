"""`citykpi remind [--today YYYY-MM-DD] [--days-ahead 7] [--head-after 7] [--evaluator-after 21]`:
e-mail due, overdue and returned quarters to the agency's reporters, escalating overdue
quarters to its heads and then to the evaluators' list (citykpi.reporting.reminders), at
most once a day each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from citykpi.jobs import actions as jobs
from citykpi.reporting import jobs as reporting_jobs
from citykpi.reporting.reminders import send_reminders


class Command(BaseCommand):
    help = "ส่งอีเมลเตือนไตรมาสที่ใกล้ครบกำหนด เลยกำหนด หรือถูกส่งกลับ / E-mail due, overdue and returned quarters"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="the day to act as (YYYY-MM-DD); default: today")
        parser.add_argument(
            "--days-ahead", type=int, default=7, help="remind this many days before a deadline"
        )
        parser.add_argument(
            "--head-after",
            type=int,
            default=None,
            help="tell the heads once a quarter is this many days late (default: REMINDER_HEAD_AFTER_DAYS, 7)",
        )
        parser.add_argument(
            "--evaluator-after",
            type=int,
            default=None,
            help="list quarters this many days late for the evaluators (default: REMINDER_EVALUATOR_AFTER_DAYS, 21)",
        )

        parser.add_argument(
            "--queue",
            action="store_true",
            help="run as a background job on the workers (QUEUE_URL; in-process without one)",
        )

    def handle(
        self,
        *args: Any,
        today: str | None = None,
        days_ahead: int = 7,
        head_after: int | None = None,
        evaluator_after: int | None = None,
        queue: bool = False,
        **options: Any,
    ) -> None:
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from None
        if queue:
            params = {
                "today": day.isoformat(),
                "days_ahead": days_ahead,
                "head_after": head_after,
                "evaluator_after": evaluator_after,
            }
            job = jobs.start(None, reporting_jobs.REMIND.name, params, source="cli")
            self.stdout.write(f"งานเบื้องหลัง {job.pk}: {job.state} / background job {job.pk}: {job.state}")
            return
        sent = send_reminders(
            day, days_ahead=days_ahead, head_after=head_after, evaluator_after=evaluator_after
        )
        self.stdout.write(f"ส่งอีเมลเตือน {sent} ฉบับ / sent {sent} reminder e-mails")
