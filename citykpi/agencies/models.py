"""Agencies (หน่วยงาน): departments (สำนัก), district offices (สำนักงานเขต), offices.

KPI codes use the 4-digit agency code (0409-0950); project and agency pages use the
8-digit form (04090000).
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q


class AgencyQuerySet(models.QuerySet):
    def active(self) -> Self:
        return self.filter(is_active=True)


class Agency(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", "สำนัก / Department"
        DISTRICT = "district", "สำนักงานเขต / District office"
        OFFICE = "office", "สำนักงาน / Office"
        OTHER = "other", "อื่น ๆ / Other"

    code = models.CharField("รหัสหน่วยงาน (4 หลัก)", max_length=4, unique=True)
    long_code = models.CharField("รหัสหน่วยงาน (8 หลัก)", max_length=8, unique=True)
    name_th = models.CharField("ชื่อหน่วยงาน", max_length=255)
    name_en = models.CharField("Name (English)", max_length=255, blank=True)
    abbreviation = models.CharField("ชื่อย่อ", max_length=50, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(default=True)
    # Whether a reporter (not only the head) may submit this agency's quarters.
    reporter_may_submit = models.BooleanField(default=False)
    is_placeholder = models.BooleanField(
        default=False, help_text="Created by an import from an unknown code; name to be filled in."
    )

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{4}$"), name="agency_code_4_digits"),
            models.CheckConstraint(
                condition=Q(long_code__regex=r"^[0-9]{8}$"), name="agency_long_code_8_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_th}"

    @staticmethod
    def long_code_for(code: str) -> str:
        return f"{code}0000"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.long_code and self.code:
            self.long_code = self.long_code_for(self.code)
        super().save(*args, **kwargs)

    def descendant_ids(self) -> set[int]:
        """This agency and every agency below it (one query per level of depth)."""
        found = {self.pk}
        frontier = [self.pk]
        while frontier:
            frontier = list(Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            frontier = [pk for pk in frontier if pk not in found]
            found.update(frontier)
        return found
