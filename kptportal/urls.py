from django.contrib import admin
from django.urls import include, path

from kptportal import pwa, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("logout/", pwa.PortalLogoutView.as_view(), name="logout"),
    # The phone app (issue 10): manifest, service worker, offline page, share target.
    path("", include("kptportal.pwa")),
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

