"""Starting a job: the kind's permission check (the same as the page's own today), one
transaction with the job's row and its audit row, then the queue (or, with none
configured, the work itself, in-process)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.audit.log import record
from citykpi.jobs import queue, registry
from citykpi.jobs.models import Job
from citykpi.lib.users import Actor, AnyUser

ACTIVE_OR_DONE = (Job.State.QUEUED, Job.State.RUNNING, Job.State.DONE)


def reusable(kind: registry.JobKind, params: dict[str, Any]) -> Job | None:
    """A public document's job already queued, running or done for the very same params
    (which carry the data version they show): the visitor watches that one instead."""
    if not kind.public:
        return None
    return Job.objects.filter(kind=kind.name, params=params, state__in=ACTIVE_OR_DONE).order_by("-id").first()


def start(
    actor: Actor,
    kind_name: str,
    params: dict[str, Any] | None = None,
    *,
    agency: Agency | None = None,
    fiscal_year: int | None = None,
    source: str = "web",
) -> Job:
    """Start a job of `kind_name` for `actor`. Raises what the kind's check raises
    (PermissionDenied, ActionError) before anything is written."""
    kind = registry.get(kind_name)
    params = dict(params or {})
    kind.check(actor, params)
    existing = reusable(kind, params)
    if existing is not None:
        return existing
    user = actor if isinstance(actor, get_user_model()) and actor.is_authenticated else None
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind.name,
            started_by=user,
            public=kind.public,
            agency=agency,
            fiscal_year=fiscal_year,
            params=params,
            step_th="รอคิว",
            step_en="Waiting in the queue",
        )
        record(
            user,
            "job.start",
            job,
            after={"kind": kind.name, "params": params, "agency": agency.code if agency else None},
            source=source,
        )
    return queue.dispatch(job)


def may_see(user: AnyUser, job: Job) -> bool:
    """The starter, an administrator, or anyone for a public document's job."""
    # Not a table row: who started the job (ownership), not a role; the role part reads access.is_admin.
    if job.public:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return job.started_by_id == user.pk or access.is_admin(user)
