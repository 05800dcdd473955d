"""Who may act on an agency's fiscal-year setup: the agency's own reporters and head for
their setup, the central evaluator for everything. Every setup action opens with one of
the require_* checks; the pages use can_edit_setup to show or hide the forms.
"""

from __future__ import annotations

from django.http import Http404

from citykpi.accounts import access
from citykpi.accounts.models import Role
from citykpi.agencies.models import Agency
from citykpi.lib.errors import PermissionDenied
from citykpi.lib.users import Actor


def is_agency_member(user: Actor, agency: Agency | int) -> bool:
    """A reporter or head of the agency (or of an agency above it)."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    return agency_id in access.agency_ids(user, Role.REPORTER, Role.HEAD)


def can_edit_setup(user: Actor, agency: Agency | int) -> bool:
    return access.is_evaluator(user) or is_agency_member(user, agency)


def require_authenticated(actor: Actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("ต้องเข้าสู่ระบบ / Log in first")


def require_evaluator(actor: Actor) -> None:
    require_authenticated(actor)
    if not access.is_evaluator(actor):
        raise PermissionDenied("เฉพาะผู้ประเมิน สยป. เท่านั้นที่ทำรายการนี้ได้ / Only the central evaluator may do this")


def require_scope(actor: Actor, agency: Agency | int) -> None:
    """404 outside the actor's agencies (another agency's setup does not even show)."""
    require_authenticated(actor)
    if not access.can_view_agency(actor, agency if isinstance(agency, int) else agency.pk):
        raise Http404("agency")


def require_editor(actor: Actor, agency: Agency | int) -> None:
    require_scope(actor, agency)
    if not can_edit_setup(actor, agency):
        raise PermissionDenied("บทบาทของคุณไม่มีสิทธิ์แก้ไขการตั้งค่าตัวชี้วัด / Your role may not change KPI setup")
