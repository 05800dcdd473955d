"""Which public pages a write changes: the audit log's receiver that bumps versions.

Every write goes through an actions function that records an audit row; this receiver
reads what the row is about and bumps exactly the scopes whose pages show it
(citykpi.publicdata.models lists the scopes):

- a quarter (its report, assessment or evidence) of a public KPI, when the quarter is or
  was published: that KPI, its agency, its year, and ``all``. A draft, a draft's evidence,
  or anything of a KPI or year not published changes no public page and bumps nothing.
- a KPI (definition, plan, name) of a published year: the same four scopes.
- accounts, tokens, roles, templates, reminders: nothing public.
- anything else (a fiscal year published, an agency renamed, year settings, a strategy
  node, an import's placeholders, what we cannot place): ``site``, every page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from citykpi.audit.models import AuditEvent
from citykpi.audit.signals import recorded
from citykpi.indicators.models import Indicator
from citykpi.publicdata import documents, versions
from citykpi.reporting.models import QuarterReport

# Object types whose writes no public page shows.
PRIVATE_TYPES = frozenset(
    {
        "accounts.membership",
        "accounts.apitoken",
        "auth.user",
        "auth.group",
        "planning.kpitemplate",
        "reporting.reminderlog",
        # the conversation of a quarter is for staff only (citykpi.discussion)
        "discussion.entry",
        "discussion.reader",
        "jobs.job",
    }
)
# Actions whose effect reaches beyond the object they name (a carried-forward KPI links its
# predecessor's page; a demo load writes everything).
SITE_WIDE_ACTIONS = frozenset({"kpi.carry_forward", "demo.load"})
PUBLISHED = frozenset(QuarterReport.PUBLISHED_STATUSES)


def kpi_scopes(indicator: Indicator) -> set[str]:
    """The scopes of a KPI's public face, or none while the KPI or its year is not public."""
    if not indicator.is_published or not indicator.fiscal_year.is_published:
        return set()
    agency = indicator.agency
    return {
        versions.kpi(indicator.code),
        versions.agency(agency.code),
        versions.agency(agency.long_code),  # the agency page answers to both codes
        versions.year(indicator.fiscal_year_id),
        versions.ALL,
    }


def quarter_scopes(quarter: QuarterReport, event: AuditEvent) -> set[str]:
    statuses = {quarter.status, (event.before or {}).get("status"), (event.after or {}).get("status")}
    if not statuses & PUBLISHED:
        return set()  # a draft (or returned) quarter before and after: nothing public moved
    return kpi_scopes(quarter.indicator)


def scopes_for(event: AuditEvent, obj: Any) -> set[str]:
    if event.action in SITE_WIDE_ACTIONS:
        return {versions.SITE}
    if event.object_type in PRIVATE_TYPES:
        return set()
    if isinstance(obj, QuarterReport):
        return quarter_scopes(obj, event)
    quarter = getattr(obj, "quarter_report", None)
    if isinstance(quarter, QuarterReport):
        return quarter_scopes(quarter, event)
    if isinstance(obj, Indicator):
        return kpi_scopes(obj)
    indicator = getattr(obj, "indicator", None)
    if isinstance(indicator, Indicator):
        return kpi_scopes(indicator)
    return {versions.SITE}


def load_objects(events: list[AuditEvent]) -> list[Any]:
    """The objects of batch-inserted rows: quarters are loaded in one query, others not at
    all (scopes_for then treats them as reaching the whole site)."""
    quarter_ids = [int(e.object_id) for e in events if e.object_type == "reporting.quarterreport"]
    quarters = QuarterReport.objects.select_related("indicator__agency", "indicator__fiscal_year").in_bulk(
        quarter_ids
    )
    found: list[Any] = []
    for event in events:
        if event.object_type == "reporting.quarterreport":
            found.append(quarters.get(int(event.object_id)))
        else:
            found.append(None)
    return found


@receiver(recorded, dispatch_uid="publicdata-bump-versions")
def bump_versions(
    sender: object, events: list[AuditEvent], objects: Iterable[Any] | None, **kwargs: Any
) -> None:
    objects = load_objects(events) if objects is None else list(objects)
    scopes: set[str] = set()
    for event, obj in zip(events, objects):
        scopes |= scopes_for(event, obj)
        if versions.SITE in scopes:
            break
    if versions.SITE in scopes:
        scopes = {versions.SITE}
    versions.bump(scopes)
    # The KPIs' public documents follow once the write commits (citykpi.publicdata.documents).
    documents.rebuild_on_commit(scopes)
