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


def test_reporters_get_due_and_overdue_quarters_and_heads_and_evaluators_the_long_overdue_once_a_day(
    kpi_a, kpi_b, reporter_a, head_a, reporter_b, evaluator
):
    # Q1's deadline (15 Jan) is 85 days past: past the head's 7 days and the evaluators' 21.
    call_command("remind", today=APRIL_10.isoformat())
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == [
        "evaluator-t@example.test",
        "head-a@example.test",
        "reporter-a@example.test",
        "reporter-b@example.test",
    ]
    body = next(m.body for m in mail.outbox if m.to == ["reporter-a@example.test"])
    assert kpi_a.code in body and kpi_b.code not in body
    assert "เลยกำหนด" in body and "ใกล้ครบกำหนด" in body  # Q1 overdue, Q2 due
    head = next(m.body for m in mail.outbox if m.to == ["head-a@example.test"])
    assert "85 days late" in head and "ใกล้ครบกำหนด" not in head  # only the escalated quarter
    listed = next(m.body for m in mail.outbox if m.to == ["evaluator-t@example.test"])
    assert kpi_a.code in listed and kpi_b.code in listed
    assert ReminderLog.objects.count() == 7  # 2 + 2 reporters, 1 head, 2 on the evaluator's list
    call_command("remind", today=APRIL_10.isoformat())
    assert len(mail.outbox) == 4  # nothing new the same day
    call_command("remind", today=(APRIL_10 + dt.timedelta(days=1)).isoformat())
    assert len(mail.outbox) == 8  # the next day, again


def test_a_quarter_just_past_its_deadline_goes_to_the_reporter_only_until_the_head_days_pass(
    kpi_a, reporter_a, head_a, evaluator
):
    # Q1's deadline is 15 Jan 2023: on 18 Jan it is 3 days late.
    call_command("remind", today="2023-01-18", days_ahead=0)
    assert [m.to[0] for m in mail.outbox] == ["reporter-a@example.test"]
    mail.outbox.clear()
    call_command("remind", today="2023-01-18", days_ahead=0, head_after=3)
    assert [m.to[0] for m in mail.outbox] == ["head-a@example.test"]  # the reporter heard already today


def test_the_escalation_days_come_from_the_settings(settings, kpi_a, reporter_a, head_a, evaluator):
    settings.REMINDER_HEAD_AFTER_DAYS = 30
    settings.REMINDER_EVALUATOR_AFTER_DAYS = 90
    call_command("remind", today=APRIL_10.isoformat(), days_ahead=0)  # Q1 85 days late
    assert sorted(m.to[0] for m in mail.outbox) == ["head-a@example.test", "reporter-a@example.test"]


def test_an_agency_without_reporters_has_its_heads_reminded_from_the_start(kpi_a, head_a):
    call_command("remind", today="2023-01-18", days_ahead=0)
    assert [m.to[0] for m in mail.outbox] == ["head-a@example.test"]


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
    # Q1 is 32 days late by then, so the evaluator's list has it; the head's e-mail has Q2.
    mine = [m for m in mail.outbox if m.to == ["head-a@example.test"]]
    assert len(mine) == 1 and "ส่งกลับแก้ไข" in mine[0].body
    assert sorted(m.to[0] for m in mail.outbox) == ["evaluator-t@example.test", "head-a@example.test"]
