"""Pieces the admin pages of several apps share."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """For a ModelAdmin whose rows nobody adds, edits or deletes in the admin, not even a
    superuser (the audit log; what the search index holds): the rows are only shown."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
