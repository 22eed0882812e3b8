from django.urls import path

from exports import views as export_views

app_name = "exports"
urlpatterns = [
    path("profile/export/", export_views.export, name="export"),
    path("profile/export/<int:pk>/download/", export_views.export_download,
         name="export_download"),
]
