"""The login form (locked out per username and address by django-axes, see lockout.py) and a
bilingual password change form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from citykpi.accounts import lockout
from citykpi.lib.i18n import both


class LockoutLoginForm(AuthenticationForm):
    """Says how long to wait once this username has failed too often from this address.

    The count and the refusal live in `authenticate` (axes' backend and database handler);
    the form only turns a lockout into its message."""

    error_messages = {
        "invalid_login": both("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "Wrong username or password"),
        "inactive": both("บัญชีนี้ถูกระงับ", "This account is disabled"),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if self.request is not None and lockout.is_locked_out(self.request):
                setattr(self.request, lockout.SHOWN_ON_FORM, True)
                error = lockout.lockout_error(self.request, {"username": self.cleaned_data.get("username")})
                raise forms.ValidationError(error.message, code="locked_out") from None
            raise


class BilingualPasswordChangeForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": both("รหัสผ่านเดิมไม่ถูกต้อง", "Your old password is wrong"),
        "password_mismatch": both("รหัสผ่านใหม่สองช่องไม่ตรงกัน", "The two new passwords differ"),
    }
