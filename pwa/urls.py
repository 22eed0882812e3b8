from django.urls import path

from pwa.views import manifest, offline, service_worker, share, shared_preview

app_name = "pwa"
urlpatterns = [
    path("manifest.webmanifest", manifest, name="manifest"),
    path("sw.js", service_worker, name="service_worker"),
    path("offline/", offline, name="offline"),
    path("share/", share, name="share"),
    path("share/<int:pk>/preview/", shared_preview, name="shared_preview"),
]
