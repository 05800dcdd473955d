"""Response schemas of the open-data endpoints, each field described in Thai and English.

They are the contract published at /api/v1/openapi.json (and frozen in
citykpi/api/openapi.snapshot.json); every response is validated against them.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from citykpi.api.opendata.http import d


class OpenPageMeta(Schema):
    count: int = Field(description=d("จำนวนรายการทั้งหมดที่ตรงเงื่อนไข", "Total rows matching the filters"))
    limit: int = Field(description=d("จำนวนรายการต่อหน้า", "Rows per page"))
    offset: int = Field(description=d("ตำแหน่งเริ่มของหน้านี้", "Offset of this page"))
    next: str | None = Field(description=d("ลิงก์หน้าถัดไป", "Link to the next page"))
    previous: str | None = Field(description=d("ลิงก์หน้าก่อนหน้า", "Link to the previous page"))


class OpenAgencyRef(Schema):
    code: str = Field(description=d("รหัสหน่วยงาน 4 หลัก", "4-digit agency code"))
    name_th: str = Field(description=d("ชื่อหน่วยงาน", "Agency name in Thai"))
    name_en: str = Field(description=d("ชื่อหน่วยงานภาษาอังกฤษ", "Agency name in English"))


class OpenHeadline(Schema):
    quarter: int = Field(
        description=d("ไตรมาสล่าสุดที่ สยป. ประเมินแล้ว", "Latest quarter assessed by the evaluator")
    )
    score: float = Field(description=d("คะแนนผลประเมินของไตรมาสนั้น (0-100)", "Its assessment score (0-100)"))


class OpenKpiItem(Schema):
    code: str = Field(description=d("รหัสตัวชี้วัด (รหัสหน่วยงาน-ลำดับ)", "KPI code (agency code-serial)"))
    list_label: str = Field(
        description=d("ลำดับตามต้นฉบับ เช่น 5.", "List label as the source shows it, e.g. 5.")
    )
    name: str = Field(description=d("ชื่อตัวชี้วัด", "KPI name in Thai"))
    name_en: str = Field(description=d("ชื่อตัวชี้วัดภาษาอังกฤษ", "KPI name in English"))
    agency: OpenAgencyRef = Field(description=d("หน่วยงานเจ้าของตัวชี้วัด", "Agency that owns the KPI"))
    fiscal_year: int = Field(description=d("ปีงบประมาณ พ.ศ.", "Fiscal year (Buddhist Era)"))
    unit: str | None = Field(description=d("หน่วยนับ", "Unit"))
    target: float | None = Field(description=d("ค่าเป้าหมาย", "Annual target"))
    target_text: str = Field(
        description=d("ข้อความต่อท้ายค่าเป้าหมายตามต้นฉบับ", "Text after the target, as written")
    )
    achieved: float | None = Field(
        description=d("ผลงานที่ทำได้ที่หน่วยงานระบุ", "Achieved value stated by the agency")
    )
    kpi_type: str = Field(
        description=d(
            "ประเภท: strategic เชิงยุทธศาสตร์, routine งานประจำ, other", "Type: strategic, routine or other"
        )
    )
    result_level: str = Field(description=d("ระดับ: output ผลผลิต, outcome ผลลัพธ์", "Level: output or outcome"))
    direction: str = Field(
        description=d(
            "ทิศทาง: higher ยิ่งมากยิ่งดี, lower ยิ่งน้อยยิ่งดี, range อยู่ในช่วง",
            "Direction: higher, lower or range is better",
        )
    )
    weight: float | None = Field(description=d("น้ำหนัก (ร้อยละ)", "Weight (percent)"))
    status: str = Field(
        description=d(
            "สถานะของไตรมาสล่าสุดที่เผยแพร่ หรือ not_reported",
            "Status of the latest published quarter, or not_reported",
        )
    )
    headline: OpenHeadline | None = Field(
        description=d("ผลประเมินล่าสุดของ สยป.", "The evaluator's latest assessment")
    )
    url: str = Field(description=d("หน้าเว็บสาธารณะของตัวชี้วัด", "Public web page of the KPI"))
    api_url: str = Field(description=d("ที่อยู่ API ของตัวชี้วัด", "API address of the KPI"))


class OpenKpiPage(OpenPageMeta):
    results: list[OpenKpiItem] = Field(description=d("ตัวชี้วัดในหน้านี้", "KPIs on this page"))


class OpenAssessmentOut(Schema):
    score: float = Field(description=d("คะแนนรวม (0-100)", "Overall score (0-100)"))
    components: dict[str, float | None] = Field(
        description=d("คะแนนองค์ประกอบ เช่น 2.1 และ 2.2", "Component scores, e.g. 2.1 and 2.2")
    )
    assessed_at: dt.datetime | None = Field(description=d("เวลาที่ประเมิน", "When it was assessed"))


class OpenQuarterOut(Schema):
    quarter: int = Field(description=d("ไตรมาสที่ 1-4", "Quarter 1-4"))
    planned_target: float | None = Field(description=d("เป้าหมายสะสมตามแผน", "Planned cumulative target"))
    result: float | None = Field(description=d("ผลงานสะสม", "Reported cumulative result"))
    narrative: str = Field(description=d("รายงานผลการดำเนินงาน", "Progress narrative"))
    status: str = Field(
        description=d(
            "สถานะ: submitted, assessed, reopened (ผู้ที่มีสิทธิ์เห็น draft, returned, not_started ด้วย)",
            "Status: submitted, assessed, reopened (authorised users also see draft, returned, not_started)",
        )
    )
    version: int = Field(
        description=d("เลขฉบับ ใช้ส่งกลับเมื่อแก้ไขผ่าน API", "Version, sent back when editing through the API")
    )
    published: bool = Field(description=d("เผยแพร่ต่อสาธารณะแล้วหรือไม่", "Whether the public sees it"))
    assessment: OpenAssessmentOut | None = Field(
        description=d("ผลประเมินของ สยป.", "The evaluator's assessment")
    )


class OpenNodeRef(Schema):
    id: int = Field(description=d("id ของหมุดยุทธศาสตร์", "Strategy node id"))
    plan: str = Field(description=d("รหัสแผน", "Plan code"))
    path: str = Field(
        description=d("เลขลำดับ (เลขอารบิก) เช่น 7.3.1", "Number path in Arabic digits, e.g. 7.3.1")
    )
    display_number: str = Field(description=d("เลขลำดับตามต้นฉบับ เช่น ๗.๓.๑", "Number as the source shows it"))
    heading: str = Field(description=d("หัวข้อตามต้นฉบับ", "Heading as the source shows it"))
    depth: int = Field(description=d("ระดับชั้น (1 = ด้าน)", "Depth (1 = area)"))


class OpenStrategyPathOut(Schema):
    plan: str = Field(description=d("รหัสแผน", "Plan code"))
    plan_name: str = Field(description=d("ชื่อแผน", "Plan name"))
    nodes: list[OpenNodeRef] = Field(
        description=d("เส้นทางจากด้านลงถึงหมุดที่เชื่อม", "Path from the area down to the linked node")
    )


class OpenProjectRef(Schema):
    code: str = Field(description=d("รหัสโครงการ", "Project code"))
    name: str = Field(description=d("ชื่อโครงการ", "Project name"))
    agency: str = Field(description=d("รหัสหน่วยงาน", "Agency code"))
    progress: float | None = Field(description=d("ความคืบหน้า ร้อยละ", "Progress, percent"))


class OpenMilestoneOut(Schema):
    level: int = Field(description=d("ระดับความสำเร็จ", "Milestone level"))
    description: str = Field(description=d("คำอธิบายระดับ", "What the level means"))
    percent: float = Field(description=d("ร้อยละของผลการดำเนินงาน", "Percent of achievement"))
    points: float = Field(description=d("คะแนน", "Points"))


class OpenFindingOut(Schema):
    rule: str = Field(description=d("รหัสกฎตรวจคุณภาพข้อมูล", "Data-quality rule id"))
    severity: str = Field(description=d("ความรุนแรง", "Severity"))
    message: str = Field(description=d("ข้อสังเกต", "Finding"))


class OpenKpiDetail(OpenKpiItem):
    definition: str = Field(description=d("นิยาม หรือความหมายของตัวชี้วัด", "Definition"))
    calculation_method: str = Field(
        description=d("วิธีการคำนวณ หรือเกณฑ์การประเมิน", "Calculation method or criteria")
    )
    scoring_method: str = Field(description=d("วิธีให้คะแนน", "Scoring method"))
    data_collection: str = Field(description=d("วิธีการเก็บข้อมูล/แหล่งข้อมูล", "Data collection and sources"))
    annual_summary: str = Field(description=d("สรุปผลการดำเนินงาน", "Annual summary of results"))
    dimension: str | None = Field(description=d("มิติการประเมิน", "Evaluation dimension"))
    is_negotiated: bool = Field(description=d("เป็นตัวชี้วัดเจรจาหรือไม่", "Whether it is a negotiated KPI"))
    milestone_levels: list[OpenMilestoneOut] = Field(description=d("ระดับความสำเร็จ", "Milestone levels"))
    quarters: list[OpenQuarterOut] = Field(description=d("ผลรายไตรมาส", "Quarters"))
    strategy: list[OpenStrategyPathOut] = Field(description=d("ยุทธศาสตร์ที่สนับสนุน", "Strategy it supports"))
    projects: list[OpenProjectRef] = Field(description=d("โครงการที่สนับสนุน", "Projects that support it"))
    quality_findings: list[OpenFindingOut] = Field(
        description=d("ข้อสังเกตด้านคุณภาพข้อมูล", "Data-quality findings")
    )


class OpenAgencyItem(Schema):
    code: str = Field(description=d("รหัสหน่วยงาน 4 หลัก", "4-digit agency code"))
    long_code: str = Field(description=d("รหัสหน่วยงาน 8 หลัก", "8-digit agency code"))
    name_th: str = Field(description=d("ชื่อหน่วยงาน", "Name in Thai"))
    name_en: str = Field(description=d("ชื่อภาษาอังกฤษ", "Name in English"))
    abbreviation: str = Field(description=d("ชื่อย่อ", "Abbreviation"))
    kind: str = Field(description=d("ประเภทหน่วยงาน", "Kind of agency"))
    parent: str | None = Field(description=d("รหัสหน่วยงานแม่", "Parent agency code"))
    is_active: bool = Field(
        description=d(
            "ใช้งานอยู่ในวันนี้ (false: สิ้นสุดแล้ว แต่ตัวชี้วัดหรือโครงการที่เผยแพร่ยังอ้างถึง)",
            "Exists today (false: closed since, still named by published KPIs or projects)",
        )
    )
    valid_from: dt.date | None = Field(
        description=d(
            "วันที่เริ่มมีผล (ว่าง: ตั้งแต่ก่อนมีบันทึก)", "First day it exists (empty: since before the records)"
        )
    )
    valid_to: dt.date | None = Field(
        description=d("วันสุดท้ายที่มีผล (ว่าง: ยังใช้งานอยู่)", "Last day it exists (empty: still open)")
    )
    kpi_count: int = Field(description=d("จำนวนตัวชี้วัดที่เผยแพร่", "Number of published KPIs"))
    url: str = Field(description=d("หน้าเว็บสาธารณะ", "Public web page"))
    api_url: str = Field(description=d("ที่อยู่ API", "API address"))


class OpenAgencyPage(OpenPageMeta):
    results: list[OpenAgencyItem] = Field(description=d("หน่วยงานในหน้านี้", "Agencies on this page"))


class OpenAgencyYear(Schema):
    year: int = Field(description=d("ปีงบประมาณ พ.ศ.", "Fiscal year (BE)"))
    kpi_count: int = Field(description=d("จำนวนตัวชี้วัดที่เผยแพร่", "Published KPIs"))
    project_count: int = Field(description=d("จำนวนโครงการที่เผยแพร่", "Published projects"))
    kpis_url: str = Field(description=d("รายการตัวชี้วัดของปีนั้น", "Its KPI list"))


class OpenAgencyDetail(OpenAgencyItem):
    children: list[OpenAgencyRef] = Field(description=d("หน่วยงานย่อย", "Sub-agencies"))
    years: list[OpenAgencyYear] = Field(description=d("สรุปรายปี", "Per fiscal year"))


class OpenStrategyNodeOut(OpenNodeRef):
    parent_id: int | None = Field(description=d("id ของหมุดแม่", "Parent node id"))
    title: str = Field(description=d("ชื่อหมุด", "Title"))
    level_name: str = Field(
        description=d("ชื่อระดับ เช่น ด้าน มิติ เป้าหมาย", "Level name, e.g. area, dimension, goal")
    )
    kpi_count: int = Field(description=d("จำนวนตัวชี้วัดที่เผยแพร่ที่เชื่อมโดยตรง", "Published KPIs linked directly"))


class OpenStrategyPlanOut(Schema):
    code: str = Field(description=d("รหัสแผน", "Plan code"))
    name_th: str = Field(description=d("ชื่อแผน", "Name in Thai"))
    name_en: str = Field(description=d("ชื่อภาษาอังกฤษ", "Name in English"))
    level_names: list[str] = Field(description=d("ชื่อระดับจากบนลงล่าง", "Level names from the top"))
    start_year: int | None = Field(description=d("ปีเริ่ม พ.ศ.", "First year (BE)"))
    end_year: int | None = Field(description=d("ปีสิ้นสุด พ.ศ.", "Last year (BE)"))
    is_primary: bool = Field(description=d("แผนหลักที่หน้าตัวชี้วัดแสดง", "The plan KPI pages show first"))
    nodes: list[OpenStrategyNodeOut] = Field(description=d("หมุดทั้งหมดตามลำดับต้นไม้", "All nodes in tree order"))


class OpenStrategyOut(Schema):
    count: int = Field(description=d("จำนวนแผน", "Number of plans"))
    results: list[OpenStrategyPlanOut] = Field(description=d("แผนยุทธศาสตร์", "Strategy plans"))


class OpenProjectItem(Schema):
    code: str = Field(description=d("รหัสโครงการ", "Project code"))
    name: str = Field(description=d("ชื่อโครงการ/กิจกรรม", "Project or activity name"))
    agency: OpenAgencyRef = Field(description=d("หน่วยงานรับผิดชอบ", "Responsible agency"))
    fiscal_year: int = Field(description=d("ปีงบประมาณ พ.ศ.", "Fiscal year (BE)"))
    progress: float | None = Field(description=d("ความคืบหน้า ร้อยละ", "Progress, percent"))
    budget: float | None = Field(description=d("งบประมาณ (บาท)", "Budget (baht)"))
    officers: list[str] = Field(description=d("ผู้รับผิดชอบ", "Responsible officers"))
    kpis: list[str] = Field(description=d("รหัสตัวชี้วัดที่สนับสนุน", "Codes of the KPIs it supports"))
    url: str = Field(description=d("หน้าเว็บสาธารณะ", "Public web page"))
    api_url: str = Field(description=d("ที่อยู่ API", "API address"))


class OpenProjectPage(OpenPageMeta):
    results: list[OpenProjectItem] = Field(description=d("โครงการในหน้านี้", "Projects on this page"))


class OpenProjectScore(Schema):
    quarter: int = Field(description=d("ไตรมาสที่", "Quarter"))
    score: float = Field(description=d("คะแนน สยป.", "Evaluator's score"))


class OpenKpiRef(Schema):
    code: str = Field(description=d("รหัสตัวชี้วัด", "KPI code"))
    name: str = Field(description=d("ชื่อตัวชี้วัด", "KPI name"))


class OpenProjectDetail(OpenProjectItem):
    rationale: str = Field(description=d("หลักการและเหตุผล", "Rationale"))
    objectives: str = Field(description=d("วัตถุประสงค์", "Objectives"))
    quarter_scores: list[OpenProjectScore] = Field(
        description=d("คะแนน สยป. รายไตรมาส", "Evaluator's score per quarter")
    )
    indicators: list[OpenKpiRef] = Field(description=d("ตัวชี้วัดที่สนับสนุน", "KPIs it supports"))


class OpenYearValue(Schema):
    year: int = Field(description=d("ปี พ.ศ.", "Year (BE)"))
    value: float | None = Field(description=d("ค่า", "Value"))


class OpenCityIndicatorItem(Schema):
    id: int = Field(description=d("รหัสตัวชี้วัดการพัฒนาเมือง", "City indicator id"))
    list_label: str = Field(description=d("ลำดับตามต้นฉบับ", "List label as the source shows it"))
    name: str = Field(description=d("ชื่อตัวชี้วัด", "Name"))
    catalogue: str = Field(description=d("ชุดข้อมูล/โครงการที่จัดทำ", "Catalogue it belongs to"))
    unit: str | None = Field(description=d("หน่วยนับ", "Unit"))
    target_text: str = Field(description=d("ค่าเป้าหมายตามต้นฉบับ", "Target as written"))
    target_value: float | None = Field(description=d("ค่าเป้าหมาย (ตัวเลข)", "Target value"))
    data_kind: str = Field(description=d("ลักษณะข้อมูล", "Kind of data"))
    latest: OpenYearValue | None = Field(description=d("ค่าล่าสุด", "Latest value"))
    url: str = Field(description=d("หน้าเว็บสาธารณะ", "Public web page"))
    api_url: str = Field(description=d("ที่อยู่ API", "API address"))


class OpenCityIndicatorPage(OpenPageMeta):
    results: list[OpenCityIndicatorItem] = Field(description=d("ตัวชี้วัดในหน้านี้", "Indicators on this page"))


class OpenCityValue(OpenYearValue):
    note: str = Field(description=d("หมายเหตุ", "Note"))


class OpenCityIndicatorDetail(OpenCityIndicatorItem):
    definition: str = Field(description=d("นิยาม", "Definition"))
    calculation_method: str = Field(description=d("วิธีการคำนวณ", "Calculation method"))
    values: list[OpenCityValue] = Field(description=d("ค่ารายปี", "Values per year"))
    strategy_nodes: list[OpenNodeRef] = Field(description=d("หมุดยุทธศาสตร์ที่เชื่อม", "Linked strategy nodes"))
