"""The conversation of a quarter on the staff pages: the thread shown on the quarter form
and on the assessment page (with what changed since the last return), the post of a
comment or of the head's return of a draft, and marking the attention list as read.

Writes go through citykpi.discussion.actions and citykpi.reporting.actions."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from citykpi.accounts import access
from citykpi.discussion import actions as discussion
from citykpi.discussion.models import Entry
from citykpi.discussion.thread import changes_since_return, thread_of
from citykpi.lib.errors import ActionError
from citykpi.lib.i18n import tr
from citykpi.lib.users import AnyUser
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport

# Where the thread's forms go back to: a page name, never a URL.
BACK = {"assess": "workspace:assess", "quarter": "workspace:quarter"}
# The diff since a return is worth showing while the quarter is on its way back.
DIFF_STATUSES = (
    QuarterReport.Status.DRAFT,
    QuarterReport.Status.RETURNED,
    QuarterReport.Status.SUBMITTED,
    QuarterReport.Status.REOPENED,
)


def thread_context(user: AnyUser, report: QuarterReport, back: str) -> dict:
    """The thread include's context (workspace/_thread.html): the entries, what changed
    since the last return, and which forms this user gets."""
    role = discussion.role_in_thread(user, report) if report.pk else None
    return {
        "thread": thread_of(report),
        "changes": changes_since_return(report) if report.status in DIFF_STATUSES else None,
        "may_comment": role is not None,
        # The head's note back to the reporter (reporting.actions.return_draft checks again).
        "may_return_draft": report.status == QuarterReport.Status.DRAFT
        and role == Entry.Role.HEAD
        and access.can_submit(user, report.indicator),
        "thread_back": back,
    }


def _back(request: HttpRequest, code: str, quarter: int) -> HttpResponse:
    name = BACK.get(request.POST.get("back", ""), "workspace:quarter")
    url = reverse(name, args=[code, quarter])
    next_qs = request.POST.get("next", "")
    if name == "workspace:assess" and next_qs:
        url = f"{url}?{urlencode({'next': next_qs[:400]})}"
    return redirect(f"{url}#thread")


@login_required
@require_POST
def post(request: HttpRequest, code: str, quarter: int) -> HttpResponse:
    """A comment in the thread, or (action=return_draft) the head's return of a draft."""
    indicator = access.indicator_for(request.user, code)
    report = reporting.get_quarter(indicator, quarter)
    try:
        if request.POST.get("action") == "return_draft":
            reporting.return_draft(
                request.user, report, note=request.POST.get("text", ""), version=request.POST.get("version")
            )
            messages.success(request, tr("ส่งร่างกลับให้ผู้รายงานแล้ว", "The draft went back to the reporter"))
        else:
            discussion.post_comment(request.user, report, text=request.POST.get("text", ""))
            messages.success(request, tr("บันทึกความเห็นแล้ว", "Comment posted"))
    except ActionError as exc:
        messages.error(request, exc.message)
    return _back(request, indicator.code, quarter)


@login_required
@require_POST
def seen(request: HttpRequest) -> HttpResponse:
    discussion.mark_seen(request.user)
    messages.success(request, tr("ทำเครื่องหมายว่าอ่านแล้ว", "Marked as read"))
    return redirect("workspace:inbox")
