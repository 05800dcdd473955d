"""Fiscal years, units, evaluation dimensions, and the indicator (KPI) itself.

An Indicator is one agency's KPI in one fiscal year; its code (0409-0950: agency code +
serial) is unique across years, so the code identifies it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Self

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from citykpi.lib import fiscal
from citykpi.lib.i18n import is_english

DEFAULT_COMPONENTS = ["2.1", "2.2"]


def default_components() -> list[str]:
    return list(DEFAULT_COMPONENTS)


class FiscalYearQuerySet(models.QuerySet):
    def published(self) -> Self:
        """The years the public sees."""
        return self.filter(is_published=True)


class FiscalYear(models.Model):
    """A BE fiscal year with its per-quarter reporting deadlines."""

    year = models.PositiveSmallIntegerField("ปีงบประมาณ (พ.ศ.)", primary_key=True)
    q1_deadline = models.DateField(null=True, blank=True)
    q2_deadline = models.DateField(null=True, blank=True)
    q3_deadline = models.DateField(null=True, blank=True)
    q4_deadline = models.DateField(null=True, blank=True)
    # The named component scores of an assessment in this year ("2.1", "2.2" by default).
    assessment_components = models.JSONField(default=default_components, blank=True)
    is_published = models.BooleanField(default=True)

    objects = FiscalYearQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2400) & Q(year__lte=2700), name="fiscal_year_is_buddhist_era"
            )
        ]

    def __str__(self) -> str:
        return f"ปีงบประมาณ {self.year}"

    @property
    def year_ce(self) -> int:
        return fiscal.be_to_ce(self.year)

    @property
    def period(self) -> fiscal.Period:
        return fiscal.fiscal_year_period(self.year)

    def quarter_period(self, quarter: int) -> fiscal.Period:
        return fiscal.quarter_period(self.year, quarter)

    def deadline(self, quarter: int) -> dt.date:
        stored = getattr(self, f"q{quarter}_deadline")
        return stored or fiscal.default_deadline(self.year, quarter)

    def save(self, *args: Any, **kwargs: Any) -> None:
        for q in fiscal.QUARTERS:
            if getattr(self, f"q{q}_deadline") is None:
                setattr(self, f"q{q}_deadline", fiscal.default_deadline(self.year, q))
        super().save(*args, **kwargs)


class Unit(models.Model):
    """The controlled list of units, with custom units allowed."""

    class Kind(models.TextChoices):
        LEVEL = "level", "ระดับ / Level"
        PERCENT = "percent", "ร้อยละ / Percent"
        COUNT = "count", "จำนวน / Count"
        PHYSICAL = "physical", "หน่วยทางกายภาพ / Physical unit"
        CUSTOM = "custom", "กำหนดเอง / Custom"

    name_th = models.CharField(max_length=120, unique=True)
    name_en = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    scale_min = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    scale_max = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    # A percent that may exceed 100 ("ร้อยละที่เพิ่มขึ้น"); plain percent may not.
    allows_over_100 = models.BooleanField(default=False)
    # Units that only make sense lower-is-better (minutes of flooding, "ลดลงร้อยละ").
    suggests_lower_is_better = models.BooleanField(default=False)

    class Meta:
        ordering = ["kind", "name_th"]

    def __str__(self) -> str:
        return self.name_th

    @property
    def label(self) -> str:
        """The unit in the reader's language: its English name when English is chosen and
        one is known ("level" for ระดับ), else the Thai."""
        return self.name_en if self.name_en and is_english() else self.name_th


class EvaluationDimension(models.Model):
    """มิติที่ 1 ด้านประสิทธิผลตามพันธกิจ, ..."""

    number = models.PositiveSmallIntegerField(unique=True)
    name_th = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"มิติที่ {self.number} {self.name_th}"


class IndicatorQuerySet(models.QuerySet):
    def published(self) -> Self:
        return self.filter(is_published=True, fiscal_year__is_published=True)


class Indicator(models.Model):
    class Direction(models.TextChoices):
        HIGHER = "higher", "ยิ่งมากยิ่งดี / Higher is better"
        LOWER = "lower", "ยิ่งน้อยยิ่งดี / Lower is better"
        RANGE = "range", "อยู่ในช่วง / Within a range"

    class Type(models.TextChoices):
        STRATEGIC = "strategic", "ตัวชี้วัดเชิงยุทธศาสตร์"
        ROUTINE = "routine", "ตัวชี้วัดงานประจำ"
        OTHER = "other", "ตัวชี้วัดอื่น ๆ"

    class Level(models.TextChoices):
        OUTPUT = "output", "ตัวชี้วัดระดับผลผลิต (output)"
        OUTCOME = "outcome", "ตัวชี้วัดระดับผลลัพธ์ (outcome)"

    class Method(models.TextChoices):
        MILESTONE = "milestone", "ระดับความสำเร็จ / Milestone levels"
        PERCENT_OF_TARGET = "percent_of_target", "ร้อยละของเป้าหมาย / Percent of target"
        BANDS = "bands", "เกณฑ์การให้คะแนน / Score bands"
        RANGE = "range", "ช่วงที่เหมาะสม / Best within a range"

    code = models.CharField("รหัสตัวชี้วัด", max_length=20, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="indicators")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="indicators")
    list_label = models.CharField("ลำดับ", max_length=40, blank=True)  # "5.", "4.1", "ปี 2564 ๒."
    name = models.TextField("ชื่อตัวชี้วัด")
    name_en = models.TextField(blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target = models.DecimalField("ค่าเป้าหมาย", max_digits=16, decimal_places=4, null=True, blank=True)
    target_text = models.CharField(max_length=255, blank=True)  # what follows the number, as written
    # The achieved value the agency states for the year (the legacy "ผลงานที่ทำได้").
    achieved = models.DecimalField("ผลงานที่ทำได้", max_digits=16, decimal_places=4, null=True, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    range_low = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    range_high = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    kpi_type = models.CharField("ประเภทตัวชี้วัด", max_length=20, choices=Type.choices, default=Type.STRATEGIC)
    result_level = models.CharField("ระดับตัวชี้วัด", max_length=10, choices=Level.choices, default=Level.OUTPUT)
    definition = models.TextField("นิยาม หรือความหมายของตัวชี้วัด", blank=True)
    calculation_method = models.TextField("วิธีการคำนวณ หรือ เกณฑ์การประเมิน", blank=True)
    scoring_method = models.CharField(max_length=20, choices=Method.choices, default=Method.PERCENT_OF_TARGET)
    # Parameters of the scoring method (a cap, score bands, a range); see citykpi.quality.scoring.
    scoring_config = models.JSONField(default=dict, blank=True)
    data_collection = models.TextField("วิธีการการเก็บข้อมูล/แหล่งข้อมูล", blank=True)
    annual_summary = models.TextField("สรุปผลการดำเนินงาน", blank=True)
    weight = models.DecimalField(
        "น้ำหนัก",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    dimension = models.ForeignKey(
        EvaluationDimension, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators"
    )
    is_negotiated = models.BooleanField("ตัวชี้วัดเจรจา", default=False)
    strategy_nodes = models.ManyToManyField("strategy.StrategyNode", blank=True, related_name="indicators")
    # An unlabelled number the legacy page shows under the type (the seed's "0"). Its meaning
    # is unknown, so it is kept as text and shown as it was, never interpreted.
    legacy_counter = models.CharField(max_length=40, blank=True)
    is_published = models.BooleanField(default=True)
    # Bumped by every write to the definition (planning); reports record the version they used.
    definition_version = models.PositiveIntegerField(default=1)
    # The template this KPI is an assignment of (planning), and the KPI of the previous
    # fiscal year it was carried forward from. Both stay null for stand-alone KPIs.
    template = models.ForeignKey(
        "planning.KpiTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_to"
    )
    # Bumped by every write to the target, quarterly plan or weight (planning): a stale
    # save of the plan is refused with the current values instead of being lost.
    plan_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["fiscal_year", "agency__code", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | (Q(weight__gte=0) & Q(weight__lte=100)),
                name="indicator_weight_0_100",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{4}-[0-9]{3,6}$"), name="indicator_code_format"
            ),
        ]
        indexes = [
            # Home page and API list: WHERE fiscal_year_id = %s [AND agency_id = %s] ORDER BY code
            models.Index(fields=["fiscal_year", "agency", "code"], name="indicator_year_agency_idx"),
            # Filters by type within a year
            models.Index(fields=["fiscal_year", "kpi_type"], name="indicator_year_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name[:60]}"

    def clean(self) -> None:
        errors = {}
        if self.weight is not None and not (0 <= self.weight <= 100):
            errors["weight"] = "น้ำหนักต้องอยู่ระหว่าง 0 ถึง 100 / Weight must be between 0 and 100"
        if self.code and self.agency_id and not self.code.startswith(self.agency.code + "-"):
            errors["code"] = "รหัสตัวชี้วัดต้องขึ้นต้นด้วยรหัสหน่วยงาน / The KPI code must start with the agency code"
        if self.direction == self.Direction.RANGE and (self.range_low is None or self.range_high is None):
            errors["range_low"] = "ต้องระบุช่วงค่า / A range KPI needs its low and high values"
        if errors:
            raise ValidationError(errors)

    @property
    def unit_name(self) -> str:
        """The unit's Thai name, as stored and exported."""
        unit = self.unit
        return unit.name_th if unit is not None else ""

    @property
    def unit_label(self) -> str:
        """The unit as a page shows it, in the reader's language (see Unit.label)."""
        unit = self.unit
        return unit.label if unit is not None else ""

    @property
    def display_name(self) -> str:
        return f"{self.list_label} {self.name}".strip()


class MilestoneLevel(models.Model):
    """A level of a milestone KPI (ระดับความสำเร็จ): its description, percent and points."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="milestone_levels")
    level = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)
    percent = models.DecimalField(max_digits=6, decimal_places=2)
    points = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        # By the column, not the relation: "indicator" would join Indicator (and its ordering) to sort.
        ordering = ["indicator_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "level"], name="milestone_level_unique"),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=10), name="milestone_level_1_10"),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="milestone_percent_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} ระดับ {self.level}"
