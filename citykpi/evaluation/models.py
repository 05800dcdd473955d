"""The central evaluator's (สยป.) assessment of a KPI's quarter.

An assessment has an overall score and named component scores (the scheme is set per
fiscal year; "2.1" and "2.2" by default). The public headline "สยป. ตรวจประเมิน :
ไตรมาสที่ N: score" is derived from the latest quarter whose status is ASSESSED, never
stored. An assessment row may exist on a quarter that is not (or no longer) ASSESSED:
after a reopen, or a score imported from the legacy site beyond its headline quarter.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class Assessment(models.Model):
    quarter_report = models.OneToOneField(
        "reporting.QuarterReport", on_delete=models.PROTECT, related_name="assessment"
    )
    score = models.DecimalField("ผลประเมินตัวชี้วัด", max_digits=7, decimal_places=4)
    # {"2.1": "95", "2.2": "100"}: component name -> score (as a string of a decimal)
    components = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    # The definition version of the KPI the assessment was made under.
    definition_version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="assessment_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter_report} {self.score}"

    def component(self, name: str) -> Any:
        return (self.components or {}).get(name)
