from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from kptportal import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Only the namespace of django-two-factor-auth's pages: the portal has its own login and
    # second-factor settings, so the library's stock pages are not served.
    path("", include(([], "two_factor"))),
    # Each app owns its full paths (/documents/, /claims/, /messages/, /profile/, …).
    path("", include("accounts.urls")),
    path("", include("policies.urls")),
    path("", include("documents.urls")),
    path("", include("claims.urls")),
    path("", include("messaging.urls")),
    # The data export combines apps, so it lives here (issue 8).
    path("", include("kptportal.export_urls")),
]

