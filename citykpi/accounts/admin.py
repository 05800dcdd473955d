"""Memberships, API tokens (revoke only; the hash is all we have) and sign-in lockouts
(see and lift; django-axes' attempts, lifted through an audited action) in the admin."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages

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


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Failed sign-ins per (username, address); a pair at the limit is locked out. Lifting a
    lockout (the action, or deleting rows) goes through accounts.actions.lift_lockouts."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    actions = ["lift"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_actions(self, request):
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found

    @admin.action(description="ปลดล็อกคู่ที่เลือก / Lift the selected lockouts")
    def lift(self, request, queryset) -> None:
        count = account_actions.lift_lockouts(request.user, list(queryset))
        self.message_user(request, f"ปลดล็อกแล้ว {count} รายการ / Lifted {count}", messages.SUCCESS)

    def delete_model(self, request, obj) -> None:
        account_actions.lift_lockouts(request.user, [obj])

    def delete_queryset(self, request, queryset) -> None:
        account_actions.lift_lockouts(request.user, list(queryset))
