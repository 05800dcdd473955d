"""Projects and activities that support KPIs (โครงการ/กิจกรรมที่สนับสนุนตัวชี้วัด)."""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Q


class ProjectQuerySet(models.QuerySet):
    def published(self) -> Self:
        return self.filter(is_published=True)


class Project(models.Model):
    code = models.CharField("รหัสโครงการ", max_length=20, unique=True)  # 08000000-3744
    name = models.TextField("ชื่อโครงการ/กิจกรรม")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="projects")
    fiscal_year = models.ForeignKey(
        "indicators.FiscalYear", on_delete=models.PROTECT, related_name="projects"
    )
    progress = models.DecimalField("ความคืบหน้า ร้อยละ", max_digits=6, decimal_places=2, null=True, blank=True)
    budget = models.DecimalField("งบประมาณ (บาท)", max_digits=16, decimal_places=2, null=True, blank=True)
    officers = models.TextField("ผู้รับผิดชอบ", blank=True)  # one name per line
    rationale = models.TextField("หลักการและเหตุผล", blank=True)
    objectives = models.TextField("วัตถุประสงค์", blank=True)
    indicators = models.ManyToManyField("indicators.Indicator", blank=True, related_name="projects")
    is_published = models.BooleanField(default=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["fiscal_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | (Q(progress__gte=0) & Q(progress__lte=100)),
                name="project_progress_0_100",
            ),
        ]
        indexes = [
            # An agency's projects in a year
            models.Index(fields=["agency", "fiscal_year"], name="project_agency_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name[:60]}"

    @property
    def officer_list(self) -> list[str]:
        return [line.strip() for line in self.officers.splitlines() if line.strip()]


class ProjectQuarterScore(models.Model):
    """สยป. ประเมินโครงการ : ไตรมาสที่ N score."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="quarter_scores")
    quarter = models.PositiveSmallIntegerField()
    score = models.DecimalField(max_digits=7, decimal_places=4)

    class Meta:
        ordering = ["project", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["project", "quarter"], name="project_score_one_per_quarter"),
            models.CheckConstraint(
                condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="project_score_quarter_1_4"
            ),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="project_score_0_100"),
        ]
