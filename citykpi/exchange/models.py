"""Provenance of imported records: which file and address a record came from, when it
was imported, the raw text it was read from, and (for a KPI page) the original text of
each cell of its quarterly table.

One row per imported record (a KPI, a project, a city indicator, an agency): importing
the same page again updates the row, so the record always points to its latest source.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Provenance(models.Model):
    class Kind(models.TextChoices):
        LEGACY = "legacy", "หน้าเว็บระบบเดิม / Legacy page"
        XLSX = "xlsx", "ไฟล์ Excel / Workbook"

    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    record_id = models.CharField(max_length=40)
    record = GenericForeignKey("record_type", "record_id")
    # The record's natural key as the source states it (KPI code, project code, pid).
    record_key = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LEGACY)
    source_file = models.CharField("ไฟล์ต้นทาง", max_length=500)
    address = models.CharField("ที่อยู่หน้าเว็บ", max_length=500, blank=True)
    page_type = models.CharField(max_length=20, blank=True)  # kpi, kpi_compact, city_indicator, ...
    imported_at = models.DateTimeField("เวลานำเข้า")
    raw_text = models.TextField("ข้อความต้นฉบับ")
    # What the parser noticed about the page (missing table, inferred quarter, cut title).
    warnings = models.JSONField(default=list, blank=True)
    # Each cell of the page's quarterly table as the page wrote it, empty cells as "":
    # {"quarterly_table": {"header": [...], "rows": [{"quarter": "2", "result": "50.00",
    # "score": "", "components": ""}, ...]}}. {} for a page without that table.
    cells = models.JSONField("ข้อความต้นฉบับรายช่อง", default=dict, blank=True)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "record_id"], name="provenance_one_per_record"),
        ]
        indexes = [
            # "Where did this KPI come from?": WHERE record_key = %s
            models.Index(fields=["record_key"], name="provenance_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record_key} <- {self.address or self.source_file}"
