"""The reorganisation pages (a setup page, mounted at /setup/reorganisations/ by
citykpi.planning.urls): the agencies and the changes so far, and one agency's page with
its rename, move, split and merge forms. Nothing happens on one click: the first post
shows what would change (how many KPIs move, to which agency, which stay as history, the
projects and setups that follow them, the roles that could be given), the confirmation
does it, with the roles only when ticked there (docs/setup.md, "Reorganisations")."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from citykpi.accounts import access
from citykpi.agencies import actions
from citykpi.agencies.history import lineage
from citykpi.agencies.models import Agency, AgencyChange
from citykpi.lib.errors import ActionError
from citykpi.lib.i18n import tr
from citykpi.lib.thai import parse_typed_date, to_arabic_digits
from citykpi.lib.users import Actor, AnyUser

KINDS = ("rename", "move", "split", "merge")


def _require_reorganiser(user: AnyUser) -> None:
    if not (access.is_admin(user) or access.is_evaluator(user)):
        raise PermissionDenied(tr("เฉพาะผู้ดูแลระบบหรือ สยป.", "Administrators and the central evaluator only"))


def parse_day(raw: str | None, field: str = "effective") -> dt.date:
    """A date as typed: 2024-10-01 or 1/10/2567 (day/month/BE year), Thai digits accepted.

    >>> parse_day("๑/๑๐/๒๕๖๗")
    datetime.date(2024, 10, 1)
    >>> parse_day("2024-10-01")
    datetime.date(2024, 10, 1)
    """
    try:
        return parse_typed_date(raw or "")
    except ValueError:
        raise ActionError(
            "วันที่ไม่ถูกต้อง (เช่น 1/10/2567 หรือ 2024-10-01)",
            "Not a valid date (e.g. 1/10/2567 or 2024-10-01)",
            field=field,
        ) from None


def _agency_by_code(raw: str, field: str) -> Agency:
    code = to_arabic_digits(raw or "").strip()
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise ActionError(f"ไม่พบหน่วยงานรหัส “{code}”", f"No agency with code “{code}”", field=field)
    return agency


def _successor_lines(raw: str, field: str) -> list[actions.Successor]:
    """One successor a line: "0411 ชื่อหน่วยงานใหม่" creates it, "0411" alone names an existing one."""
    found: list[actions.Successor] = []
    for line in (raw or "").splitlines():
        line = line.strip()
        if not line:
            continue
        code, _, name = line.partition(" ")
        code = to_arabic_digits(code)
        existing = Agency.objects.filter(code=code).first()
        if existing is not None and not name.strip():
            found.append(existing)
        elif not name.strip():
            raise ActionError(
                f"บรรทัด “{line}”: ต้องมีชื่อหน่วยงานใหม่ต่อจากรหัส",
                f"Line “{line}”: a new agency needs its name after the code",
                field=field,
            )
        else:
            found.append(actions.NewAgency(code, name.strip()))
    return found


def _mapping(raw: str) -> dict[str, str]:
    """ "0409-0950 = 0412" lines: the KPIs (or projects, "04090000-3744 = 0412") that go to
    another successor than the default one."""
    found = {}
    for line in (raw or "").splitlines():
        if "=" in line:
            kpi, _, target = line.partition("=")
            found[kpi.strip()] = target.strip()
        elif line.strip():
            raise ActionError(
                f"บรรทัด “{line.strip()}”: ใช้รูปแบบ รหัสตัวชี้วัดหรือโครงการ = รหัสหน่วยงาน",
                f"Line “{line.strip()}”: write KPI (or project) code = agency code",
                field="kpi_successors",
            )
    return found


def _read(agency: Agency, data: QueryDict) -> dict:
    """The change the form asks for, checked (an ActionError names the field at fault)."""
    kind = data.get("kind", "")
    if kind not in KINDS:
        raise ActionError("ไม่รู้จักการเปลี่ยนแปลงนี้", "Unknown kind of change", field="kind")
    what: dict = {
        "kind": kind,
        "effective": parse_day(data.get("effective")),
        "reason": data.get("reason", "").strip(),
    }
    if kind == "rename":
        what.update(
            name_th=data.get("name_th", "").strip(),
            name_en=data.get("name_en", "").strip(),
            abbreviation=data.get("abbreviation", "").strip(),
        )
    elif kind == "move":
        raw = data.get("parent", "").strip()
        what["parent"] = _agency_by_code(raw, "parent") if raw else None
    elif kind == "split":
        what["successors"] = _successor_lines(data.get("successors", ""), "successors")
        what["kpi_successors"] = _mapping(data.get("kpi_successors", ""))
    if kind in ("split", "merge"):
        # The confirm step's opt-in (off unless ticked there): the successors' roles for the
        # predecessors' reporters and heads.
        what["give_roles"] = data.get("give_roles") == "1"
    if kind == "merge":
        others = [_agency_by_code(c, "others") for c in re.split(r"[\s,]+", data.get("others", "")) if c]
        if not others:
            raise ActionError("ต้องระบุหน่วยงานที่จะรวมด้วย", "Name the agencies to merge with", field="others")
        what["agencies"] = [agency, *[a for a in others if a.pk != agency.pk]]
        into = _successor_lines(data.get("successor", ""), "successor")
        if len(into) != 1:
            raise ActionError(
                "ต้องระบุหน่วยงานที่รับรวม 1 แห่ง", "Name exactly one agency to merge into", field="successor"
            )
        what["successor"] = into[0]
    return what


def _plan(agency: Agency, what: dict) -> actions.Plan | None:
    if what["kind"] == "split":
        return actions.plan_kpi_moves([agency], what["successors"], what["effective"], what["kpi_successors"])
    if what["kind"] == "merge":
        return actions.plan_kpi_moves(what["agencies"], [what["successor"]], what["effective"])
    return None


def _do(actor: Actor, agency: Agency, what: dict) -> AgencyChange:
    kind, effective, reason = what["kind"], what["effective"], what["reason"]
    if kind == "rename":
        return actions.rename_agency(
            actor,
            agency,
            effective=effective,
            name_th=what["name_th"],
            name_en=what["name_en"],
            abbreviation=what["abbreviation"],
            reason=reason,
        )
    if kind == "move":
        return actions.move_agency(actor, agency, parent=what["parent"], effective=effective, reason=reason)
    if kind == "split":
        return actions.split_agency(
            actor,
            agency,
            successors=what["successors"],
            effective=effective,
            kpi_successors=what["kpi_successors"],
            reason=reason,
            give_roles=what["give_roles"],
        )
    return actions.merge_agencies(
        actor,
        what["agencies"],
        successor=what["successor"],
        effective=effective,
        reason=reason,
        give_roles=what["give_roles"],
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def reorganisations(request: HttpRequest) -> HttpResponse:
    _require_reorganiser(request.user)
    agencies = list(Agency.objects.select_related("parent").order_by("code"))
    counts = actions.kpi_counts([a.pk for a in agencies])
    changes = AgencyChange.objects.prefetch_related("predecessors", "successors").select_related(
        "created_by"
    )[:50]
    return render(
        request,
        "agencies/reorganisations.html",
        {"agencies": [(a, counts.get(a.pk, 0)) for a in agencies], "changes": changes},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reorganise(request: HttpRequest, code: str) -> HttpResponse:
    _require_reorganiser(request.user)
    agency = Agency.objects.select_related("parent").filter(code=to_arabic_digits(code)).first()
    if agency is None:
        raise Http404(code)
    came, went = lineage(agency)
    context: dict = {
        "agency": agency,
        "came": came,
        "went": went,
        "kinds": AgencyChange.Kind.choices,
        "may_give_roles": access.allows(request.user, access.Capability.GRANT_ROLES),
    }
    context["data"] = request.POST if request.method == "POST" else {}
    if request.method != "POST":
        return render(request, "agencies/reorganise.html", context)
    try:
        what = _read(agency, request.POST)
        if request.POST.get("confirm") != "1":
            context.update(
                what=what, plan=_plan(agency, what), kind_label=dict(AgencyChange.Kind.choices)[what["kind"]]
            )
            return render(request, "agencies/confirm_reorganise.html", context)
        change = _do(request.user, agency, what)
    except ActionError as error:
        context["error"] = error
        return render(request, "agencies/reorganise.html", context, status=400)
    counts = change.details.get("counts", {}) if isinstance(change.details, dict) else {}
    messages.success(
        request,
        tr(
            f"บันทึกการ{change.get_kind_display().split(' / ')[0]}แล้ว มีผล {change.effective} "
            f"(ย้ายตัวชี้วัด {change.kpis_moved} ตัว โครงการ {counts.get('projects_moved', 0)} โครงการ "
            f"การกำหนดตัวชี้วัดประจำปี {counts.get('setups_moved', 0)} รายการ "
            f"ให้บทบาท {counts.get('roles_given', 0)} รายการ)",
            f"Recorded: {change.get_kind_display().split(' / ')[-1].lower()} effective {change.effective} "
            f"({change.kpis_moved} KPIs, {counts.get('projects_moved', 0)} projects and "
            f"{counts.get('setups_moved', 0)} setups moved, {counts.get('roles_given', 0)} roles given)",
        ),
    )
    return redirect(reverse("planning:reorganisations"))
