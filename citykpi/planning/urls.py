"""Fiscal-year setup pages, mounted at /setup/."""

from django.urls import path

from citykpi.agencies import views as agency_views
from citykpi.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("carry-forward/", views.carry_forward, name="carry_forward"),
    path("years/<int:year>/publish/", views.publish_year, name="publish_year"),
    path("years/<int:year>/unpublish/", views.unpublish_year, name="unpublish_year"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/assign/", views.template_assign, name="template_assign"),
    path("templates/<int:pk>/active/", views.template_active, name="template_active"),
    path("kpi/<str:code>/", views.kpi_definition, name="kpi"),
    # Reorganisations (citykpi.agencies.views): before the <agency>/<year>/ pages.
    path("reorganisations/", agency_views.reorganisations, name="reorganisations"),
    path("reorganisations/<str:code>/", agency_views.reorganise, name="reorganise"),
    path("<str:agency_code>/<int:year>/", views.agency_setup, name="agency"),
    path("<str:agency_code>/<int:year>/<str:verb>/", views.setup_action, name="setup_action"),
]
