"""Log in, log out, change password, the owner's API tokens (Thai first)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from citykpi.accounts import actions as account_actions
from citykpi.accounts.access import has_role
from citykpi.accounts.forms import BilingualPasswordChangeForm, LockoutLoginForm
from citykpi.accounts.models import ApiToken, Role
from citykpi.lib.i18n import tr
from citykpi.lib.params import plain_int

DEMO_USERNAMES = ("admin", "evaluator", "head-0409", "reporter-0409", "reporter-5047", "executive")
DEMO_PASSWORD = "citykpi-demo"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LockoutLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Executives land on the staff dashboard (they report nothing: the work inbox
        would be empty); everyone else on their work (LOGIN_REDIRECT_URL). An explicit
        ?next= still wins."""
        user = self.request.user
        if has_role(user, Role.EXECUTIVE) and not has_role(
            user, Role.REPORTER, Role.HEAD, Role.EVALUATOR, Role.ADMIN
        ):
            return "/dashboard/staff/"
        return super().get_default_redirect_url()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The demo password is shown only while DEMO is on, never in production.
        if settings.DEMO:
            context["demo_usernames"] = DEMO_USERNAMES
            context["demo_password"] = DEMO_PASSWORD
        return context


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = BilingualPasswordChangeForm
    success_url = reverse_lazy("workspace:inbox")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, tr("เปลี่ยนรหัสผ่านแล้ว", "Your password has been changed"))
        return response


password_change = PasswordChangeView.as_view()


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The owner's API tokens: when issued and last used, revoke one or all ("sign out everywhere")."""
    if request.method == "POST":
        token_id = plain_int(request.POST.get("token"))
        if request.POST.get("all") != "1" and token_id is None:
            messages.error(request, tr("ไม่พบโทเค็นที่เลือก", "No such token"))
            return redirect("accounts:tokens")
        count = account_actions.revoke_tokens(
            request.user, request.user, token_id=None if request.POST.get("all") == "1" else token_id
        )
        messages.success(request, tr(f"ยกเลิกโทเค็นแล้ว {count} รายการ", f"Revoked {count} token(s)"))
        return redirect("accounts:tokens")
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": list(ApiToken.objects.active().filter(user=request.user)),
            "days": settings.API_TOKEN_DAYS,
        },
    )
