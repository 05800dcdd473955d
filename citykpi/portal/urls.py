from django.urls import path

from citykpi.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("kpi/<str:code>/", views.kpi_detail, name="kpi"),
    path("kpi/<str:code>/print/", views.kpi_print, name="kpi_print"),
    path("agency/<str:code>/", views.agency_detail, name="agency"),
    path("project/<str:code>/", views.project_detail, name="project"),
    path("strategy/", views.strategy_tree, name="strategy"),
    path("city-indicators/", views.city_indicator_list, name="city_indicators"),
    path("city-indicators/<int:pk>/", views.city_indicator_detail, name="city_indicator"),
]
