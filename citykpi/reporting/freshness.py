"""Who never updates: freshness per agency and per responsible person in a fiscal year
(docs/workflow.md, "Freshness and reminders").

For each agency: its KPIs, the last time any of its quarters was updated, the quarters
submitted after their deadline (late), the quarters whose deadline has passed without a
submission (missing), and the KPIs never touched (no quarter saved at all: a quarter row
that exists only because a reminder or a page opened it does not count).

For each responsible person (the agency's reporters and heads, their role covering
sub-agencies): the same figures summed over the agencies they answer for, and their own
last update.

Three queries whatever the size of the city (3,000 KPIs, 80 agencies): KPIs per agency
(with how many were ever touched), quarters per agency and last editor with conditional
counts against the year's deadlines, and the agency tree joined to the agency roles. No
loop over KPIs in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from citykpi.accounts.models import Role
from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib import fiscal
from citykpi.reporting.models import QuarterReport

Status = QuarterReport.Status
# A quarter counts as sent once it reached the evaluator (returned ones included: they were sent).
SUBMITTED = (Status.SUBMITTED, Status.RETURNED, Status.ASSESSED, Status.REOPENED)
MEMBER_FIELDS = (
    "memberships__role",
    "memberships__user_id",
    "memberships__user__username",
    "memberships__user__first_name",
    "memberships__user__last_name",
    "memberships__user__email",
    "memberships__user__is_active",
)


def deadline_end(day: dt.date) -> dt.datetime:
    """The first moment after a deadline day, in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@dataclass
class Freshness:
    """The figures of one agency, or of one person summed over their agencies."""

    kpis: int = 0
    never_touched: int = 0
    late: int = 0  # quarters submitted after the deadline
    missing: int = 0  # quarters past the deadline and not submitted
    last_update: dt.datetime | None = None

    @property
    def late_or_missing(self) -> int:
        return self.late + self.missing

    @property
    def never_updated(self) -> bool:
        return self.kpis > 0 and self.never_touched == self.kpis

    @property
    def last_update_day(self) -> dt.date | None:
        return timezone.localtime(self.last_update).date() if self.last_update else None

    def days_since(self, today: dt.date) -> int | None:
        if self.last_update is None:
            return None
        return (today - timezone.localtime(self.last_update).date()).days

    def add(self, other: Freshness) -> None:
        self.kpis += other.kpis
        self.never_touched += other.never_touched
        self.late += other.late
        self.missing += other.missing


@dataclass
class AgencyFreshness(Freshness):
    agency_id: int = 0
    code: str = ""
    name_th: str = ""
    name_en: str = ""


@dataclass
class PersonFreshness(Freshness):
    user_id: int = 0
    name: str = ""
    email: str = ""
    roles: list[str] = field(default_factory=list)
    agency_codes: list[str] = field(default_factory=list)


@dataclass
class Report:
    fiscal_year: FiscalYear
    today: dt.date
    due_quarters: list[int]
    agencies: list[AgencyFreshness]
    people: list[PersonFreshness]

    @property
    def total(self) -> Freshness:
        out = Freshness()
        for row in self.agencies:
            out.add(row)
        return out

    @property
    def stale_agencies(self) -> list[AgencyFreshness]:
        """The agencies with a quarter late or missing or a KPI never touched, worst first."""
        rows = [r for r in self.agencies if r.late_or_missing or r.never_touched]
        return sorted(rows, key=lambda r: (-r.missing, -r.never_touched, -r.late, r.code))

    @property
    def stale_people(self) -> list[PersonFreshness]:
        rows = [p for p in self.people if p.late_or_missing or p.never_touched]
        return sorted(rows, key=lambda p: (-p.missing, -p.never_touched, -p.late, p.name))


def due_quarters(fiscal_year: FiscalYear, today: dt.date) -> list[int]:
    """The quarters whose deadline is before `today`."""
    return [q for q in fiscal.QUARTERS if fiscal_year.deadline(q) < today]


def freshness(fiscal_year: FiscalYear, today: dt.date, *, agency_ids: set[int] | None = None) -> Report:
    """Freshness of the year's KPIs on `today`, per agency and per person (three queries:
    KPIs per agency, quarters per agency and last editor, the agencies with their roles)."""
    due = due_quarters(fiscal_year, today)
    kpis = Indicator.objects.filter(fiscal_year=fiscal_year)
    if agency_ids is not None:
        kpis = kpis.filter(agency_id__in=agency_ids)
    touched = QuarterReport.objects.exclude(status=Status.NOT_STARTED)
    per_agency = {
        agency_id: (n, ever)
        for agency_id, n, ever in kpis.order_by()
        .values_list("agency_id")
        .annotate(n=Count("id"), ever=Count("id", filter=Exists(touched.filter(indicator=OuterRef("pk")))))
        .values_list("agency_id", "n", "ever")
    }
    # Quarter 0 does not exist: the empty start of the OR when no deadline has passed yet.
    late = Q(quarter=0)
    submitted_due = Q(quarter=0)
    for q in due:
        end = deadline_end(fiscal_year.deadline(q))
        late |= Q(quarter=q, submitted_at__gte=end)
        submitted_due |= Q(quarter=q)
    submitted_due &= Q(submitted_at__isnull=False, status__in=SUBMITTED)
    late &= Q(status__in=SUBMITTED)
    # One row per agency and last editor: summed per agency, and each editor's latest.
    counts: dict[int, dict] = {}
    last_by_user: dict[int, dt.datetime | None] = {}
    for row in (
        touched.filter(indicator__in=kpis)
        .order_by()
        .values("indicator__agency_id", "updated_by_id")
        .annotate(
            last=Max("updated_at"),
            late=Count("id", filter=late),
            submitted_due=Count("id", filter=submitted_due),
        )
    ):
        got = counts.setdefault(row["indicator__agency_id"], {"late": 0, "submitted_due": 0, "last": None})
        got["late"] += row["late"]
        got["submitted_due"] += row["submitted_due"]
        got["last"] = _latest(got["last"], row["last"])
        if row["updated_by_id"] is not None:
            last_by_user[row["updated_by_id"]] = _latest(last_by_user.get(row["updated_by_id"]), row["last"])
    # The tree and the agency roles in one query: an agency row per membership (or one alone).
    tree: dict[int, dict] = {}
    roles: list[dict] = []
    for a in Agency.objects.order_by().values(
        "id", "parent_id", "code", "name_th", "name_en", *MEMBER_FIELDS
    ):
        tree.setdefault(a["id"], a)
        if a["memberships__role"] in (Role.REPORTER, Role.HEAD) and a["memberships__user__is_active"]:
            roles.append(a)
    rows: dict[int, AgencyFreshness] = {}
    for agency_id, (n, ever) in per_agency.items():
        got = counts.get(agency_id, {})
        info = tree[agency_id]
        rows[agency_id] = AgencyFreshness(
            agency_id=agency_id,
            code=info["code"],
            name_th=info["name_th"],
            name_en=info["name_en"],
            kpis=n,
            never_touched=n - ever,
            late=got.get("late", 0),
            missing=n * len(due) - got.get("submitted_due", 0),
            last_update=got.get("last"),
        )
    return Report(
        fiscal_year=fiscal_year,
        today=today,
        due_quarters=due,
        agencies=sorted(rows.values(), key=lambda r: r.code),
        people=_people(rows, tree, roles, last_by_user),
    )


def _latest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return b if a is None or (b is not None and b > a) else a


def _people(
    rows: dict[int, AgencyFreshness],
    tree: dict[int, dict],
    roles: list[dict],
    last_by_user: dict[int, dt.datetime | None],
) -> list[PersonFreshness]:
    """The reporters and heads (`roles`: rows of the tree query) of the agencies in `rows`,
    a role covering sub-agencies, with their own latest edit of the year's quarters."""
    below: dict[int | None, list[int]] = {}
    for agency_id, info in tree.items():
        below.setdefault(info["parent_id"], []).append(agency_id)

    def covered(agency_id: int) -> set[int]:
        found, frontier = {agency_id}, [agency_id]
        while frontier:
            frontier = [c for p in frontier for c in below.get(p, []) if c not in found]
            found.update(frontier)
        return found

    people: dict[int, PersonFreshness] = {}
    counted: dict[int, set[int]] = {}
    for m in sorted(roles, key=lambda r: (r["memberships__user_id"], r["memberships__role"])):
        user_id = m["memberships__user_id"]
        person = people.get(user_id)
        if person is None:
            full = f"{m['memberships__user__first_name']} {m['memberships__user__last_name']}".strip()
            person = people[user_id] = PersonFreshness(
                user_id=user_id,
                name=full or m["memberships__user__username"],
                email=m["memberships__user__email"],
            )
            counted[user_id] = set()
        if m["memberships__role"] not in person.roles:
            person.roles.append(m["memberships__role"])
        for agency_id in covered(m["id"]):
            if agency_id in rows and agency_id not in counted[user_id]:
                counted[user_id].add(agency_id)
                person.add(rows[agency_id])
                person.agency_codes.append(rows[agency_id].code)
    people = {pk: p for pk, p in people.items() if p.kpis}
    for user_id, person in people.items():
        person.last_update = last_by_user.get(user_id)
    for person in people.values():
        person.agency_codes.sort()
    return sorted(people.values(), key=lambda p: p.name)
