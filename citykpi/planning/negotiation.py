"""The negotiation of an agency's setup of a year: the agency proposes its targets, plans
and weights, the evaluator comments, counter-proposes (citykpi.planning.plans) or
approves, which freezes each KPI's definition; an approved setup changes only after the
evaluator reopens it with a reason.

setup_of and check_may_edit are the setup's state as every other setup action reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from citykpi.accounts import access
from citykpi.accounts.access import Capability
from citykpi.agencies.models import Agency
from citykpi.audit.log import record
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError
from citykpi.lib.users import Actor, user_of
from citykpi.planning import checks, versions
from citykpi.planning.models import DefinitionVersion, Setup


def setup_of(agency: Agency, fiscal_year: FiscalYear | int, *, lock: bool = False) -> Setup:
    """The setup record of an agency and year, created as a draft when missing."""
    year_id = getattr(fiscal_year, "pk", fiscal_year)
    setup, _ = Setup.objects.get_or_create(agency=agency, fiscal_year_id=year_id)
    if lock:
        setup = (
            Setup.objects.select_for_update(of=("self",))
            .select_related("agency", "fiscal_year")
            .get(pk=setup.pk)
        )
    return setup


def frozen_error(setup: Setup) -> ActionError:
    return ActionError(
        f"ตัวชี้วัดของ {setup.agency.code} {setup.agency.name_th} ปีงบประมาณ {setup.fiscal_year_id} "
        "ได้รับอนุมัติแล้ว จึงแก้ไขไม่ได้ การเปลี่ยนแปลงต้องให้ สยป. เปิดให้แก้ไขพร้อมระบุเหตุผลก่อน",
        f"The KPIs of {setup.agency.code} for fiscal year {setup.fiscal_year_id} are approved and "
        "frozen; a change needs the central evaluator to reopen them with a reason first",
        field="state",
        state=setup.state,
    )


def _state_label(state: str) -> str:
    return Setup.State(state).label


def check_may_edit(actor: Actor, setup: Setup) -> None:
    """Refuse a change while approved, or while the proposal is with the evaluator."""
    if setup.state == Setup.State.APPROVED:
        raise frozen_error(setup)
    if not access.is_evaluator(actor) and setup.state not in Setup.AGENCY_EDITABLE:
        raise ActionError(
            "ได้เสนอค่าเป้าหมายแล้ว รอ สยป. พิจารณา จึงแก้ไขไม่ได้ในขณะนี้",
            "The targets are proposed and with the evaluator; they cannot be changed now",
            field="state",
            state=setup.state,
        )


def set_state(
    actor: Actor,
    setup: Setup,
    state: str,
    *,
    action: str,
    reason: str = "",
    source: str,
    extra_fields: Sequence[str] = (),
) -> Setup:
    before = {"state": setup.state, "version": setup.version}
    setup.state = state
    setup.version += 1
    if reason:
        setup.last_note = reason
    setup.save(update_fields=["state", "version", "last_note", "updated_at", *extra_fields])
    record(
        actor,
        action,
        setup,
        before=before,
        after={"state": setup.state, "version": setup.version},
        reason=reason,
        source=source,
    )
    return setup


def _blocking(setup: Setup, verb_th: str, verb_en: str) -> None:
    findings = checks.check_setup(setup.agency, setup.fiscal_year_id)
    errors = checks.errors(findings)
    if not Indicator.objects.filter(agency=setup.agency, fiscal_year_id=setup.fiscal_year_id).exists():
        raise ActionError(
            f"{setup.agency.code} ยังไม่มีตัวชี้วัดในปีงบประมาณ {setup.fiscal_year_id}",
            f"{setup.agency.code} has no KPIs in fiscal year {setup.fiscal_year_id}",
            field="indicators",
        )
    if errors:
        first = errors[0]
        raise ActionError(
            f"{verb_th}ไม่ได้: พบข้อผิดพลาด {len(errors)} รายการ เช่น {first.message_th}",
            f"Cannot {verb_en}: {len(errors)} errors, e.g. {first.message_en}",
            field=first.field or None,
            findings=[f.as_dict() for f in errors],
        )


def propose(actor: Actor, setup: Setup, *, source: str = "web") -> Setup:
    """The agency proposes its targets, plans and weights to the evaluator."""
    access.check(actor, setup.agency, Capability.PROPOSE_SETUP, "agency")
    with transaction.atomic():
        setup = setup_of(setup.agency, setup.fiscal_year_id, lock=True)
        if setup.state not in Setup.PROPOSABLE:
            if setup.state == Setup.State.APPROVED:
                raise frozen_error(setup)
            raise ActionError(
                f"เสนอไม่ได้ในสถานะ “{_state_label(setup.state)}”",
                f"Cannot propose in state “{_state_label(setup.state)}”",
                field="state",
            )
        _blocking(setup, "เสนอ", "propose")
        setup.proposed_at = timezone.now()
        setup.proposed_by = user_of(actor)
        set_state(
            actor,
            setup,
            Setup.State.PROPOSED,
            action="setup.propose",
            source=source,
            extra_fields=["proposed_at", "proposed_by"],
        )
    return setup


def comment(actor: Actor, setup: Setup, *, text: str, source: str = "web") -> Setup:
    """A comment in the negotiation; the evaluator's comment on a proposal sends it back."""
    access.check(actor, setup.agency, Capability.EDIT_SETUP, "agency")
    text = (text or "").strip()
    if not text:
        raise ActionError("ต้องระบุข้อความ", "The comment is empty", field="text")
    with transaction.atomic():
        setup = setup_of(setup.agency, setup.fiscal_year_id, lock=True)
        evaluator = access.is_evaluator(actor)
        if evaluator and setup.state in (Setup.State.PROPOSED, Setup.State.COUNTER_PROPOSED):
            set_state(actor, setup, Setup.State.COMMENTED, action="setup.comment", reason=text, source=source)
        else:
            setup.last_note = text
            setup.save(update_fields=["last_note", "updated_at"])
            record(actor, "setup.comment", setup, reason=text, after={"state": setup.state}, source=source)
    return setup


def approve(actor: Actor, setup: Setup, *, source: str = "web") -> Setup:
    """The evaluator approves: each KPI's definition is frozen as a DefinitionVersion."""
    access.require(actor, Capability.DECIDE_SETUP)
    with transaction.atomic():
        setup = setup_of(setup.agency, setup.fiscal_year_id, lock=True)
        if setup.state not in Setup.APPROVABLE:
            raise ActionError(
                f"อนุมัติไม่ได้ในสถานะ “{_state_label(setup.state)}” (หน่วยงานต้องเสนอก่อน)",
                f"Cannot approve in state “{_state_label(setup.state)}” (the agency proposes first)",
                field="state",
            )
        _blocking(setup, "อนุมัติ", "approve")
        indicators = (
            Indicator.objects.select_for_update(of=("self",))
            .filter(agency=setup.agency, fiscal_year_id=setup.fiscal_year_id)
            .select_related("unit")
            .order_by("code")
        )
        have = set(
            DefinitionVersion.objects.filter(indicator__in=indicators).values_list("indicator_id", "version")
        )
        for indicator in indicators:
            if (indicator.pk, indicator.definition_version) in have:
                continue  # reopened and approved again without a change: the same version stands
            frozen = DefinitionVersion.objects.create(
                indicator=indicator,
                version=indicator.definition_version,
                snapshot=versions.snapshot(indicator),
                approved_by=user_of(actor),
            )
            record(
                actor,
                "definition.approve",
                frozen,
                after={"version": frozen.version},
                indicator_code=indicator.code,
                source=source,
            )
        setup.approved_at = timezone.now()
        setup.approved_by = user_of(actor)
        set_state(
            actor,
            setup,
            Setup.State.APPROVED,
            action="setup.approve",
            source=source,
            extra_fields=["approved_at", "approved_by"],
        )
    return setup


def reopen(actor: Actor, setup: Setup, *, reason: str, source: str = "web") -> Setup:
    """The evaluator reopens an approved setup, with a reason, so that it may change."""
    access.require(actor, Capability.DECIDE_SETUP)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("ต้องระบุเหตุผลในการเปิดให้แก้ไข", "A reason for reopening is required", field="reason")
    with transaction.atomic():
        setup = setup_of(setup.agency, setup.fiscal_year_id, lock=True)
        if setup.state != Setup.State.APPROVED:
            raise ActionError(
                f"เปิดให้แก้ไขได้เฉพาะที่อนุมัติแล้ว (สถานะปัจจุบัน “{_state_label(setup.state)}”)",
                f"Only an approved setup can be reopened (it is “{_state_label(setup.state)}”)",
                field="state",
            )
        set_state(actor, setup, Setup.State.REOPENED, action="setup.reopen", reason=reason, source=source)
        for code in Indicator.objects.filter(
            agency=setup.agency, fiscal_year_id=setup.fiscal_year_id
        ).values_list("code", flat=True):
            record(actor, "kpi.reopen", setup, reason=reason, indicator_code=code, source=source)
    return setup
