"""Setting up a fiscal year: KPI templates cascaded to many agencies, the per-agency
setup record that carries the proposal/approval negotiation, and the frozen snapshots
of each approved KPI definition.

A template is assigned to agencies by creating one Indicator per agency (linked back
through Indicator.template). The Setup of an agency and fiscal year holds the state of
the negotiation; once approved, the definitions of that agency's KPIs for that year are
frozen until the evaluator reopens it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from citykpi.indicators.models import Indicator


class KpiTemplate(models.Model):
    """A KPI defined once (ตัวชี้วัดต้นแบบ) and assigned to many agencies."""

    name = models.TextField("ชื่อตัวชี้วัด")
    name_en = models.TextField(blank=True)
    unit = models.ForeignKey(
        "indicators.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(
        max_length=10, choices=Indicator.Direction.choices, default=Indicator.Direction.HIGHER
    )
    kpi_type = models.CharField(
        max_length=20, choices=Indicator.Type.choices, default=Indicator.Type.STRATEGIC
    )
    result_level = models.CharField(
        max_length=10, choices=Indicator.Level.choices, default=Indicator.Level.OUTPUT
    )
    scoring_method = models.CharField(
        max_length=20, choices=Indicator.Method.choices, default=Indicator.Method.PERCENT_OF_TARGET
    )
    definition = models.TextField("นิยาม หรือความหมายของตัวชี้วัด", blank=True)
    calculation_method = models.TextField("วิธีการคำนวณ หรือ เกณฑ์การประเมิน", blank=True)
    data_collection = models.TextField("วิธีการการเก็บข้อมูล/แหล่งข้อมูล", blank=True)
    strategy_nodes = models.ManyToManyField("strategy.StrategyNode", blank=True, related_name="+")
    # [{"level": 1, "percent": "20", "points": "2", "description": "..."}, ...]
    milestone_levels = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    # Optimistic locking for the edit form: a stale save is refused, not lost.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_active", "name"]

    def __str__(self) -> str:
        return self.name[:80]


class Setup(models.Model):
    """The negotiation of one agency's KPIs for one fiscal year."""

    class State(models.TextChoices):
        DRAFT = "draft", "ร่าง / Draft"
        PROPOSED = "proposed", "เสนอแล้ว / Proposed"
        COMMENTED = "commented", "มีข้อเสนอแนะ / Commented"
        COUNTER_PROPOSED = "counter_proposed", "สยป. เสนอปรับ / Counter-proposed"
        APPROVED = "approved", "อนุมัติแล้ว / Approved"
        REOPENED = "reopened", "เปิดให้แก้ไข / Reopened"

    # States in which the agency may still change its KPIs' targets, plans and weights.
    AGENCY_EDITABLE = ("draft", "commented", "counter_proposed", "reopened")
    # States from which the agency may propose (again).
    PROPOSABLE = ("draft", "commented", "counter_proposed", "reopened")
    # States in which the evaluator may approve.
    APPROVABLE = ("proposed", "commented", "counter_proposed")

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="setups")
    fiscal_year = models.ForeignKey("indicators.FiscalYear", on_delete=models.PROTECT, related_name="setups")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(default=1)
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The latest comment or reopen reason, shown at the top of the agency's page.
    last_note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["fiscal_year", "agency__code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "fiscal_year"], name="setup_one_per_agency_year"),
        ]
        indexes = [
            # The evaluator's overview: WHERE fiscal_year_id = %s (states per agency)
            models.Index(fields=["fiscal_year", "state"], name="setup_year_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} {self.fiscal_year_id}"

    @property
    def is_approved(self) -> bool:
        return self.state == self.State.APPROVED


class DefinitionVersion(models.Model):
    """The definition of a KPI as it was approved: reports and assessments made under
    `version` are read against this snapshot."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="definition_versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField(default=dict)
    approved_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["indicator", "version"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "version"], name="definition_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="definition_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.version}"
