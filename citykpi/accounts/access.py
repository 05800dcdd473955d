"""The one place that says who may see and do what.

A user holds roles (Membership) in agencies; a role in an agency covers its sub-agencies.
Evaluator, executive and administrator roles are city-wide. Staff views fetch their
object through `indicator_for(...)`: 404 outside the user's scope (so another agency's
KPI does not even show that it exists), 403 for a role that may look but not act.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency

_CACHE_ATTR = "_citykpi_roles"
_AGENCY_CACHE_ATTR = "_citykpi_agency_ids"


def memberships(user) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("agency"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user) -> None:
    """Drop the cached roles and agencies (after a membership changes)."""
    for attr in (_CACHE_ATTR, _AGENCY_CACHE_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def has_role(user, *roles: str) -> bool:
    if getattr(user, "is_superuser", False) and Role.ADMIN in roles:
        return True
    return any(m.role in roles for m in memberships(user))


def is_evaluator(user) -> bool:
    return has_role(user, Role.EVALUATOR)


def is_admin(user) -> bool:
    return has_role(user, Role.ADMIN) or getattr(user, "is_superuser", False)


def is_citywide_viewer(user) -> bool:
    """Evaluators, executives and administrators see every agency."""
    return has_role(user, Role.EVALUATOR, Role.EXECUTIVE, Role.ADMIN) or getattr(user, "is_superuser", False)


def is_staff_user(user) -> bool:
    return bool(memberships(user)) or getattr(user, "is_superuser", False)


def agency_ids(user, *roles: str) -> set[int]:
    """The agencies (with their sub-agencies) where the user holds one of `roles`
    (any agency role when none is given). Cached on the user object for the request."""
    wanted = frozenset(roles) or frozenset({Role.REPORTER, Role.HEAD})
    cached = getattr(user, _AGENCY_CACHE_ATTR, None)
    if cached is None:
        cached = {}
        if getattr(user, "is_authenticated", False):
            setattr(user, _AGENCY_CACHE_ATTR, cached)
    if wanted not in cached:
        found: set[int] = set()
        for m in memberships(user):
            if m.role in wanted and m.agency_id and m.agency_id not in found:
                found |= m.agency.descendant_ids()
        cached[wanted] = found
    return set(cached[wanted])


def visible_agency_ids(user) -> set[int] | None:
    """None means every agency."""
    if is_citywide_viewer(user):
        return None
    return agency_ids(user)


def can_view_agency(user, agency: Agency | int) -> bool:
    ids = visible_agency_ids(user)
    agency_id = agency if isinstance(agency, int) else agency.pk
    return ids is None or agency_id in ids


def can_report(user, indicator) -> bool:
    """Enter results and narratives (reporters and heads of the KPI's agency)."""
    return indicator.agency_id in agency_ids(user, Role.REPORTER, Role.HEAD)


def can_submit(user, indicator) -> bool:
    """Submit a quarter: the head, or a reporter where the agency allows it."""
    if indicator.agency_id in agency_ids(user, Role.HEAD):
        return True
    return indicator.agency.reporter_may_submit and indicator.agency_id in agency_ids(user, Role.REPORTER)


def ancestor_ids(agency: Agency) -> list[int]:
    """The agency and every agency above it, nearest first: walks `parent`, one query per
    level that is not already loaded (select_related), none for a top-level agency."""
    found: list[int] = []
    node: Agency | None = agency
    while node is not None and node.pk not in found:
        found.append(node.pk)
        node = node.parent if node.parent_id is not None else None
    return found


def covers(user, agency: Agency, *roles: str) -> bool:
    """Does the user hold one of `roles` (any agency role when none is given) in `agency` or
    an agency above it? The same answer as `agency.pk in agency_ids(user, *roles)`, read
    upwards from a loaded agency instead of downwards through every sub-agency: the
    memberships (one query, cached on the user), and the agencies above only when no role
    is held in the agency itself."""
    wanted = frozenset(roles) or frozenset({Role.REPORTER, Role.HEAD})
    held = {m.agency_id for m in memberships(user) if m.role in wanted and m.agency_id}
    if not held:
        return False
    if agency.pk in held:
        return True
    return agency.parent_id is not None and any(pk in held for pk in ancestor_ids(agency))


def may_act(user, agency: Agency, action: str) -> tuple[bool, bool]:
    """(may see, may act) for `action` ("view", "report", "submit", "assess") on a KPI of
    `agency` (a loaded Agency): can_view_agency and can_report / can_submit / can_assess,
    answered by `covers` (no query for the sub-agencies)."""
    visible = is_citywide_viewer(user) or covers(user, agency)
    if not visible:
        return False, False
    if action == "view":
        return True, True
    if action == "report":
        return True, covers(user, agency, Role.REPORTER, Role.HEAD)
    if action == "submit":
        allowed = covers(user, agency, Role.HEAD) or (
            agency.reporter_may_submit and covers(user, agency, Role.REPORTER)
        )
        return True, allowed
    if action == "assess":
        return True, can_assess(user)
    raise ValueError(f"unknown action {action!r}")


def staff_navigation(user) -> dict[str, bool]:
    """Which staff sections the navigation offers this user (each view checks again)."""
    agency_role = has_role(user, Role.REPORTER, Role.HEAD)
    central = has_role(user, Role.EVALUATOR, Role.ADMIN) or getattr(user, "is_superuser", False)
    return {
        "work": is_staff_user(user),
        "setup": agency_role or central,
        "exchange": agency_role or central,
        "quality": central or has_role(user, Role.EXECUTIVE),
    }


def can_assess(user) -> bool:
    return is_evaluator(user)


def visible_indicators(user, queryset=None):
    from citykpi.indicators.models import Indicator

    queryset = Indicator.objects.all() if queryset is None else queryset
    ids = visible_agency_ids(user)
    return queryset if ids is None else queryset.filter(agency_id__in=ids)


def indicator_for(user, code: str, *, action: str = "view"):
    """Fetch a KPI for a staff view or API call.

    action: "view" (any staff in scope), "report", "submit", "assess".
    Raises Http404 when the KPI is outside the user's scope, PermissionDenied when the
    user can see it but not do `action`.
    """
    from citykpi.indicators.models import Indicator

    try:
        indicator = Indicator.objects.select_related("agency", "fiscal_year", "unit").get(code=code)
    except Indicator.DoesNotExist:
        raise Http404(code) from None
    if not can_view_agency(user, indicator.agency_id):
        raise Http404(code)
    allowed = {
        "view": lambda: True,
        "report": lambda: can_report(user, indicator),
        "submit": lambda: can_submit(user, indicator),
        "assess": lambda: can_assess(user),
    }[action]()
    if not allowed:
        raise PermissionDenied("บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้ / Your role may not do this")
    return indicator
