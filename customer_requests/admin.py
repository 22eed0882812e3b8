"""The advisors' queue of deductible and model changes: read, then accept or refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.admin_mixins import my_customers_filter
from core.money import format_chf
from customer_requests import contract_changes as changes
from customer_requests.models import ChangeStatus, ContractChange


class DecisionForm(forms.ModelForm):
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("Obligatoire pour refuser. Le client le lit dans son portail."))

    class Meta:
        model = ContractChange
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "_refuse" in self.data and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", changes.ReasonRequired().message)
        return cleaned


def _advisor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@admin.register(ContractChange)
class ContractChangeAdmin(admin.ModelAdmin):
    form = DecisionForm
    change_form_template = "admin/customer_requests/contractchange/change_form.html"
    list_display = ("submitted", "customer_number", "insured_person", "effective_on", "what",
                    "status")
    list_filter = (my_customers_filter("customer__advisor"), "status", "effective_on")
    list_select_related = ("customer", "insured_person")
    search_fields = ("customer__customer_number", "insured_person__last_name",
                     "insured_person__insured_number")
    readonly_fields = ("customer", "insured_person", "effective_on", "current", "requested",
                       "premiums", "submitted_at", "status", "refusal_reason", "decided_at",
                       "decided_by", "document")

    def get_fields(self, request: HttpRequest, obj: ContractChange | None = None) -> Any:
        if obj is not None and obj.status == ChangeStatus.PENDING:
            # Nothing decided yet: the decision's fields are the reason to type, then a button.
            decided = {"refusal_reason", "decided_at", "decided_by", "document"}
            return [*(name for name in self.readonly_fields if name not in decided), "reason"]
        return list(self.readonly_fields)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContractChange]:
        return super().get_queryset(request).select_related("customer", "insured_person")

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        """Waiting requests first, oldest first: the queue's order."""
        waiting_first = Case(When(status=ChangeStatus.PENDING, then=Value(0)), default=Value(1),
                             output_field=IntegerField())
        return [waiting_first.asc(), "submitted_at", "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest,
                              obj: ContractChange | None = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("envoyée le"), ordering="submitted_at")
    def submitted(self, obj: ContractChange) -> str:
        return f"{timezone.localtime(obj.submitted_at):%d.%m.%Y %H:%M}"

    @admin.display(description=gettext_lazy("client"), ordering="customer__customer_number")
    def customer_number(self, obj: ContractChange) -> str:
        return obj.customer.customer_number

    @admin.display(description=gettext_lazy("demande"))
    def what(self, obj: ContractChange) -> str:
        return self.requested(obj)

    @admin.display(description=gettext_lazy("sans changement"))
    def current(self, obj: ContractChange) -> str:
        return changes.choice_text(obj.current_model, obj.current_deductible)

    @admin.display(description=gettext_lazy("demandé"))
    def requested(self, obj: ContractChange) -> str:
        return changes.choice_text(obj.new_model, obj.new_deductible)

    @admin.display(description=gettext_lazy("primes mensuelles"))
    def premiums(self, obj: ContractChange) -> str:
        return _("%(before)s → %(after)s (différence par an: %(year)s)") % {
            "before": format_chf(obj.current_premium), "after": format_chf(obj.new_premium),
            "year": format_chf(obj.yearly_difference)}

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "can_decide": (
            obj is not None and obj.status == ChangeStatus.PENDING
            and self.has_change_permission(request, obj))}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: ContractChange, form: Any,
                   change: bool) -> None:
        """Nothing is edited here: the decision goes through the service (audit, archive)."""

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # the audit log is the record

    def save_related(self, request: HttpRequest, form: Any, formsets: Any,
                     change: Any) -> None:
        obj = form.instance
        try:
            if "_accept" in request.POST:
                changes.accept(obj, advisor=_advisor(request), request=request)
                self.message_user(request, _("Demande acceptée: la confirmation est dans les "
                                             "documents du client."), messages.SUCCESS)
            elif "_refuse" in request.POST:
                changes.refuse(obj, advisor=_advisor(request),
                               reason=form.cleaned_data.get("reason") or "", request=request)
                self.message_user(request, _("Demande refusée; le client voit le motif."),
                                  messages.SUCCESS)
        except (changes.NotPending, changes.ReasonRequired) as problem:
            self.message_user(request, problem.message, messages.ERROR)

    def response_change(self, request: HttpRequest, obj: ContractChange) -> HttpResponse:
        if "_accept" in request.POST or "_refuse" in request.POST:
            return HttpResponseRedirect(
                reverse("admin:customer_requests_contractchange_changelist"))
        return super().response_change(request, obj)
