from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from citykpi.api.core import api

urlpatterns = [
    path("open-data/", include("citykpi.api.page_urls")),
    path("", include("citykpi.portal.urls")),
    path("", include("citykpi.printing.urls")),
    path("accounts/", include("citykpi.accounts.urls")),
    path("work/", include("citykpi.workspace.urls")),
    path("setup/", include("citykpi.planning.urls")),
    path("dashboard/", include("citykpi.dashboards.urls")),
    path("exchange/", include("citykpi.exchange.urls")),
    path("quality/", include("citykpi.quality.urls")),
    path("jobs/", include("citykpi.jobs.urls")),  # a background job's progress and file
    path("api/v1/", api.urls),
    # The language switch is a preference, not a privileged change: exempt from CSRF so that
    # public pages carry no token and one cached page serves every visitor.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("citykpi.operations.urls")),  # /health/ and /ready/
]

handler404 = "citykpi.portal.views.not_found"
handler500 = "citykpi.portal.views.server_error"
