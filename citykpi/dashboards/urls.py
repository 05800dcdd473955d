from django.urls import path

from citykpi.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.public, name="public"),
    path("group/<str:key>/", views.public_group, name="group"),
    path("agency/<str:code>/", views.public_agency, name="agency"),
    path("strategy/<int:node_id>/", views.public_strategy, name="strategy"),
    path("dimension/<int:number>/", views.public_dimension, name="dimension"),
    path("staff/", views.staff, name="staff"),
    path("staff/group/<str:key>/", views.staff_group, name="staff_group"),
    path("staff/agency/<str:code>/", views.staff_agency, name="staff_agency"),
    path("staff/strategy/<int:node_id>/", views.staff_strategy, name="staff_strategy"),
    path("staff/dimension/<int:number>/", views.staff_dimension, name="staff_dimension"),
]
