from django.contrib import admin
from django.urls import include, path

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
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "citykpi.portal.views.not_found"
handler500 = "citykpi.portal.views.server_error"
