"""The search index's rows (publicdata.SearchEntry), kept current by the writes.

Every write goes through an actions function that records an audit row;
`reindex_written` listens to the audit log's `recorded` signal and, in the write's
transaction, rebuilds the entries of the KPIs whose public words it may have changed:

- a KPI (definition, name, template, import, carry-forward): that KPI;
- a quarter that is or was published (submitted, assessed, reopened; a published
  narrative edited): its KPI. A draft before and after shows nothing new;
- an agency (renamed, created by an import): its KPIs and those of the agencies below it
  (whose entries carry the parent district's name);
- a demo load: everything.

Two writes to different quarters of one KPI that overlap in time each rebuild the whole
entry; the last to commit may have read before the other committed (READ COMMITTED) and
leave its narrative out until the KPI's next write: rare, healed by the next write or
`citykpi reindex_search`.

Nothing else holds searchable words (evidence, assessments, accounts, years: a year
published or not is read at query time). The entry also copies its KPI's code and
publication flag (a KPI write reindexes it), so that a search needs no join to the KPIs. Paths that write without audit rows (the
benchmark's builder, ORM-built test fixtures) are caught up on first use: `catch_up`
indexes the KPIs newer than the newest entry. `citykpi reindex_search` rebuilds all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.dispatch import receiver

from citykpi.agencies.models import Agency
from citykpi.audit.models import AuditEvent
from citykpi.audit.signals import recorded
from citykpi.indicators.models import Indicator
from citykpi.publicdata.models import SearchEntry
from citykpi.publicdata.search.segment import index_words
from citykpi.reporting.models import QuarterReport

PUBLISHED = frozenset(QuarterReport.PUBLISHED_STATUSES)
CHUNK = 500
QUARTERS = (1, 2, 3, 4)
ENTRY_FIELDS = [
    "fiscal_year",
    "code",
    "is_published",
    "name_words",
    "agency_words",
    "narrative_words",
    "indexed_at",
]


def agency_texts(agency: Agency) -> list[str]:
    texts = [agency.name_th, agency.name_en, agency.abbreviation, agency.code]
    parent = agency.parent
    if parent is not None:  # a section of a district office is found by the district's name
        texts += [parent.name_th, parent.name_en, parent.abbreviation]
    return texts


def build_entries(indicator_ids: Iterable[int]) -> list[SearchEntry]:
    """The entries of the KPIs given (those that exist), unsaved: one query, the published
    narratives of quarters 1-4 read beside each KPI."""
    published = QuarterReport.objects.published().filter(indicator=OuterRef("pk"))
    narratives = {
        f"narrative_{quarter}": Subquery(published.filter(quarter=quarter).values("narrative")[:1])
        for quarter in QUARTERS
    }
    kpis = (
        Indicator.objects.filter(id__in=list(indicator_ids))
        .select_related("agency__parent")
        .only(
            "id",
            "code",
            "is_published",
            "name",
            "name_en",
            "annual_summary",
            "fiscal_year_id",
            "agency__code",
            "agency__name_th",
            "agency__name_en",
            "agency__abbreviation",
            "agency__parent__code",
            "agency__parent__name_th",
            "agency__parent__name_en",
            "agency__parent__abbreviation",
        )
        .annotate(**narratives)
    )
    agency_words: dict[int, str] = {}
    entries = []
    for kpi in kpis:
        if kpi.agency_id not in agency_words:
            agency_words[kpi.agency_id] = index_words(agency_texts(kpi.agency))
        texts = [getattr(kpi, name) or "" for name in narratives]
        entries.append(
            SearchEntry(
                indicator_id=kpi.pk,
                fiscal_year=kpi.fiscal_year_id,
                code=kpi.code,
                is_published=kpi.is_published,
                name_words=index_words([kpi.code, kpi.name, kpi.name_en]),
                agency_words=agency_words[kpi.agency_id],
                narrative_words=index_words([*texts, kpi.annual_summary]),
            )
        )
    return entries


def reindex_kpis(indicator_ids: Iterable[int]) -> int:
    """Rebuild the entries of the KPIs given, two queries per 500; returns how many were
    written. An upsert, not delete + insert, so two writers of one new KPI cannot collide;
    on SQLite its UPDATE fires the triggers that keep the FTS5 table in step."""
    ids = sorted(set(indicator_ids))
    written = 0
    for start in range(0, len(ids), CHUNK):
        entries = build_entries(ids[start : start + CHUNK])
        SearchEntry.objects.bulk_create(
            entries, update_conflicts=True, unique_fields=["indicator"], update_fields=ENTRY_FIELDS
        )
        written += len(entries)
    return written


def reindex_all(years: Iterable[int] | None = None) -> int:
    """Rebuild the entries of every KPI (of the years given)."""
    kpis = Indicator.objects.order_by("pk")
    if years is not None:
        kpis = kpis.filter(fiscal_year_id__in=list(years))
    return reindex_kpis(kpis.values_list("pk", flat=True))


def catch_up() -> int:
    """Index the KPIs created without an audit row since the newest entry (one query when
    there are none): the first search after a bulk load finds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT MAX(id) FROM indicators_indicator), "
            "(SELECT MAX(indicator_id) FROM publicdata_searchentry)"
        )
        newest_kpi, newest_entry = cursor.fetchone()
    if newest_kpi is None or (newest_entry is not None and newest_kpi <= newest_entry):
        return 0
    newer = Indicator.objects.filter(pk__gt=newest_entry or 0).order_by("pk")
    return reindex_kpis(newer.values_list("pk", flat=True))


def fill_once(sender: object, using: str = "default", **kwargs: Any) -> None:
    """At migrate (post_migrate): a database migrated from before the search index existed
    gets it once."""
    if Indicator.objects.using(using).exists() and not SearchEntry.objects.using(using).exists():
        reindex_all()


# --- what a write changed ---------------------------------------------------------------

AGENCY_TYPE = "agencies.agency"
KPI_TYPE = "indicators.indicator"
QUARTER_TYPE = "reporting.quarterreport"


def _statuses(event: AuditEvent, current: str | None) -> set[str]:
    found = {current, (event.before or {}).get("status"), (event.after or {}).get("status")}
    return {status for status in found if isinstance(status, str)}


def touched(events: list[AuditEvent], objects: list[Any] | None) -> tuple[set[int], set[int], bool]:
    """(KPI ids, agency ids, everything) whose words the audited write may have changed."""
    kpis: set[int] = set()
    agencies: set[int] = set()
    pending: dict[int, AuditEvent] = {}
    for index, event in enumerate(events):
        obj = objects[index] if objects is not None else None
        if event.action == "demo.load":
            return set(), set(), True
        if event.object_type == KPI_TYPE:
            kpis.add(obj.pk if isinstance(obj, Indicator) else int(event.object_id))
        elif event.object_type == AGENCY_TYPE:
            agencies.add(obj.pk if isinstance(obj, Agency) else int(event.object_id))
        elif event.object_type == QUARTER_TYPE:
            if isinstance(obj, QuarterReport):
                if _statuses(event, obj.status) & PUBLISHED:
                    kpis.add(obj.indicator_id)
            else:
                pending[int(event.object_id)] = event
    if pending:
        for pk, indicator_id, status in QuarterReport.objects.filter(id__in=list(pending)).values_list(
            "id", "indicator_id", "status"
        ):
            if _statuses(pending[pk], status) & PUBLISHED:
                kpis.add(indicator_id)
    return kpis, agencies, False


def agency_kpis(agency_ids: set[int]) -> set[int]:
    """The KPIs of the agencies and of the agencies directly below them."""
    below = set(Agency.objects.filter(parent_id__in=agency_ids).values_list("pk", flat=True))
    return set(Indicator.objects.filter(agency_id__in=agency_ids | below).values_list("pk", flat=True))


@receiver(recorded, dispatch_uid="publicdata-reindex-search")
def reindex_written(
    sender: object, events: list[AuditEvent], objects: list[Any] | None, **kwargs: Any
) -> None:
    kpis, agencies, everything = touched(events, list(objects) if objects is not None else None)
    if everything:
        reindex_all()
        return
    if agencies:
        kpis |= agency_kpis(agencies)
    if kpis:
        reindex_kpis(kpis)
