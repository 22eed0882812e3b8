"""The audit log in the admin: read-only, filtered by kind and date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit import kinds
from audit.models import AuditEvent
from core.admin_mixins import ReadOnlyAdminMixin
from core.admin_paginator import EstimatedCountPaginator

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest


class KindFilter(admin.SimpleListFilter):
    """The kinds every app registered, by their label."""

    title = _("type")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest,
                model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(kind), f"{kind.app} · {kind.label}") for kind in kinds.all_kinds()]

    def queryset(self, request: HttpRequest,
                 queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind_label", "username", "actor", "ip_address", "customer",
                    "detail")
    list_filter = (KindFilter, "created_at")
    search_fields = ("username", "customer__customer_number")
    list_select_related = ("actor", "customer")
    # No date_hierarchy: its year list is a DISTINCT over the whole audit log; the date
    # filter needs no query. Unfiltered, the count is estimated (core.admin_paginator).
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        # The customer column names each household's policy holder: one query in all.
        return super().get_queryset(request).prefetch_related("customer__insured_persons")

    @admin.display(description=_("type"), ordering="kind")
    def kind_label(self, event: AuditEvent) -> str:
        return event.kind_label
