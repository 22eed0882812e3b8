from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path
from two_factor.urls import urlpatterns as two_factor_urls

from kptportal import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include(two_factor_urls)),
    # Each app owns its full paths (/documents/, /claims/, /messages/, /profile/, …).
    path("", include("accounts.urls")),
    path("", include("policies.urls")),
    path("", include("documents.urls")),
    path("", include("claims.urls")),
    path("", include("messaging.urls")),
]

