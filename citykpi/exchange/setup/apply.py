"""Writing a setup workbook: `import_setup(data, actor=..., commit=...)`.

A dry run (commit=False) reads the plan and writes nothing. A commit reads the plan again
inside one transaction and, only when it has no problem, writes every row it creates or
changes, sheet by sheet in the order rows refer to each other (units, agencies, plans,
strategy nodes, dimensions, the year, templates, people, KPIs), each with its audit row
(source "xlsx", inserted in bulk with citykpi.audit.log.bulk_record) and one
"setup.import" row for the file. A row that matches the database is left alone, so the
same file imported twice changes nothing the second time, not even the audit log.

New accounts get an unusable password: nobody signs in with a password that came in a
file; the administrator sets each one (docs/onboarding.md). The stored scores of the
KPIs follow from their audit rows (citykpi.quality.standing listens to them); their
data-quality findings are refreshed at the end, as the other importers do.

Why not the planning and accounts actions row by row: they act for one person at a time
(the evaluator for KPIs and templates, a superuser for roles) on one row at a time, while
a setup workbook is the system's or an administrator's bulk write of a whole city; the
rules they share are reused (planning.versions.bump_definition, the audit action names and
the membership snapshot of accounts.actions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from citykpi.accounts import access
from citykpi.accounts.actions import MEMBERSHIP_FIELDS
from citykpi.accounts.models import Membership
from citykpi.agencies.models import Agency
from citykpi.audit.log import build, bulk_record, record, snapshot
from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator, MilestoneLevel, Unit
from citykpi.lib.errors import ActionError
from citykpi.lib.users import Actor, user_of
from citykpi.planning.models import KpiTemplate, Setup
from citykpi.planning.versions import bump_definition
from citykpi.quality.actions import refresh_indicators
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan

from .parse import CREATE, UNCHANGED, UPDATE, RowPlan, SetupPlan, read_plan

SOURCE = "xlsx"
QUARTERS = (1, 2, 3, 4)
KPI_FIELDS = [
    "list_label",
    "name",
    "name_en",
    "kpi_type",
    "result_level",
    "scoring_method",
    "scoring_config",
    "target",
    "target_text",
    "direction",
    "range_low",
    "range_high",
    "weight",
    "definition",
    "calculation_method",
    "data_collection",
    "is_negotiated",
]
TEMPLATE_FIELDS = [
    "name_en",
    "kpi_type",
    "result_level",
    "scoring_method",
    "direction",
    "definition",
    "calculation_method",
    "data_collection",
    "is_active",
]


@dataclass(frozen=True)
class SetupFile:
    """What the "setup.import" audit row is about: the imported file, by its SHA-256."""

    pk: str

    def __str__(self) -> str:
        return f"setup workbook {self.pk[:12]}"


def check_permission(actor: Actor) -> None:
    """The system (a management command) or an administrator imports a setup workbook."""
    # Not a table row: Capability.ADMINISTER read through access, plus the system, with a message naming the import.
    if actor is None or access.is_admin(actor):
        return
    raise PermissionDenied(
        "เฉพาะผู้ดูแลระบบนำเข้าสมุดงานตั้งค่าระบบได้ / Only administrators may import a setup workbook"
    )


def import_setup(
    data: bytes, *, actor: Actor, commit: bool, source: str = SOURCE, file_name: str = ""
) -> SetupPlan:
    """Check a setup workbook (the dry run) and, with commit=True and no problem, write it."""
    check_permission(actor)
    if not commit:
        return read_plan(data)
    with transaction.atomic():
        plan = read_plan(data)
        if plan.ok and plan.changed:
            Writer(plan, actor, source, file_name).run()
            plan.committed = True
    return plan


def _levels_json(levels: Any) -> list[dict[str, Any]]:
    return [
        {"level": level, "percent": str(percent), "points": str(points), "description": description}
        for level, percent, points, description in levels
    ]


class Writer:
    def __init__(self, plan: SetupPlan, actor: Actor, source: str, file_name: str):
        self.plan = plan
        self.actor = actor
        self.source = source
        self.file_name = file_name
        self.events: list[AuditEvent] = []
        self.reason = f"สมุดงานตั้งค่าระบบ / setup workbook {file_name or plan.digest[:12]}".strip()
        self.written_kpis: list[int] = []

    def audit(self, action: str, obj: Any, *, before: Any = None, after: Any = None, code: str = "") -> None:
        self.events.append(
            build(
                self.actor,
                action,
                obj,
                before=before,
                after=after,
                reason=self.reason,
                indicator_code=code,
                source=self.source,
            )
        )

    def changed(self, item: RowPlan) -> tuple[dict, dict]:
        return (
            {c.field: c.before for c in item.changes},
            {c.field: c.after for c in item.changes},
        )

    def items(self, sheet: str) -> list[RowPlan]:
        return [r for r in self.plan.of(sheet) if r.action != UNCHANGED]

    def run(self) -> None:
        self.units()
        self.agencies()
        self.plans()
        self.nodes()
        self.dimensions()
        self.year()
        self.templates()
        self.people()
        self.kpis()
        bulk_record(self.events)
        self.plan.written = sum(1 for r in self.plan.rows if r.action != UNCHANGED)
        record(
            self.actor,
            "setup.import",
            SetupFile(self.plan.digest),
            after={
                "file": self.file_name,
                "sha256": self.plan.digest,
                "fiscal_year": self.plan.fiscal_year,
                "rows": {
                    c["sheet"].key: {CREATE: c[CREATE], UPDATE: c[UPDATE]}
                    for c in self.plan.counts()
                    if c[CREATE] or c[UPDATE]
                },
            },
            reason=self.reason,
            source=self.source,
        )
        if self.written_kpis:
            refresh_indicators(self.written_kpis, self.actor, source=self.source)

    # ----------------------------------------------------------------------------------------
    def units(self) -> None:
        existing = {u.name_th: u for u in Unit.objects.all()}
        for item in self.items("units"):
            wanted = item.values["wanted"]
            if item.action == CREATE:
                unit = Unit.objects.create(name_th=item.key, **wanted)
                self.audit("unit.create", unit, after={"name_th": unit.name_th, **wanted})
            else:
                unit = existing[item.key]
                before, after = self.changed(item)
                for name in before:
                    setattr(unit, name, wanted[name])
                unit.save(update_fields=list(before))
                self.audit("unit.update", unit, before=before, after=after)
        self.unit_of = {u.name_th: u for u in Unit.objects.all()}

    def agencies(self) -> None:
        existing = {a.code: a for a in Agency.objects.all()}
        items = self.items("agencies")
        fields = [
            "long_code",
            "name_th",
            "name_en",
            "abbreviation",
            "kind",
            "is_active",
            "reporter_may_submit",
        ]
        for item in items:
            wanted = item.values["wanted"]
            if item.action == CREATE:
                agency = Agency(code=item.key, **{k: wanted[k] for k in fields})
                agency.save()
                existing[item.key] = agency
            else:
                agency = existing[item.key]
                for name in fields:
                    setattr(agency, name, wanted[name])
                agency.is_placeholder = False
                agency.save()
        # Parents once every agency of the file exists (a parent may come on a later row).
        for item in items:
            agency = existing[item.key]
            parent = existing.get(item.values["wanted"]["parent"])
            parent_id = parent.pk if parent is not None else None
            if agency.parent_id != parent_id:
                agency.parent_id = parent_id
                agency.save(update_fields=["parent"])
            before, after = self.changed(item)
            if item.action == CREATE:
                self.audit("agency.create", agency, after={"code": agency.code, **item.values["wanted"]})
            else:
                self.audit("agency.update", agency, before=before, after=after)
        self.agency_of = existing

    def plans(self) -> None:
        existing = {p.code: p for p in StrategyPlan.objects.all()}
        for item in self.items("plans"):
            wanted = item.values["wanted"]
            if item.action == CREATE:
                found = StrategyPlan.objects.create(code=item.key, **wanted)
                existing[item.key] = found
                self.audit("strategy_plan.create", found, after={"code": item.key, **wanted})
            else:
                found = existing[item.key]
                before, after = self.changed(item)
                for name in before:
                    setattr(found, name, wanted[name])
                found.save(update_fields=list(before))
                self.audit("strategy_plan.update", found, before=before, after=after)
        self.plan_of = existing

    def nodes(self) -> None:
        existing = {(n.plan.code, n.path): n for n in StrategyNode.objects.select_related("plan")}
        items = sorted(self.items("strategy"), key=lambda r: r.values["path"].count("."))
        for item in items:
            wanted = dict(item.values["wanted"])
            plan_code, path = item.values["plan_code"], item.values["path"]
            parent_path = wanted.pop("parent")
            parent = existing.get((plan_code, parent_path)) if parent_path else None
            if item.action == CREATE:
                node = StrategyNode(plan=self.plan_of[plan_code], path=path, parent=parent, **wanted)
                node.save()
                existing[(plan_code, path)] = node
                self.audit(
                    "strategy_node.create",
                    node,
                    after={"plan": plan_code, "path": path, **item.values["wanted"]},
                )
            else:
                node = existing[(plan_code, path)]
                before, after = self.changed(item)
                for name, value in wanted.items():
                    setattr(node, name, value)
                node.parent = parent
                node.save()
                self.audit("strategy_node.update", node, before=before, after=after)
        self.node_of = {f"{plan}:{path}": node for (plan, path), node in existing.items()}

    def dimensions(self) -> None:
        existing = {d.number: d for d in EvaluationDimension.objects.all()}
        for item in self.items("dimensions"):
            wanted = item.values["wanted"]
            number = int(item.key)
            if item.action == CREATE:
                found = EvaluationDimension.objects.create(number=number, **wanted)
                existing[number] = found
                self.audit("dimension.create", found, after={"number": number, **wanted})
            else:
                found = existing[number]
                before, after = self.changed(item)
                for name in before:
                    setattr(found, name, wanted[name])
                found.save(update_fields=list(before))
                self.audit("dimension.update", found, before=before, after=after)
        self.dimension_of = existing

    def year(self) -> None:
        for item in self.items("year"):
            wanted = dict(item.values["wanted"])
            components = wanted.pop("components")
            if item.action == CREATE:
                # Published by the evaluator once its KPIs are approved (/setup/), never by a file.
                year = FiscalYear.objects.create(
                    year=int(item.key), assessment_components=components, is_published=False, **wanted
                )
                self.audit("fiscal_year.create", year, after={"year": year.year, **item.values["wanted"]})
            else:
                year = FiscalYear.objects.get(pk=int(item.key))
                for name, value in wanted.items():
                    setattr(year, name, value)
                year.assessment_components = components
                year.save()
                before, after = self.changed(item)
                self.audit("fiscal_year.update", year, before=before, after=after)

    def templates(self) -> None:
        existing: dict[str, KpiTemplate] = {}
        for t in KpiTemplate.objects.order_by("pk"):
            existing.setdefault(t.name.strip(), t)
        creator = user_of(self.actor)
        for item in self.items("templates"):
            wanted = item.values["wanted"]
            values = {name: wanted[name] for name in TEMPLATE_FIELDS}
            values["unit"] = self.unit_of.get(wanted["unit"]) if wanted["unit"] else None
            values["milestone_levels"] = _levels_json(item.values["levels"])
            nodes = [self.node_of[link] for link in wanted["strategy"]]
            if item.action == CREATE:
                template = KpiTemplate.objects.create(name=item.values["name"], created_by=creator, **values)
                template.strategy_nodes.set(nodes)
                existing[template.name] = template
                self.audit("template.create", template, after=wanted)
            else:
                template = existing[item.values["name"]]
                for name, value in values.items():
                    setattr(template, name, value)
                template.version += 1
                template.save()
                template.strategy_nodes.set(nodes)
                before, after = self.changed(item)
                self.audit("template.update", template, before=before, after=after)
        self.template_of = existing

    def people(self) -> None:
        User = get_user_model()
        items = self.items("people")
        users = {
            u.username: u for u in User.objects.filter(username__in=[i.values["username"] for i in items])
        }
        for item in items:
            username, details = item.values["username"], item.values["user"]
            user = users.get(username)
            if user is None:
                user = User(username=username, **details)
                # No password travels in a workbook: the administrator sets one (docs/onboarding.md).
                user.set_unusable_password()
                user.save()
                users[username] = user
                self.audit("user.create", user, after={"username": username, **details})
            elif details is not None:
                before = {name: getattr(user, name) for name in details}
                changed = {name: value for name, value in details.items() if before[name] != value}
                if changed:
                    for name, value in changed.items():
                        setattr(user, name, value)
                    user.save(update_fields=list(changed))
                    self.audit("user.update", user, before={k: before[k] for k in changed}, after=changed)
            if item.values["membership"] is not None:
                role, code = item.values["membership"]
                membership = Membership.objects.create(
                    user=user, role=role, agency=self.agency_of.get(code) if code else None
                )
                self.audit("role.grant", membership, after=snapshot(membership, MEMBERSHIP_FIELDS))

    def kpis(self) -> None:
        items = self.items("kpis")
        if not items:
            return
        if self.plan.fiscal_year is None:  # the parse refuses a workbook without its year first
            raise ActionError(
                "แบบฟอร์มไม่ระบุปีงบประมาณ", "The workbook states no fiscal year", field="fiscal_year"
            )
        year = FiscalYear.objects.get(pk=self.plan.fiscal_year)
        creates = [i for i in items if i.action == CREATE]
        updates = [i for i in items if i.action == UPDATE]
        made: list[tuple[RowPlan, Indicator]] = []
        for item in creates:
            made.append(
                (item, Indicator(code=item.key, fiscal_year=year, **self._kpi_values(item.values["wanted"])))
            )
        Indicator.objects.bulk_create([i for _item, i in made], batch_size=500)
        Through = Indicator.strategy_nodes.through
        Through.objects.bulk_create(
            [
                Through(indicator_id=indicator.pk, strategynode_id=self.node_of[link].pk)
                for item, indicator in made
                for link in item.values["wanted"]["strategy"]
            ],
            batch_size=1000,
        )
        MilestoneLevel.objects.bulk_create(
            [
                MilestoneLevel(indicator=indicator, level=lv, percent=pc, points=pt, description=d)
                for item, indicator in made
                for lv, pc, pt, d in item.values["levels"]
            ],
            batch_size=1000,
        )
        QuarterReport.objects.bulk_create(
            [
                QuarterReport(
                    indicator=indicator, quarter=q, planned_target=item.values["wanted"][f"plan_q{q}"]
                )
                for item, indicator in made
                for q in QUARTERS
                if item.values["wanted"][f"plan_q{q}"] is not None
            ],
            batch_size=1000,
        )
        Setup.objects.bulk_create(
            [
                Setup(agency_id=agency_id, fiscal_year=year)
                for agency_id in sorted({i.agency_id for _x, i in made})
            ],
            ignore_conflicts=True,  # an agency whose setup of the year exists already keeps it
        )
        for item, indicator in made:
            self.audit("kpi.import", indicator, after=item.values["wanted"], code=indicator.code)
            self.written_kpis.append(indicator.pk)
        if updates:
            self._update_kpis(updates)

    def _kpi_values(self, wanted: dict[str, Any]) -> dict[str, Any]:
        values = {name: wanted[name] for name in KPI_FIELDS}
        values["agency"] = self.agency_of[wanted["agency"]]
        values["unit"] = self.unit_of.get(wanted["unit"]) if wanted["unit"] else None
        values["dimension"] = self.dimension_of.get(int(wanted["dimension"])) if wanted["dimension"] else None
        values["template"] = self.template_of.get(wanted["template"]) if wanted["template"] else None
        return values

    def _update_kpis(self, updates: list[RowPlan]) -> None:
        locked = {
            i.code: i
            for i in Indicator.objects.select_for_update(of=("self",)).filter(
                code__in=[u.key for u in updates]
            )
        }
        for item in updates:
            indicator = locked[item.key]
            wanted = item.values["wanted"]
            fields = {c.field for c in item.changes}
            for name, value in self._kpi_values(wanted).items():
                setattr(indicator, name, value)
            bump_definition(indicator)
            indicator.plan_version += 1
            indicator.save()
            if "strategy" in fields:
                indicator.strategy_nodes.set([self.node_of[link] for link in wanted["strategy"]])
            if "milestones" in fields:
                indicator.milestone_levels.all().delete()
                MilestoneLevel.objects.bulk_create(
                    MilestoneLevel(indicator=indicator, level=lv, percent=pc, points=pt, description=d)
                    for lv, pc, pt, d in item.values["levels"]
                )
            planned = {q: wanted[f"plan_q{q}"] for q in QUARTERS if f"plan_q{q}" in fields}
            if planned:
                quarters = {r.quarter: r for r in QuarterReport.objects.filter(indicator=indicator)}
                for q, value in planned.items():
                    report = quarters.get(q)
                    if report is None:
                        QuarterReport.objects.create(
                            indicator=indicator,
                            quarter=q,
                            planned_target=value,
                            definition_version=indicator.definition_version,
                        )
                    elif report.planned_target != value:
                        report.planned_target = value
                        report.save(update_fields=["planned_target"])
            before, after = self.changed(item)
            self.audit("kpi.update_from_setup", indicator, before=before, after=after, code=indicator.code)
            self.written_kpis.append(indicator.pk)
