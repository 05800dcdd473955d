"""Versions of the public data, one counter per scope.

A public page or API answer is cached under the versions of the scopes it shows (see
citykpi.publicdata.pagecache). A write bumps the counters of the scopes it changes inside
its own transaction (citykpi.publicdata.invalidation), so a reader sees the new version
exactly when it sees the new data, and a version never goes backwards: unlike the highest
audit id, which on PostgreSQL can commit out of order.

Scopes:
- ``site``: everything (years published, agencies renamed, settings, anything we cannot place)
- ``all``: any public change; pages that span years and agencies (home, finder, lists)
- ``year:<BE year>``: the KPIs of one fiscal year (dashboards, year-filtered lists)
- ``agency:<code>``: one agency's KPIs (the agency page)
- ``kpi:<code>``: one KPI (its page, its print view, its API record)
"""

from __future__ import annotations

from django.db import models


class DataVersion(models.Model):
    scope = models.CharField(max_length=80, primary_key=True)
    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "รุ่นข้อมูลสาธารณะ / Public data version"

    def __str__(self) -> str:
        return f"{self.scope}={self.number}"


class SearchEntry(models.Model):
    """One KPI in the public word search (citykpi.publicdata.search): its words, segmented
    and normalised, space-joined, in three fields ranked differently (the name counts more
    than the agency, the agency more than the narratives).

    Kept current by the audit signal in each write's transaction (search/index.py). The
    database's full-text index reads these columns: on PostgreSQL a stored tsvector column
    `document` with a GIN index, on SQLite the FTS5 table `publicdata_searchfts`; both are
    made by migration 0002 and invisible to the ORM.
    """

    indicator = models.OneToOneField(
        "indicators.Indicator", on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    fiscal_year = models.PositiveSmallIntegerField()
    # Copied from the KPI by every write that indexes it, so that a search ranks and pages
    # its matches without joining them to the KPIs (the year's publication is still read
    # at query time: publishing a year changes nothing here).
    code = models.CharField(max_length=20, blank=True)
    is_published = models.BooleanField(default=False)
    # The KPI's code, Thai and English names.
    name_words = models.TextField(blank=True)
    # Its agency's names, abbreviation and code, and those of the agency above it (the district).
    agency_words = models.TextField(blank=True)
    # Its published quarters' narratives and its annual summary.
    narrative_words = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "รายการในดัชนีค้นหา / Search entry"
        verbose_name_plural = "ดัชนีค้นหา / Search entries"
        indexes = [
            # search(year=...): WHERE fiscal_year = %s beside the full-text match
            models.Index(fields=["fiscal_year"], name="search_entry_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.name_words[:60]}"


class Synonym(models.Model):
    """Words the search treats as one (ขยะ = มูลฝอย): a query for any of them finds KPIs
    that use any other. Edited in the admin through citykpi.publicdata.search.actions."""

    term = models.CharField("คำ / Term", max_length=120, unique=True)
    equivalents = models.TextField(
        "คำที่มีความหมายเดียวกัน / Equivalents", help_text="คั่นด้วยจุลภาคหรือขึ้นบรรทัดใหม่ / comma or newline separated"
    )

    class Meta:
        ordering = ["term"]
        verbose_name = "คำพ้องในการค้นหา / Search synonym"
        verbose_name_plural = "คำพ้องในการค้นหา / Search synonyms"

    def __str__(self) -> str:
        return f"{self.term} = {', '.join(self.members()[1:])}"

    def members(self) -> list[str]:
        """The term and its equivalents, in that order, blanks and repeats left out."""
        found: list[str] = []
        for item in [self.term, *self.equivalents.replace("\n", ",").split(",")]:
            item = " ".join(item.split())
            if item and item not in found:
                found.append(item)
        return found


class KpiDocument(models.Model):
    """The public face of one published KPI in one row: what its page and its open-data
    record show (citykpi.publicdata.documents), with the versions of the scopes it was
    built under; read only while those are current."""

    indicator = models.OneToOneField(
        "indicators.Indicator", on_delete=models.CASCADE, primary_key=True, related_name="public_document"
    )
    code = models.CharField(max_length=20, unique=True)
    kpi_version = models.BigIntegerField()
    site_version = models.BigIntegerField()
    body = models.JSONField()
    built_at = models.DateTimeField()
    # The open-data record (GET /api/v1/kpis/<code>) as the bytes the API answers, its
    # addresses relative (the host is added when served), made from `body` by the API's
    # schema (citykpi.publicdata.documents.record_format says which); "" = not made yet.
    record = models.TextField(blank=True, default="")
    record_format = models.CharField(max_length=40, blank=True, default="")
    record_modified = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "เอกสารสาธารณะของตัวชี้วัด / KPI public document"

    def __str__(self) -> str:
        return self.code
