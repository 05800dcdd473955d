"""The demo accounts (issue 3): one per role, all with the password `citykpi-demo`.

`citykpi demo` is the only place that creates them; their memberships carry
is_demo=True so that `citykpi check --deploy` can refuse to run a system that has them.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency

DEMO_PASSWORD = "citykpi-demo"

# username -> (role, agency code or None, is staff and superuser, Thai name, English name)
DEMO_ACCOUNTS: dict[str, tuple[str, str | None, bool, str, str]] = {
    "admin": (Role.ADMIN, None, True, "ผู้ดูแลระบบ", "Administrator"),
    "evaluator": (Role.EVALUATOR, None, False, "ผู้ประเมิน สยป.", "Central evaluator"),
    "head-0409": (Role.HEAD, "0409", False, "ผู้อำนวยการสถาบันพัฒนาข้าราชการฯ", "Head of 0409"),
    "reporter-0409": (Role.REPORTER, "0409", False, "ผู้รายงานผล สถาบันพัฒนาข้าราชการฯ", "Reporter of 0409"),
    "reporter-5047": (Role.REPORTER, "5047", False, "ผู้รายงานผล สำนักงานเขตบางบอน", "Reporter of 5047"),
    "executive": (Role.EXECUTIVE, None, False, "ผู้บริหารกรุงเทพมหานคร", "Executive viewer"),
}


def ensure_demo_accounts() -> list[str]:
    """Create the demo accounts that are missing (and their memberships); return the
    usernames created. An existing demo account gets its password and role back."""
    User = get_user_model()
    created = []
    agencies = {a.code: a for a in Agency.objects.filter(code__in=["0409", "5047"])}
    for username, (role, code, is_admin, first_name, last_name) in DEMO_ACCOUNTS.items():
        agency = agencies.get(code) if code else None
        if code and agency is None:
            continue  # a reduced demo without this agency
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                email=f"{username}@demo.citykpi.invalid",
                first_name=first_name,
                last_name=last_name,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            created.append(username)
        else:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = is_admin
            user.save(update_fields=["password", "is_staff", "is_superuser"])
        Membership.objects.update_or_create(user=user, role=role, agency=agency, defaults={"is_demo": True})
    return created
