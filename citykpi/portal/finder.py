"""The home page's KPI finder: reading the query string into filters, forgivingly.

Citizens and old bookmarks send anything (year=abc, page=-1, an agency code that does
not exist, Thai digits). Nothing here raises: a parameter that cannot be used is
dropped and explained in `notices`, so the page still answers 200.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from citykpi.agencies.models import Agency
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator
from citykpi.lib.i18n import tr
from citykpi.lib.thai import to_arabic_digits
from citykpi.publicdata.search import engine as word_search
from citykpi.quality import scoring
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.years import working_year
from citykpi.strategy.models import StrategyNode

KPI_CODE_RE = re.compile(r"^\d{4}-\d{3,6}$")


class Status:
    """The public status of a KPI: where it stands in reporting (from its published
    quarters, counted in the database) or how it performs against its plan (scored by
    citykpi.quality.scoring, the statuses the dashboards link to)."""

    ASSESSED = "assessed"
    AWAITING = "awaiting"
    NOT_REPORTED = "not_reported"

    LABELS = {
        ASSESSED: ("ประเมินแล้ว", "Assessed"),
        AWAITING: ("รายงานแล้ว รอประเมิน", "Reported, awaiting assessment"),
        NOT_REPORTED: ("ยังไม่รายงานผล", "Not yet reported"),
    }
    PERFORMANCE_LABELS = scoring.STATUS_LABELS
    ALL = [*LABELS, *scoring.STATUSES]


@dataclass
class Filters:
    year: FiscalYear | None = None
    all_years: bool = False
    agency: Agency | None = None
    node: StrategyNode | None = None
    dimension: EvaluationDimension | None = None
    kpi_type: str = ""
    level: str = ""
    status: str = ""
    q: str = ""
    # The words of `q` ready for the search index (citykpi.publicdata.search); None when
    # `q` is empty, a KPI or agency code, or holds no word.
    search: word_search.Prepared | None = None
    notices: list[str] = field(default_factory=list)

    def as_params(self) -> dict[str, Any]:
        return {
            "year": "all" if self.all_years else (self.year.year if self.year else ""),
            "agency": self.agency.code if self.agency else "",
            "node": self.node.pk if self.node else "",
            "dimension": self.dimension.number if self.dimension else "",
            "type": self.kpi_type,
            "level": self.level,
            "status": self.status,
            "q": self.q,
        }


def clean_digits(value: str | None) -> str:
    return to_arabic_digits((value or "").strip())


def latest_year() -> FiscalYear | None:
    """The default year of the public pages: the published year people are working in
    (citykpi.reporting.years.working_year), never an empty next year published early."""
    published = list(FiscalYear.objects.published().values_list("year", flat=True))
    year = working_year(published)
    return FiscalYear.objects.filter(year=year).first() if year is not None else None


def parse_year(raw: str | None, notices: list[str]) -> tuple[FiscalYear | None, bool]:
    """(the year asked for or the default, whether all years were asked for)."""
    value = clean_digits(raw)
    if value.lower() == "all":
        return None, True
    if value:
        if value.isdecimal():  # isdigit() accepts "²", which int() refuses
            found = FiscalYear.objects.published().filter(year=int(value)).first()
            if found:
                return found, False
        notices.append(
            tr(
                f"ไม่พบปีงบประมาณ “{raw}” จึงแสดงปีล่าสุด",
                f"Fiscal year “{raw}” was not found; showing the latest year",
            )
        )
    return latest_year(), False


def find_agency(raw: str | None) -> Agency | None:
    """An agency by its 4- or 8-digit code (Thai digits accepted)."""
    code = clean_digits(raw)
    if re.fullmatch(r"\d{4}", code):
        return Agency.objects.filter(code=code).first()
    if re.fullmatch(r"\d{8}", code):
        return Agency.objects.filter(long_code=code).first()
    return None


def parse(params: QueryDict | Mapping[str, str]) -> Filters:
    notices: list[str] = []
    filters = Filters(notices=notices)
    filters.q = (params.get("q") or "").strip()[:200]
    year_given = bool((params.get("year") or "").strip())
    filters.year, filters.all_years = parse_year(params.get("year"), notices)
    # A KPI code typed without a year is looked for in every year: codes are unique.
    if not year_given and KPI_CODE_RE.match(clean_digits(filters.q)):
        filters.year, filters.all_years = None, True
    if filters.q and not is_code_query(filters.q):
        one_year = filters.year.year if filters.year is not None and not filters.all_years else None
        filters.search = word_search.prepare(filters.q, one_year)

    raw_agency = (params.get("agency") or "").strip()
    if raw_agency:
        filters.agency = find_agency(raw_agency)
        if filters.agency is None:
            notices.append(
                tr(
                    f"ไม่พบหน่วยงานรหัส “{raw_agency}” จึงไม่กรองตามหน่วยงาน",
                    f"No agency has the code “{raw_agency}”; the agency filter was ignored",
                )
            )

    raw_node = clean_digits(params.get("node"))
    if raw_node:
        if raw_node.isdecimal() and len(raw_node) < 18:
            filters.node = StrategyNode.objects.select_related("plan").filter(pk=int(raw_node)).first()
        if filters.node is None:
            notices.append(
                tr(
                    "ไม่พบประเด็นยุทธศาสตร์ที่เลือก จึงไม่กรองตามยุทธศาสตร์",
                    "The chosen strategy item was not found; the strategy filter was ignored",
                )
            )

    raw_dimension = clean_digits(params.get("dimension"))
    if raw_dimension:
        if raw_dimension.isdecimal() and len(raw_dimension) < 6:
            filters.dimension = EvaluationDimension.objects.filter(number=int(raw_dimension)).first()
        if filters.dimension is None:
            notices.append(
                tr(
                    "ไม่พบมิติการประเมินที่เลือก จึงไม่กรองตามมิติ",
                    "The chosen evaluation dimension was not found; the dimension filter was ignored",
                )
            )

    for attr, key, choices, label in (
        ("kpi_type", "type", Indicator.Type.values, ("ประเภทตัวชี้วัด", "KPI type")),
        ("level", "level", Indicator.Level.values, ("ระดับตัวชี้วัด", "KPI level")),
        ("status", "status", Status.ALL, ("สถานะ", "status")),
    ):
        value = (params.get(key) or "").strip()
        if value and value not in choices:
            notices.append(
                tr(
                    f"{label[0]} “{value}” ไม่ถูกต้อง จึงไม่นำมากรอง",
                    f"Unknown {label[1]} “{value}”; it was ignored",
                )
            )
            value = ""
        setattr(filters, attr, value)
    if filters.status in scoring.STATUSES and filters.year is None:
        notices.append(
            tr(
                "สถานะผลการดำเนินงานคำนวณได้ทีละปีงบประมาณ จึงไม่นำมากรอง",
                "Performance status is scored one fiscal year at a time; it was ignored",
            )
        )
        filters.status = ""
    return filters


def node_condition(node: StrategyNode, prefix: str = "") -> Q:
    """A strategy node and everything below it (its number path and the paths under it)."""
    return Q(**{f"{prefix}plan_id": node.plan_id}) & (
        Q(**{f"{prefix}path": node.path}) | Q(**{f"{prefix}path__startswith": node.path + "."})
    )


def apply(queryset: QuerySet, filters: Filters, *, skip: str = "") -> QuerySet:
    """Narrow published KPIs by the filters (`skip` leaves one out, for facet counts)."""
    if filters.year is not None and not filters.all_years:
        queryset = queryset.filter(fiscal_year=filters.year)
    if filters.agency is not None:
        queryset = queryset.filter(agency=filters.agency)
    if filters.node is not None:
        links = Indicator.strategy_nodes.through.objects.filter(
            node_condition(filters.node, "strategynode__")
        )
        # A subquery, not a join: a KPI linked to two nodes under the filter appears once.
        queryset = queryset.filter(pk__in=links.values("indicator_id"))
    if filters.dimension is not None:
        queryset = queryset.filter(dimension=filters.dimension)
    if filters.kpi_type and skip != "type":
        queryset = queryset.filter(kpi_type=filters.kpi_type)
    if filters.level and skip != "level":
        queryset = queryset.filter(result_level=filters.level)
    if filters.status in scoring.STATUSES and skip != "status":
        # Scored by each KPI's own method over the year's published quarters, stored on
        # every write (citykpi.quality.standing): a filter on one column.
        matches = Q(standing__public_status=filters.status)
        if filters.status == scoring.NO_DATA:
            matches |= Q(standing__isnull=True)
        queryset = queryset.filter(matches)
    elif filters.status and skip != "status":
        queryset = with_status_flags(queryset)
        if filters.status == Status.ASSESSED:
            queryset = queryset.filter(has_assessed=True)
        elif filters.status == Status.AWAITING:
            queryset = queryset.filter(has_assessed=False, has_published=True)
        else:
            queryset = queryset.filter(has_published=False)
    if filters.q:
        if is_code_query(filters.q):
            queryset = queryset.filter(code__startswith=clean_digits(filters.q))
        elif filters.search is not None:
            # Words of the name (Thai or English), of the agency or district, of the
            # published narratives: the database's full-text index over the segmented words.
            matches = Q(pk__in=word_search.matching_ids(filters.search))
            numbers = clean_digits(filters.q).split()[:8]
            if all(re.fullmatch(r"[\d-]+", n) for n in numbers):
                # Digits only ("0950", "409-09"): a piece of a KPI code too, as before.
                code = Q()
                for number in numbers:
                    code &= Q(code__contains=number)
                matches |= code
            queryset = queryset.filter(matches)
        else:
            queryset = queryset.none()  # nothing but punctuation: no word to look for
    return queryset


def is_code_query(q: str) -> bool:
    """A KPI code (0409-0950), or an agency code and its dash (0409, 0409-)."""
    words = clean_digits(q)
    return bool(KPI_CODE_RE.match(words) or re.fullmatch(r"\d{4}-?", words))


def ordered(queryset: QuerySet, filters: Filters) -> QuerySet:
    """The finder's order: the best match first when words were searched, then by code."""
    if filters.search is not None and not is_code_query(filters.q):
        return queryset.annotate(search_rank=word_search.rank(filters.search)).order_by(
            "-search_rank", "code"
        )
    return queryset.order_by("code")


def with_status_flags(queryset: QuerySet) -> QuerySet:
    published = QuarterReport.objects.published().filter(indicator=OuterRef("pk"))
    return queryset.annotate(
        has_published=Exists(published),
        has_assessed=Exists(
            QuarterReport.objects.filter(
                indicator=OuterRef("pk"),
                status=QuarterReport.Status.ASSESSED,
                assessment__isnull=False,
            )
        ),
    )
