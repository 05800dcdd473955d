"""The first-run checklist: what an instance still lacks before its first quarter can
open (organisation, people, strategy plans, the fiscal year, KPIs for every agency,
approvals, publishing), each step with a link to where it is done.

`first_run_checklist()` reads a handful of counts (about ten queries); the
administrator's home page shows it while a step is open (citykpi/workspace), and the
deploy check (citykpi.exchange.checks) reports the two that matter most.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.urls import reverse

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.planning.publishing import year_readiness
from citykpi.strategy.models import StrategyNode

SHOWN = 8  # codes listed in a step's detail before "and N more"


@dataclass(frozen=True)
class Step:
    key: str
    title_th: str
    title_en: str
    done: bool
    detail_th: str
    detail_en: str
    url: str
    link_th: str
    link_en: str


@dataclass
class Checklist:
    year: int | None
    steps: list[Step] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def open_steps(self) -> int:
        return sum(1 for step in self.steps if not step.done)


def _listed(codes: list[str]) -> tuple[str, str]:
    shown = ", ".join(codes[:SHOWN])
    more = len(codes) - SHOWN
    return (
        shown + (f" และอีก {more} หน่วยงาน" if more > 0 else ""),
        shown + (f" and {more} more" if more > 0 else ""),
    )


def has_evaluator() -> bool:
    return Membership.objects.filter(role=Role.EVALUATOR, user__is_active=True).exists()


def has_published_year() -> bool:
    return FiscalYear.objects.published().exists()


def first_run_checklist() -> Checklist:
    setup_url = reverse("exchange:setup")
    planning_url = reverse("planning:overview")
    users_url = reverse("admin:auth_user_changelist")
    year = FiscalYear.objects.order_by("-year").first()
    checklist = Checklist(year.year if year else None)
    add = checklist.steps.append

    agencies = dict(
        Agency.objects.active().filter(is_placeholder=False).values_list("pk", "code").order_by("code")
    )
    add(
        Step(
            "organisation",
            "หน่วยงาน",
            "Organisation",
            bool(agencies),
            f"มีหน่วยงาน {len(agencies)} หน่วยงาน" if agencies else "ยังไม่มีหน่วยงาน",
            f"{len(agencies)} agencies" if agencies else "No agency yet",
            setup_url,
            "นำเข้าสมุดงานตั้งค่าระบบ",
            "Import the setup workbook",
        )
    )

    roles = set(Membership.objects.filter(user__is_active=True).values_list("role", flat=True).distinct())
    no_password = list(
        get_user_model()
        .objects.filter(
            is_active=True, memberships__isnull=False, password__startswith=UNUSABLE_PASSWORD_PREFIX
        )
        .values_list("username", flat=True)
        .distinct()
        .order_by("username")
    )
    # The roles a quarter cannot do without: someone reports, someone assesses.
    needed = ((Role.EVALUATOR, "ผู้ประเมิน สยป.", "evaluator"), (Role.REPORTER, "ผู้รายงานผล", "reporter"))
    missing = [(th, en) for role, th, en in needed if role not in roles]
    detail_th, detail_en = [], []
    if missing:
        detail_th.append("ยังไม่มี" + " และ".join(th for th, _en in missing))
        detail_en.append("No " + " nor ".join(en for _th, en in missing) + " yet")
    if no_password:
        th, en = _listed(no_password)
        detail_th.append(f"บัญชีที่ยังไม่ได้ตั้งรหัสผ่าน {len(no_password)} บัญชี: {th}")
        detail_en.append(f"{len(no_password)} accounts without a password: {en}")
    to_admin = bool(no_password) and not missing
    add(
        Step(
            "people",
            "ผู้ใช้และบทบาท",
            "People and roles",
            not missing and not no_password,
            "; ".join(detail_th) or "มีผู้ประเมินและผู้รายงานผล ทุกบัญชีตั้งรหัสผ่านแล้ว",
            "; ".join(detail_en) or "Evaluators and reporters are in; every account has a password",
            users_url if to_admin else setup_url,
            "ตั้งรหัสผ่านในหน้าผู้ดูแลระบบ" if to_admin else "นำเข้าสมุดงานตั้งค่าระบบ",
            "Set passwords in the admin" if to_admin else "Import the setup workbook",
        )
    )

    nodes = StrategyNode.objects.count()
    add(
        Step(
            "plans",
            "แผนยุทธศาสตร์",
            "Strategy plans",
            nodes > 0,
            f"มีหัวข้อยุทธศาสตร์ {nodes} หัวข้อ" if nodes else "ยังไม่มีแผนยุทธศาสตร์",
            f"{nodes} strategy nodes" if nodes else "No strategy plan yet",
            setup_url,
            "นำเข้าสมุดงานตั้งค่าระบบ",
            "Import the setup workbook",
        )
    )

    add(
        Step(
            "year",
            "ปีงบประมาณ",
            "Fiscal year",
            year is not None,
            f"ปีงบประมาณ {year.year}" if year else "ยังไม่มีปีงบประมาณ",
            f"Fiscal year {year.year}" if year else "No fiscal year yet",
            setup_url,
            "นำเข้าสมุดงานตั้งค่าระบบ",
            "Import the setup workbook",
        )
    )

    carrying = set()
    if year is not None:
        carrying = set(
            Indicator.objects.filter(fiscal_year=year)
            .order_by()
            .values_list("agency_id", flat=True)
            .distinct()
        )
    without = [code for pk, code in agencies.items() if pk not in carrying]
    th, en = _listed(without)
    add(
        Step(
            "kpis",
            "ตัวชี้วัดของทุกหน่วยงาน",
            "KPIs for every agency",
            year is not None and bool(carrying) and not without,
            (f"หน่วยงานที่ยังไม่มีตัวชี้วัด {len(without)} หน่วยงาน: {th}" if without else "ทุกหน่วยงานมีตัวชี้วัดแล้ว")
            if year
            else "ต้องมีปีงบประมาณก่อน",
            (f"{len(without)} agencies without KPIs: {en}" if without else "Every agency has KPIs")
            if year
            else "A fiscal year comes first",
            setup_url,
            "นำเข้าสมุดงานตั้งค่าระบบ",
            "Import the setup workbook",
        )
    )

    readiness = year_readiness(year) if year is not None else None
    th, en = _listed(readiness.unapproved if readiness else [])
    add(
        Step(
            "approvals",
            "อนุมัติค่าเป้าหมาย",
            "Approvals",
            bool(readiness and readiness.ready),
            (f"รออนุมัติ {len(readiness.unapproved)} หน่วยงาน: {th}" if readiness.unapproved else "อนุมัติครบแล้ว")
            if readiness and readiness.agencies
            else "ยังไม่มีตัวชี้วัดให้อนุมัติ",
            (
                f"{len(readiness.unapproved)} agencies awaiting approval: {en}"
                if readiness.unapproved
                else "All approved"
            )
            if readiness and readiness.agencies
            else "No KPIs to approve yet",
            planning_url,
            "หน้าตั้งค่าตัวชี้วัด",
            "KPI setup",
        )
    )

    add(
        Step(
            "published",
            "เผยแพร่ปีงบประมาณ",
            "Year published",
            bool(year and year.is_published),
            "เผยแพร่แล้ว" if year and year.is_published else "ยังไม่เผยแพร่ (สยป. เผยแพร่เมื่ออนุมัติครบ)",
            "Published"
            if year and year.is_published
            else "Not published yet (the evaluator publishes it once approved)",
            planning_url,
            "หน้าตั้งค่าตัวชี้วัด",
            "KPI setup",
        )
    )
    return checklist
