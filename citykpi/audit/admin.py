"""The audit log in the admin: read-only, searchable by KPI code and actor."""

from __future__ import annotations

from django.contrib import admin

from citykpi.audit.models import AuditEvent
from citykpi.lib.admin import ReadOnlyAdminMixin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Append-only: nobody adds, edits or deletes history, not even a superuser.
    list_display = ("created_at", "actor_name", "action", "object_repr", "indicator_code", "source")
    list_filter = ("action", "source")
    search_fields = ("indicator_code", "actor_name", "object_repr", "reason")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
