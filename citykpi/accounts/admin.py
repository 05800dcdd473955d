"""Memberships, the directory's group mapping table, API tokens (revoke only; the hash is all
we have) and sign-in lockouts (see and lift; django-axes' attempts, lifted through an audited
action) in the admin."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from citykpi.accounts import actions as account_actions
from citykpi.accounts.directory import is_dn, normal_dn
from citykpi.accounts.models import CITYWIDE_ROLES, ApiToken, DirectoryGroupMapping, Membership, Role
from citykpi.lib.i18n import both


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "agency", "source", "is_demo")
    list_filter = ("role", "source", "is_demo")
    # Set by the directory at sign-in (apply_directory_groups); an administrator's rows are manual.
    readonly_fields = ("source",)
    search_fields = ("user__username", "agency__code", "agency__name_th")
    autocomplete_fields = ()

    # Who may do what changes only through the actions, audited like every other write.
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        account_actions.grant_role(request.user, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        account_actions.revoke_role(request.user, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for membership in queryset:
            account_actions.revoke_role(request.user, membership)


class DirectoryGroupMappingForm(forms.ModelForm):
    class Meta:
        model = DirectoryGroupMapping
        fields = ["group_dn", "role", "agency"]

    def clean_group_dn(self) -> str:
        value = self.cleaned_data["group_dn"]
        if not is_dn(value):
            raise forms.ValidationError(
                both(
                    "ไม่ใช่ DN ของกลุ่ม (เช่น cn=...,ou=groups,dc=...)",
                    "Not a group DN (e.g. cn=...,ou=groups,dc=...)",
                )
            )
        return normal_dn(value)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        role, agency = cleaned.get("role"), cleaned.get("agency")
        if role in (Role.REPORTER, Role.HEAD) and agency is None:
            self.add_error("agency", both("บทบาทนี้ต้องระบุหน่วยงาน", "This role needs an agency"))
        if role in CITYWIDE_ROLES and agency is not None:
            self.add_error("agency", both("บทบาทระดับเมืองไม่ระบุหน่วยงาน", "A city-wide role has no agency"))
        return cleaned


@admin.register(DirectoryGroupMapping)
class DirectoryGroupMappingAdmin(admin.ModelAdmin):
    """Which directory group gives which role where; applied at each member's next directory
    sign-in. Saved and deleted through the audited accounts actions."""

    form = DirectoryGroupMappingForm
    list_display = ("group_dn", "role", "agency")
    list_filter = ("role",)
    search_fields = ("group_dn", "agency__code", "agency__name_th")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        account_actions.save_group_mapping(request.user, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        account_actions.delete_group_mapping(request.user, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for mapping in queryset:
            account_actions.delete_group_mapping(request.user, mapping)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "prefix", "created_at", "last_used_at", "is_active")
    list_filter = ("is_active",)
    readonly_fields = ("user", "key_hash", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Failed sign-ins per (username, address); a pair at the limit is locked out. Lifting a
    lockout (the action, or deleting rows) goes through accounts.actions.lift_lockouts."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    actions = ["lift"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found

    @admin.action(description="ปลดล็อกคู่ที่เลือก / Lift the selected lockouts")
    def lift(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = account_actions.lift_lockouts(request.user, list(queryset))
        self.message_user(request, f"ปลดล็อกแล้ว {count} รายการ / Lifted {count}", messages.SUCCESS)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        account_actions.lift_lockouts(request.user, [obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        account_actions.lift_lockouts(request.user, list(queryset))
