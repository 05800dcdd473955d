"""Reminder e-mails for due, overdue and returned quarters (`citykpi remind`).

Each reporter and head gets at most one e-mail a day, listing only the quarters they
have not been reminded of that day; ReminderLog remembers what was sent, so running
the command twice a day sends nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from citykpi.accounts import access
from citykpi.accounts.models import Role
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.fiscal import QUARTERS, thai_date
from citykpi.reporting.actions import get_quarter
from citykpi.reporting.models import QuarterReport, ReminderLog

Status = QuarterReport.Status
OPEN = (Status.NOT_STARTED, Status.DRAFT)


def _current_quarter(fiscal_year: FiscalYear, today: dt.date) -> int | None:
    for quarter in QUARTERS:
        if today <= fiscal_year.deadline(quarter):
            return quarter
    return None


def pending(today: dt.date, days_ahead: int) -> list[tuple[Indicator, int, str]]:
    """(KPI, quarter, kind) for every quarter someone should hear about today."""
    years = {}
    for fiscal_year in FiscalYear.objects.all():
        current = _current_quarter(fiscal_year, today)
        if current is not None and today >= fiscal_year.period.start:
            years[fiscal_year.year] = (fiscal_year, current)
    if not years:
        return []
    indicators = list(
        Indicator.objects.filter(fiscal_year_id__in=years).select_related("fiscal_year", "agency")
    )
    reports = {(r.indicator_id, r.quarter): r for r in QuarterReport.objects.filter(indicator__in=indicators)}
    found: list[tuple[Indicator, int, str]] = []
    for indicator in indicators:
        fiscal_year, current = years[indicator.fiscal_year_id]
        for quarter in range(1, current + 1):
            report = reports.get((indicator.pk, quarter))
            status = report.status if report else Status.NOT_STARTED
            if status == Status.RETURNED:
                found.append((indicator, quarter, ReminderLog.Kind.RETURNED))
            elif status in OPEN and quarter < current:
                found.append((indicator, quarter, ReminderLog.Kind.OVERDUE))
            elif status in OPEN and (fiscal_year.deadline(quarter) - today).days <= days_ahead:
                found.append((indicator, quarter, ReminderLog.Kind.DUE))
    return found


def recipients_by_agency() -> dict[int, set]:
    """agency id -> the reporters and heads whose role covers it (sub-agencies included)."""
    covering: dict[int, set] = defaultdict(set)
    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role__in=[Role.REPORTER, Role.HEAD])
        .exclude(email="")
        .distinct()
    )
    for user in users:
        for agency_id in access.agency_ids(user, Role.REPORTER, Role.HEAD):
            covering[agency_id].add(user)
    return covering


def send_reminders(today: dt.date, *, days_ahead: int = 7) -> int:
    """Send today's reminders; returns the number of e-mails sent."""
    items = pending(today, days_ahead)
    if not items:
        return 0
    covering = recipients_by_agency()
    per_user: dict = defaultdict(list)
    for indicator, quarter, kind in items:
        for user in covering.get(indicator.agency_id, ()):
            per_user[user].append((indicator, quarter, kind))
    site = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    sent = 0
    for user, entries in per_user.items():
        lines = []
        with transaction.atomic():
            for indicator, quarter, kind in entries:
                report = get_quarter(indicator, quarter)
                try:
                    # One row per person, quarter and day: the constraint refuses a second.
                    with transaction.atomic():
                        ReminderLog.objects.create(quarter_report=report, user=user, sent_on=today, kind=kind)
                except IntegrityError:
                    continue
                label = dict(ReminderLog.Kind.choices)[kind]
                deadline = indicator.fiscal_year.deadline(quarter)
                lines.append(
                    f"- [{label}] {indicator.code} {indicator.name[:80]} · ไตรมาส/Quarter {quarter} · "
                    f"กำหนด/deadline {thai_date(deadline)}\n  {site}/work/kpi/{indicator.code}/q/{quarter}/"
                )
            if not lines:
                continue
            body = (
                f"เรียน {user.get_full_name() or user.username}\n\n"
                "ตัวชี้วัดต่อไปนี้ต้องรายงานผลหรือแก้ไข / These KPI quarters need your report or revision:\n\n"
                + "\n".join(lines)
                + "\n\n-- citykpi ระบบติดตามและประเมินผลตัวชี้วัด"
            )
            send_mail(
                f"[citykpi] ตัวชี้วัดที่ต้องรายงาน {len(lines)} รายการ / {len(lines)} KPI quarters to report",
                body,
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
            sent += 1
    return sent
