"""Reorganisations: rename, split, merge and move an agency, each one audited transaction
with an effective date (docs/setup.md, "Reorganisations").

- A **rename** keeps the agency (its code, KPIs and history); the old name is kept with
  the days it was used.
- A **move** gives the agency another parent from the effective date; the old link is
  kept with its days.
- A **split** ends an agency the day before the effective date and shares its KPIs of the
  fiscal years that start on or after that date among its successors (new or existing
  agencies), each KPI to the successor the mapping names, by default the first successor.
- A **merge** ends its predecessors (except the successor itself, when one absorbs the
  others) and moves their KPIs of those years to the successor.

KPIs of earlier years stay where they were: that is the history the pages of an old year
show. A moved KPI keeps its code (its address and history); its stored standing and
findings follow it. Sub-agencies of an ended agency move to its (first) successor.
Roles (Membership), setups and projects are not moved: the administrator grants the
successor's roles on the accounts page.

Who may: administrators and the central evaluator (สยป.).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from citykpi.accounts import access
from citykpi.agencies.history import first_year_on_or_after
from citykpi.agencies.models import Agency, AgencyChange, AgencyName, AgencyParentLink
from citykpi.audit.log import build, bulk_record, record
from citykpi.indicators.models import Indicator
from citykpi.lib.errors import ActionError, PermissionDenied
from citykpi.lib.thai import to_arabic_digits
from citykpi.lib.users import Actor, user_of
from citykpi.quality.models import FindingRecord, KpiStanding

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class NewAgency:
    """A successor to create: its 4-digit code and names (the long code follows the code)."""

    code: str
    name_th: str
    name_en: str = ""
    abbreviation: str = ""
    kind: str = Agency.Kind.DEPARTMENT
    parent: Agency | None = None


Successor = Agency | NewAgency


@dataclass
class Plan:
    """What a split or merge would do, for the confirm step: the KPIs that move (per
    predecessor and fiscal year, and to which successor), the KPIs that stay, the
    sub-agencies that move."""

    effective: dt.date
    first_year: int
    moving: list[Indicator] = field(default_factory=list)
    staying: int = 0
    targets: dict[str, str] = field(default_factory=dict)  # KPI code -> successor code
    children: list[Agency] = field(default_factory=list)

    @property
    def moving_by_year(self) -> list[tuple[int, int]]:
        return sorted(Counter(k.fiscal_year_id for k in self.moving).items())

    @property
    def moving_by_successor(self) -> list[tuple[str, int]]:
        return sorted(Counter(self.targets.values()).items())


# checks ------------------------------------------------------------------------------------
def check_may_reorganise(actor: Actor) -> None:
    """Administrators and the central evaluator; and the system (actor None: a command or
    the demo load, never a web request, whose user is at least the anonymous one)."""
    if actor is None:
        return
    if not (access.is_admin(actor) or access.is_evaluator(actor)):
        raise PermissionDenied(
            "เฉพาะผู้ดูแลระบบหรือ สยป. ปรับโครงสร้างหน่วยงานได้ / "
            "Only administrators and the central evaluator may reorganise agencies"
        )


def _check_effective(effective: object, agencies: Iterable[Agency]) -> dt.date:
    if not isinstance(effective, dt.date):
        raise ActionError("ต้องระบุวันที่มีผล", "The effective date is required", field="effective")
    for agency in agencies:
        if agency.valid_to is not None:
            raise ActionError(
                f"หน่วยงาน {agency.code} สิ้นสุดไปแล้วเมื่อ {agency.valid_to}",
                f"Agency {agency.code} already ended on {agency.valid_to}",
                field="effective",
            )
        if agency.valid_from is not None and effective <= agency.valid_from:
            raise ActionError(
                f"วันที่มีผลต้องหลังวันที่หน่วยงาน {agency.code} เริ่ม ({agency.valid_from})",
                f"The effective date must be after agency {agency.code} began ({agency.valid_from})",
                field="effective",
            )
        latest = (
            AgencyChange.objects.filter(successors=agency)
            .order_by("-effective")
            .values_list("effective", flat=True)
            .first()
        )
        if latest is not None and effective <= latest:
            raise ActionError(
                f"วันที่มีผลต้องหลังการปรับโครงสร้างครั้งก่อนของ {agency.code} ({latest})",
                f"The effective date must be after {agency.code}'s previous change ({latest})",
                field="effective",
            )
    return effective


def _new_agency(actor: Actor, spec: NewAgency, effective: dt.date, *, taken: set[str]) -> Agency:
    code = to_arabic_digits(spec.code or "").strip()
    if len(code) != 4 or not code.isdigit():
        raise ActionError("รหัสหน่วยงานต้องเป็นตัวเลข 4 หลัก", "The agency code must be 4 digits", field="code")
    if code in taken or Agency.objects.filter(code=code).exists():
        raise ActionError(f"มีรหัสหน่วยงาน {code} แล้ว", f"Agency code {code} is taken", field="code")
    if not (spec.name_th or "").strip():
        raise ActionError("ต้องระบุชื่อหน่วยงาน", "The agency's Thai name is required", field="name_th")
    if spec.kind not in Agency.Kind.values:
        raise ActionError("ประเภทหน่วยงานไม่ถูกต้อง", "Unknown agency kind", field="kind")
    taken.add(code)
    agency = Agency(
        code=code,
        long_code=Agency.long_code_for(code),
        name_th=spec.name_th.strip(),
        name_en=(spec.name_en or "").strip(),
        abbreviation=(spec.abbreviation or "").strip(),
        kind=spec.kind,
        parent=spec.parent,
        valid_from=effective,
    )
    agency.save()
    record(
        actor,
        "agency.create",
        agency,
        after={"code": code, "name_th": agency.name_th, "valid_from": effective},
    )
    return agency


def _end(actor: Actor, agency: Agency, effective: dt.date, change: AgencyChange) -> None:
    before = {"valid_to": agency.valid_to, "is_active": agency.is_active}
    agency.valid_to = effective - ONE_DAY
    agency.save(update_fields=["valid_to"])
    record(
        actor,
        "agency.end",
        agency,
        before=before,
        after={"valid_to": agency.valid_to, "change": change.pk},
        reason=change.reason,
    )


def _set_parent(agency: Agency, parent: Agency | None, effective: dt.date) -> None:
    """Close the current link the day before `effective` and open the new one (kept in step
    with Agency.parent)."""
    opened = (
        AgencyParentLink.objects.filter(agency=agency, valid_to__isnull=True).order_by("-valid_from").first()
    )
    if opened is not None:
        opened.valid_to = effective - ONE_DAY
        opened.save(update_fields=["valid_to"])
    else:
        AgencyParentLink.objects.create(
            agency=agency, parent=agency.parent, valid_from=agency.valid_from, valid_to=effective - ONE_DAY
        )
    AgencyParentLink.objects.create(agency=agency, parent=parent, valid_from=effective)
    agency.parent = parent
    agency.save(update_fields=["parent"])


def _is_below(candidate: Agency, agency: Agency) -> bool:
    return candidate.pk in agency.descendant_ids()


# the confirm step's numbers -----------------------------------------------------------------
def plan_kpi_moves(
    predecessors: list[Agency],
    successors: list[Agency | NewAgency],
    effective: dt.date,
    kpi_successors: dict[str, str] | None = None,
) -> Plan:
    """What moving the predecessors' KPIs would do (two queries): the KPIs of the fiscal
    years that start on or after `effective`, each to the successor `kpi_successors`
    names (KPI code -> successor code), by default the first successor; a successor that
    is one of the predecessors keeps its own KPIs."""
    first_year = first_year_on_or_after(effective)
    plan = Plan(effective=effective, first_year=first_year)
    codes = [s.code for s in successors]
    default = codes[0] if codes else ""
    ids = [a.pk for a in predecessors]
    kpis = Indicator.objects.filter(agency_id__in=ids).select_related("agency")
    plan.moving = list(kpis.filter(fiscal_year_id__gte=first_year).order_by("fiscal_year_id", "code"))
    plan.staying = kpis.filter(fiscal_year_id__lt=first_year).count()
    mapping = {
        to_arabic_digits(k).strip(): to_arabic_digits(v).strip() for k, v in (kpi_successors or {}).items()
    }
    moving_codes = {k.code for k in plan.moving}
    for code, target in mapping.items():
        if code not in moving_codes:
            raise ActionError(
                f"ตัวชี้วัด {code} ไม่อยู่ในรายการที่ย้าย", f"KPI {code} is not one of those that move", field="kpi"
            )
        if target not in codes:
            raise ActionError(
                f"{target} ไม่ใช่หน่วยงานที่รับโอน", f"{target} is not one of the successors", field="kpi"
            )
    for kpi in plan.moving:
        target = mapping.get(kpi.code, default)
        if target != kpi.agency.code:
            plan.targets[kpi.code] = target
    plan.moving = [k for k in plan.moving if k.code in plan.targets]
    ended = [a.pk for a in predecessors if a.code not in codes]
    plan.children = list(Agency.objects.filter(parent_id__in=ended).exclude(pk__in=ids).order_by("code"))
    return plan


def _move_kpis(actor: Actor, plan: Plan, by_code: dict[str, Agency], change: AgencyChange) -> int:
    """Move the planned KPIs: one UPDATE per successor for the KPIs, their standings and
    findings, and one audit row per KPI (inserted in one batch)."""
    per_target: dict[str, list[int]] = {}
    for kpi in plan.moving:
        per_target.setdefault(plan.targets[kpi.code], []).append(kpi.pk)
    for code, ids in per_target.items():
        target = by_code[code]
        Indicator.objects.filter(pk__in=ids).update(agency=target)
        KpiStanding.objects.filter(indicator_id__in=ids).update(agency=target)
        FindingRecord.objects.filter(indicator_id__in=ids).update(agency=target)
    bulk_record(
        [
            build(
                actor,
                "kpi.move_agency",
                kpi,
                before={"agency": kpi.agency.code},
                after={"agency": plan.targets[kpi.code], "change": change.pk},
                indicator_code=kpi.code,
                reason=change.reason,
            )
            for kpi in plan.moving
        ]
    )
    return len(plan.moving)


def _move_children(actor: Actor, plan: Plan, to: Agency, effective: dt.date, change: AgencyChange) -> None:
    for child in plan.children:
        before = child.parent_id
        _set_parent(child, to, effective)
        record(
            actor,
            "agency.move",
            child,
            before={"parent": before},
            after={"parent": to.pk, "change": change.pk},
        )


def _change(
    actor: Actor,
    kind: str,
    effective: dt.date,
    reason: str,
    before: list[Agency],
    after: list[Agency],
    **details: object,
) -> AgencyChange:
    change = AgencyChange.objects.create(
        kind=kind,
        effective=effective,
        reason=reason,
        details=details,
        created_by=user_of(actor),
    )
    change.predecessors.set(before)
    change.successors.set(after)
    return change


# the four changes ---------------------------------------------------------------------------
def rename_agency(
    actor: Actor,
    agency: Agency,
    *,
    effective: dt.date,
    name_th: str,
    name_en: str = "",
    abbreviation: str = "",
    reason: str = "",
) -> AgencyChange:
    """Rename from `effective` on: the code, the KPIs and the history stay; the old name is
    kept for the days before."""
    check_may_reorganise(actor)
    name_th = (name_th or "").strip()
    if not name_th:
        raise ActionError("ต้องระบุชื่อใหม่", "The new Thai name is required", field="name_th")
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        _check_effective(effective, [agency])
        if (
            name_th == agency.name_th
            and name_en.strip() == agency.name_en
            and abbreviation.strip() == agency.abbreviation
        ):
            raise ActionError(
                "ชื่อใหม่เหมือนชื่อเดิม", "The new name is the same as the current one", field="name_th"
            )
        latest = agency.former_names.order_by("-valid_to").values_list("valid_to", flat=True).first()
        old = {"name_th": agency.name_th, "name_en": agency.name_en, "abbreviation": agency.abbreviation}
        AgencyName.objects.create(
            agency=agency,
            valid_from=(latest + ONE_DAY) if latest else agency.valid_from,
            valid_to=effective - ONE_DAY,
            **old,
        )
        agency.name_th, agency.name_en, agency.abbreviation = name_th, name_en.strip(), abbreviation.strip()
        agency.save(update_fields=["name_th", "name_en", "abbreviation"])
        new = {"name_th": agency.name_th, "name_en": agency.name_en, "abbreviation": agency.abbreviation}
        change = _change(
            actor,
            AgencyChange.Kind.RENAME,
            effective,
            reason,
            [agency],
            [agency],
            names_before=old,
            names_after=new,
        )
        record(
            actor, "agency.rename", agency, before=old, after={**new, "effective": effective}, reason=reason
        )
    return change


def move_agency(
    actor: Actor, agency: Agency, *, parent: Agency | None, effective: dt.date, reason: str = ""
) -> AgencyChange:
    """Put `agency` under `parent` (None: at the top) from `effective` on; its KPIs stay
    with it, and roll-ups of earlier years still count it under the old parent."""
    check_may_reorganise(actor)
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        _check_effective(effective, [agency])
        if (parent.pk if parent else None) == agency.parent_id:
            raise ActionError("สังกัดใหม่เหมือนเดิม", "The new parent is the current one", field="parent")
        if parent is not None and (parent.pk == agency.pk or _is_below(parent, agency)):
            raise ActionError(
                "สังกัดใหม่อยู่ใต้หน่วยงานนี้", "The new parent is this agency or below it", field="parent"
            )
        if parent is not None and parent.valid_to is not None:
            raise ActionError("สังกัดใหม่สิ้นสุดไปแล้ว", "The new parent has ended", field="parent")
        before = agency.parent
        _set_parent(agency, parent, effective)
        change = _change(
            actor,
            AgencyChange.Kind.MOVE,
            effective,
            reason,
            [agency],
            [agency],
            parent_before=before.code if before else None,
            parent_after=parent.code if parent else None,
        )
        record(
            actor,
            "agency.move",
            agency,
            before={"parent": before.pk if before else None},
            after={"parent": parent.pk if parent else None, "effective": effective},
            reason=reason,
        )
    return change


def split_agency(
    actor: Actor,
    agency: Agency,
    *,
    successors: list[Successor],
    effective: dt.date,
    kpi_successors: dict[str, str] | None = None,
    reason: str = "",
) -> AgencyChange:
    """End `agency` the day before `effective` and share its KPIs of the years starting on
    or after it among `successors` (new or existing agencies): each KPI to the successor
    `kpi_successors` names (KPI code -> successor code), by default the first."""
    check_may_reorganise(actor)
    if len(successors) < 2:
        raise ActionError(
            "การแยกต้องมีหน่วยงานรับโอนอย่างน้อย 2 แห่ง", "A split needs at least two successors", field="successors"
        )
    codes = [to_arabic_digits(s.code).strip() for s in successors]
    if len(set(codes)) != len(codes) or agency.code in codes:
        raise ActionError(
            "หน่วยงานรับโอนต้องไม่ซ้ำกันและไม่ใช่หน่วยงานเดิม",
            "The successors must differ from each other and from the agency split",
            field="successors",
        )
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        existing = [s for s in successors if isinstance(s, Agency)]
        _check_effective(effective, [agency, *existing])
        plan = plan_kpi_moves([agency], successors, effective, kpi_successors)
        taken: set[str] = set()
        made = [
            s
            if isinstance(s, Agency)
            else _new_agency(actor, s if s.parent else _with_parent(s, agency), effective, taken=taken)
            for s in successors
        ]
        by_code = {a.code: a for a in made}
        change = _change(actor, AgencyChange.Kind.SPLIT, effective, reason, [agency], made, kpis=plan.targets)
        _end(actor, agency, effective, change)
        change.kpis_moved = _move_kpis(actor, plan, by_code, change)
        change.save(update_fields=["kpis_moved"])
        _move_children(actor, plan, made[0], effective, change)
        record(
            actor,
            "agency.split",
            agency,
            after={
                "successors": [a.code for a in made],
                "kpis_moved": change.kpis_moved,
                "effective": effective,
            },
            reason=reason,
        )
    return change


def _with_parent(spec: NewAgency, like: Agency) -> NewAgency:
    """A new successor without a parent of its own sits where its predecessor sat."""
    return NewAgency(spec.code, spec.name_th, spec.name_en, spec.abbreviation, spec.kind, like.parent)


def merge_agencies(
    actor: Actor,
    agencies: list[Agency],
    *,
    successor: Successor,
    effective: dt.date,
    reason: str = "",
) -> AgencyChange:
    """Merge `agencies` into `successor` (a new agency, or an existing one that absorbs the
    others) from `effective` on: the others end the day before, and their KPIs of the years
    starting on or after it move to the successor."""
    check_may_reorganise(actor)
    if len({a.pk for a in agencies}) < 2:
        raise ActionError(
            "การรวมต้องมีหน่วยงานอย่างน้อย 2 แห่ง", "A merge needs at least two agencies", field="agencies"
        )
    with transaction.atomic():
        agencies = list(
            Agency.objects.select_for_update().filter(pk__in=[a.pk for a in agencies]).order_by("code")
        )
        absorbing = isinstance(successor, Agency)
        _check_effective(
            effective,
            agencies + ([successor] if isinstance(successor, Agency) and successor not in agencies else []),
        )
        plan = plan_kpi_moves(agencies, [successor], effective)
        if isinstance(successor, NewAgency):
            spec = successor if successor.parent else _with_parent(successor, agencies[0])
            target = _new_agency(actor, spec, effective, taken=set())
        else:
            target = successor
        change = _change(
            actor, AgencyChange.Kind.MERGE, effective, reason, agencies, [target], kpis=plan.targets
        )
        for agency in agencies:
            if agency.pk != target.pk:
                _end(actor, agency, effective, change)
        change.kpis_moved = _move_kpis(actor, plan, {target.code: target}, change)
        change.save(update_fields=["kpis_moved"])
        _move_children(actor, plan, target, effective, change)
        record(
            actor,
            "agency.merge",
            target,
            after={
                "predecessors": [a.code for a in agencies],
                "kpis_moved": change.kpis_moved,
                "effective": effective,
                "absorbed": absorbing,
            },
            reason=reason,
        )
    return change


def kpi_counts(agency_ids: list[int]) -> dict[int, int]:
    """KPIs per agency (one query), for the reorganisation page's list."""
    return dict(
        Indicator.objects.filter(agency_id__in=agency_ids)
        .order_by()
        .values_list("agency_id")
        .annotate(n=Count("id"))
        .values_list("agency_id", "n")
    )
