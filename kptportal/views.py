from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.household import customer_required
from kptportal import health
from kptportal.dashboard import dashboard_for


@require_GET
@never_cache
def healthz(request):
    """200 when the portal can serve; in production also names broker and storage."""
    checks = {"database": health.database_ok()}
    if settings.PORTAL_HEALTHZ_DEEP:
        checks.update(health.remote_checks())
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    if settings.PORTAL_HEALTHZ_DEEP:
        body["checks"] = {name: "ok" if ok else "down" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if healthy else 503)


@customer_required
def dashboard(request):
    return render(request, "kptportal/dashboard.html", {
        "customer": request.customer,
        "board": dashboard_for(request.customer, request.user),
    })
