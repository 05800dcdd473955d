"""Log in, log out, change password (Thai first)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from citykpi.accounts.forms import BilingualPasswordChangeForm, ThrottledLoginForm
from citykpi.lib.i18n import tr

DEMO_USERNAMES = ("admin", "evaluator", "head-0409", "reporter-0409", "reporter-5047", "executive")
DEMO_PASSWORD = "citykpi-demo"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = ThrottledLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from django.conf import settings

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

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, tr("เปลี่ยนรหัสผ่านแล้ว", "Your password has been changed"))
        return response


password_change = PasswordChangeView.as_view()
