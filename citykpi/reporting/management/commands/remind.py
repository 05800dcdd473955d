"""`citykpi remind [--today YYYY-MM-DD] [--days-ahead 7]`: e-mail due, overdue and
returned quarters to the agency's reporters and heads, at most once a day each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from citykpi.reporting.reminders import send_reminders


class Command(BaseCommand):
    help = "ส่งอีเมลเตือนไตรมาสที่ใกล้ครบกำหนด เลยกำหนด หรือถูกส่งกลับ / E-mail due, overdue and returned quarters"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="the day to act as (YYYY-MM-DD); default: today")
        parser.add_argument(
            "--days-ahead", type=int, default=7, help="remind this many days before a deadline"
        )

    def handle(self, *args: Any, today: str | None = None, days_ahead: int = 7, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from None
        sent = send_reminders(day, days_ahead=days_ahead)
        self.stdout.write(f"ส่งอีเมลเตือน {sent} ฉบับ / sent {sent} reminder e-mails")
