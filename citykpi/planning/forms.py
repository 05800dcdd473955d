"""Forms of the setup pages: templates, assignment, carry forward, reasons.

Numbers are kept as text here and parsed by the actions (Thai digits accepted there),
so that every surface refuses the same values with the same message.
"""

from __future__ import annotations

from django import forms

from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear, Indicator, Unit
from citykpi.lib.errors import ActionError
from citykpi.strategy.models import StrategyNode


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
        rows.append({"level": parts[0], "percent": parts[1], "points": parts[2],
                     "description": " | ".join(parts[3:])})
    return rows


def levels_text(levels: list[dict]) -> str:
    return "\n".join(
        f"{r['level']} | {r['percent']} | {r['points']} | {r.get('description', '')}".rstrip(" |")
        for r in levels
    )


class DefinitionForm(forms.Form):
    """The definition fields a template and a KPI share."""

    name = forms.CharField(label="ชื่อตัวชี้วัด / Name", widget=forms.Textarea(attrs={"rows": 2}))
    name_en = forms.CharField(label="ชื่อภาษาอังกฤษ / English name", required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.ModelChoiceField(label="หน่วยนับ / Unit", queryset=Unit.objects.all(), required=False)
    direction = forms.ChoiceField(label="ทิศทาง / Direction", choices=Indicator.Direction.choices)
    kpi_type = forms.ChoiceField(label="ประเภทตัวชี้วัด / Type", choices=Indicator.Type.choices)
    result_level = forms.ChoiceField(label="ระดับตัวชี้วัด / Result level", choices=Indicator.Level.choices)
    scoring_method = forms.ChoiceField(label="วิธีให้คะแนน / Scoring method", choices=Indicator.Method.choices)
    definition = forms.CharField(label="นิยาม / Definition", required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    calculation_method = forms.CharField(label="วิธีการคำนวณ / Calculation method", required=False,
                                         widget=forms.Textarea(attrs={"rows": 4}))
    data_collection = forms.CharField(label="วิธีการเก็บข้อมูล/แหล่งข้อมูล / Data sources", required=False,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    milestone_levels = forms.CharField(
        label="ตารางระดับความสำเร็จ (ระดับ | ร้อยละ | คะแนน | คำอธิบาย) / Milestone levels",
        required=False, widget=forms.Textarea(attrs={"rows": 5}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TemplateForm(DefinitionForm):
    strategy_nodes = forms.ModelMultipleChoiceField(
        label="สนับสนุนยุทธศาสตร์ / Strategy nodes",
        queryset=StrategyNode.objects.select_related("plan"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


class KpiDefinitionForm(DefinitionForm):
    list_label = forms.CharField(label="ลำดับ / List label", required=False)


class AssignForm(forms.Form):
    fiscal_year = forms.ModelChoiceField(label="ปีงบประมาณ / Fiscal year", queryset=FiscalYear.objects.all())
    all_districts = forms.BooleanField(
        label="สำนักงานเขตทั้งหมด / All district offices", required=False
    )
    agencies = forms.ModelMultipleChoiceField(
        label="หน่วยงาน / Agencies", queryset=Agency.objects.active(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target = forms.CharField(label="ค่าเป้าหมาย / Target", required=False)
    q1 = forms.CharField(label="ไตรมาส 1", required=False)
    q2 = forms.CharField(label="ไตรมาส 2", required=False)
    q3 = forms.CharField(label="ไตรมาส 3", required=False)
    q4 = forms.CharField(label="ไตรมาส 4", required=False)
    weight = forms.CharField(label="น้ำหนัก / Weight", required=False)

    def chosen_agencies(self) -> list[Agency]:
        chosen = {a.pk: a for a in self.cleaned_data.get("agencies") or []}
        if self.cleaned_data.get("all_districts"):
            for agency in Agency.objects.active().filter(kind=Agency.Kind.DISTRICT):
                chosen[agency.pk] = agency
        return list(chosen.values())


class CarryForwardForm(forms.Form):
    from_year = forms.ModelChoiceField(label="จากปีงบประมาณ / From fiscal year", queryset=FiscalYear.objects.all())
    to_year = forms.CharField(label="เป็นปีงบประมาณ / To fiscal year")
    agencies = forms.ModelMultipleChoiceField(
        label="หน่วยงาน (ว่าง = ทุกหน่วยงาน) / Agencies (none = all)", queryset=Agency.objects.active(),
        required=False, widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    template = forms.ModelChoiceField(
        label="หรือเฉพาะตัวชี้วัดต้นแบบ / Or one template", queryset=None, required=False
    )

    def __init__(self, *args, **kwargs):
        from citykpi.planning.models import KpiTemplate

        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = KpiTemplate.objects.filter(is_active=True)
