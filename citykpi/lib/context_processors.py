from django.conf import settings

from citykpi.lib.i18n import is_english


def site(request):
    return {"DEMO": settings.DEMO, "IS_ENGLISH": is_english()}
