from django.urls import path

from citykpi.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("template/", views.template, name="template"),
    path("export/", views.export_year, name="export"),
    path("upload/", views.upload, name="upload"),
    path("confirm/", views.confirm, name="confirm"),
]
