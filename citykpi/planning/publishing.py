"""Publishing a fiscal year: its KPIs appear on the public pages, the open data and the
dashboards once every agency's setup is approved (or the evaluator overrides with a
reason); and the undo, while none of its quarters is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from citykpi.accounts import access
from citykpi.accounts.access import Capability
from citykpi.audit.log import record
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError
from citykpi.lib.users import Actor
from citykpi.planning.models import Setup
from citykpi.planning.parsing import fiscal_year_of
from citykpi.reporting.models import QuarterReport


@dataclass
class YearReadiness:
    """Where the setups of a fiscal year stand: the agencies with KPIs in it, and those
    of them whose setup is not approved yet."""

    fiscal_year: FiscalYear
    agencies: int = 0
    unapproved: list[str] = field(default_factory=list)  # agency codes

    @property
    def ready(self) -> bool:
        return self.agencies > 0 and not self.unapproved


def year_readiness(fiscal_year: FiscalYear | int) -> YearReadiness:
    """Two queries: the agencies carrying KPIs in the year and the approved setups."""
    year = fiscal_year_of(fiscal_year)
    carrying = dict(
        Indicator.objects.filter(fiscal_year=year)
        .order_by()
        .values_list("agency_id", "agency__code")
        .distinct()
    )
    approved = set(
        Setup.objects.filter(fiscal_year=year, state=Setup.State.APPROVED).values_list("agency_id", flat=True)
    )
    return YearReadiness(
        year, len(carrying), sorted(code for pk, code in carrying.items() if pk not in approved)
    )


def publish_fiscal_year(
    actor: Actor, fiscal_year: FiscalYear | int, *, override_reason: str = "", source: str = "web"
) -> YearReadiness:
    """The evaluator publishes a fiscal year: its KPIs appear on the public pages, the
    open data and the dashboards. Every agency's setup must be approved first, unless
    the evaluator overrides with a reason (recorded with the agencies still open)."""
    access.require(actor, Capability.DECIDE_SETUP)
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        year = FiscalYear.objects.select_for_update().get(pk=fiscal_year_of(fiscal_year).pk)
        if year.is_published:
            raise ActionError(
                f"ปีงบประมาณ {year.pk} เผยแพร่แล้ว",
                f"Fiscal year {year.pk} is already published",
                field="fiscal_year",
            )
        readiness = year_readiness(year)
        if readiness.agencies == 0:
            raise ActionError(
                f"ปีงบประมาณ {year.pk} ยังไม่มีตัวชี้วัด จึงยังไม่เผยแพร่",
                f"Fiscal year {year.pk} has no KPIs yet; there is nothing to publish",
                field="fiscal_year",
            )
        if readiness.unapproved and not override_reason:
            shown = ", ".join(readiness.unapproved[:10])
            more = len(readiness.unapproved) - 10
            raise ActionError(
                f"ยังเผยแพร่ไม่ได้: การตั้งค่าของ {len(readiness.unapproved)} หน่วยงานยังไม่ได้รับอนุมัติ "
                f"({shown}{f' และอีก {more} หน่วยงาน' if more > 0 else ''}) "
                "อนุมัติให้ครบ หรือระบุเหตุผลเพื่อเผยแพร่โดยไม่รอ",
                f"Cannot publish yet: the setup of {len(readiness.unapproved)} agencies is not approved "
                f"({shown}{f' and {more} more' if more > 0 else ''}); approve them all, or give a reason "
                "to publish without waiting",
                field="override_reason",
                unapproved=readiness.unapproved,
            )
        year.is_published = True
        year.save(update_fields=["is_published"])
        record(
            actor,
            "fiscal_year.publish",
            year,
            before={"is_published": False},
            after={"is_published": True, "agencies": readiness.agencies, "unapproved": readiness.unapproved},
            reason=override_reason,
            source=source,
        )
    return readiness


def unpublish_fiscal_year(actor: Actor, fiscal_year: FiscalYear | int, *, source: str = "web") -> FiscalYear:
    """The undo of publishing: the evaluator takes a fiscal year off the public pages, only
    while none of its quarters is published (nothing the public has read disappears)."""
    access.require(actor, Capability.DECIDE_SETUP)
    with transaction.atomic():
        year = FiscalYear.objects.select_for_update().get(pk=fiscal_year_of(fiscal_year).pk)
        if not year.is_published:
            raise ActionError(
                f"ปีงบประมาณ {year.pk} ยังไม่ได้เผยแพร่",
                f"Fiscal year {year.pk} is not published",
                field="fiscal_year",
            )
        published = QuarterReport.objects.published().filter(indicator__fiscal_year=year).count()
        if published:
            raise ActionError(
                f"ยกเลิกการเผยแพร่ปีงบประมาณ {year.pk} ไม่ได้: มีรายงานรายไตรมาสที่เผยแพร่แล้ว {published} รายการ",
                f"Fiscal year {year.pk} cannot be unpublished: {published} quarterly reports are already published",
                field="fiscal_year",
            )
        year.is_published = False
        year.save(update_fields=["is_published"])
        record(
            actor,
            "fiscal_year.unpublish",
            year,
            before={"is_published": True},
            after={"is_published": False},
            source=source,
        )
    return year
