"""The search's synonym list in the admin: saved and deleted through the audited actions
(citykpi.publicdata.search.actions); the search entries are shown, never edited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from citykpi.lib.admin import ReadOnlyAdminMixin
from citykpi.publicdata.models import SearchEntry, Synonym
from citykpi.publicdata.search import actions


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ["term", "equivalents"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        probe = Synonym(term=cleaned.get("term") or "", equivalents=cleaned.get("equivalents") or "")
        if len(probe.members()) < 2:
            # The action refuses it too; saying so here keeps the admin's form on screen.
            raise forms.ValidationError("ต้องมีคำที่มีความหมายเดียวกันอย่างน้อยหนึ่งคำ / Give at least one equivalent")
        return cleaned


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    form = SynonymForm
    list_display = ("term", "equivalents")
    search_fields = ("term", "equivalents")

    def save_model(self, request: HttpRequest, obj: Synonym, form: forms.Form, change: bool) -> None:
        actions.save_synonym(request.user, obj)

    def delete_model(self, request: HttpRequest, obj: Synonym) -> None:
        actions.delete_synonym(request.user, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Synonym]) -> None:
        for synonym in queryset:
            actions.delete_synonym(request.user, synonym)


@admin.register(SearchEntry)
class SearchEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the index holds for a KPI: to see why a search finds it, or does not."""

    list_display = ("indicator", "fiscal_year", "indexed_at")
    list_filter = ("fiscal_year",)
    search_fields = ("indicator__code",)
    readonly_fields = (
        "indicator",
        "fiscal_year",
        "name_words",
        "agency_words",
        "narrative_words",
        "indexed_at",
    )
