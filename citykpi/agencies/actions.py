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

The rest of the function follows its KPIs, for the same fiscal years:
- **projects** go to the successor the mapping names (a project code line), else to the
  successor that receives most of the KPIs they support, else to the first successor;
- **setups** (citykpi.planning's negotiation of an agency's year) go to the successor
  that receives most of that year's KPIs (else the first) when it has no setup of that
  year; when it has one (or another predecessor's setup already goes there), the
  predecessor's setup stays with the ended agency as the record of its negotiation, and
  the successor's own setup, in whatever state it is, covers the KPIs moved in (the plan
  says so: reopen it to negotiate them);
- **roles** (accounts Membership) only when asked (`give_roles`, off by default): every
  reporter and head of a predecessor gets the same role in each successor, through
  citykpi.accounts.actions.grant_role (so only a superuser may ask), in the same
  transaction; the predecessors' own roles stay (their old years stay readable).

Each move is audited (`kpi.move_agency`, `project.move_agency`, `setup.move_agency`,
`role.grant`) and the plan of the confirm step counts every one before anything changes.

Who may: administrators and the central evaluator (สยป.).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F

from citykpi.accounts import access
from citykpi.accounts import actions as accounts_actions
from citykpi.accounts.models import Membership, Role
from citykpi.agencies.history import first_year_on_or_after
from citykpi.agencies.models import Agency, AgencyChange, AgencyName, AgencyParentLink
from citykpi.audit.log import build, bulk_record, record
from citykpi.indicators.models import Indicator
from citykpi.lib.errors import ActionError, PermissionDenied
from citykpi.lib.thai import to_arabic_digits
from citykpi.lib.users import Actor, user_of
from citykpi.planning.models import Setup
from citykpi.projects.models import Project
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


@dataclass(frozen=True)
class SetupMove:
    """A predecessor's setup of a fiscal year in the plan: it moves to `target`, or it stays
    with the predecessor because `target` has a setup of that year already (its state in
    `target_state`), which then covers the KPIs moved in."""

    setup: Setup
    target: str  # successor code
    target_state: str = ""  # the successor's own setup's state; "" when the setup moves

    @property
    def moves(self) -> bool:
        return not self.target_state

    @property
    def target_state_label(self) -> str:
        return str(dict(Setup.State.choices).get(self.target_state, self.target_state))


@dataclass(frozen=True)
class RoleGrant:
    """A role a predecessor's staff member would get in a successor (when asked)."""

    user_id: int
    username: str
    role: str
    source: str  # the predecessor's code
    target: str  # the successor's code

    @property
    def role_label(self) -> str:
        return str(dict(Role.choices).get(self.role, self.role))


@dataclass
class Plan:
    """What a split or merge would do, for the confirm step: the KPIs that move (per
    predecessor and fiscal year, and to which successor), the KPIs that stay, the
    sub-agencies that move, the projects and setups of those years that follow them, and
    the roles the predecessors' staff would get if asked."""

    effective: dt.date
    first_year: int
    moving: list[Indicator] = field(default_factory=list)
    staying: int = 0
    targets: dict[str, str] = field(default_factory=dict)  # KPI code -> successor code
    children: list[Agency] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    project_targets: dict[str, str] = field(default_factory=dict)  # project code -> successor code
    setups: list[SetupMove] = field(default_factory=list)
    grants: list[RoleGrant] = field(default_factory=list)

    @property
    def moving_by_year(self) -> list[tuple[int, int]]:
        return sorted(Counter(k.fiscal_year_id for k in self.moving).items())

    @property
    def moving_by_successor(self) -> list[tuple[str, int]]:
        return sorted(Counter(self.targets.values()).items())

    @property
    def projects_by_successor(self) -> list[tuple[str, int]]:
        return sorted(Counter(self.project_targets.values()).items())

    @property
    def setups_moving(self) -> list[SetupMove]:
        return [s for s in self.setups if s.moves]

    @property
    def setups_staying(self) -> list[SetupMove]:
        return [s for s in self.setups if not s.moves]

    @property
    def grants_by_role(self) -> list[tuple[str, str, int]]:
        """(role label, successor code, how many people) for the confirm step."""
        counts = Counter((g.role_label, g.target) for g in self.grants)
        return sorted((label, target, n) for (label, target), n in counts.items())

    @property
    def people(self) -> int:
        return len({g.user_id for g in self.grants})


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
def _most(counter: Counter[str], codes: list[str], default: str) -> str:
    """The successor that receives the most (the earliest listed on a tie), else `default`."""
    if not counter:
        return default
    return max(codes, key=lambda code: (counter.get(code, 0), -codes.index(code)))


def plan_kpi_moves(
    predecessors: list[Agency],
    successors: list[Agency | NewAgency],
    effective: dt.date,
    kpi_successors: dict[str, str] | None = None,
) -> Plan:
    """What moving the predecessors' function would do (a fixed number of queries): the
    KPIs of the fiscal years that start on or after `effective`, each to the successor
    `kpi_successors` names (KPI code -> successor code), by default the first successor; a
    successor that is one of the predecessors keeps its own KPIs. The projects and setups
    of those years follow the KPIs (the module's docstring says how); the mapping may name
    a project too (project code -> successor code). The role grants are listed whether or
    not they will be asked for."""
    first_year = first_year_on_or_after(effective)
    plan = Plan(effective=effective, first_year=first_year)
    codes = [to_arabic_digits(s.code).strip() for s in successors]
    default = codes[0] if codes else ""
    ids = [a.pk for a in predecessors]
    kpis = Indicator.objects.filter(agency_id__in=ids).select_related("agency")
    plan.moving = list(kpis.filter(fiscal_year_id__gte=first_year).order_by("fiscal_year_id", "code"))
    plan.staying = kpis.filter(fiscal_year_id__lt=first_year).count()
    projects = list(
        Project.objects.filter(agency_id__in=ids, fiscal_year_id__gte=first_year)
        .select_related("agency")
        .prefetch_related("indicators")
        .order_by("fiscal_year_id", "code")
    )
    mapping = {
        to_arabic_digits(k).strip(): to_arabic_digits(v).strip() for k, v in (kpi_successors or {}).items()
    }
    moving_codes = {k.code for k in plan.moving} | {p.code for p in projects}
    for code, target in mapping.items():
        if code not in moving_codes:
            raise ActionError(
                f"ตัวชี้วัดหรือโครงการ {code} ไม่อยู่ในรายการที่ย้าย",
                f"KPI or project {code} is not one of those that move",
                field="kpi",
            )
        if target not in codes:
            raise ActionError(
                f"{target} ไม่ใช่หน่วยงานที่รับโอน", f"{target} is not one of the successors", field="kpi"
            )
    kpi_target: dict[str, str] = {}
    # (predecessor code, fiscal year) -> where its KPIs of the year go, for the setups
    per_year: dict[tuple[str, int], Counter[str]] = {}
    for kpi in plan.moving:
        target = mapping.get(kpi.code, default)
        kpi_target[kpi.code] = target
        per_year.setdefault((kpi.agency.code, kpi.fiscal_year_id), Counter())[target] += 1
        if target != kpi.agency.code:
            plan.targets[kpi.code] = target
    plan.moving = [k for k in plan.moving if k.code in plan.targets]
    for project in projects:
        supported = Counter(kpi_target[k.code] for k in project.indicators.all() if k.code in kpi_target)
        target = mapping.get(project.code) or _most(supported, codes, default)
        if target != project.agency.code:
            plan.project_targets[project.code] = target
            plan.projects.append(project)
    _plan_setups(plan, predecessors, successors, codes, default, per_year)
    _plan_grants(plan, predecessors, successors, codes)
    ended = [a.pk for a in predecessors if a.code not in codes]
    plan.children = list(Agency.objects.filter(parent_id__in=ended).exclude(pk__in=ids).order_by("code"))
    return plan


def _plan_setups(
    plan: Plan,
    predecessors: list[Agency],
    successors: list[Agency | NewAgency],
    codes: list[str],
    default: str,
    per_year: dict[tuple[str, int], Counter[str]],
) -> None:
    """Each predecessor's setup of the years concerned (two queries): to the successor that
    receives most of that year's KPIs, unless that successor has a setup of the year, or
    an earlier predecessor's setup goes there already: then it stays."""
    ids = [a.pk for a in predecessors]
    setups = list(
        Setup.objects.filter(agency_id__in=ids, fiscal_year_id__gte=plan.first_year)
        .select_related("agency")
        .order_by("fiscal_year_id", "agency__code")
    )
    if not setups:
        return
    existing = [s.pk for s in successors if isinstance(s, Agency) and s.pk is not None]
    taken: dict[tuple[str, int], str] = {
        (code, year): state
        for code, year, state in Setup.objects.filter(
            agency_id__in=existing, fiscal_year_id__gte=plan.first_year
        ).values_list("agency__code", "fiscal_year_id", "state")
    }
    for setup in setups:
        own = setup.agency.code
        counter = per_year.get((own, setup.fiscal_year_id), Counter())
        target = _most(counter, codes, default)
        if target == own:
            continue  # an absorbing successor keeps its own setup
        key = (target, setup.fiscal_year_id)
        if key in taken:
            plan.setups.append(SetupMove(setup, target, target_state=taken[key]))
        else:
            taken[key] = setup.state
            plan.setups.append(SetupMove(setup, target))


def _plan_grants(
    plan: Plan, predecessors: list[Agency], successors: list[Agency | NewAgency], codes: list[str]
) -> None:
    """The reporters and heads of the predecessors (active accounts), each with the same
    role in every successor they do not hold it in already (two queries)."""
    rows = list(
        Membership.objects.filter(
            agency_id__in=[a.pk for a in predecessors],
            role__in=sorted(access.AGENCY_ROLES),
            user__is_active=True,
        )
        .select_related("user", "agency")
        .order_by("agency__code", "role", "user__username")
    )
    if not rows:
        return
    existing = [s.pk for s in successors if isinstance(s, Agency) and s.pk is not None]
    held = set(
        Membership.objects.filter(agency_id__in=existing).values_list("user_id", "role", "agency__code")
    )
    for row in rows:
        assert row.agency is not None  # an agency role always names its agency
        for target in codes:
            key = (row.user_id, row.role, target)
            if target == row.agency.code or key in held:
                continue
            held.add(key)
            plan.grants.append(
                RoleGrant(row.user_id, row.user.get_username(), row.role, row.agency.code, target)
            )


def _ids_by_target(pairs: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    """(successor code, row id) pairs grouped by successor: one UPDATE per successor."""
    grouped: dict[str, list[int]] = {}
    for code, row_id in pairs:
        grouped.setdefault(code, []).append(row_id)
    return grouped


def _move_kpis(actor: Actor, plan: Plan, by_code: dict[str, Agency], change: AgencyChange) -> int:
    """Move the planned KPIs: one UPDATE per successor for the KPIs, their standings and
    findings, and one audit row per KPI (inserted in one batch)."""
    for code, ids in _ids_by_target((plan.targets[kpi.code], kpi.pk) for kpi in plan.moving).items():
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


def _move_projects(actor: Actor, plan: Plan, by_code: dict[str, Agency], change: AgencyChange) -> int:
    """Move the planned projects (their codes stay, like a KPI's): one UPDATE per successor
    and one audit row per project, in one batch."""
    targets = ((plan.project_targets[project.code], project.pk) for project in plan.projects)
    for code, ids in _ids_by_target(targets).items():
        Project.objects.filter(pk__in=ids).update(agency=by_code[code])
    bulk_record(
        [
            build(
                actor,
                "project.move_agency",
                project,
                before={"agency": project.agency.code},
                after={"agency": plan.project_targets[project.code], "change": change.pk},
                reason=change.reason,
            )
            for project in plan.projects
        ]
    )
    return len(plan.projects)


def _move_setups(actor: Actor, plan: Plan, by_code: dict[str, Agency], change: AgencyChange) -> int:
    """Move the planned setups to successors without one of that year (its state and
    history go with it; its version steps, so a form open on the old agency's page is
    refused as stale), one audit row each; the setups that stay are listed on the change."""
    moving = plan.setups_moving
    for code, ids in _ids_by_target((move.target, move.setup.pk) for move in moving).items():
        Setup.objects.filter(pk__in=ids).update(agency=by_code[code], version=F("version") + 1)
    bulk_record(
        [
            build(
                actor,
                "setup.move_agency",
                move.setup,
                before={"agency": move.setup.agency.code, "fiscal_year": move.setup.fiscal_year_id},
                after={"agency": move.target, "state": move.setup.state, "change": change.pk},
                reason=change.reason,
            )
            for move in moving
        ]
    )
    return len(moving)


def check_may_give_roles(actor: Actor) -> None:
    """Giving the successor's roles is granting roles: whoever may grant them on the
    accounts page (citykpi.accounts.access, GRANT_ROLES), asked before anything changes."""
    if not access.allows(actor, access.Capability.GRANT_ROLES):
        raise ActionError(
            "การให้บทบาทแก่เจ้าหน้าที่ของหน่วยงานเดิมทำได้เฉพาะผู้ดูแลระบบสูงสุด",
            "Only a superuser may give the predecessors' staff roles in the successors",
            field="give_roles",
        )


def _give_roles(actor: Actor, plan: Plan, by_code: dict[str, Agency]) -> int:
    """The planned grants, each through accounts.actions.grant_role (its check, its audit
    row `role.grant`), inside the caller's transaction."""
    for grant in plan.grants:
        accounts_actions.grant_role(
            actor,
            Membership(user_id=grant.user_id, role=grant.role, agency=by_code[grant.target]),
            source="web",
        )
    return len(plan.grants)


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


def _plan_details(plan: Plan) -> dict[str, object]:
    """What the change keeps in AgencyChange.details about its plan, for the history page."""
    return {
        "kpis": plan.targets,
        "projects": plan.project_targets,
        "setups": {f"{m.setup.agency.code}/{m.setup.fiscal_year_id}": m.target for m in plan.setups_moving},
        "setups_kept": {
            f"{m.setup.agency.code}/{m.setup.fiscal_year_id}": m.target for m in plan.setups_staying
        },
    }


def _move_function(
    actor: Actor, plan: Plan, by_code: dict[str, Agency], change: AgencyChange, *, give_roles: bool
) -> dict[str, int]:
    """The KPIs, projects and setups of the plan, and the roles when asked; the counts are
    kept on the change (kpis_moved, and details) and returned for its audit row."""
    moved = {
        "kpis_moved": _move_kpis(actor, plan, by_code, change),
        "projects_moved": _move_projects(actor, plan, by_code, change),
        "setups_moved": _move_setups(actor, plan, by_code, change),
        "roles_given": _give_roles(actor, plan, by_code) if give_roles else 0,
    }
    change.kpis_moved = moved["kpis_moved"]
    change.details = {**change.details, "counts": moved}
    change.save(update_fields=["kpis_moved", "details"])
    return moved


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
    give_roles: bool = False,
) -> AgencyChange:
    """End `agency` the day before `effective` and share its KPIs of the years starting on
    or after it among `successors` (new or existing agencies): each KPI to the successor
    `kpi_successors` names (KPI code -> successor code), by default the first; its
    projects and setups of those years follow them, and with `give_roles` its reporters
    and heads get the same roles in every successor."""
    check_may_reorganise(actor)
    if give_roles:
        check_may_give_roles(actor)
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
        change = _change(
            actor, AgencyChange.Kind.SPLIT, effective, reason, [agency], made, **_plan_details(plan)
        )
        _end(actor, agency, effective, change)
        moved = _move_function(actor, plan, by_code, change, give_roles=give_roles)
        _move_children(actor, plan, made[0], effective, change)
        record(
            actor,
            "agency.split",
            agency,
            after={"successors": [a.code for a in made], **moved, "effective": effective},
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
    give_roles: bool = False,
) -> AgencyChange:
    """Merge `agencies` into `successor` (a new agency, or an existing one that absorbs the
    others) from `effective` on: the others end the day before, and their KPIs, projects
    and setups of the years starting on or after it move to the successor; with
    `give_roles` their reporters and heads get the same roles in the successor."""
    check_may_reorganise(actor)
    if give_roles:
        check_may_give_roles(actor)
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
            actor, AgencyChange.Kind.MERGE, effective, reason, agencies, [target], **_plan_details(plan)
        )
        for agency in agencies:
            if agency.pk != target.pk:
                _end(actor, agency, effective, change)
        moved = _move_function(actor, plan, {target.code: target}, change, give_roles=give_roles)
        _move_children(actor, plan, target, effective, change)
        record(
            actor,
            "agency.merge",
            target,
            after={
                "predecessors": [a.code for a in agencies],
                **moved,
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
