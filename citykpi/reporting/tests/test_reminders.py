"""`citykpi remind`: who gets what, and at most once a day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from citykpi.reporting import actions
from citykpi.reporting.models import ReminderLog
from citykpi.reporting.tests.conftest import IN_Q2

# FY 2566 deadlines by default: Q1 15 Jan 2023, Q2 15 Apr 2023.
APRIL_10 = dt.date(2023, 4, 10)  # Q2 due in 5 days, Q1 overdue


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_reporters_and_heads_get_due_and_overdue_quarters_once_a_day(
    kpi_a, kpi_b, reporter_a, head_a, reporter_b, evaluator
):
    call_command("remind", today=APRIL_10.isoformat())
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["head-a@example.test", "reporter-a@example.test", "reporter-b@example.test"]
    body = next(m.body for m in mail.outbox if m.to == ["reporter-a@example.test"])
    assert kpi_a.code in body and kpi_b.code not in body
    assert "เลยกำหนด" in body and "ใกล้ครบกำหนด" in body  # Q1 overdue, Q2 due
    assert ReminderLog.objects.count() == 6
    call_command("remind", today=APRIL_10.isoformat())
    assert len(mail.outbox) == 3  # nothing new the same day
    call_command("remind", today=(APRIL_10 + dt.timedelta(days=1)).isoformat())
    assert len(mail.outbox) == 6  # the next day, again


def test_submitted_quarters_and_far_deadlines_are_not_reminded(kpi_a, head_a):
    report = actions.get_quarter(kpi_a, 1)
    actions.save_report(
        head_a, report, result="10", narrative="", version=1, now=IN_Q2.replace(month=1, day=10)
    )
    actions.submit_report(head_a, report, now=IN_Q2.replace(month=1, day=10))
    call_command("remind", today="2023-02-15")  # Q1 submitted; Q2 due only on 15 April
    assert mail.outbox == []


def test_returned_quarters_are_reminded(kpi_a, head_a, evaluator):
    from citykpi.evaluation.actions import return_report

    report = actions.get_quarter(kpi_a, 2)
    actions.save_report(head_a, report, result="10", narrative="", version=1, now=IN_Q2)
    actions.submit_report(head_a, report, now=IN_Q2)
    return_report(evaluator, report, reason="แก้", now=IN_Q2)
    call_command("remind", today="2023-02-16", days_ahead=0)
    assert len(mail.outbox) == 1 and "ส่งกลับแก้ไข" in mail.outbox[0].body
