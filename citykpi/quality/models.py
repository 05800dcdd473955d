"""Stored data-quality findings (refreshed on write and on demand) and the thresholds
that scoring and the checks use.

Findings are derived data: `citykpi.quality.rules.findings_for` computes them from the
KPI as it stands; this table keeps the last result so that the evaluator's report and
the dashboards can count them in the database, by agency and by rule.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from django.db import models
from django.db.models import Q

from citykpi.quality import scoring


class QualitySettings(models.Model):
    """Thresholds for one fiscal year; the row without a year is the default."""

    fiscal_year = models.OneToOneField(
        "indicators.FiscalYear", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Status of a quarter: its score (percent of the quarter's plan) at or above these.
    on_track_percent = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("100"))
    at_risk_percent = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("80"))
    # A percent result above this (where the unit does not allow over 100) is refused.
    percent_far_limit = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("150"))
    # An assessment score this far (in points of 100) from the computed score is doubtful.
    contradiction_gap = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("30"))

    class Meta:
        verbose_name_plural = "quality settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(at_risk_percent__lte=models.F("on_track_percent")),
                name="quality_settings_at_risk_below_on_track",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year"],
                name="quality_settings_one_per_year",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"quality settings {self.fiscal_year_id or 'default'}"

    @property
    def thresholds(self) -> scoring.Thresholds:
        return scoring.Thresholds(on_track=self.on_track_percent, at_risk=self.at_risk_percent)

    @classmethod
    def for_year(cls, year: int | None) -> QualitySettings:
        """The year's settings, else the default row, else the built-in defaults (unsaved)."""
        rows = {
            row.fiscal_year_id: row
            for row in cls.objects.filter(Q(fiscal_year_id=year) | Q(fiscal_year__isnull=True))
        }
        return rows.get(year) or rows.get(None) or cls()


class FindingRecordQuerySet(models.QuerySet):
    def errors(self) -> Self:
        return self.filter(severity=FindingRecord.Severity.ERROR)


class FindingRecord(models.Model):
    class Severity(models.TextChoices):
        ERROR = "error", "ผิดพลาด / Error"
        WARNING = "warning", "น่าสงสัย / Warning"

    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.CASCADE, related_name="quality_findings"
    )
    # Denormalised from the KPI so the report groups by year and agency without a join.
    fiscal_year = models.ForeignKey("indicators.FiscalYear", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=60)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    field = models.CharField(max_length=60, blank=True)
    message_th = models.TextField()
    message_en = models.TextField()
    found_at = models.DateTimeField(auto_now_add=True)

    objects = FindingRecordQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "rule", "quarter"]
        indexes = [
            # The evaluator's report and the staff dashboard: WHERE fiscal_year_id = %s GROUP BY agency/rule
            models.Index(fields=["fiscal_year", "agency", "rule"], name="finding_year_agency_rule_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=["error", "warning"]), name="finding_severity_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.indicator_id}"

    @property
    def message(self) -> str:
        return f"{self.message_th} / {self.message_en}"


class KpiStanding(models.Model):
    """A KPI's current standing, stored by citykpi.quality.standing in the transaction of
    every write that changes it, so dashboards and lists read it instead of scoring every
    KPI on every view. Two readings: ``public_*`` from the published quarters only (what
    the public pages show), ``staff_*`` from every reported quarter (the staff dashboard).

    ``*_status`` is the status of the latest quarter with a result (no_data without one);
    ``*_current`` that quarter's progress against its plan capped at 100 (what agencies are
    ranked by); ``*_year`` the year's score (the stated achieved value, else the latest
    result, against the annual target). Agency and year are copied from the KPI for the
    indexes; roll-ups group the KPIs joined to their standing (citykpi.dashboards.data).
    """

    indicator = models.OneToOneField(
        "indicators.Indicator", primary_key=True, on_delete=models.CASCADE, related_name="standing"
    )
    fiscal_year = models.ForeignKey("indicators.FiscalYear", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    public_status = models.CharField(max_length=10, default="no_data")
    public_quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    public_current = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    public_year = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    staff_status = models.CharField(max_length=10, default="no_data")
    staff_quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    staff_current = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    staff_year = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["fiscal_year", "public_status"], name="standing_year_public_idx"),
            models.Index(fields=["fiscal_year", "agency"], name="standing_year_agency_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.public_status} / {self.staff_status}"


class SummaryColumns(models.Model):
    """What a roll-up needs of a group of KPIs, summed (quality.scoring.WeightSums and the
    KPIs by status; no data is ``kpis`` minus the three others). Kept by database
    triggers (migration quality 0003, citykpi.quality.summaries), never by Python."""

    fiscal_year = models.ForeignKey(
        "indicators.FiscalYear", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The public reading (published KPIs, published quarters) or the staff one.
    public = models.BooleanField()
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kpis = models.IntegerField(default=0)
    on_track = models.IntegerField(default=0)
    at_risk = models.IntegerField(default=0)
    off_track = models.IntegerField(default=0)
    weighted = models.IntegerField(default=0)
    weight_total = models.DecimalField(max_digits=30, decimal_places=6, default=Decimal(0))
    scored = models.IntegerField(default=0)
    score_sum = models.DecimalField(max_digits=30, decimal_places=6, default=Decimal(0))
    product_sum = models.DecimalField(max_digits=30, decimal_places=6, default=Decimal(0))
    scored_weight = models.DecimalField(max_digits=30, decimal_places=6, default=Decimal(0))

    class Meta:
        abstract = True


class AgencySummary(SummaryColumns):
    """A year's KPIs of one agency and one evaluation dimension (0: none), summed per
    reading: what the dashboards' overview adds up by agency kind and by dimension."""

    dimension = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "public", "agency", "dimension"], name="agency_summary_key"
            ),
        ]
        indexes = [models.Index(fields=["kpis"], condition=Q(kpis=0), name="agency_summary_empty_idx")]

    def __str__(self) -> str:
        return (
            f"{self.fiscal_year_id} {self.agency_id} {self.dimension} {'public' if self.public else 'staff'}"
        )


class NodeSummary(SummaryColumns):
    """A year's KPIs of one agency linked to a strategy node or to a node under it (each
    KPI once per node), summed per reading: the dashboards' node roll-ups."""

    node = models.ForeignKey(
        "strategy.StrategyNode", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "public", "node", "agency"], name="node_summary_key"
            ),
        ]
        indexes = [models.Index(fields=["kpis"], condition=Q(kpis=0), name="node_summary_empty_idx")]

    def __str__(self) -> str:
        return f"{self.fiscal_year_id} {self.node_id} {self.agency_id} {'public' if self.public else 'staff'}"
