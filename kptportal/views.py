from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.household import CustomerRequest, customer_required
from kptportal.dashboard import dashboard_for


@customer_required
def dashboard(request: CustomerRequest) -> HttpResponse:
    return render(request, "kptportal/dashboard.html", {
        "customer": request.customer,
        "board": dashboard_for(request.customer, request.user),
    })


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: staff in the advisors' area see a page of that area that says a permission is
    missing; everyone else (and staff on a customer page) the portal's page."""
    user = getattr(request, "user", None)
    if (user is not None and user.is_authenticated and user.is_staff
            and request.path.startswith("/admin/")):
        context = {**admin.site.each_context(request), "title": ""}
        return render(request, "admin/403.html", context, status=403)
    return render(request, "403.html", status=403)
