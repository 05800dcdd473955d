"""Reminder e-mails for due, overdue and returned quarters (`citykpi remind`).

Reminders escalate (docs/workflow.md, "Freshness and reminders"):
- the agency's reporters hear of every due, overdue and returned quarter (its heads do
  when the agency has no reporter with an e-mail address);
- its heads too, once a quarter is `head_after` days past its deadline
  (settings.REMINDER_HEAD_AFTER_DAYS, 7 by default);
- the central evaluators get one list of every quarter `evaluator_after` days past its
  deadline (settings.REMINDER_EVALUATOR_AFTER_DAYS, 21), grouped by agency.

Each person gets at most one e-mail a day, listing only the quarters they have not been
reminded of that day; ReminderLog remembers what was sent, so running the command twice
a day sends nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

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


def _reachable_reporters_and_heads() -> QuerySet:
    """Active reporters and heads with an e-mail address: who a reminder can reach."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__role__in=[Role.REPORTER, Role.HEAD])
        .exclude(email="")
        .distinct()
    )


def recipients_by_agency() -> dict[int, set]:
    """agency id -> the reporters and heads whose role covers it (sub-agencies included)."""
    covering: dict[int, set] = defaultdict(set)
    for user in _reachable_reporters_and_heads():
        for agency_id in access.agency_ids(user, Role.REPORTER, Role.HEAD):
            covering[agency_id].add(user)
    return covering


def recipients_by_role() -> dict[str, dict[int, set]]:
    """role -> agency id -> the people with that role covering the agency (sub-agencies
    included), for reporters and heads; and "evaluator" -> {0: the evaluators}."""
    out: dict[str, dict[int, set]] = {Role.REPORTER: defaultdict(set), Role.HEAD: defaultdict(set)}
    for user in _reachable_reporters_and_heads():
        for role in (Role.REPORTER, Role.HEAD):
            for agency_id in access.agency_ids(user, role):
                out[role][agency_id].add(user)
    evaluators = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Role.EVALUATOR)
        .exclude(email="")
        .distinct()
    )
    out[Role.EVALUATOR] = {0: set(evaluators)}
    return out


def days_past(indicator: Indicator, quarter: int, today: dt.date) -> int:
    """Days since the quarter's deadline (negative before it)."""
    return (today - indicator.fiscal_year.deadline(quarter)).days


def escalation_days() -> tuple[int, int]:
    """(days past the deadline before the heads hear, before the evaluators do)."""
    return (
        int(getattr(settings, "REMINDER_HEAD_AFTER_DAYS", 7)),
        int(getattr(settings, "REMINDER_EVALUATOR_AFTER_DAYS", 21)),
    )


def send_reminders(
    today: dt.date,
    *,
    days_ahead: int = 7,
    head_after: int | None = None,
    evaluator_after: int | None = None,
    progress: Callable[[int, int, str, str], None] | None = None,
) -> int:
    """Send today's reminders, escalating overdue quarters to the heads after `head_after`
    days and to the evaluators' list after `evaluator_after` days (defaults: the
    settings); returns the number of e-mails sent. `progress(done, total, th, en)`, when
    given, hears of each person written to (the background job's progress bar)."""
    items = pending(today, days_ahead)
    if not items:
        return 0
    default_head, default_evaluator = escalation_days()
    head_after = default_head if head_after is None else head_after
    evaluator_after = default_evaluator if evaluator_after is None else evaluator_after
    by_role = recipients_by_role()
    reporters, heads = by_role[Role.REPORTER], by_role[Role.HEAD]
    per_user: dict = defaultdict(list)
    for_evaluators = []
    for indicator, quarter, kind in items:
        late = days_past(indicator, quarter, today)
        escalated = kind == ReminderLog.Kind.OVERDUE and late >= head_after
        people = set(reporters.get(indicator.agency_id, ()))
        if escalated or not people:
            people |= heads.get(indicator.agency_id, set())
        for user in people:
            per_user[user].append((indicator, quarter, kind))
        if kind == ReminderLog.Kind.OVERDUE and late >= evaluator_after:
            for_evaluators.append((indicator, quarter, kind))
    site = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    evaluators = by_role[Role.EVALUATOR][0] if for_evaluators else set()
    counter = _Counter(len(per_user) + len(evaluators), progress)
    sent = _send_lists(per_user, today, site, counter=counter)
    if for_evaluators:
        sent += _send_lists(
            {user: for_evaluators for user in evaluators}, today, site, evaluator_after, counter=counter
        )
    return sent


class _Counter:
    """Counts the people written to for an optional progress callback."""

    def __init__(self, total: int, progress: Callable[[int, int, str, str], None] | None) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def step(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(
                self.done,
                self.total,
                f"เขียนถึงผู้รับ {self.done} จาก {self.total} คน",
                f"Written to {self.done} of {self.total} people",
            )


def _send_lists(
    per_user: dict,
    today: dt.date,
    site: str,
    evaluator_after: int | None = None,
    counter: _Counter | None = None,
) -> int:
    """One e-mail a person listing the quarters not yet reminded of today (the evaluators'
    list, when `evaluator_after` is given, grouped by agency)."""
    sent = 0
    for user, entries in per_user.items():
        if counter is not None:
            counter.step()
        if evaluator_after is not None:
            entries = sorted(entries, key=lambda e: (e[0].agency.code, e[0].code, e[1]))
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
                late = (today - deadline).days
                overdue = f" · เลย {late} วัน / {late} days late" if kind == ReminderLog.Kind.OVERDUE else ""
                lines.append(
                    f"- [{label}] {indicator.code} {indicator.name[:80]} · ไตรมาส/Quarter {quarter} · "
                    f"กำหนด/deadline {thai_date(deadline)}{overdue}\n  {site}/work/kpi/{indicator.code}/q/{quarter}/"
                )
            if not lines:
                continue
            if evaluator_after is not None:
                _send_evaluator_list(user, lines, evaluator_after)
                sent += 1
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


def _send_evaluator_list(user: User, lines: list[str], evaluator_after: int) -> None:
    body = (
        f"เรียน {user.get_full_name() or user.username}\n\n"
        f"ไตรมาสต่อไปนี้เลยกำหนดส่งมาแล้วอย่างน้อย {evaluator_after} วัน (แจ้งผู้รายงานและผู้บริหารหน่วยงานแล้ว) / "
        f"These KPI quarters are at least {evaluator_after} days past their deadline "
        "(the agency's reporters and heads have been reminded):\n\n"
        + "\n".join(lines)
        + "\n\n-- citykpi ระบบติดตามและประเมินผลตัวชี้วัด"
    )
    send_mail(
        f"[citykpi] รายการเลยกำหนด {len(lines)} รายการ / {len(lines)} KPI quarters overdue (evaluator's list)",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
