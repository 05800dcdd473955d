"""What a one-way step of fiscal-year setup would do, counted before it is done (issue #11
point 2, "nothing irreversible by accident"): publishing a year and carrying a year
forward. Read-only: the counts come from the data as it stands and from the actions' own
dry runs (citykpi.planning.actions), never from a second copy of their rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.fiscal import QUARTERS
from citykpi.lib.params import plain_int
from citykpi.lib.users import Actor
from citykpi.planning import actions
from citykpi.planning.models import Setup
from citykpi.reporting.models import QuarterReport


@dataclass
class PublishPreview:
    fiscal_year: FiscalYear
    readiness: actions.YearReadiness
    kpis: int = 0  # every KPI of the year
    public_kpis: int = 0  # those the public will see (the others are marked not public)
    with_target: int = 0  # public KPIs with an annual target
    planned_quarters: int = 0  # quarterly planned targets of the public KPIs
    without_target: int = 0
    without_definition: int = 0
    published_quarters: int = 0  # quarters already submitted or assessed: public at once
    sample_without_target: list[str] = field(default_factory=list)
    sample_without_definition: list[str] = field(default_factory=list)

    @property
    def can_unpublish_after(self) -> bool:
        return self.published_quarters == 0


def publish_preview(
    fiscal_year: FiscalYear, *, override_reason: str = "", actor: Actor | None = None
) -> PublishPreview:
    """What publishing `fiscal_year` makes public. With an actor, the publish itself is
    tried and rolled back first, so a refusal (already published, no KPIs, setups not
    approved without a reason, not the evaluator) is the action's own."""
    if actor is not None:
        with transaction.atomic():
            actions.publish_fiscal_year(actor, fiscal_year, override_reason=override_reason)
            transaction.set_rollback(True)
    kpis = Indicator.objects.filter(fiscal_year=fiscal_year)
    public = kpis.filter(is_published=True)
    no_target = public.filter(target__isnull=True, range_low__isnull=True, range_high__isnull=True)
    no_definition = public.filter(Q(definition="") | Q(definition__isnull=True))
    return PublishPreview(
        fiscal_year=fiscal_year,
        readiness=actions.year_readiness(fiscal_year),
        kpis=kpis.count(),
        public_kpis=public.count(),
        with_target=public.filter(target__isnull=False).count(),
        planned_quarters=QuarterReport.objects.filter(
            indicator__in=public, planned_target__isnull=False
        ).count(),
        without_target=no_target.count(),
        without_definition=no_definition.count(),
        published_quarters=QuarterReport.objects.published().filter(indicator__in=public).count(),
        sample_without_target=list(no_target.order_by("code").values_list("code", flat=True)[:10]),
        sample_without_definition=list(no_definition.order_by("code").values_list("code", flat=True)[:10]),
    )


@dataclass
class CarryPreview:
    from_year: FiscalYear
    to_year: int
    year_exists: bool
    result: actions.CarryResult
    agencies: list[str] = field(default_factory=list)  # codes of the agencies that get new KPIs
    new_setups: int = 0  # agencies without a setup in the new year: a draft one is created
    with_target: int = 0
    without_target: int = 0
    planned_quarters: int = 0  # quarterly planned targets proposed
    unlinked_templates: int = 0  # copies of a deactivated template: they stand alone

    @property
    def created(self) -> int:
        return len(self.result.created)

    @property
    def skipped(self) -> int:
        return len(self.result.skipped)


def carry_preview(
    actor: Actor, *, from_year: FiscalYear, to_year: Any, agencies: Any = None, template: Any = None
) -> CarryPreview:
    """The carry forward's own dry run (everything done and checked, then rolled back),
    counted: KPIs and quarterly plans to be created, agencies, KPIs skipped."""
    target = plain_int(str(to_year).strip())
    year_exists = target is not None and FiscalYear.objects.filter(pk=target).exists()
    result = actions.carry_forward(
        actor, from_year=from_year, to_year=to_year, agencies=agencies, template=template, dry_run=True
    )
    created = result.created
    agency_ids = sorted({i.agency_id for i in created})
    with_setup = set(
        Setup.objects.filter(fiscal_year_id=result.fiscal_year.pk, agency_id__in=agency_ids).values_list(
            "agency_id", flat=True
        )
    )
    planned = 0
    for indicator in created:
        if indicator.carried_from is None:  # every KPI a carry-forward creates has its source
            continue
        plan = actions.propose_plan(indicator.carried_from, indicator.target)
        planned += sum(1 for q in QUARTERS if plan.get(q) is not None)
    return CarryPreview(
        from_year=from_year,
        to_year=result.fiscal_year.pk,
        year_exists=year_exists,
        result=result,
        agencies=sorted({i.agency.code for i in created}),
        new_setups=len(set(agency_ids) - with_setup),
        with_target=sum(1 for i in created if i.target is not None),
        without_target=sum(
            1 for i in created if i.target is None and i.range_low is None and i.range_high is None
        ),
        planned_quarters=planned,
        unlinked_templates=sum(
            1
            for i in created
            if i.carried_from is not None and i.carried_from.template_id is not None and i.template_id is None
        ),
    )
