"""Who may do what where: a user holds roles in agencies (covering their sub-agencies)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    REPORTER = "reporter", "ผู้รายงานผล / Reporter"
    HEAD = "head", "ผู้บริหารหน่วยงาน / Agency head"
    EVALUATOR = "evaluator", "ผู้ประเมิน สยป. / Central evaluator"
    EXECUTIVE = "executive", "ผู้บริหาร / Executive viewer"
    ADMIN = "admin", "ผู้ดูแลระบบ / Administrator"


# Roles that act across all agencies; they hold no agency.
CITYWIDE_ROLES = {Role.EVALUATOR, Role.EXECUTIVE, Role.ADMIN}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    is_demo = models.BooleanField(default=False, help_text="Created by `citykpi demo`.")

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
    def active(self):
        """Tokens that still open the API: not revoked, their owner active, not expired
        (settings.API_TOKEN_DAYS). A changed password is checked per token (password_stamp)."""
        from django.utils import timezone

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
