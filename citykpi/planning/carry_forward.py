"""Carrying a fiscal year forward: next year starts from this year's KPIs, each copied
with a new code, and a target and quarterly plan proposed from this year's results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from citykpi.accounts import access
from citykpi.accounts.access import Capability
from citykpi.agencies.models import Agency
from citykpi.audit.log import record
from citykpi.indicators.models import FiscalYear, Indicator, MilestoneLevel
from citykpi.lib.errors import ActionError
from citykpi.lib.fiscal import QUARTERS
from citykpi.lib.users import Actor
from citykpi.planning import checks, versions
from citykpi.planning.models import KpiTemplate, Setup
from citykpi.planning.negotiation import setup_of
from citykpi.planning.parsing import fiscal_year_of, number_of
from citykpi.planning.plans import set_plan
from citykpi.planning.templates_kpi import inactive_error, new_code, next_codes


@dataclass
class CarryResult:
    fiscal_year: FiscalYear
    created: list[Indicator] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # codes already carried forward
    dry_run: bool = False  # True: nothing was kept


def propose_target(previous: Indicator) -> Decimal | None:
    """Next year's target from last year: at least last year's target, raised to the last
    reported result for higher-is-better (lowered to it for lower-is-better)."""
    last_target = previous.target
    result = checks.last_result(previous)
    if (
        previous.scoring_method == Indicator.Method.MILESTONE
        or previous.direction == Indicator.Direction.RANGE
    ):
        return last_target
    if result is None:
        return last_target
    if last_target is None:
        return result
    if previous.direction == Indicator.Direction.LOWER:
        return min(last_target, result)
    return max(last_target, result)


def propose_plan(previous: Indicator, target: Decimal | None) -> dict[int, Decimal | None]:
    """Quarterly plan for the new target: last year's shape scaled, else an even rise."""
    if target is None:
        return {q: None for q in QUARTERS}
    old = checks.plan_values(previous)
    filled = {q: v for q, v in old.items() if v is not None}
    cent = Decimal("0.01")
    plan: dict[int, Decimal | None]
    if len(filled) == len(old) and previous.target and filled.get(4) == previous.target:
        ratio = target / previous.target
        plan = {q: (filled[q] * ratio).quantize(cent) for q in (1, 2, 3)}
    elif previous.direction == Indicator.Direction.HIGHER:
        plan = {q: (target * q / 4).quantize(cent) for q in (1, 2, 3)}
    else:
        plan = {q: target for q in (1, 2, 3)}
    plan[4] = target
    return plan


def carry_forward(
    actor: Actor,
    *,
    from_year: FiscalYear | int,
    to_year: int,
    agencies: Iterable[Agency] | None = None,
    template: KpiTemplate | None = None,
    dry_run: bool = False,
    source: str = "web",
) -> CarryResult:
    """Start `to_year` from `from_year`: every KPI of the agencies (or of the template,
    across agencies) gets a new KPI with a new code, its definition, milestone levels
    and strategy links copied, and a target and plan proposed from last year's results.
    Nothing of `from_year` is changed; KPIs already carried forward are skipped.

    actor None is the system (the `citykpi carry-forward` command, run by whoever holds
    the server). dry_run does all the work and checks, then rolls it back: the result
    says what would be created."""
    agencies = list(agencies) if agencies is not None else None
    if actor is not None:
        # An agency may start its own next year; the city-wide and template modes (no agency
        # to hold it in) are the evaluator's.
        held_in: list[Agency | None] = [*agencies] if template is None and agencies else [None]
        for agency in held_in:
            access.require(actor, Capability.CARRY_FORWARD, agency)
    previous_year = fiscal_year_of(from_year)
    if template is not None:
        template = KpiTemplate.objects.get(pk=template.pk)
        if not template.is_active:
            raise inactive_error(template)
    target_year = number_of(to_year, "to_year", "ปีงบประมาณใหม่", "New fiscal year")
    if target_year is None or int(target_year) <= previous_year.pk:
        raise ActionError(
            f"ปีงบประมาณใหม่ต้องมากกว่า {previous_year.pk}",
            f"The new fiscal year must be after {previous_year.pk}",
            field="to_year",
        )
    sources = Indicator.objects.filter(fiscal_year=previous_year)
    if agencies is not None:
        sources = sources.filter(agency__in=agencies)
    if template is not None:
        sources = sources.filter(template=template)
    sources = (
        sources.select_related("agency", "unit", "template")
        .prefetch_related("quarters", "milestone_levels", "strategy_nodes")
        .order_by("agency__code", "code")
    )
    inactive_templates = set(KpiTemplate.objects.filter(is_active=False).values_list("pk", flat=True))
    with transaction.atomic():
        year, made = FiscalYear.objects.get_or_create(pk=int(target_year), defaults={"is_published": False})
        if made:
            record(actor, "fiscal_year.create", year, after={"year": year.pk}, source=source)
        result = CarryResult(year)
        items = list(sources)
        done = set(
            Indicator.objects.filter(fiscal_year=year, carried_from__in=items).values_list(
                "carried_from_id", flat=True
            )
        )
        todo = [i for i in items if i.pk not in done]
        result.skipped = [i.code for i in items if i.pk in done]
        frozen = set(
            Setup.objects.filter(
                fiscal_year=year, state=Setup.State.APPROVED, agency__in={i.agency_id for i in todo}
            ).values_list("agency__code", flat=True)
        )
        if frozen:
            codes = ", ".join(sorted(frozen))
            raise ActionError(
                f"ตัวชี้วัดปีงบประมาณ {year.pk} ของหน่วยงาน {codes} ได้รับอนุมัติแล้ว",
                f"The fiscal year {year.pk} KPIs of {codes} are already approved",
                field="agencies",
            )
        serials = next_codes(list({i.agency_id: i.agency for i in todo}.values()))
        copied = [
            "list_label",
            "name",
            "name_en",
            "unit",
            "target_text",
            "direction",
            "range_low",
            "range_high",
            "kpi_type",
            "result_level",
            "definition",
            "calculation_method",
            "scoring_method",
            "scoring_config",
            "data_collection",
            "weight",
            "dimension_id",
            "is_negotiated",
            "template",
            "is_published",
        ]
        for previous in todo:
            setup_of(previous.agency, year)
            target = propose_target(previous)
            indicator = Indicator.objects.create(
                code=new_code(previous.agency, serials),
                agency=previous.agency,
                fiscal_year=year,
                carried_from=previous,
                target=target,
                **{name: getattr(previous, name) for name in copied},
            )
            if indicator.template_id in inactive_templates:
                # A deactivated template is not assigned again: the copy stands on its own.
                indicator.template = None
                indicator.save(update_fields=["template"])
            indicator.strategy_nodes.set(list(previous.strategy_nodes.all()))
            MilestoneLevel.objects.bulk_create(
                MilestoneLevel(
                    indicator=indicator,
                    level=m.level,
                    description=m.description,
                    percent=m.percent,
                    points=m.points,
                )
                for m in previous.milestone_levels.all()
            )
            set_plan(indicator, propose_plan(previous, target))
            record(
                actor,
                "kpi.carry_forward",
                indicator,
                after=versions.snapshot(indicator),
                reason=f"from {previous.code}",
                indicator_code=indicator.code,
                source=source,
            )
            result.created.append(indicator)
        if dry_run:
            transaction.set_rollback(True)
            result.dry_run = True
    return result
