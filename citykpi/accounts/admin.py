"""Memberships and API tokens in the admin (tokens: revoke only; the hash is all we have)."""

from __future__ import annotations

from django.contrib import admin

from citykpi.accounts import actions as account_actions
from citykpi.accounts.models import ApiToken, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "agency", "is_demo")
    list_filter = ("role", "is_demo")
    search_fields = ("user__username", "agency__code", "agency__name_th")
    autocomplete_fields = ()

    # Who may do what changes only through the actions, audited like every other write.
    def save_model(self, request, obj, form, change) -> None:
        account_actions.grant_role(request.user, obj)

    def delete_model(self, request, obj) -> None:
        account_actions.revoke_role(request.user, obj)

    def delete_queryset(self, request, queryset) -> None:
        for membership in queryset:
            account_actions.revoke_role(request.user, membership)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "prefix", "created_at", "last_used_at", "is_active")
    list_filter = ("is_active",)
    readonly_fields = ("user", "key_hash", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False
