"""The layout of the setup workbook: every sheet and every column in one table.

The export writes it, the parser reads it, the instructions sheet describes it, and the
tests address cells through it, so a column is added in one place. Row 1 holds the Thai
headers, row 2 the English ones, data starts on row 3 (as in the quarter template).

Closed lists (kinds, roles, types, levels, methods, directions, yes/no) are written as
their bilingual label ("สำนัก / Department") with a dropdown; the parser accepts the
label, either half of it, or the stored value ("department").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from citykpi.accounts.models import Role
from citykpi.agencies.models import Agency
from citykpi.indicators.models import Indicator, Unit

FORMAT_ID = "citykpi-setup-1"
FIRST_ROW = 3
MAX_ROWS = 50000
META_SHEET = "_meta"
LISTS_SHEET = "_lists"
INSTRUCTIONS_SHEET = "คำอธิบาย (Read me)"

YES, NO = "yes", "no"
BOOLEAN_CHOICES: tuple[tuple[str, str], ...] = ((YES, "ใช่ / Yes"), (NO, "ไม่ / No"))

# Indicator.Type and .Level carry Thai labels only; the workbook shows both languages.
KPI_TYPE_CHOICES = (
    (Indicator.Type.STRATEGIC.value, "ตัวชี้วัดเชิงยุทธศาสตร์ / Strategic"),
    (Indicator.Type.ROUTINE.value, "ตัวชี้วัดงานประจำ / Routine"),
    (Indicator.Type.OTHER.value, "ตัวชี้วัดอื่น ๆ / Other"),
)
RESULT_LEVEL_CHOICES = (
    (Indicator.Level.OUTPUT.value, "ผลผลิต / Output"),
    (Indicator.Level.OUTCOME.value, "ผลลัพธ์ / Outcome"),
)


def _choices(text_choices: Any) -> tuple[tuple[str, str], ...]:
    return tuple((value, str(label)) for value, label in text_choices.choices)


@dataclass(frozen=True)
class Column:
    key: str
    th: str
    en: str
    kind: str = "text"  # text, long, int, number, bool, choice, date, ref, lines, json
    width: int = 16
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""  # shown as the header's comment and on the instructions sheet
    max_length: int = 0  # the model field's limit, for text


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str  # the sheet's name in the workbook (at most 31 characters)
    th: str
    en: str
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...]

    def index(self, key: str) -> int:
        """The 1-based column number of `key`."""
        for number, column in enumerate(self.columns, start=1):
            if column.key == key:
                return number
        raise KeyError(key)

    def column(self, key: str) -> Column:
        return self.columns[self.index(key) - 1]

    def label(self, key: str) -> str:
        """How a problem names the column: "C (ชื่อหน่วยงาน / Name (Thai))"."""
        column = self.column(key)
        return f"{get_column_letter(self.index(key))} ({column.th} / {column.en})"

    def letter(self, key: str) -> str:
        return get_column_letter(self.index(key))


LEVELS_HINT = (
    "หนึ่งระดับต่อบรรทัด: ระดับ | ร้อยละ | คะแนน | คำอธิบาย เช่น 1 | 20 | 2 | ศึกษาและยกร่างแผน / "
    "one level a line: level | percent | points | description, e.g. 1 | 20 | 2 | Draft the plan"
)
STRATEGY_HINT = (
    "หนึ่งรายการต่อบรรทัด: รหัสแผน:เลขลำดับ เช่น bma-20-year-plan:7.3.1.1 / "
    "one link a line: plan code:path, e.g. bma-20-year-plan:7.3.1.1"
)
NUMBER_HINT = "ตัวเลขไทยหรืออารบิกก็ได้ เช่น ๘๐ หรือ 1,407.52 / Thai or Arabic digits, e.g. ๘๐ or 1,407.52"

AGENCIES = Sheet(
    "agencies",
    "หน่วยงาน (Agencies)",
    "หน่วยงาน: สำนัก สำนักงานเขต สำนักงาน และหน่วยงานแม่",
    "Agencies: departments, district offices, offices and their parent",
    (
        Column("code", "รหัสหน่วยงาน", "Agency code", "text", 10, True, hint="4 หลัก เช่น 0409 / 4 digits"),
        Column(
            "long_code", "รหัส 8 หลัก", "Long code", "text", 12, hint="ว่างได้: รหัส + 0000 / blank: code + 0000"
        ),
        Column("name_th", "ชื่อหน่วยงาน", "Name (Thai)", "text", 40, True, max_length=255),
        Column("name_en", "ชื่อภาษาอังกฤษ", "Name (English)", "text", 36, max_length=255),
        Column("abbreviation", "ชื่อย่อ", "Abbreviation", "text", 10, max_length=50),
        Column("kind", "ประเภท", "Kind", "choice", 24, True, _choices(Agency.Kind)),
        Column(
            "parent",
            "หน่วยงานแม่ (รหัส)",
            "Parent (code)",
            "ref",
            12,
            hint="รหัสหน่วยงานในแผ่นงานนี้ / a code on this sheet",
        ),
        Column("is_active", "ใช้งาน", "Active", "bool", 10, choices=BOOLEAN_CHOICES),
        Column(
            "reporter_may_submit",
            "ผู้รายงานส่งได้เอง",
            "Reporters may submit",
            "bool",
            12,
            choices=BOOLEAN_CHOICES,
        ),
    ),
    ("code",),
)

PEOPLE = Sheet(
    "people",
    "ผู้ใช้ (People)",
    "ผู้ใช้และบทบาท หนึ่งบทบาทต่อแถว (ผู้ใช้หนึ่งคนมีได้หลายแถว) บัญชีใหม่ไม่มีรหัสผ่าน ผู้ดูแลระบบตั้งให้ก่อนเข้าใช้ครั้งแรก",
    "People and their roles, one role a row (a person may have several rows). New accounts have no "
    "password: the administrator sets one before the first sign-in",
    (
        Column("username", "ชื่อบัญชี", "Username", "text", 18, True),
        Column("first_name", "ชื่อ", "First name", "text", 24),
        Column("last_name", "นามสกุล", "Last name", "text", 24),
        Column("email", "อีเมล", "E-mail", "text", 30, max_length=254),
        Column("role", "บทบาท", "Role", "choice", 28, choices=_choices(Role)),
        Column(
            "agency",
            "หน่วยงาน (รหัส)",
            "Agency (code)",
            "ref",
            12,
            hint="ผู้รายงานผลและผู้บริหารหน่วยงานต้องมี บทบาทระดับเมืองต้องว่าง / "
            "required for reporters and heads, blank for city-wide roles",
        ),
    ),
    ("username", "role", "agency"),
)

UNITS = Sheet(
    "units",
    "หน่วยนับ (Units)",
    "หน่วยนับที่ตัวชี้วัดใช้ และช่วงค่า",
    "The units KPIs use, with their scale",
    (
        Column("name_th", "หน่วยนับ", "Unit (Thai)", "text", 20, True),
        Column("name_en", "ภาษาอังกฤษ", "Unit (English)", "text", 20, max_length=120),
        Column("kind", "ชนิด", "Kind", "choice", 24, True, _choices(Unit.Kind)),
        Column("scale_min", "ค่าต่ำสุด", "Scale minimum", "number", 10, hint=NUMBER_HINT),
        Column("scale_max", "ค่าสูงสุด", "Scale maximum", "number", 10, hint=NUMBER_HINT),
        Column("allows_over_100", "เกิน 100 ได้", "May exceed 100", "bool", 10, choices=BOOLEAN_CHOICES),
        Column(
            "suggests_lower_is_better",
            "ยิ่งน้อยยิ่งดี",
            "Usually lower is better",
            "bool",
            12,
            choices=BOOLEAN_CHOICES,
        ),
    ),
    ("name_th",),
)

PLANS = Sheet(
    "plans",
    "แผน (Plans)",
    "แผนยุทธศาสตร์ที่ตัวชี้วัดสนับสนุน",
    "The strategy plans KPIs support",
    (
        Column("code", "รหัสแผน", "Plan code", "text", 22, True, hint="a-z 0-9 -"),
        Column("name_th", "ชื่อแผน", "Name (Thai)", "text", 44, True, max_length=255),
        Column("name_en", "ชื่อภาษาอังกฤษ", "Name (English)", "text", 40, max_length=255),
        Column(
            "level_names",
            "ชื่อระดับ",
            "Level names",
            "text",
            30,
            hint="จากบนลงล่าง คั่นด้วย > เช่น ด้าน > มิติ > เป้าหมาย / top down, separated by >",
        ),
        Column("start_year", "ปีเริ่ม (พ.ศ.)", "First year (BE)", "int", 10),
        Column("end_year", "ปีสิ้นสุด (พ.ศ.)", "Last year (BE)", "int", 10),
        Column(
            "is_primary",
            "แผนหลัก",
            "Primary plan",
            "bool",
            10,
            choices=BOOLEAN_CHOICES,
            hint="แผนที่แสดงเป็น สนับสนุนยุทธศาสตร์กรุงเทพมหานครฯ / the plan KPI pages show",
        ),
    ),
    ("code",),
)

STRATEGY = Sheet(
    "strategy",
    "ยุทธศาสตร์ (Strategy)",
    "หัวข้อของแผนยุทธศาสตร์ ทุกระดับ (ด้าน > มิติ > เป้าหมาย > ...)",
    "The nodes of the strategy plans, every level (area > dimension > goal > ...)",
    (
        Column("plan", "รหัสแผน", "Plan code", "ref", 22, True),
        Column(
            "path",
            "เลขลำดับ",
            "Path",
            "text",
            12,
            True,
            hint="เลขอารบิก เช่น 7.3.1.1 (เลขไทยใส่ในช่องถัดไป) / Arabic digits, e.g. 7.3.1.1",
        ),
        Column("display_number", "เลขที่แสดง", "Display number", "text", 12, hint="เช่น ๗.๓.๑.๑ / e.g. ๗.๓.๑.๑"),
        Column(
            "heading_prefix", "คำนำหน้า", "Heading prefix", "text", 16, hint="เช่น ด้านที่ ๗ – / e.g. ด้านที่ ๗ –"
        ),
        Column("title", "หัวข้อ", "Heading", "text", 50, True),
        Column("title_en", "หัวข้อภาษาอังกฤษ", "Heading (English)", "text", 40),
        Column(
            "title_truncated",
            "หัวข้อถูกตัดท้าย",
            "Heading cut short",
            "bool",
            10,
            choices=BOOLEAN_CHOICES,
            hint="ระบบเดิมตัดท้ายหัวข้อ (ลงท้าย %) รอแก้ไข / the legacy site cut it (ends in %), to be repaired",
        ),
        Column(
            "parent",
            "หัวข้อแม่ (เลขลำดับ)",
            "Parent (path)",
            "text",
            12,
            hint="เช่น 7.3.1 ว่างสำหรับระดับบนสุด / blank at the top",
        ),
    ),
    ("plan", "path"),
)

DIMENSIONS = Sheet(
    "dimensions",
    "มิติการประเมิน (Dimensions)",
    "มิติการประเมิน (มิติที่ 1 ด้านประสิทธิผลตามพันธกิจ ...)",
    "Evaluation dimensions",
    (
        Column("number", "มิติที่", "Number", "int", 8, True),
        Column("name_th", "ชื่อมิติ", "Name (Thai)", "text", 40, True, max_length=255),
        Column("name_en", "ชื่อภาษาอังกฤษ", "Name (English)", "text", 36, max_length=255),
    ),
    ("number",),
)

YEAR = Sheet(
    "year",
    "ปีงบประมาณ (Fiscal year)",
    "ปีงบประมาณ (หนึ่งแถว) กำหนดส่งรายงานแต่ละไตรมาส และองค์ประกอบของผลประเมิน",
    "The fiscal year (one row), each quarter's reporting deadline and the assessment components",
    (
        Column("year", "ปีงบประมาณ (พ.ศ.)", "Fiscal year (BE)", "int", 12, True),
        Column("q1_deadline", "กำหนดส่ง ไตรมาส 1", "Q1 deadline", "date", 14, hint="วันที่ / a date"),
        Column("q2_deadline", "กำหนดส่ง ไตรมาส 2", "Q2 deadline", "date", 14),
        Column("q3_deadline", "กำหนดส่ง ไตรมาส 3", "Q3 deadline", "date", 14),
        Column("q4_deadline", "กำหนดส่ง ไตรมาส 4", "Q4 deadline", "date", 14),
        Column(
            "components",
            "องค์ประกอบผลประเมิน",
            "Assessment components",
            "text",
            16,
            hint="คั่นด้วยจุลภาค เช่น 2.1, 2.2 / separated by commas",
        ),
    ),
    ("year",),
)

_DEFINITION_COLUMNS = (
    Column("unit", "หน่วยนับ", "Unit", "ref", 14, hint="จากแผ่นงานหน่วยนับ / from the Units sheet"),
    Column("kpi_type", "ประเภทตัวชี้วัด", "Type", "choice", 26, choices=KPI_TYPE_CHOICES),
    Column("result_level", "ระดับตัวชี้วัด", "Level", "choice", 16, choices=RESULT_LEVEL_CHOICES),
    Column("scoring_method", "วิธีให้คะแนน", "Scoring method", "choice", 30, choices=_choices(Indicator.Method)),
)
_TEXT_COLUMNS = (
    Column("definition", "นิยาม", "Definition", "long", 40),
    Column("calculation_method", "วิธีการคำนวณ", "Calculation method", "long", 40),
    Column("data_collection", "วิธีการเก็บข้อมูล", "Data collection", "long", 40),
    Column("strategy", "สนับสนุนยุทธศาสตร์", "Strategy links", "lines", 30, hint=STRATEGY_HINT),
)

TEMPLATES = Sheet(
    "templates",
    "แม่แบบ (Templates)",
    "ตัวชี้วัดต้นแบบที่มอบหมายให้หลายหน่วยงาน (อ้างถึงด้วยชื่อ)",
    "KPI templates assigned to several agencies (referred to by name)",
    (
        Column("name", "ชื่อแม่แบบ", "Template name", "text", 50, True),
        Column("name_en", "ชื่อภาษาอังกฤษ", "Name (English)", "text", 40, max_length=255),
        *_DEFINITION_COLUMNS,
        Column("direction", "ทิศทาง", "Direction", "choice", 22, choices=_choices(Indicator.Direction)),
        *_TEXT_COLUMNS,
        Column("milestones", "ระดับความสำเร็จ", "Milestone levels", "lines", 40, hint=LEVELS_HINT),
        Column("is_active", "ใช้งาน", "Active", "bool", 10, choices=BOOLEAN_CHOICES),
    ),
    ("name",),
)

KPIS = Sheet(
    "kpis",
    "ตัวชี้วัด (KPIs)",
    "นิยามตัวชี้วัดของปีงบประมาณ ค่าเป้าหมาย น้ำหนัก (รวม 100 ต่อหน่วยงาน) และแผนรายไตรมาส",
    "The year's KPI definitions, targets, weights (100 per agency) and quarterly plans",
    (
        Column(
            "code",
            "รหัสตัวชี้วัด",
            "KPI code",
            "text",
            12,
            True,
            hint="รหัสหน่วยงาน-ลำดับ เช่น 0409-0950 / agency code-serial",
        ),
        Column("agency", "หน่วยงาน (รหัส)", "Agency (code)", "ref", 10, True),
        Column("list_label", "ลำดับ", "List label", "text", 8, hint="เช่น 5. / e.g. 5.", max_length=40),
        Column("name", "ชื่อตัวชี้วัด", "KPI name", "long", 50, True),
        Column("name_en", "ชื่อภาษาอังกฤษ", "Name (English)", "long", 36),
        Column("unit", "หน่วยนับ", "Unit", "ref", 14, True, hint="จากแผ่นงานหน่วยนับ / from the Units sheet"),
        *_DEFINITION_COLUMNS[1:],
        Column("scoring_config", "ตั้งค่าการให้คะแนน", "Scoring settings (JSON)", "json", 18),
        Column("target", "ค่าเป้าหมาย", "Target", "number", 10, hint=NUMBER_HINT),
        Column("target_text", "ค่าเป้าหมาย (ข้อความ)", "Target (text)", "text", 16, max_length=255),
        Column("direction", "ทิศทาง", "Direction", "choice", 22, choices=_choices(Indicator.Direction)),
        Column("range_low", "ช่วงต่ำสุด", "Range low", "number", 10),
        Column("range_high", "ช่วงสูงสุด", "Range high", "number", 10),
        Column("weight", "น้ำหนัก", "Weight", "number", 8, hint="รวม 100 ต่อหน่วยงาน / 100 per agency"),
        Column("plan_q1", "เป้าหมายสะสม ไตรมาส 1", "Q1 plan (cumulative)", "number", 10),
        Column("plan_q2", "เป้าหมายสะสม ไตรมาส 2", "Q2 plan (cumulative)", "number", 10),
        Column("plan_q3", "เป้าหมายสะสม ไตรมาส 3", "Q3 plan (cumulative)", "number", 10),
        Column("plan_q4", "เป้าหมายสะสม ไตรมาส 4", "Q4 plan (cumulative)", "number", 10),
        Column("milestones", "ระดับความสำเร็จ", "Milestone levels", "lines", 40, hint=LEVELS_HINT),
        *_TEXT_COLUMNS,
        Column("dimension", "มิติการประเมิน", "Dimension", "ref", 10, hint="เลขมิติ / dimension number"),
        Column("is_negotiated", "ตัวชี้วัดเจรจา", "Negotiated", "bool", 10, choices=BOOLEAN_CHOICES),
        Column(
            "template", "แม่แบบ", "Template", "ref", 30, hint="ชื่อในแผ่นงานแม่แบบ / a name on the Templates sheet"
        ),
    ),
    ("code",),
)

# In the order they are read and written: a sheet refers only to sheets before it.
SHEETS: tuple[Sheet, ...] = (AGENCIES, PEOPLE, UNITS, PLANS, STRATEGY, DIMENSIONS, YEAR, TEMPLATES, KPIS)
BY_KEY = {sheet.key: sheet for sheet in SHEETS}
