"""The audit log in the admin: read-only, searchable by KPI code and actor."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from citykpi.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_name", "action", "object_repr", "indicator_code", "source")
    list_filter = ("action", "source")
    search_fields = ("indicator_code", "actor_name", "object_repr", "reason")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    # Append-only: nobody adds, edits or deletes history, not even a superuser.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
