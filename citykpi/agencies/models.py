"""Agencies (หน่วยงาน): departments (สำนัก), district offices (สำนักงานเขต), offices.

KPI codes use the 4-digit agency code (0409-0950); project and agency pages use the
8-digit form (04090000).

The organisation changes (docs/setup.md, "Reorganisations"): an agency row is the
identity and carries its validity (valid_from / valid_to, null = open); its former names
and parent links are kept with their validity (AgencyName, AgencyParentLink; the current
ones stay on the row), and every rename, split, merge and move is an AgencyChange with its
effective date, predecessors and successors. citykpi.agencies.history reads them back
("the agency as it was then"); citykpi.agencies.actions writes them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class AgencyQuerySet(models.QuerySet):
    def active(self) -> Self:
        """Agencies that exist today: not switched off, and not ended by a reorganisation
        whose effective date has passed (an end set in advance takes effect by itself)."""
        today = timezone.localdate()
        return self.filter(is_active=True).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))


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
    # The days the agency exists (both inclusive; null = since always / still). A split or
    # merge ends its predecessors the day before the change and starts its successors on it.
    valid_from = models.DateField("มีผลตั้งแต่ / Valid from", null=True, blank=True)
    valid_to = models.DateField("สิ้นสุด / Valid to", null=True, blank=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{4}$"), name="agency_code_4_digits"),
            models.CheckConstraint(
                condition=Q(long_code__regex=r"^[0-9]{8}$"), name="agency_long_code_8_digits"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="agency_valid_to_after_from",
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

    def exists_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class AgencyName(models.Model):
    """A former name of an agency and the days it was used (a rename keeps the code; the
    current name is the one on the Agency row)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="former_names")
    name_th = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    abbreviation = models.CharField(max_length=50, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField()

    class Meta:
        ordering = ["agency", "valid_to"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="agency_name_valid_to_after_from",
            ),
        ]
        indexes = [
            # history.agency_as_of / names_as_of: WHERE agency_id IN (...) AND valid_to >= %s
            models.Index(fields=["agency", "valid_to"], name="agency_name_agency_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} {self.name_th} (-{self.valid_to})"


class AgencyParentLink(models.Model):
    """An agency's parent over a span of days. Closed rows (valid_to set) are the former
    links; a move also writes the open row of the new link, but the current link is
    always Agency.parent (the row is kept in step by the actions, and a day the rows do
    not cover reads Agency.parent)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["agency", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="agency_parent_valid_to_after_from",
            ),
            models.CheckConstraint(condition=~Q(parent=F("agency")), name="agency_parent_not_itself"),
        ]
        indexes = [
            # history.tree_as_of: WHERE valid_to >= %s (the closed links still valid that day)
            models.Index(fields=["valid_to", "agency"], name="agency_parent_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} -> {self.parent_id} ({self.valid_from}..{self.valid_to})"


class AgencyChange(models.Model):
    """One reorganisation: a rename, split, merge or move, effective on a day, with the
    agencies before (predecessors) and after (successors) and how many KPIs moved."""

    class Kind(models.TextChoices):
        RENAME = "rename", "เปลี่ยนชื่อ / Rename"
        SPLIT = "split", "แยกหน่วยงาน / Split"
        MERGE = "merge", "รวมหน่วยงาน / Merge"
        MOVE = "move", "ย้ายสังกัด / Move"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    effective = models.DateField("วันที่มีผล / Effective date")
    predecessors = models.ManyToManyField(Agency, related_name="changes_as_predecessor")
    successors = models.ManyToManyField(Agency, related_name="changes_as_successor")
    reason = models.TextField(blank=True)
    # What the change did, for the history page: old and new names, parents, the KPIs moved
    # per successor ({"0409-0950": "0410", ...}).
    details = models.JSONField(default=dict, blank=True)
    kpis_moved = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-effective", "-id"]
        indexes = [
            # The reorganisation list and an agency's lineage, newest first.
            models.Index(fields=["effective"], name="agency_change_effective_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective}"
