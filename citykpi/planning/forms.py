"""Forms of the setup pages: templates, assignment, carry forward, reasons.

Numbers are kept as text here and parsed by the actions (Thai digits accepted there),
so that every surface refuses the same values with the same message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy

from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear, Indicator, Unit
from citykpi.lib.errors import ActionError
from citykpi.lib.i18n import tr
from citykpi.lib.params import PlainIdsChoiceField
from citykpi.planning.models import KpiTemplate
from citykpi.strategy.models import StrategyNode

# Labels are chosen when the form is rendered, in the language of that request (the
# classes below are built once, at import, when no request is active).
_tr = lazy(tr, str)


def side(label: str) -> str:
    """One half of a "ไทย / English" label, in the active language (the whole label
    when it is not a pair)."""
    thai, sep, english = str(label).partition(" / ")
    return tr(thai, english) if sep else str(label)


_side = lazy(side, str)


def choices(pairs: Any, english: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Model choices shown in the active language: labels that are "ไทย / English" pairs,
    or Thai labels with their English given here."""
    english = english or {}
    return [
        (value, _tr(label, english[value]) if value in english else _side(label)) for value, label in pairs
    ]


TYPE_EN = {"strategic": "Strategic KPI", "routine": "Routine-work KPI", "other": "Other KPI"}
LEVEL_EN = {"output": "Output KPI", "outcome": "Outcome KPI"}


class YearChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FiscalYear) -> str:
        return tr(f"ปีงบประมาณ {obj.year}", f"Fiscal year {obj.year} BE")


class AgencyChoices:
    """Agency options as "code name" in the active language."""

    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.code} {tr(obj.name_th, obj.name_en or obj.name_th)}"


class AgencyMultipleChoiceField(AgencyChoices, PlainIdsChoiceField):
    pass


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return tr(obj.name_th, obj.name_en or obj.name_th)


def parse_levels(text: str) -> list[dict]:
    """One milestone level a line: "level | percent | points | description"."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3:
            raise ActionError(
                f"ตารางระดับ บรรทัดที่ {number}: ต้องเป็น ระดับ | ร้อยละ | คะแนน | คำอธิบาย",
                f"Level table line {number}: write level | percent | points | description",
                field="milestone_levels",
            )
        rows.append(
            {"level": parts[0], "percent": parts[1], "points": parts[2], "description": " | ".join(parts[3:])}
        )
    return rows


def levels_text(levels: list[dict]) -> str:
    return "\n".join(
        f"{r['level']} | {r['percent']} | {r['points']} | {r.get('description', '')}".rstrip(" |")
        for r in levels
    )


class DefinitionForm(forms.Form):
    """The definition fields a template and a KPI share."""

    name = forms.CharField(label=_tr("ชื่อตัวชี้วัด", "Name"), widget=forms.Textarea(attrs={"rows": 2}))
    name_en = forms.CharField(
        label=_tr("ชื่อภาษาอังกฤษ", "English name"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = UnitChoiceField(label=_tr("หน่วยนับ", "Unit"), queryset=Unit.objects.all(), required=False)
    direction = forms.ChoiceField(
        label=_tr("ทิศทาง", "Direction"), choices=choices(Indicator.Direction.choices)
    )
    kpi_type = forms.ChoiceField(
        label=_tr("ประเภทตัวชี้วัด", "Type"), choices=choices(Indicator.Type.choices, TYPE_EN)
    )
    result_level = forms.ChoiceField(
        label=_tr("ระดับตัวชี้วัด", "Result level"), choices=choices(Indicator.Level.choices, LEVEL_EN)
    )
    scoring_method = forms.ChoiceField(
        label=_tr("วิธีให้คะแนน", "Scoring method"), choices=choices(Indicator.Method.choices)
    )
    definition = forms.CharField(
        label=_tr("นิยาม", "Definition"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    calculation_method = forms.CharField(
        label=_tr("วิธีการคำนวณ", "Calculation method"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    data_collection = forms.CharField(
        label=_tr("วิธีการเก็บข้อมูล/แหล่งข้อมูล", "Data sources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    milestone_levels = forms.CharField(
        label=_tr(
            "ตารางระดับความสำเร็จ (ระดับ | ร้อยละ | คะแนน | คำอธิบาย)",
            "Milestone levels (level | percent | points | description)",
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TemplateForm(DefinitionForm):
    strategy_nodes = PlainIdsChoiceField(
        label=_tr("สนับสนุนยุทธศาสตร์", "Strategy nodes"),
        queryset=StrategyNode.objects.select_related("plan"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


class KpiDefinitionForm(DefinitionForm):
    list_label = forms.CharField(label=_tr("ลำดับ", "List label"), required=False)


class AssignForm(forms.Form):
    fiscal_year = YearChoiceField(label=_tr("ปีงบประมาณ", "Fiscal year"), queryset=FiscalYear.objects.all())
    all_districts = forms.BooleanField(label=_tr("สำนักงานเขตทั้งหมด", "All district offices"), required=False)
    agencies = AgencyMultipleChoiceField(
        label=_tr("หน่วยงาน", "Agencies"),
        queryset=Agency.objects.active(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target = forms.CharField(label=_tr("ค่าเป้าหมาย", "Target"), required=False)
    q1 = forms.CharField(label=_tr("ไตรมาส 1", "Quarter 1"), required=False)
    q2 = forms.CharField(label=_tr("ไตรมาส 2", "Quarter 2"), required=False)
    q3 = forms.CharField(label=_tr("ไตรมาส 3", "Quarter 3"), required=False)
    q4 = forms.CharField(label=_tr("ไตรมาส 4", "Quarter 4"), required=False)
    weight = forms.CharField(label=_tr("น้ำหนัก", "Weight"), required=False)

    def chosen_agencies(self) -> list[Agency]:
        chosen = {a.pk: a for a in self.cleaned_data.get("agencies") or []}
        if self.cleaned_data.get("all_districts"):
            for agency in Agency.objects.active().filter(kind=Agency.Kind.DISTRICT):
                chosen[agency.pk] = agency
        return list(chosen.values())


class CarryForwardForm(forms.Form):
    from_year = YearChoiceField(
        label=_tr("จากปีงบประมาณ", "From fiscal year"), queryset=FiscalYear.objects.all()
    )
    to_year = forms.CharField(label=_tr("เป็นปีงบประมาณ", "To fiscal year"))
    agencies = AgencyMultipleChoiceField(
        label=_tr("หน่วยงาน (ว่าง = ทุกหน่วยงาน)", "Agencies (none = all)"),
        queryset=Agency.objects.active(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    template = forms.ModelChoiceField(
        label=_tr("หรือเฉพาะตัวชี้วัดต้นแบบ", "Or one template"),
        queryset=KpiTemplate.objects.filter(is_active=True),
        required=False,
    )

    def own_agencies_only(self, agency_ids: set[int]) -> None:
        """For an agency's user: only their agencies, one of them required, and no template."""
        field = self.fields["agencies"]
        if isinstance(field, forms.ModelMultipleChoiceField):
            field.queryset = Agency.objects.filter(pk__in=agency_ids)
        field.required = True
        del self.fields["template"]
