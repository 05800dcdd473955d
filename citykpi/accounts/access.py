"""The one place that says who may see and do what.

A user holds roles (Membership) in agencies; a role in an agency covers its sub-agencies.
Evaluator, executive and administrator roles are city-wide.

`CAPABILITIES` is the table: each capability names the roles that hold it anywhere, the
roles that hold it only in an agency (and the agencies below it), whether a superuser holds
it without a role, and the message a refusal shows. Every staff view, API endpoint and
action asks through it: `allows(user, capability)` / `require(user, capability)` for a
page or a write, and the object helpers `agency_for(...)` and `indicator_for(...)` that
fetch the object a staff view opens with: 404 outside the user's scope (so another
agency's KPI does not even show that it exists), 403 for a role that may look but not act.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.indicators.models import Indicator
from citykpi.lib.i18n import both
from citykpi.lib.users import Actor

_CACHE_ATTR = "_citykpi_roles"
_AGENCY_CACHE_ATTR = "_citykpi_agency_ids"

AGENCY_ROLES = frozenset({Role.REPORTER, Role.HEAD})
CITYWIDE = frozenset({Role.EVALUATOR, Role.EXECUTIVE, Role.ADMIN})


class Capability(StrEnum):
    """What a user may do. The values "view", "report", "submit" and "assess" are also the
    `action` names of `indicator_for` and `reporting.actions.check_scope`."""

    STAFF = "staff"  # open the staff pages at all
    SEE_EVERY_AGENCY = "see_every_agency"  # read every agency's KPIs, plans and results
    SET_UP = "set_up"  # the setup and exchange (import/export) sections
    READ_QUALITY = "read_quality"  # the city's data-quality report
    EVALUATE = "evaluate"  # the central evaluator's planning review and negotiation
    ADMINISTER = "administer"  # the site's settings (search synonyms and the like)
    GRANT_ROLES = "grant_roles"  # who may do what: memberships, tokens, lockouts
    VIEW = "view"  # read one agency's KPIs
    REPORT = "report"  # enter results and narratives of a KPI
    SUBMIT = "submit"  # submit a KPI's quarter
    ASSESS = "assess"  # score a KPI's quarter
    # Fiscal-year setup (citykpi.planning), per agency unless said otherwise.
    EDIT_SETUP = "edit_setup"  # change an agency's targets, plans, weights and definitions
    PROPOSE_SETUP = "propose_setup"  # propose the agency's setup to the evaluator
    DECIDE_SETUP = "decide_setup"  # templates, approve, reopen, publish (city-wide)
    CARRY_FORWARD = "carry_forward"  # start next year from this one (an agency's, or all)
    REFRESH_QUALITY = "refresh_quality"  # run the data-quality checks over a year


@dataclass(frozen=True)
class Grant:
    """Who holds a capability."""

    anywhere: frozenset[Role]  # a membership in one of these roles, whatever its agency
    in_agency: frozenset[Role]  # held only in the object's agency or an agency above it
    superuser: bool  # a superuser holds it without any role
    refusal: tuple[str, str]  # (Thai, English) for the 403 page or the API's message
    # (role, Agency flag): the role holds it in an agency only where the agency's flag is set
    if_agency_allows: tuple[Role, str] | None = None
    # A refusal of a user who has not signed in (or of the system) says "Log in first"
    # (SIGN_IN_REFUSAL, 403) instead of its own message, before any 404 of scope.
    sign_in_first: bool = False


SIGN_IN_REFUSAL = ("ต้องเข้าสู่ระบบ", "Log in first")


CAPABILITIES: dict[Capability, Grant] = {
    Capability.STAFF: Grant(frozenset(Role), frozenset(), True, ("หน้านี้สำหรับเจ้าหน้าที่", "Staff only")),
    Capability.SEE_EVERY_AGENCY: Grant(
        CITYWIDE, frozenset(), True, ("เฉพาะผู้ประเมิน ผู้บริหาร และผู้ดูแลระบบ", "City-wide roles only")
    ),
    Capability.SET_UP: Grant(
        AGENCY_ROLES | {Role.EVALUATOR, Role.ADMIN},
        frozenset(),
        True,
        ("เฉพาะผู้รายงาน ผู้บริหารหน่วยงาน และผู้ประเมิน", "Reporters, agency heads and evaluators only"),
    ),
    Capability.READ_QUALITY: Grant(
        CITYWIDE, frozenset(), True, ("เฉพาะผู้ประเมิน สยป. และผู้บริหาร", "Central evaluators and executives only")
    ),
    Capability.EVALUATE: Grant(
        frozenset({Role.EVALUATOR}), frozenset(), False, ("เฉพาะผู้ประเมิน สยป.", "Central evaluator only")
    ),
    Capability.ADMINISTER: Grant(
        frozenset({Role.ADMIN}), frozenset(), True, ("เฉพาะผู้ดูแลระบบ", "Administrators only")
    ),
    Capability.GRANT_ROLES: Grant(
        frozenset(),
        frozenset(),
        True,
        ("เฉพาะผู้ดูแลระบบสูงสุดกำหนดสิทธิ์ได้", "Only a superuser changes who may do what"),
    ),
    Capability.VIEW: Grant(CITYWIDE, AGENCY_ROLES, True, ("ไม่อยู่ในขอบเขตของคุณ", "Outside your agencies")),
    Capability.REPORT: Grant(
        frozenset(), AGENCY_ROLES, False, ("บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้", "Your role may not do this")
    ),
    Capability.SUBMIT: Grant(
        frozenset(),
        frozenset({Role.HEAD}),
        False,
        ("บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้", "Your role may not do this"),
        if_agency_allows=(Role.REPORTER, "reporter_may_submit"),
    ),
    Capability.ASSESS: Grant(
        frozenset({Role.EVALUATOR}),
        frozenset(),
        False,
        ("บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้", "Your role may not do this"),
    ),
    Capability.EDIT_SETUP: Grant(
        frozenset({Role.EVALUATOR}),
        AGENCY_ROLES,
        False,
        ("บทบาทของคุณไม่มีสิทธิ์แก้ไขการตั้งค่าตัวชี้วัด", "Your role may not change KPI setup"),
        sign_in_first=True,
    ),
    Capability.PROPOSE_SETUP: Grant(
        frozenset(),
        AGENCY_ROLES,
        False,
        (
            "เฉพาะผู้รายงานผลหรือผู้บริหารของหน่วยงานนี้เท่านั้นที่เสนอได้",
            "Only this agency's reporters and head may propose",
        ),
        sign_in_first=True,
    ),
    Capability.DECIDE_SETUP: Grant(
        frozenset({Role.EVALUATOR}),
        frozenset(),
        False,
        ("เฉพาะผู้ประเมิน สยป. เท่านั้นที่ทำรายการนี้ได้", "Only the central evaluator may do this"),
        sign_in_first=True,
    ),
    Capability.CARRY_FORWARD: Grant(
        frozenset({Role.EVALUATOR}),
        AGENCY_ROLES,
        False,
        ("เฉพาะ สยป. หรือหน่วยงานเจ้าของตัวชี้วัดเท่านั้น", "Only the evaluator or the agency itself"),
        sign_in_first=True,
    ),
    Capability.REFRESH_QUALITY: Grant(
        frozenset({Role.EVALUATOR, Role.ADMIN}),
        frozenset(),
        True,
        ("เฉพาะผู้ประเมินหรือผู้ดูแลระบบ", "Evaluators and administrators only"),
    ),
}


def memberships(user: Actor) -> list[Membership]:
    """The user's roles, read once and cached on the user object (none for the anonymous
    user or the system)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("agency"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Actor) -> None:
    """Drop the cached roles and agencies (after a membership changes)."""
    for attr in (_CACHE_ATTR, _AGENCY_CACHE_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def _is_superuser(user: Actor) -> bool:
    return bool(getattr(user, "is_superuser", False))


def has_role(user: Actor, *roles: Role) -> bool:
    if _is_superuser(user) and Role.ADMIN in roles:
        return True
    return any(m.role in roles for m in memberships(user))


def allows(user: Actor, capability: Capability, agency: Agency | None = None) -> bool:
    """Does the user hold `capability` (in `agency`, for the capabilities held in an agency)?"""
    grant = CAPABILITIES[capability]
    if grant.superuser and _is_superuser(user):
        return True
    if grant.anywhere and any(m.role in grant.anywhere for m in memberships(user)):
        return True
    if agency is None:
        return False
    if grant.in_agency and covers(user, agency, *grant.in_agency):
        return True
    if grant.if_agency_allows is not None:
        role, flag = grant.if_agency_allows
        return bool(getattr(agency, flag)) and covers(user, agency, role)
    return False


def refusal(capability: Capability) -> str:
    """The message of a refusal, Thai first, then English."""
    return both(*CAPABILITIES[capability].refusal)


def signed_in(user: Actor) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _sign_in_first(user: Actor, capability: Capability) -> None:
    if CAPABILITIES[capability].sign_in_first and not signed_in(user):
        raise PermissionDenied(both(*SIGN_IN_REFUSAL))


def require(user: Actor, capability: Capability, agency: Agency | None = None) -> None:
    """Raise PermissionDenied (403) unless the user holds `capability` (in `agency`, for
    the capabilities held in an agency; without one, only a role held anywhere counts)."""
    if not allows(user, capability, agency):
        _sign_in_first(user, capability)
        raise PermissionDenied(refusal(capability))


def check(user: Actor, agency: Agency, capability: Capability, name: str) -> None:
    """For an object of `agency` (a loaded Agency) named `name`: Http404 when the user may
    not even see the agency, PermissionDenied when they see it but lack `capability`."""
    if not allows(user, Capability.VIEW, agency):
        _sign_in_first(user, capability)
        raise Http404(name)
    if not allows(user, capability, agency):
        raise PermissionDenied(refusal(capability))


def is_evaluator(user: Actor) -> bool:
    return allows(user, Capability.EVALUATE)


def is_admin(user: Actor) -> bool:
    return allows(user, Capability.ADMINISTER)


def is_citywide_viewer(user: Actor) -> bool:
    """Evaluators, executives and administrators see every agency."""
    return allows(user, Capability.SEE_EVERY_AGENCY)


def is_staff_user(user: Actor) -> bool:
    return allows(user, Capability.STAFF)


def can_assess(user: Actor) -> bool:
    return allows(user, Capability.ASSESS)


def agency_ids(user: Actor, *roles: Role) -> set[int]:
    """The agencies (with their sub-agencies) where the user holds one of `roles`
    (any agency role when none is given). Cached on the user object for the request."""
    wanted = frozenset(roles) or AGENCY_ROLES
    cached: dict[frozenset[Role], set[int]] | None = getattr(user, _AGENCY_CACHE_ATTR, None)
    if cached is None:
        cached = {}
        if getattr(user, "is_authenticated", False):
            setattr(user, _AGENCY_CACHE_ATTR, cached)
    if wanted not in cached:
        found: set[int] = set()
        for m in memberships(user):
            if m.role in wanted and m.agency is not None and m.agency_id not in found:
                found |= m.agency.descendant_ids()
        cached[wanted] = found
    return set(cached[wanted])


def visible_agency_ids(user: Actor) -> set[int] | None:
    """None means every agency."""
    if is_citywide_viewer(user):
        return None
    return agency_ids(user)


def can_view_agency(user: Actor, agency: Agency | int) -> bool:
    ids = visible_agency_ids(user)
    agency_id = agency if isinstance(agency, int) else agency.pk
    return ids is None or agency_id in ids


def can_report(user: Actor, indicator: Indicator) -> bool:
    """Enter results and narratives (reporters and heads of the KPI's agency)."""
    return allows(user, Capability.REPORT, indicator.agency)


def can_submit(user: Actor, indicator: Indicator) -> bool:
    """Submit a quarter: the head, or a reporter where the agency allows it."""
    return allows(user, Capability.SUBMIT, indicator.agency)


def ancestor_ids(agency: Agency) -> list[int]:
    """The agency and every agency above it, nearest first: walks `parent`, one query per
    level that is not already loaded (select_related), none for a top-level agency."""
    found: list[int] = []
    node: Agency | None = agency
    while node is not None and node.pk not in found:
        found.append(node.pk)
        node = node.parent if node.parent_id is not None else None
    return found


def covers(user: Actor, agency: Agency, *roles: Role) -> bool:
    """Does the user hold one of `roles` (any agency role when none is given) in `agency` or
    an agency above it? The same answer as `agency.pk in agency_ids(user, *roles)`, read
    upwards from a loaded agency instead of downwards through every sub-agency: the
    memberships (one query, cached on the user), and the agencies above only when no role
    is held in the agency itself."""
    wanted = frozenset(roles) or AGENCY_ROLES
    held = {m.agency_id for m in memberships(user) if m.role in wanted and m.agency_id}
    if not held:
        return False
    if agency.pk in held:
        return True
    return agency.parent_id is not None and any(pk in held for pk in ancestor_ids(agency))


def may_act(user: Actor, agency: Agency, action: Capability | str) -> tuple[bool, bool]:
    """(may see, may act) for `action` (a Capability, "view", "report", "submit", "assess")
    on an object of `agency` (a loaded Agency), read through the table."""
    capability = Capability(action)
    if not allows(user, Capability.VIEW, agency):
        return False, False
    return True, allows(user, capability, agency)


def staff_navigation(user: Actor) -> dict[str, bool]:
    """Which staff sections the navigation offers this user (each view checks again)."""
    return {
        "work": allows(user, Capability.STAFF),
        "setup": allows(user, Capability.SET_UP),
        "exchange": allows(user, Capability.SET_UP),
        "quality": allows(user, Capability.READ_QUALITY),
    }


def visible_indicators(user: Actor, queryset: QuerySet[Indicator] | None = None) -> QuerySet[Indicator]:
    queryset = Indicator.objects.all() if queryset is None else queryset
    ids = visible_agency_ids(user)
    return queryset if ids is None else queryset.filter(agency_id__in=ids)


def agency_for(user: Actor, code: str | None, capability: Capability = Capability.VIEW) -> Agency:
    """Fetch an agency for a staff view or API call: Http404 when there is none with `code`
    or it is outside the user's scope, PermissionDenied when the user sees it but lacks
    `capability` there."""
    agency = Agency.objects.filter(code=code or "").first()
    if agency is None:
        raise Http404(code)
    check(user, agency, capability, agency.code)
    return agency


def indicator_for(user: Actor, code: str, *, action: Capability | str = Capability.VIEW) -> Indicator:
    """Fetch a KPI for a staff view or API call.

    action: a Capability ("view": any staff in scope, "report", "submit", "assess").
    Raises Http404 when the KPI is outside the user's scope, PermissionDenied when the
    user can see it but not do `action`.
    """
    capability = Capability(action)
    try:
        indicator = Indicator.objects.select_related("agency", "fiscal_year", "unit").get(code=code)
    except Indicator.DoesNotExist:
        raise Http404(code) from None
    check(user, indicator.agency, capability, code)
    return indicator
