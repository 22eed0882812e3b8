from django.contrib import admin
from django.urls import include, path

from core.views import healthz, liveness, readiness
from kptportal import views
from kptportal.metrics import metrics_view
from pwa.views import PortalLogoutView

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("healthz/live", liveness, name="healthz_live"),
    path("healthz/ready", readiness, name="healthz_ready"),
    path("metrics", metrics_view, name="metrics"),
    path("logout/", PortalLogoutView.as_view(), name="logout"),
    # The phone app: manifest, service worker, offline page, share target.
    path("", include("pwa.urls")),
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
    # The data export combines apps: an app of its own above them.
    path("", include("exports.urls")),
    # What the customer asked for, in one place (address, payout account, contract changes,
    # claims): combines apps too.
    path("", include("customer_requests.urls")),
]


handler403 = "kptportal.views.permission_denied"
