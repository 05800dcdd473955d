from django.urls import path

from citykpi.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("queue/", views.queue, name="queue"),
    path("kpi/<str:code>/", views.kpi, name="kpi"),
    path("kpi/<str:code>/q/<int:quarter>/", views.quarter, name="quarter"),
    path("kpi/<str:code>/q/<int:quarter>/assess/", views.assess, name="assess"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
]
