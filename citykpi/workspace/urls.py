from django.urls import path

from citykpi.workspace import assessing, conversation, views

app_name = "workspace"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("submit-ready/", views.submit_ready, name="submit_ready"),
    path("queue/", assessing.queue, name="queue"),
    path("queue/assess-selected/", assessing.assess_selected, name="assess_selected"),
    path("attention/seen/", conversation.seen, name="attention_seen"),
    path("kpi/<str:code>/", views.kpi, name="kpi"),
    path("kpi/<str:code>/q/<int:quarter>/", views.quarter, name="quarter"),
    path("kpi/<str:code>/q/<int:quarter>/assess/", assessing.assess, name="assess"),
    path("kpi/<str:code>/q/<int:quarter>/thread/", conversation.post, name="thread"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
]
