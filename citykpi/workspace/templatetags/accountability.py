"""The quarter's explanation and claims on the staff pages (the quarter form and the
assessment page include the same sections: workspace/_causes.html, _commitments.html,
_claims.html), read here so that both pages show them without their views knowing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from citykpi.reporting import claims, commitments
from citykpi.reporting.models import Cause, Commitment, QuarterReport

register = template.Library()


@register.simple_tag
def quarter_account(report: QuarterReport) -> commitments.QuarterAccount:
    """The quarter's causes, corrective actions and the earlier ones to follow up."""
    return commitments.account_of(report)


@register.simple_tag
def quarter_claims(report: QuarterReport) -> dict[str, Any]:
    """The quarter's claims beside their evidence (reporting.claims.summary_of)."""
    return claims.summary_of(report)


@register.simple_tag
def cause_categories() -> list[tuple[str, str]]:
    return list(Cause.Category.choices)


@register.filter
def overdue(commitment: Commitment, today: dt.date) -> bool:
    return commitments.is_overdue(commitment, today)
