"""Deploy checks of a new instance: `citykpi check --deploy` warns while nobody holds the
evaluator's role or no fiscal year is published (the first-run checklist's two
essentials, citykpi.exchange.setup.checklist). Warnings, not errors: a fresh instance
is deployed first and set up afterwards."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from citykpi.exchange.setup.checklist import has_evaluator, has_published_year


@checks.register("setup", deploy=True)
def an_evaluator_and_a_published_year(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        evaluator, published = has_evaluator(), has_published_year()
    except DatabaseError:
        return []  # no tables yet (before migrate)
    found: list[checks.CheckMessage] = []
    if not evaluator:
        found.append(
            checks.Warning(
                "ยังไม่มีผู้ประเมิน สยป. ในระบบ / No one holds the evaluator's role",
                hint="Import the setup workbook (citykpi import-setup) or grant the role in the admin; "
                "see docs/onboarding.md.",
                id="citykpi.W101",
            )
        )
    if not published:
        found.append(
            checks.Warning(
                "ยังไม่มีปีงบประมาณที่เผยแพร่ / No fiscal year is published",
                hint="Approve the agencies' KPIs and publish the year at /setup/; see docs/onboarding.md.",
                id="citykpi.W102",
            )
        )
    return found
