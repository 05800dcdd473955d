"""Parsing the legacy BMA public pages: text in, dataclasses out, with warnings.

Pure functions: nothing here touches the database. The pages come as a text extraction
(the first line may be the page's address) or as the saved HTML; `page_text()` turns
either into lines. `parse_page()` recognises the page type and returns one of
ParsedKpi, ParsedCityIndicator, ParsedProject, ParsedAgencyPage, or an UnknownPage.
Every oddity (a missing table, a cut title, a number that is not a number) becomes a
warning on the result instead of an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from citykpi.lib.thai import NumberParseError, parse_number, to_arabic_digits

DIGIT = "0-9๐-๙"
KPI_CODE_RE = re.compile(rf"([{DIGIT}]{{4}})-([{DIGIT}]{{3,6}})")
PROJECT_CODE_RE = re.compile(rf"([{DIGIT}]{{8}})-([{DIGIT}]{{1,6}})")
ADDRESS_RE = re.compile(r"^\s*(https?://\S+)\s*$")

# Section headings of a KPI detail page, in the order the page shows them.
NARRATIVE_RE = re.compile(rf"^รายงานผลฯ\s*ไตรมาสที่\s*([{DIGIT}])\s*$")
HEADINGS = {
    "** สรุปผลการดำเนินงาน **": "annual_summary",
    "สรุปผลการดำเนินงาน": "annual_summary",
    "นิยาม หรือความหมายของตัวชี้วัด": "definition",
    "วิธีการคำนวณ หรือ เกณฑ์การประเมิน": "calculation_method",
    "วิธีการการเก็บข้อมูล/แหล่งข้อมูล": "data_collection",
    "สนับสนุนยุทธศาสตร์กรุงเทพมหานครฯ": "strategy",
    "โครงการ/กิจกรรมที่สนับสนุนตัวชี้วัด": "projects",
    "ฐานข้อมูลประกอบตัวชี้วัดการพัฒนาเมือง": "city_database",
    "ผลงานเทียบกับเป้าหมายรายไตรมาส": "table",
    "หลักการและเหตุผล": "rationale",
    "วัตถุประสงค์": "objectives",
}
# "1.นิยาม หรือความหมายของตัวชี้วัด" on city indicator pages: a numbered heading.
NUMBERED_HEADING_RE = re.compile(rf"^[{DIGIT}]+\.\s*(.+)$")

# List labels in front of a name: "ปี 2564 ๒.", "มิติที่ 3 (3.2)", "(1.1)", "5.2", "๒.", "5."
_N = f"[{DIGIT}]"
NAME_LABEL_RE = re.compile(
    rf"^(?P<year>ปี\s*{_N}{{4}}\s*)?"
    rf"(?P<label>(?:มิติที่\s*{_N}+(?:\.{_N}+)*\s*(?:\({_N}+(?:\.{_N}+)*\))?)"
    rf"|\({_N}+(?:\.{_N}+)*\)"
    rf"|{_N}+(?:\.{_N}+)+\.?"
    rf"|{_N}+\.)?"
    rf"\s*(?P<title>.*)$",
    re.S,
)
# Strategy lines: ":ด้านที่ ๗ – title", ":๗.๓ - title", ":๗.๓.๑ title", ":มิติที่ ๕.๕ - title"
STRATEGY_RE = re.compile(
    rf"^(?P<word>ด้านที่|มิติที่|เป้าหมายที่|ตัวชี้วัดที่)?\s*(?P<number>{_N}+(?:\.{_N}+)*)\.?"
    r"\s*(?P<sep>[–\-:—])?\s*(?P<title>.*)$",
    re.S,
)
HEADLINE_RE = re.compile(
    rf"^\*+\s*สยป\.\s*ตรวจประเมินตัวชี้วัด\s*:\s*ไตรมาสที่\s*(?P<q>{_N})\s*:?\s*(?P<score>[{DIGIT}.,]*)\s*$"
)
PROJECT_HEADLINE_RE = re.compile(
    rf"^\*+\s*สยป\.\s*ประเมินโครงการ\s*:\s*ไตรมาสที่\s*(?P<q>{_N})\s*:?\s*(?P<score>[{DIGIT}.,]*)\s*$"
)
VALUE_LINE_RE = re.compile(r"^(?P<label>ค่าเป้าหมาย|ผลงานที่ทำได้)\s*(?P<unit>[^:]*?)\s*:\s*(?P<rest>.*)$")
LEADING_NUMBER_RE = re.compile(rf"^\s*(?P<num>[+\-]?[{DIGIT},]*\.?[{DIGIT}]+)\s*(?P<tail>.*)$", re.S)
MILESTONE_DEF_RE = re.compile(rf"ระดับที่\s*({_N}+)\s*\.?\s*")
MILESTONE_CALC_RE = re.compile(
    rf"ระดับที่\s*(?P<levels>{_N}+(?:\s*\+\s*{_N}+)*)\s*(?:คิดผลการดำเนินงานเป็น)?\s*"
    rf"ร้อยละ\s*(?P<percent>{_N}+(?:\.{_N}+)?)\s*\(\s*(?P<points>{_N}+(?:\.{_N}+)?)\s*คะแนน\s*\)"
)
OFFICER_SPLIT_RE = re.compile(r"\s+(?=(?:นางสาว|นาง|นาย|ว่าที่|ดร\.|Mr\.|Ms\.|Mrs\.))")


@dataclass
class ParsedName:
    list_label: str  # the whole label as written: "ปี 2564 ๒."
    year_prefix: str  # "ปี 2564" (part of list_label)
    number: str  # "๒." (part of list_label)
    title: str


@dataclass
class ParsedStrategyLine:
    path: str  # Arabic digits: "7.3.1"
    display_number: str  # as the source shows it: "๗.๓.๑"
    heading_prefix: str  # "ด้านที่ ๗ –"
    title: str  # without the trailing "%"
    truncated: bool
    raw: str


@dataclass
class ParsedQuarter:
    quarter: int
    result: Decimal | None = None
    score: Decimal | None = None
    components: dict[str, str] = field(default_factory=dict)
    narrative: str = ""
    # The row's cells as the page wrote them: {"quarter", "result", "score", "components"},
    # "" for an empty cell; {} when the page has no table row for the quarter.
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedMilestone:
    level: int
    description: str
    percent: Decimal
    points: Decimal


@dataclass
class ParsedPage:
    page_type: str = "unknown"
    address: str = ""
    raw_text: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return ""

    def warn(self, thai: str, english: str) -> None:
        self.warnings.append(f"{thai} / {english}")

    def source_cells(self) -> dict:
        """The original text of the page's table cells, for the provenance ({} here)."""
        return {}


@dataclass
class ParsedKpi(ParsedPage):
    code: str = ""
    name: ParsedName | None = None
    unit_name: str = ""
    target: Decimal | None = None
    target_text: str = ""
    achieved: Decimal | None = None
    achieved_unit_name: str = ""
    kpi_type: str = ""  # strategic / routine / other ("" when the page does not say)
    kpi_type_text: str = ""
    result_level: str = ""  # output / outcome
    legacy_counter: str = ""
    headline_quarter: int | None = None
    headline_score: Decimal | None = None
    table_unit: str = ""
    component_names: list[str] = field(default_factory=list)
    quarters: dict[int, ParsedQuarter] = field(default_factory=dict)
    has_table: bool = False
    table_header: list[str] = field(default_factory=list)  # the header lines as written
    # Every row of the table as written, in order (also a row of a quarter that does not
    # exist or comes twice): [{"quarter", "result", "score", "components"}, ...]
    table_rows: list[dict[str, str]] = field(default_factory=list)
    annual_summary: str = ""
    definition: str = ""
    calculation_method: str = ""
    data_collection: str = ""
    strategy: list[ParsedStrategyLine] = field(default_factory=list)
    milestones: list[ParsedMilestone] = field(default_factory=list)
    fiscal_year: int | None = None
    # A KPI page states no fiscal year; the dates its narratives cite suggest one (used only
    # when neither the page nor --fiscal-year gives it, and then reported as a warning).
    inferred_fiscal_year: int | None = None
    inferred_from: str = ""

    @property
    def key(self) -> str:
        return self.code

    @property
    def agency_code(self) -> str:
        return self.code.split("-")[0] if self.code else ""

    def source_cells(self) -> dict:
        """The quarterly table's cells as the page wrote them ("" for an empty cell)."""
        if not self.has_table:
            return {}
        return {
            "quarterly_table": {
                "header": list(self.table_header),
                "rows": [dict(row) for row in self.table_rows],
            }
        }


@dataclass
class ParsedCityIndicator(ParsedPage):
    pid: int | None = None
    catalogue: str = ""
    name: ParsedName | None = None
    unit_name: str = ""
    target_value: Decimal | None = None
    target_text: str = ""
    data_kind: str = ""
    definition: str = ""
    calculation_method: str = ""
    strategy: list[ParsedStrategyLine] = field(default_factory=list)

    @property
    def key(self) -> str:
        return str(self.pid) if self.pid is not None else ""


@dataclass
class ParsedProject(ParsedPage):
    code: str = ""
    name: str = ""
    agency_name: str = ""
    fiscal_year: int | None = None
    progress: Decimal | None = None
    officers: list[str] = field(default_factory=list)
    scores: dict[int, Decimal] = field(default_factory=dict)
    rationale: str = ""
    objectives: str = ""

    @property
    def key(self) -> str:
        return self.code

    @property
    def agency_code(self) -> str:
        return self.code[:4] if self.code else ""


@dataclass
class ParsedAgencyKpi:
    number: str  # "(1)"
    name: str
    dimension: int | None
    negotiated: bool
    details: list[str] = field(default_factory=list)
    strategy_text: str = ""


@dataclass
class ParsedAgencyPage(ParsedPage):
    long_code: str = ""
    fiscal_year: int | None = None
    dimensions: dict[int, str] = field(default_factory=dict)
    kpis: list[ParsedAgencyKpi] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.long_code

    @property
    def agency_code(self) -> str:
        return self.long_code[:4]


# --- text extraction -------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "ul",
    "ol",
    "dt",
    "dd",
    "title",
    "hr",
    "form",
}


class _TextExtractor(HTMLParser):
    """Block elements become line breaks; scripts and styles are dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.address = ""

    def handle_starttag(self, tag: str, attrs: Any):
        if tag in {"script", "style"}:
            self.skip += 1
        elif tag == "link" or tag == "meta":
            attrs_d = dict(attrs)
            if attrs_d.get("rel") == "canonical" and attrs_d.get("href"):
                self.address = attrs_d["href"]
            if attrs_d.get("property") == "og:url" and attrs_d.get("content"):
                self.address = attrs_d["content"]
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str):
        if tag in {"script", "style"} and self.skip:
            self.skip -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: Any):
        if not self.skip:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return (
        "<html" in head
        or "<body" in head
        or "<!doctype html" in head
        or bool(re.search(r"<(p|div|br|table)[\s>/]", head))
    )


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # noqa: BLE001 - a broken page still gives what was read so far
        pass
    text = "".join(extractor.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    body = "\n".join(line for line in lines if line)
    if extractor.address:
        body = f"{extractor.address}\n{body}"
    return body


def decode(data: bytes) -> str:
    """Pages are UTF-8; older saves may be TIS-620 (Thai Windows). Bad bytes never fail."""
    for encoding in ("utf-8-sig", "cp874"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def page_text(text: str) -> tuple[str, list[str]]:
    """(address, lines): HTML turned into text, blank lines dropped, the address line removed."""
    if looks_like_html(text):
        text = html_to_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    address = ""
    if lines and ADDRESS_RE.match(lines[0]):
        address = lines.pop(0)
    return address, lines


# --- small parsers ---------------------------------------------------------------------------


def split_name(text: str) -> ParsedName:
    """ "ปี 2564 ๒. ชื่อ" -> label "ปี 2564 ๒.", year "ปี 2564", number "๒.", title "ชื่อ"."""
    text = " ".join(text.split())
    match = NAME_LABEL_RE.match(text)
    if not match or not match.group("title"):
        return ParsedName("", "", "", text)
    year = (match.group("year") or "").strip()
    number = (match.group("label") or "").strip()
    if not year and not number:
        return ParsedName("", "", "", text)
    label = " ".join(part for part in (year, number) if part)
    return ParsedName(label, year, number, match.group("title").strip())


def split_strategy_line(line: str) -> ParsedStrategyLine | None:
    text = line.lstrip(":").strip()
    match = STRATEGY_RE.match(text)
    if not match or not match.group("number"):
        return None
    number = match.group("number")
    title = match.group("title").strip()
    truncated = title.endswith("%")
    if truncated:
        title = title.rstrip("%").rstrip()
    prefix_end = match.start("title") if title or truncated else len(text)
    heading_prefix = text[:prefix_end].strip()
    path = to_arabic_digits(number)
    if not title:
        return None
    return ParsedStrategyLine(
        path=path,
        display_number=number,
        heading_prefix=heading_prefix,
        title=title,
        truncated=truncated,
        raw=line,
    )


def number_and_tail(text: str) -> tuple[Decimal | None, str, str | None]:
    """ "20 ของประชาชน" -> (20, "ของประชาชน", None); a bad number -> (None, text, problem)."""
    text = text.strip()
    if not text:
        return None, "", None
    match = LEADING_NUMBER_RE.match(text)
    if not match:
        return None, text, f"'{text}'"
    try:
        return parse_number(match.group("num")), match.group("tail").strip(), None
    except NumberParseError:
        return None, text, f"'{text}'"


def _number(page: ParsedPage, text: str, what_th: str, what_en: str) -> Decimal | None:
    value, _tail, problem = number_and_tail(text)
    if problem:
        page.warn(f"{what_th} ไม่ใช่ตัวเลข: {problem}", f"{what_en} is not a number: {problem}")
    return value


def _kpi_type(text: str) -> str:
    if "เชิงยุทธศาสตร์" in text:
        return "strategic"
    if "งานประจำ" in text:
        return "routine"
    return "other" if text else ""


def parse_milestones(definition: str, calculation: str) -> list[ParsedMilestone]:
    """The seed's pattern: "ระดับที่ 1. ..." in the definition, "ระดับที่ 1+2 ... ร้อยละ 40 (4คะแนน)"
    in the calculation method. Nothing unless the calculation follows it."""
    scores: dict[int, tuple[Decimal, Decimal]] = {}
    for match in MILESTONE_CALC_RE.finditer(calculation or ""):
        levels = [int(to_arabic_digits(n)) for n in re.findall(rf"{_N}+", match.group("levels"))]
        level = max(levels)
        try:
            percent = parse_number(match.group("percent"))
            points = parse_number(match.group("points"))
        except NumberParseError:
            continue
        if 1 <= level <= 10 and percent is not None and points is not None and 0 <= percent <= 100:
            scores[level] = (percent, points)
    if not scores:
        return []
    descriptions: dict[int, str] = {}
    pieces = MILESTONE_DEF_RE.split(definition or "")
    # split() gives [before, n1, text1, n2, text2, ...]
    for i in range(1, len(pieces) - 1, 2):
        level = int(to_arabic_digits(pieces[i]))
        descriptions.setdefault(level, pieces[i + 1].strip())
    return [
        ParsedMilestone(level, descriptions.get(level, ""), percent, points)
        for level, (percent, points) in sorted(scores.items())
    ]


def _code_from_address(address: str, pattern: re.Pattern) -> str:
    match = re.search(r"pid=([^&\s]+)", address)
    if match:
        code = pattern.search(match.group(1))
        if code:
            return to_arabic_digits(code.group(0))
    return ""


def _name_and_code(line: str, pattern: re.Pattern) -> tuple[str, str] | None:
    """ "5. name : 0409-0950" -> ("5. name", "0409-0950")."""
    match = re.match(r"^(?P<name>.*\S)\s*:\s*(?P<code>\S+)\s*$", line, re.S)
    if not match:
        return None
    code = match.group("code")
    if not pattern.fullmatch(code):
        return None
    return match.group("name"), to_arabic_digits(code)


def _sections(lines: list[str], start: int) -> tuple[dict[str, list[str]], dict[int, list[str]]]:
    """The named sections and the quarter narratives from `start` on."""
    sections: dict[str, list[str]] = {}
    narratives: dict[int, list[str]] = {}
    current: list[str] | None = None
    for line in lines[start:]:
        narrative = NARRATIVE_RE.match(line)
        if narrative:
            current = narratives.setdefault(int(to_arabic_digits(narrative.group(1))), [])
            continue
        heading = HEADINGS.get(line)
        if heading is None:
            numbered = NUMBERED_HEADING_RE.match(line)
            if numbered and numbered.group(1).strip() in HEADINGS:
                heading = HEADINGS[numbered.group(1).strip()]
        if heading:
            current = sections.setdefault(heading, [])
            continue
        if current is not None:
            current.append(line)
    return sections, narratives


# --- page types ------------------------------------------------------------------------------


def detect_type(address: str, lines: list[str]) -> str:
    head = "\n".join(lines[:12])
    if "mykpi2563" in address or "ลักษณะข้อมูล" in head or "ฐานข้อมูลตัวชี้วัดการพัฒนาเมือง (" in head:
        return "city_indicator"
    if "myproject" in address or "ความคืบหน้าโครงการ" in head:
        return "project"
    if (
        re.search(r"index1?01?\.php|index11\.php|index101", address)
        or "ผลการปฏิบัติราชการประจำปีของหน่วยงาน" in head
    ):
        return "agency"
    if (
        "mykpi" in address
        or "รายละเอียดตัวชี้วัด" in head
        or any(line.startswith(("ค่าเป้าหมาย", "ผลงานที่ทำได้")) for line in lines[:15])
    ):
        return "kpi"
    return "unknown"


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("มกราคม", "ม.ค."),
            ("กุมภาพันธ์", "ก.พ."),
            ("มีนาคม", "มี.ค."),
            ("เมษายน", "เม.ย."),
            ("พฤษภาคม", "พ.ค."),
            ("มิถุนายน", "มิ.ย."),
            ("กรกฎาคม", "กรกฏาคม", "ก.ค."),
            ("สิงหาคม", "ส.ค."),
            ("กันยายน", "ก.ย."),
            ("ตุลาคม", "ต.ค."),
            ("พฤศจิกายน", "พ.ย."),
            ("ธันวาคม", "ธ.ค."),
        ],
        start=1,
    )
    for name in names
}
_THAI_DATE_RE = re.compile(
    rf"(?P<day>[{DIGIT}]{{1,2}})\s*(?P<month>{'|'.join(re.escape(m) for m in sorted(_MONTHS, key=len, reverse=True))})"
    rf"\s*(?:พ\.ศ\.\s*)?(?P<year>25[{DIGIT}]{{2}}|๒๕[{DIGIT}]{{2}})"
)
_BUDGET_YEAR_RE = re.compile(
    rf"ประจำปี(?:งบประมาณ)?\s*(?:พ\.ศ\.\s*)?(?P<year>25[{DIGIT}]{{2}}|๒๕[{DIGIT}]{{2}})"
)


def infer_fiscal_year(text: str) -> tuple[int | None, str]:
    """The fiscal year that the dates cited in a KPI's narratives point to.

    Each full Thai date ("16 กรกฏาคม 2564", "ลงวันที่ 1 ต.ค. 2563") counts for the fiscal year
    it falls in (October starts the next one), and "ประจำปี 2563" for that year; the most
    cited year wins (the later one on a tie). Returns (year, the evidence in words) or (None, "").
    """
    votes: dict[int, int] = {}
    evidence: dict[int, str] = {}
    for match in _THAI_DATE_RE.finditer(text):
        year_be = int(to_arabic_digits(match.group("year")))
        month = _MONTHS[match.group("month")]
        fiscal = year_be + 1 if month >= 10 else year_be
        votes[fiscal] = votes.get(fiscal, 0) + 1
        evidence.setdefault(fiscal, match.group(0))
    for match in _BUDGET_YEAR_RE.finditer(text):
        fiscal = int(to_arabic_digits(match.group("year")))
        votes[fiscal] = votes.get(fiscal, 0) + 1
        evidence.setdefault(fiscal, match.group(0))
    if not votes:
        return None, ""
    year = max(votes, key=lambda y: (votes[y], y))
    return year, evidence[year]


def parse_kpi(address: str, lines: list[str], raw: str) -> ParsedKpi:
    page = ParsedKpi(page_type="kpi", address=address, raw_text=raw)
    index_after_header = 0
    for i, line in enumerate(lines[:20]):
        found = _name_and_code(line, KPI_CODE_RE)
        if found:
            name_text, page.code = found
            page.name = split_name(name_text)
            index_after_header = i + 1
            break
    if not page.code:
        page.page_type = "kpi_compact"
        page.code = _code_from_address(address, KPI_CODE_RE)
        if page.code:
            page.warn(
                "ไม่มีบรรทัดชื่อตัวชี้วัด ใช้รหัสจากที่อยู่หน้าเว็บ",
                "no name line; the code is taken from the page address",
            )

    i = index_after_header
    table_start = narrative_start = None
    after_headline = None
    type_seen = False
    while i < len(lines):
        line = lines[i]
        value = VALUE_LINE_RE.match(line)
        if value:
            unit = value.group("unit").strip()
            if value.group("label") == "ค่าเป้าหมาย":
                page.unit_name = unit
                page.target, tail, problem = number_and_tail(value.group("rest"))
                page.target_text = value.group("rest").strip() if tail else ""
                if problem:
                    page.warn(f"ค่าเป้าหมายไม่ใช่ตัวเลข: {problem}", f"the target is not a number: {problem}")
            else:
                page.achieved_unit_name = unit
                page.achieved = _number(page, value.group("rest"), "ผลงานที่ทำได้", "the achieved value")
        elif line.startswith("ประเภทตัวชี้วัด"):
            page.kpi_type_text = line.split(":", 1)[-1].strip()
            page.kpi_type = _kpi_type(page.kpi_type_text)
            type_seen = True
        elif line.startswith("(ตัวชี้วัดระดับ") or line.startswith("ตัวชี้วัดระดับ"):
            page.result_level = "outcome" if "outcome" in line or "ผลลัพธ์" in line else "output"
        elif (
            type_seen
            and re.fullmatch(rf"[{DIGIT}]+", line)
            and after_headline is None
            and not page.legacy_counter
        ):
            page.legacy_counter = line
        elif line.startswith("รายละเอียดตัวชี้วัดฯ"):
            pass
        elif match := HEADLINE_RE.match(line):
            page.headline_quarter = int(to_arabic_digits(match.group("q")))
            if match.group("score"):
                page.headline_score = _number(
                    page, match.group("score"), "คะแนนประเมินล่าสุด", "the headline score"
                )
            after_headline = i + 1
        elif line.startswith("***") and "ตรวจประเมิน" in line:
            page.warn(f"อ่านบรรทัดผลประเมินไม่ได้: '{line[:80]}'", f"unreadable assessment line: '{line[:80]}'")
            after_headline = i + 1
        elif line == "ผลงานเทียบกับเป้าหมายรายไตรมาส":
            table_start = i + 1
            break
        elif NARRATIVE_RE.match(line) or line in HEADINGS:
            narrative_start = i
            break
        elif after_headline is not None:
            # The compact layout: narratives as unlabelled lines after the headline.
            narrative_start = i
            break
        i += 1

    if page.headline_quarter is not None and not 1 <= page.headline_quarter <= 4:
        page.warn(f"ไตรมาสที่ {page.headline_quarter} ไม่มีอยู่", f"quarter {page.headline_quarter} does not exist")
        page.headline_quarter = None

    if table_start is not None:
        narrative_start = _parse_table(page, lines, table_start)

    if narrative_start is not None:
        sections, narratives = _sections(lines, narrative_start)
        if not narratives and page.page_type == "kpi_compact":
            # Unlabelled narrative lines come in quarter order.
            unlabelled = []
            for line in lines[narrative_start:]:
                if line in HEADINGS or NARRATIVE_RE.match(line):
                    break
                unlabelled.append(line)
            for q, text in enumerate(unlabelled[:4], start=1):
                narratives[q] = [text]
            if unlabelled:
                page.warn(
                    "รายงานผลไม่มีหัวข้อไตรมาส ถือตามลำดับตั้งแต่ไตรมาสที่ 1",
                    "narratives have no quarter headings; taken in order from quarter 1",
                )
        for q, parts in narratives.items():
            if 1 <= q <= 4:
                page.quarters.setdefault(q, ParsedQuarter(q)).narrative = "\n".join(parts).strip()
        page.annual_summary = "\n".join(sections.get("annual_summary", []))
        page.definition = "\n".join(sections.get("definition", []))
        page.calculation_method = "\n".join(sections.get("calculation_method", []))
        page.data_collection = "\n".join(sections.get("data_collection", []))
        page.strategy = _strategy_lines(page, sections.get("strategy", []))
        page.milestones = parse_milestones(page.definition, page.calculation_method)
    if not page.has_table and page.page_type == "kpi":
        page.warn("ไม่มีตารางผลงานรายไตรมาส", "no quarterly table")
    page.inferred_fiscal_year, page.inferred_from = infer_fiscal_year(
        " ".join(q.narrative for q in page.quarters.values()) + " " + page.annual_summary
    )
    if page.headline_quarter is not None and page.headline_score is None:
        page.warn(
            f"ผลประเมินไตรมาสที่ {page.headline_quarter} ไม่มีคะแนน",
            f"the headline for quarter {page.headline_quarter} has no score",
        )
    return page


def _strategy_lines(page: ParsedPage, lines: list[str]) -> list[ParsedStrategyLine]:
    found = []
    for line in lines:
        if not line.startswith(":"):
            continue
        parsed = split_strategy_line(line)
        if parsed is None:
            page.warn(f"อ่านบรรทัดยุทธศาสตร์ไม่ได้: '{line[:80]}'", f"unreadable strategy line: '{line[:80]}'")
        else:
            found.append(parsed)
    return found


def _table_end(line: str) -> bool:
    return bool(NARRATIVE_RE.match(line)) or line in HEADINGS


def _is_components(line: str) -> bool:
    """The "2.1 / 2.2" part of an assessment cell: "95 / 100", "0 / 0"."""
    return "/" in line and not _table_end(line)


def _is_quarter_marker(line: str) -> bool:
    return bool(re.fullmatch(rf"[{DIGIT}]", line))


def _row_cells(lines: list[str], i: int, quarter: int) -> tuple[list[str], str | None, int]:
    """The cells of one table row after its quarter number: ([result, score], components, next i).

    An empty cell leaves no line in a text extraction (nor in the HTML's text), so a row is
    read by what its lines are, not by counting four lines: the result comes first, then
    the score unless the assessment cell is empty, then the "2.1 / 2.2" components (the
    only cell with a "/"). A line that is the next quarter's number ends a row early,
    unless a components line follows it (then it is this row's score: "3" then "3 / 3").
    """
    cells: list[str] = []
    while i < len(lines) and len(cells) < 2:
        line = lines[i]
        if _table_end(line) or _is_components(line):
            break
        if (
            cells
            and _is_quarter_marker(line)
            and int(to_arabic_digits(line)) == quarter + 1
            and not (i + 1 < len(lines) and _is_components(lines[i + 1]))
        ):
            break
        cells.append(line)
        i += 1
    components = None
    if i < len(lines) and _is_components(lines[i]):
        components = lines[i]
        i += 1
    return cells, components, i


def _parse_table(page: ParsedKpi, lines: list[str], start: int) -> int:
    """Read the quarterly table; returns the index where the narratives begin.

    Every row is kept, also one whose assessment cell is empty (reported, not assessed
    yet): its result and the rows after it are read all the same. Each row's cells are
    kept as the page wrote them in `ParsedQuarter.cells` ("" for an empty cell), and the
    header lines in `ParsedKpi.table_header`, for the provenance.
    """
    i = start
    # Header: "ไตรมาสที่", "(1 - 4)", "*ผลงาน*", "(ระดับ)", "*ผลประเมินตัวชี้วัด*", "(* 2.1 / 2.2 *)"
    while i < len(lines) and not _is_quarter_marker(lines[i]):
        line = lines[i]
        if _table_end(line):
            return i
        page.table_header.append(line)
        named = re.fullmatch(r"\(\*?\s*(.+?)\s*\*?\)", line)
        if named and "/" in named.group(1):
            page.component_names = [part.strip() for part in named.group(1).split("/")]
        elif re.fullmatch(r"\((.+)\)", line) and not re.fullmatch(rf"\([{DIGIT}\s\-–]+\)", line):
            page.table_unit = line[1:-1].strip()
        i += 1
    page.has_table = True
    names = page.component_names or ["2.1", "2.2"]
    while i < len(lines):
        line = lines[i]
        if not _is_quarter_marker(line):
            break
        quarter = int(to_arabic_digits(line))
        cells, components, i = _row_cells(lines, i + 1, quarter)
        if not cells and components is None:
            page.warn(f"แถวไตรมาสที่ {quarter} ไม่ครบ", f"the row of quarter {quarter} is incomplete")
            break
        result_text = cells[0] if cells else ""
        score_text = cells[1] if len(cells) > 1 else ""
        written = {
            "quarter": line,
            "result": result_text,
            "score": score_text,
            "components": components or "",
        }
        page.table_rows.append(written)
        if not 1 <= quarter <= 4:
            page.warn(f"ไตรมาสที่ {quarter} ไม่มีอยู่", f"quarter {quarter} does not exist")
            continue
        if page.quarters.get(quarter, ParsedQuarter(quarter)).cells:
            page.warn(f"ไตรมาสที่ {quarter} ซ้ำในตาราง", f"quarter {quarter} appears twice in the table")
        row = page.quarters.setdefault(quarter, ParsedQuarter(quarter))
        row.cells = dict(written)
        row.result = _number(page, result_text, f"ผลงานไตรมาสที่ {quarter}", f"the result of quarter {quarter}")
        row.score = _number(page, score_text, f"ผลประเมินไตรมาสที่ {quarter}", f"the score of quarter {quarter}")
        if row.score is not None and not 0 <= row.score <= 100:
            page.warn(
                f"ผลประเมินไตรมาสที่ {quarter} อยู่นอกช่วง 0-100",
                f"the score of quarter {quarter} is outside 0-100",
            )
            row.score = None
        if components is None:
            # An empty assessment cell: reported, not assessed yet; kept without a warning,
            # unless the page ends right there (then it may be cut inside the row).
            if i >= len(lines):
                page.warn(f"แถวไตรมาสที่ {quarter} อาจไม่ครบ", f"the row of quarter {quarter} may be incomplete")
            elif score_text:
                page.warn(
                    f"ไตรมาสที่ {quarter} มีผลประเมินแต่ไม่มีคะแนนย่อย",
                    f"quarter {quarter} has a score but no components",
                )
            continue
        parts = [p.strip() for p in components.split("/")]
        if len(parts) == len(names):
            for name, part in zip(names, parts):
                value = _number(
                    page, part, f"คะแนนย่อย {name} ไตรมาสที่ {quarter}", f"component {name} of quarter {quarter}"
                )
                if value is not None:
                    row.components[name] = str(value)
            if not score_text and any(Decimal(v) != 0 for v in row.components.values()):
                page.warn(
                    f"ไตรมาสที่ {quarter} มีคะแนนย่อยแต่ไม่มีผลประเมิน",
                    f"quarter {quarter} has components but no score",
                )
        else:
            page.warn(
                f"คะแนนย่อยไตรมาสที่ {quarter} อ่านไม่ได้", f"the components of quarter {quarter} are unreadable"
            )
    return i


def parse_city_indicator(address: str, lines: list[str], raw: str) -> ParsedCityIndicator:
    page = ParsedCityIndicator(page_type="city_indicator", address=address, raw_text=raw)
    start = 0
    for i, line in enumerate(lines[:20]):
        found = _name_and_code(line, re.compile(rf"[{DIGIT}]{{1,9}}"))
        if found:
            name_text, pid = found
            page.pid = int(pid)
            page.name = split_name(name_text)
            start = i + 1
            page.catalogue = next(
                (c for c in lines[:i] if c not in {"Back Home", "Home"} and not c.startswith("Back")), ""
            )
            break
    if page.pid is None:
        pid = _code_from_address(address, re.compile(rf"[{DIGIT}]{{1,9}}"))
        if pid:
            page.pid = int(pid)
            page.warn("ไม่มีบรรทัดชื่อ ใช้รหัสจากที่อยู่หน้าเว็บ", "no name line; the id is taken from the address")
    for line in lines[start:]:
        value = VALUE_LINE_RE.match(line)
        if value and value.group("label") == "ค่าเป้าหมาย":
            page.unit_name = value.group("unit").strip()
            page.target_value, _tail, problem = number_and_tail(value.group("rest"))
            page.target_text = value.group("rest").strip()
            if problem:
                page.warn(f"ค่าเป้าหมายไม่ใช่ตัวเลข: {problem}", f"the target is not a number: {problem}")
        elif line.startswith("ลักษณะข้อมูล"):
            page.data_kind = line.split(":", 1)[-1].strip()
    sections, _ = _sections(lines, start)
    page.definition = "\n".join(sections.get("definition", []))
    page.calculation_method = "\n".join(sections.get("calculation_method", []))
    page.strategy = _strategy_lines(page, sections.get("strategy", []))
    return page


def parse_project(address: str, lines: list[str], raw: str) -> ParsedProject:
    page = ParsedProject(page_type="project", address=address, raw_text=raw)
    start = 0
    for i, line in enumerate(lines[:20]):
        found = _name_and_code(line, PROJECT_CODE_RE)
        if found:
            page.name, page.code = found
            page.name = " ".join(page.name.split())
            start = i + 1
            break
    if not page.code:
        page.code = _code_from_address(address, PROJECT_CODE_RE)
        if page.code:
            page.warn("ไม่มีบรรทัดชื่อโครงการ", "no project name line")
    i = start
    officers_next = False
    while i < len(lines):
        line = lines[i]
        year = re.fullmatch(rf"(?P<agency>.*?)\s*:\s*\((?P<year>[{DIGIT}]{{4}})\)", line)
        headline = PROJECT_HEADLINE_RE.match(line)
        if year and not page.fiscal_year:
            page.agency_name = year.group("agency").strip()
            page.fiscal_year = int(to_arabic_digits(year.group("year")))
        elif line.startswith("ความคืบหน้าโครงการ"):
            rest = line.replace("ความคืบหน้าโครงการ", "").replace("ร้อยละ", "").strip()
            page.progress = _number(page, rest, "ความคืบหน้า", "the progress")
            officers_next = True
            i += 1
            continue
        elif officers_next and not line.startswith(("ดูโครงการ", "***")):
            page.officers = [name.strip() for name in OFFICER_SPLIT_RE.split(line) if name.strip()]
        elif headline:
            q = int(to_arabic_digits(headline.group("q")))
            score = (
                _number(page, headline.group("score"), "คะแนนโครงการ", "the project score")
                if headline.group("score")
                else None
            )
            if score is not None and 1 <= q <= 4 and 0 <= score <= 100:
                page.scores[q] = score
            elif headline.group("score"):
                page.warn("คะแนนโครงการอยู่นอกช่วง", "the project score is out of range")
        elif line in HEADINGS:
            break
        officers_next = False
        i += 1
    sections, _ = _sections(lines, i)
    page.rationale = "\n".join(sections.get("rationale", []))
    page.objectives = "\n".join(sections.get("objectives", []))
    if page.progress is not None and not 0 <= page.progress <= 100:
        page.warn("ความคืบหน้าอยู่นอกช่วง 0-100", "the progress is outside 0-100")
        page.progress = None
    return page


def parse_agency_page(address: str, lines: list[str], raw: str) -> ParsedAgencyPage:
    page = ParsedAgencyPage(page_type="agency", address=address, raw_text=raw)
    match = re.search(rf"selDEP=([{DIGIT}]{{8}})", address)
    if match:
        page.long_code = to_arabic_digits(match.group(1))
    for line in lines[:5]:
        found = re.search(rf":\s*([{DIGIT}]{{8}})\s*$", line)
        if found and "ผลการปฏิบัติราชการ" in line:
            page.long_code = to_arabic_digits(found.group(1))
        year = re.search(rf"(?:ปีงบประมาณ|ประจำปี)\s*(?:พ\.ศ\.)?\s*([{DIGIT}]{{4}})", line)
        if year:
            page.fiscal_year = int(to_arabic_digits(year.group(1)))
    dimension: int | None = None
    current: ParsedAgencyKpi | None = None
    for line in lines:
        dim = re.fullmatch(rf"มิติที่\s*([{DIGIT}]+)\s+(.+)", line)
        kpi = re.match(rf"^\(([{DIGIT}]+)\)\s*(.+)$", line)
        tag = re.fullmatch(rf"\[มิติที่\s*([{DIGIT}]+)\s*:\s*(.+)\]", line)
        if dim and not re.match(rf"มิติที่\s*[{DIGIT}]+\.", line):
            dimension = int(to_arabic_digits(dim.group(1)))
            page.dimensions[dimension] = dim.group(2).strip()
        elif kpi:
            # "(1) title - detail - detail": the title is before the first " - "
            parts = [p.strip() for p in re.split(r"\s+-\s+", kpi.group(2))]
            current = ParsedAgencyKpi(f"({kpi.group(1)})", parts[0], dimension, False, parts[1:])
            page.kpis.append(current)
        elif tag and current is not None:
            current.negotiated = "เจรจา" in tag.group(2)
        elif current is not None and line.startswith("มิติที่") and not current.strategy_text:
            current.strategy_text = line
    return page


def parse_page(text: str) -> ParsedPage:
    """Any legacy page, text or HTML, into its dataclass. Never raises on odd input."""
    address, lines = page_text(text)
    raw = text
    kind = detect_type(address, lines)
    if kind == "kpi":
        return parse_kpi(address, lines, raw)
    if kind == "city_indicator":
        return parse_city_indicator(address, lines, raw)
    if kind == "project":
        return parse_project(address, lines, raw)
    if kind == "agency":
        return parse_agency_page(address, lines, raw)
    page = ParsedPage(page_type="unknown", address=address, raw_text=raw)
    page.warn("ไม่รู้จักรูปแบบหน้านี้", "unrecognised page layout")
    return page
