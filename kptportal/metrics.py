"""The portal's own Prometheus gauges, read from the database at each scrape, and /metrics.

- ``portal_claims{status}`` and ``portal_claim_oldest_seconds{status}``: claims waiting,
  and how long the oldest of each waiting status has waited (a stuck intake shows here);
- ``portal_outbox_tasks{state}`` (``waiting`` never published or due again, ``published``
  handed to the broker and not yet run, ``abandoned`` past the attempts) and
  ``portal_outbox_oldest_seconds``;
- the counters of ``core.metrics`` the web processes count (requests, login outcomes); SMS
  and task outcomes are counted by the workers and scraped from their own port.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.core import GaugeMetricFamily

from claims.models import Claim, ClaimStatus
from core import metrics, outbox
from core.models import DeferredTask

WAITING = (ClaimStatus.RECEIVED, ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW)


def portal_gauges() -> Iterable[Any]:
    now = timezone.now()
    claims = GaugeMetricFamily("portal_claims", "Claims by status", labels=["status"])
    oldest = GaugeMetricFamily("portal_claim_oldest_seconds",
                               "Age of the oldest claim in a waiting status", labels=["status"])
    rows = {row["status"]: row for row in Claim.objects.values("status").annotate(
        n=Count("id"), since=Min("status_changed_at"))}
    for status in ClaimStatus.values:
        row = rows.get(status)
        claims.add_metric([status], row["n"] if row else 0)
        if status in WAITING:
            age = (now - row["since"]).total_seconds() if row and row["since"] else 0
            oldest.add_metric([status], age)
    yield claims
    yield oldest
    tasks = GaugeMetricFamily("portal_outbox_tasks", "Tasks in the outbox", labels=["state"])
    abandoned = DeferredTask.objects.filter(attempts__gte=outbox.MAX_ATTEMPTS).count()
    waiting = DeferredTask.objects.filter(outbox.due(now)).count()
    total = DeferredTask.objects.count()
    tasks.add_metric(["waiting"], waiting)
    tasks.add_metric(["published"], max(total - waiting - abandoned, 0))
    tasks.add_metric(["abandoned"], abandoned)
    yield tasks
    first = DeferredTask.objects.filter(outbox.due(now)).aggregate(at=Min("created_at"))["at"]
    yield GaugeMetricFamily("portal_outbox_oldest_seconds", "Age of the oldest due task",
                            value=(now - first).total_seconds() if first else 0)


def _login_ok(**kwargs: Any) -> None:
    metrics.LOGINS.labels("success").inc()


def _login_failed(**kwargs: Any) -> None:
    metrics.LOGINS.labels("failure").inc()


def connect() -> None:
    metrics.register_source(portal_gauges)
    user_logged_in.connect(_login_ok, dispatch_uid="metrics-login-ok")
    user_login_failed.connect(_login_failed, dispatch_uid="metrics-login-failed")


@require_GET
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """For the scraper only: ``Authorization: Bearer $METRICS_TOKEN`` (without a token
    configured, only in development)."""
    if not metrics.token_accepted(request.headers.get("Authorization", ""),
                                  settings.METRICS_TOKEN, debug=settings.DEBUG):
        return HttpResponseNotFound()
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
