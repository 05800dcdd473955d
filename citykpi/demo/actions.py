"""Loading and resetting the demo data: the writes behind `citykpi demo`.

One transaction each, one audit row ("demo.load") per load. A load refuses a database
that already holds KPIs unless asked to reset; a reset deletes only what a demo load
wrote (it refuses when the database was not loaded by the demo) and keeps the audit log
and user accounts.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from citykpi.accounts.models import Membership
from citykpi.audit.log import record
from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError
from citykpi.lib.users import Actor
from citykpi.quality.actions import refresh_indicators

from . import generator
from .accountability import add_accountability
from .accounts import ensure_demo_accounts
from .reorganisation import add_reorganisation

# The apps whose rows a demo load writes, or that hang off them (quarters, evidence,
# planning records, data-quality findings...). Accounts and the audit log are kept.
DOMAIN_APPS = (
    "agencies",
    "strategy",
    "indicators",
    "reporting",
    "evaluation",
    "projects",
    "cityindicators",
    "planning",
    "quality",
    "exchange",
)


@dataclass
class LoadResult:
    loaded: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    accounts: list[str] = field(default_factory=list)
    message: str = ""


def load_demo(
    *,
    actor: Actor = None,
    scale: int = 1,
    seed: int = 2566,
    years: range | list[int] = generator.DEFAULT_YEARS,
    agency_count: int | None = None,
    if_empty: bool = False,
    reset: bool = False,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Load the demo into the database.

    if_empty: do nothing when KPIs exist. reset: delete what an earlier demo load wrote,
    then load. Otherwise a database with KPIs is refused with a bilingual message.
    `today` (default: the real date) places the in-progress year's Q3 and Q4 deadlines
    30 and 120 days ahead so that the demo accounts can play a quarter.
    """
    has_kpis = Indicator.objects.exists()
    if has_kpis and if_empty:
        return LoadResult(False, message="มีข้อมูลตัวชี้วัดอยู่แล้ว ไม่โหลดข้อมูลตัวอย่าง / KPIs exist; demo not loaded")
    if has_kpis and not reset:
        raise ActionError(
            "ฐานข้อมูลมีตัวชี้วัดอยู่แล้ว จะไม่โหลดข้อมูลตัวอย่างทับ ใช้ --reset เพื่อลบข้อมูลตัวอย่างเดิมก่อน "
            "หรือ --if-empty เพื่อข้ามเมื่อมีข้อมูล",
            "The database already holds KPIs; the demo is not loaded over them. Use --reset to delete "
            "the earlier demo data first, or --if-empty to skip when data exists",
            field="database",
        )
    started = time.perf_counter()
    with transaction.atomic():
        if has_kpis:
            reset_demo()
        counts = generator.generate(
            scale=scale, years=years, agency_count=agency_count, seed=seed, progress=progress
        )
        _set_deadlines(max(years), today or timezone.localdate())
        accounts = ensure_demo_accounts()
        counts["demo_accounts"] = len(accounts)
        # The data-quality report and the staff dashboard count stored findings: store them
        # for every year loaded, in bulk, so they show without running `citykpi quality`.
        if progress:
            progress("quality findings")
        counts["quality_findings"] = refresh_indicators(
            Indicator.objects.values_list("pk", flat=True), actor, source="cli"
        ).by_rule.total()
        year = FiscalYear.objects.get(pk=max(years))
        record(
            actor,
            "demo.load",
            year,
            after={"counts": counts, "scale": scale, "seed": seed, "years": list(years)},
            source="cli",
        )
        # Red quarters explained and claims citing letters (#15): after the load's audit row,
        # whose receiver stored the quarters' scores that say which quarters are red.
        counts.update(add_accountability(seed, today or timezone.localdate()))
        # A merger in the latest year's history and two late agencies (#15 parts 3 and 4).
        counts.update(add_reorganisation(seed, max(years), today or timezone.localdate()))
    return LoadResult(True, counts, time.perf_counter() - started, accounts)


def _set_deadlines(year: int, today: dt.date) -> None:
    # The only values that depend on the real date: the open quarters of the year in
    # progress stay open for the demo accounts. Q1 and Q2 keep their default (past) dates.
    FiscalYear.objects.filter(pk=year).update(
        q3_deadline=today + dt.timedelta(days=30), q4_deadline=today + dt.timedelta(days=120)
    )


def reset_demo() -> None:
    """Delete what demo loads wrote: every row of the domain apps, and the demo
    memberships. Refused when no demo load is on record, or when rows outside the demo
    (a real user's membership) still point at the data."""
    if not AuditEvent.objects.filter(action="demo.load").exists():
        raise ActionError(
            "ฐานข้อมูลนี้ไม่ได้โหลดจากข้อมูลตัวอย่าง จึงไม่ลบข้อมูล",
            "This database was not loaded by the demo; nothing is deleted",
            field="database",
        )
    try:
        with transaction.atomic():
            Membership.objects.filter(is_demo=True).delete()
            for model in _deletion_order():
                for fk in _self_references(model):
                    model._default_manager.exclude(**{f"{fk.name}__isnull": True}).update(**{fk.name: None})
                model._default_manager.all().delete()
    except (ProtectedError, IntegrityError) as exc:
        raise ActionError(
            "ลบข้อมูลตัวอย่างไม่ได้ เพราะมีข้อมูลอื่นอ้างถึง (เช่น สิทธิ์ของผู้ใช้จริง): " + str(exc)[:200],
            "The demo data cannot be deleted: other data refers to it (a real user's membership?): "
            + str(exc)[:200],
            field="database",
        ) from exc


def _domain_models() -> list[type[models.Model]]:
    found: list[type[models.Model]] = []
    for label in DOMAIN_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        found.extend(m for m in config.get_models() if not m._meta.proxy)
    return found


def _self_references(model: type[models.Model]) -> list[models.ForeignKey]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is model and f.null
    ]


def _deletion_order() -> list[type[models.Model]]:
    """Domain models, each after every model that points at it (children first)."""
    domain = _domain_models()
    remaining = set(domain)
    ordered: list[type[models.Model]] = []

    def points_at(child: type[models.Model], parent: type[models.Model]) -> bool:
        return any(
            isinstance(f, models.ForeignKey) and f.related_model is parent
            for f in child._meta.concrete_fields
        )

    while remaining:
        # Leaves: models that no other remaining model points at.
        leaves = [m for m in remaining if not any(o is not m and points_at(o, m) for o in remaining)]
        if not leaves:  # a cycle: let the database sort it out in one go
            leaves = list(remaining)
        leaves.sort(key=lambda m: m._meta.label)
        ordered.extend(leaves)
        remaining.difference_update(leaves)
    return ordered
