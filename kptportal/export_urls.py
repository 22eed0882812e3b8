from django.urls import path

from kptportal import export_views

app_name = "kptportal"
urlpatterns = [
    path("profile/export/", export_views.export, name="export"),
    path("profile/export/<int:pk>/download/", export_views.export_download,
         name="export_download"),
]
