"""The login form with failed-login throttling, and a bilingual password change form."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from citykpi.accounts import throttle
from citykpi.lib.i18n import both


class ThrottledLoginForm(AuthenticationForm):
    """Refuses further attempts once a username or an address has failed too often."""

    error_messages = {
        "invalid_login": both("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "Wrong username or password"),
        "inactive": both("บัญชีนี้ถูกระงับ", "This account is disabled"),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = throttle.client_address(self.request) if self.request else "unknown"
        try:
            throttle.check(username, address)
        except throttle.Throttled as exc:
            raise forms.ValidationError(exc.message, code="throttled") from None
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.fail(username, address)
            raise
        throttle.succeed(username)
        return cleaned


class BilingualPasswordChangeForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": both("รหัสผ่านเดิมไม่ถูกต้อง", "Your old password is wrong"),
        "password_mismatch": both("รหัสผ่านใหม่สองช่องไม่ตรงกัน", "The two new passwords differ"),
    }
