"""Deploy checks: `citykpi check --deploy` fails while demo accounts exist (their password
is public) or while the development SECRET_KEY is in use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import DatabaseError
from django.db.models import Q

from citykpi.accounts.views import DEMO_USERNAMES


@checks.register(checks.Tags.security, deploy=True)
def no_demo_accounts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:

    try:
        found = sorted(
            get_user_model()
            .objects.filter(Q(memberships__is_demo=True) | Q(username__in=DEMO_USERNAMES))
            .values_list("username", flat=True)
            .distinct()
        )
    except DatabaseError:
        # No tables yet (before migrate): nothing to find.
        return []
    if not found:
        return []
    return [
        checks.Error(
            "มีบัญชีสาธิตอยู่ในระบบ (รหัสผ่านเปิดเผย) / Demo accounts exist and their password is public: "
            + ", ".join(found[:10]),
            hint="Delete them (or deactivate and rename them) before going live.",
            id="citykpi.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def a_secret_key_of_its_own(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The development key is in the source code: a deployment must set SECRET_KEY."""
    if settings.SECRET_KEY != settings.INSECURE_DEV_KEY:
        return []
    return [
        checks.Error(
            "ยังไม่ได้ตั้งค่า SECRET_KEY (ใช้กุญแจสำหรับพัฒนาที่เปิดเผยในซอร์สโค้ด) / "
            "SECRET_KEY is not set: the development key in the source code is in use",
            hint="Set the SECRET_KEY environment variable to a long random value.",
            id="citykpi.E002",
        )
    ]


# Handlers whose count every worker shares; axes' cache handler shares it only on a shared cache.
SHARED_CACHE_BACKENDS = (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.db.DatabaseCache",
)


@checks.register(checks.Tags.security, deploy=True)
def sign_in_failures_in_a_shared_store(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Failed sign-ins must be counted where every worker sees them, or N workers multiply
    the limit by N (docs/security.md, section 7)."""
    handler = getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler")
    enabled = getattr(settings, "AXES_ENABLED", True)
    shared = handler == "axes.handlers.database.AxesDatabaseHandler"
    if handler == "axes.handlers.cache.AxesCacheHandler":
        alias = getattr(settings, "AXES_CACHE", "default")
        shared = settings.CACHES.get(alias, {}).get("BACKEND") in SHARED_CACHE_BACKENDS
    if enabled and shared:
        return []
    return [
        checks.Error(
            "ความพยายามเข้าสู่ระบบที่ผิดไม่ได้นับในที่เก็บที่ทุก worker ใช้ร่วมกัน / "
            f"Failed sign-ins are not counted in a store every worker shares (AXES_HANDLER={handler}, "
            f"AXES_ENABLED={enabled})",
            hint="Use axes.handlers.database.AxesDatabaseHandler, or the cache handler with Redis.",
            id="citykpi.E003",
        )
    ]
