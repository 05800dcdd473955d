"""The demo's reorganisation and late reporters (#15 parts 3 and 4), added after the load.

- The district office of มีนบุรี (5010) is renamed on the first day of the latest year (a
  made-up rename, said so in its reason): its code, KPIs and history stay, and the pages
  of earlier years show the name it had then. Done through the real action, by the
  system as the rest of the load, so it is audited like any other. (A rename, not a merger: a merger's
  successor would hold two agencies' KPIs whose weights each sum to 100 until the year is
  planned again; the merge, split and move are tested in citykpi/agencies/tests.)
- Late agencies: the latest year's quarters of Bang Bon (5047, the demo reporter's
  district) and of the renamed 5010 are submitted 5 to 20 days after their deadlines, so
  the freshness view and the reminders' escalation have someone to show.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from citykpi.agencies import actions
from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear
from citykpi.lib import fiscal
from citykpi.reporting.models import QuarterReport

RENAMED = "5010"
NEW_NAME = ("สำนักงานเขตมีนบุรีเมืองใหม่", "New Min Buri District Office")
LATE = ("5047", RENAMED)


def add_reorganisation(seed: int, year: int, today: dt.date) -> dict[str, int]:
    """Rename the district from the start of `year` and make the late agencies late;
    returns the counts for the load's summary (nothing when the demo lacks them)."""
    agency = Agency.objects.filter(code=RENAMED, valid_to__isnull=True).first()
    counts: dict[str, int] = {}
    if agency is not None and agency.name_th != NEW_NAME[0]:
        # By the system (actor None), as the rest of the load: audited like any other.
        actions.rename_agency(
            None,
            agency,
            effective=fiscal.fiscal_year_period(year).start,
            name_th=NEW_NAME[0],
            name_en=NEW_NAME[1],
            reason="ข้อมูลตัวอย่าง: การเปลี่ยนชื่อสมมุติ / Demo data: a made-up rename",
        )
        counts["reorganisations"] = 1
    counts["late_quarters"] = make_late(seed, year, today)
    return counts


def make_late(seed: int, year: int, today: dt.date) -> int:
    """Submit the late agencies' quarters of `year` whose deadline has passed 5-20 days late."""
    fiscal_year = FiscalYear.objects.filter(pk=year).first()
    if fiscal_year is None:
        return 0
    rng = random.Random(seed)
    late = 0
    reports = QuarterReport.objects.filter(
        indicator__fiscal_year=fiscal_year, indicator__agency__code__in=LATE, submitted_at__isnull=False
    ).only("pk", "quarter")
    for report in reports:
        deadline = fiscal_year.deadline(report.quarter)
        if deadline >= today:
            continue
        day = deadline + dt.timedelta(days=rng.randint(5, 20))
        stamp = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        QuarterReport.objects.filter(pk=report.pk).update(submitted_at=stamp, updated_at=stamp)
        late += 1
    return late
