"""Every write of fiscal-year setup, in one place for the pages, the API, the commands,
the exchange and the demo to call. The writes live by what they do:

- citykpi.planning.templates_kpi: KPI templates and their cascade to agencies;
- citykpi.planning.plans: a KPI's target, quarterly plan, weight and definition;
- citykpi.planning.negotiation: propose, comment, counter-propose, approve, reopen;
- citykpi.planning.carry_forward: starting next year from this one;
- citykpi.planning.publishing: publishing a fiscal year and its undo.

Each function checks permission through citykpi.accounts.access (Capability.EDIT_SETUP,
PROPOSE_SETUP, CARRY_FORWARD: the agency acts only for itself; DECIDE_SETUP: only the
central evaluator creates templates, assigns, approves, reopens and publishes; the
evaluator's change to a proposal is a counter-proposal), runs in one transaction and
leaves audit rows.
"""

from __future__ import annotations

from citykpi.planning.carry_forward import CarryResult, carry_forward, propose_plan, propose_target
from citykpi.planning.negotiation import approve, comment, propose, reopen, setup_of
from citykpi.planning.parsing import fiscal_year_of
from citykpi.planning.plans import EDITABLE_DEFINITION_FIELDS, TEMPLATE_FIELDS, update_definition, update_plan
from citykpi.planning.publishing import (
    YearReadiness,
    publish_fiscal_year,
    unpublish_fiscal_year,
    year_readiness,
)
from citykpi.planning.templates_kpi import (
    TemplateChange,
    assign_template,
    create_template,
    set_template_active,
    update_template,
)

__all__ = [
    "EDITABLE_DEFINITION_FIELDS",
    "TEMPLATE_FIELDS",
    "CarryResult",
    "TemplateChange",
    "YearReadiness",
    "approve",
    "assign_template",
    "carry_forward",
    "comment",
    "create_template",
    "fiscal_year_of",
    "propose",
    "propose_plan",
    "propose_target",
    "publish_fiscal_year",
    "reopen",
    "set_template_active",
    "setup_of",
    "unpublish_fiscal_year",
    "update_definition",
    "update_plan",
    "update_template",
    "year_readiness",
]
