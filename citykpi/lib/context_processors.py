from django.conf import settings

from citykpi.lib.i18n import is_english


def site(request):
    context = {"DEMO": settings.DEMO, "IS_ENGLISH": is_english()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from citykpi.accounts.access import staff_navigation

        context["STAFF_NAV"] = staff_navigation(user)
    return context
