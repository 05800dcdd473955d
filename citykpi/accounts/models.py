"""Who may do what where: a user holds roles in agencies (covering their sub-agencies)."""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    REPORTER = "reporter", "ผู้รายงานผล / Reporter"
    HEAD = "head", "ผู้บริหารหน่วยงาน / Agency head"
    EVALUATOR = "evaluator", "ผู้ประเมิน สยป. / Central evaluator"
    EXECUTIVE = "executive", "ผู้บริหาร / Executive viewer"
    ADMIN = "admin", "ผู้ดูแลระบบ / Administrator"


# Roles that act across all agencies; they hold no agency.
CITYWIDE_ROLES = {Role.EVALUATOR, Role.EXECUTIVE, Role.ADMIN}


class MembershipSource(models.TextChoices):
    MANUAL = "manual", "กำหนดโดยผู้ดูแลระบบ / Set by an administrator"
    DIRECTORY = "directory", "จากกลุ่มในไดเรกทอรี / From a directory group"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    is_demo = models.BooleanField(default=False, help_text="Created by `citykpi demo`.")
    # Who manages the row: an administrator (manual) or the directory's groups at each sign-in
    # (accounts.actions.apply_directory_groups grants and revokes only its own rows).
    source = models.CharField(
        max_length=10, choices=MembershipSource.choices, default=MembershipSource.MANUAL
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "agency"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["reporter", "head"], agency__isnull=False)
                | Q(role__in=["evaluator", "executive", "admin"]),
                name="membership_agency_role_needs_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.agency or '*'}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> Self:
        """Tokens that still open the API: not revoked, their owner active, not expired
        (settings.API_TOKEN_DAYS). A changed password is checked per token (password_stamp)."""
        oldest = timezone.now() - dt.timedelta(days=settings.API_TOKEN_DAYS)
        return self.filter(is_active=True, user__is_active=True, created_at__gte=oldest)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 hash is stored: a leaked
    database does not leak usable tokens."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the token, so that a user can tell their tokens apart.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # A digest of the owner's password hash when the token was issued: a changed password
    # (or one set by an administrator) ends every token issued before it.
    password_stamp = models.CharField(max_length=64, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


class DirectoryGroupMapping(models.Model):
    """A directory (LDAP / Active Directory) group whose members hold a role, in an agency or
    city-wide. Applied at each directory sign-in (citykpi.accounts.ldap); edited in the admin."""

    # Stored normalised (citykpi.accounts.directory.normal_dn): attribute names and values in
    # lower case, no spaces around separators, so "CN=X, OU=Groups" matches "cn=x,ou=groups".
    group_dn = models.CharField(
        max_length=500,
        help_text="DN ของกลุ่ม / The group's DN, e.g. cn=district-0409-reporters,ou=groups,dc=bma,dc=go,dc=th",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="directory_group_mappings",
        help_text="ว่างไว้สำหรับบทบาทระดับเมือง / Empty for the city-wide roles (evaluator, executive, admin)",
    )

    class Meta:
        ordering = ["group_dn", "role"]
        constraints = [
            models.UniqueConstraint(fields=["group_dn", "role", "agency"], name="directory_mapping_unique"),
            models.UniqueConstraint(
                fields=["group_dn", "role"],
                condition=Q(agency__isnull=True),
                name="directory_mapping_unique_citywide",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["reporter", "head"], agency__isnull=False)
                | Q(role__in=["evaluator", "executive", "admin"], agency__isnull=True),
                name="directory_mapping_role_fits_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_dn} → {self.role} {self.agency or '*'}"
