"""Small pieces shared by the apps' admin classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.admin import SimpleListFilter
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Advisors may look, never add, change or delete (audit log, exports, queues)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def my_customers_filter(lookup: str) -> type[SimpleListFilter]:
    """A list filter "Mes clients": the rows whose ``lookup`` (a path to the customer's
    advisor, e.g. ``"customer__advisor"``) is the advisor looking (``?scope=mine``)."""
    from django.contrib.admin import SimpleListFilter as Base
    from django.utils.translation import gettext_lazy as _

    class MyCustomersFilter(Base):
        title = _("clients")
        parameter_name = "scope"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
            return [("mine", _("Mes clients"))]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            if self.value() == "mine":
                return queryset.filter(**{lookup: request.user})
            return queryset

    return MyCustomersFilter
