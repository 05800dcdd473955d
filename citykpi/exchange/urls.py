from django.urls import path

from citykpi.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("template/", views.template, name="template"),
    path("export/", views.export_year, name="export"),
    path("upload/", views.upload, name="upload"),
    path("confirm/", views.confirm, name="confirm"),
    path("legacy/", views.legacy_upload, name="legacy_upload"),
    path("setup/", views.setup, name="setup"),
    path("setup/export/", views.setup_export, name="setup_export"),
    path("setup/upload/", views.setup_upload, name="setup_upload"),
    path("setup/confirm/", views.setup_confirm, name="setup_confirm"),
]
