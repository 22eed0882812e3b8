"""The probes of the load balancer and the orchestrator (docs/operations.md, "Health").

- ``/healthz/live`` (liveness): the process answers. Nothing else is checked: restarting a
  web process because the database is away would not bring the database back.
- ``/healthz/ready`` (readiness), also ``/healthz``: this process can serve customers:
  the database and the file storage answer (503 otherwise, the balancer sends traffic
  elsewhere). The broker is reported but not required: with Redis away the portal still
  serves, its tasks wait in the outbox, and pulling every web process would take a working
  site down.

Both answer plain HTTP (no redirect to HTTPS: probes come from inside) and are never cached.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health


@require_GET
@never_cache
def liveness(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the portal can serve; in production also names each part."""
    checks = {"database": health.database_ok()}
    required = {"database"}
    if settings.PORTAL_HEALTHZ_DEEP:
        checks.update(health.remote_checks())
        required.add("storage")
    ready = all(checks[name] for name in required)
    degraded = not all(checks.values())
    status = "unavailable" if not ready else "degraded" if degraded else "ok"
    body: dict[str, str | dict[str, str]] = {"status": status}
    if settings.PORTAL_HEALTHZ_DEEP:
        body["checks"] = {name: "ok" if ok else "down" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if ready else 503)


readiness = healthz
