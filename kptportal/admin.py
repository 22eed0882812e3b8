"""The advisors' workspace across the apps: the home's queues and the customer overview.

Only the top of the house may read claims, threads, documents and premiums together; the
apps' own admin classes stay where they are, this module adds what combines them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.admin import CustomerAdmin
from accounts.lockout import unlock_contract
from accounts.models import Customer, PendingAddressChange, User
from audit import activity
from audit import log as audit
from claims.cost_guarantees import OPEN_STATUSES
from claims.models import Claim, ClaimStatus, CostGuaranteeRequest
from core.admin_mixins import my_customers_filter
from core.admin_site import Queue, QueueGroup, register_queues
from customer_requests.models import ChangeStatus, ContractChange
from documents.models import Document, PremiumInvoice
from documents.premiums import PremiumStatus, invoice_status
from kptportal import events
from messaging import advisors
from messaging.models import LoginHelpRequest, Thread
from policies import discounts

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse
    from django.utils.safestring import SafeString


def _advisor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _queue(label: str, queryset: QuerySet[Any], since: str, url: str) -> Queue:
    numbers = queryset.order_by().aggregate(n=Count("pk"), oldest=Min(since))
    return Queue(label=label, count=numbers["n"], oldest=numbers["oldest"], url=url)


@register_queues
def advisor_queues(request: HttpRequest) -> list[QueueGroup]:
    """Mine and the team's: claims to review, unanswered threads, login-help requests.
    A queue is listed only to who may open its list."""
    advisor = _advisor(request)
    mine: list[Queue] = []
    team: list[Queue] = []
    if advisor.has_perm("claims.view_claim"):
        to_review = Claim.objects.filter(status=ClaimStatus.TO_REVIEW)
        queue_url = reverse("admin:claims_claimtoreview_changelist")
        mine.append(_queue(_("Demandes de remboursement de mes clients à vérifier"),
                           to_review.filter(customer__advisor=advisor), "status_changed_at",
                           f"{queue_url}?scope=mine"))
        team.append(_queue(_("Demandes de remboursement à vérifier"), to_review,
                           "status_changed_at", queue_url))
    if advisor.has_perm("claims.view_costguaranteerequest"):
        open_guarantees = CostGuaranteeRequest.objects.filter(status__in=OPEN_STATUSES)
        guarantees_url = reverse("admin:claims_costguaranteerequest_changelist")
        mine.append(_queue(_("Garanties de prise en charge de mes clients à traiter"),
                           open_guarantees.filter(customer__advisor=advisor),
                           "status_changed_at", f"{guarantees_url}?scope=mine"))
        team.append(_queue(_("Garanties de prise en charge à traiter"), open_guarantees,
                           "status_changed_at", guarantees_url))
    if advisor.has_perm("customer_requests.view_contractchange"):
        waiting_changes = ContractChange.objects.filter(status=ChangeStatus.PENDING)
        changes_url = reverse("admin:customer_requests_contractchange_changelist")
        mine.append(_queue(_("Changements de franchise ou de modèle de mes clients"),
                           waiting_changes.filter(customer__advisor=advisor), "submitted_at",
                           f"{changes_url}?scope=mine&status__exact=pending"))
        team.append(_queue(_("Changements de franchise ou de modèle à décider"),
                           waiting_changes, "submitted_at",
                           f"{changes_url}?status__exact=pending"))
    if advisor.has_perm("messaging.view_thread"):
        unanswered = advisors.visible_threads(advisor).filter(
            status=Thread.Status.OPEN, awaiting_reply_since__isnull=False)
        threads_url = reverse("admin:messaging_thread_changelist")
        mine.append(_queue(_("Mes conversations sans réponse"),
                           unanswered.filter(assigned_to=advisor), "awaiting_reply_since",
                           f"{threads_url}?assigned=me&awaiting=yes"))
        team.append(_queue(_("Conversations de l'équipe sans réponse"), unanswered,
                           "awaiting_reply_since", f"{threads_url}?awaiting=yes"))
    if advisor.has_perm("messaging.view_loginhelprequest"):
        tickets = LoginHelpRequest.objects.all()
        help_url = reverse("admin:messaging_loginhelprequest_changelist")
        mine.append(_queue(_("Mes demandes d'aide à la connexion en cours"),
                           tickets.filter(status=LoginHelpRequest.Status.IN_PROGRESS,
                                          handled_by=advisor), "created_at",
                           f"{help_url}?status__exact=in_progress&handled=me"))
        team.append(_queue(_("Nouvelles demandes d'aide à la connexion"),
                           tickets.filter(status=LoginHelpRequest.Status.NEW), "created_at",
                           f"{help_url}?status__exact=new"))
    if advisor.has_perm("accounts.view_pendingaddresschange"):
        pending = PendingAddressChange.objects.filter(applied_at__isnull=True,
                                                      cancelled_at__isnull=True)
        customers_url = reverse("admin:accounts_customer_changelist")
        mine.append(_queue(_("Changements d'adresse en attente de mes clients"),
                           pending.filter(customer__advisor=advisor), "created_at",
                           f"{customers_url}?pending=address&scope=mine"))
        team.append(_queue(_("Changements d'adresse en attente"), pending, "created_at",
                           f"{customers_url}?pending=address"))
    groups = [QueueGroup(_("Mes files"), mine), QueueGroup(_("L'équipe"), team)]
    return [group for group in groups if group.queues]


# --- The customer overview ----------------------------------------------------------------

def lock_state(customer: Customer) -> dict[str, Any]:
    """How many failed logins count against the online contract, and whether it is locked."""
    if customer.account is None:
        return {"has_login": False, "failures": 0, "locked": False}
    failures = (AccessAttempt.objects.filter(username=customer.account.username)
                .aggregate(n=Max("failures_since_start"))["n"]) or 0
    return {"has_login": True, "failures": failures,
            "locked": failures >= settings.AXES_FAILURE_LIMIT}


class PendingRequestFilter(admin.SimpleListFilter):
    title = gettext_lazy("demandes en attente")
    parameter_name = "pending"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("address", _("Changement d'adresse"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "address":
            return queryset.filter(address_changes__applied_at__isnull=True,
                                   address_changes__cancelled_at__isnull=True).distinct()
        return queryset


MyCustomersFilter = my_customers_filter("advisor")


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member by name (the login name when none is set)."""

    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


# The overview lists every unpaid premium invoice and those of the last twelve months.
PREMIUM_MONTHS = 12
MAX_PREMIUM_INVOICES = 24


def premium_invoices(customer: Customer, today: date) -> list[tuple[PremiumInvoice,
                                                                   PremiumStatus]]:
    """The household's premium invoices for the advisor, newest first, with their status on
    ``today`` (one query)."""
    months = today.year * 12 + today.month - 1 - (PREMIUM_MONTHS - 1)
    since = date(months // 12, months % 12 + 1, 1)  # this month and the eleven before
    invoices = (PremiumInvoice.objects.filter(customer=customer)
                .filter(Q(paid_on__isnull=True) | Q(period__gte=since))
                .order_by("-period", "-id")[:MAX_PREMIUM_INVOICES])
    return [(invoice, invoice_status(invoice, today)) for invoice in invoices]


class CustomerWorkspaceAdmin(CustomerAdmin):
    """The customers' list opens the overview; the form shows the contact details (the
    customer's own, read-only) and sets the household's advisor."""

    list_display: Any = ("customer_number", "holder", "contract", "advisor", "locality",
                         "correspondence", "overview_link")
    list_display_links = ("customer_number",)

    @admin.display(description=gettext_lazy("titulaire"))
    def holder(self, customer: Customer) -> str:
        return str(customer.policy_holder or "—")

    @admin.display(description=gettext_lazy("contrat online"), ordering="account__username")
    def contract(self, customer: Customer) -> str:
        return customer.account.username if customer.account else "—"

    @admin.display(description=gettext_lazy("vue d'ensemble"))
    def overview_link(self, customer: Customer) -> SafeString:
        return format_html('<a href="{}">{}</a>',
                           reverse("admin:accounts_customer_overview", args=[customer.pk]),
                           _("Ouvrir la vue d'ensemble"))

    def get_list_filter(self, request: HttpRequest) -> Any:
        return (MyCustomersFilter, PendingRequestFilter, *super().get_list_filter(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> Any:
        if db_field.name == "advisor":
            # The staff by name, never a way to edit logins from here.
            kwargs["queryset"] = (User.objects.filter(is_staff=True, is_active=True)
                                  .order_by("last_name", "first_name", "username"))
            kwargs["form_class"] = StaffChoiceField
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        widget = getattr(field, "widget", None)
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return field

    def get_fieldsets(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        return [
            (None, {"fields": ["overview_link", "customer_number", "account",
                               "portal_registered_at"]}),
            (_("Coordonnées et préférences du client"), {
                "description": _("Le client les change lui-même dans son profil (un "
                                 "changement d'adresse attend sa date), après sa connexion "
                                 "avec le deuxième facteur; sans contrat online, par le "
                                 "système central. Ici, lecture seule."),
                "fields": ["street", "postcode", "locality", "email", "landline_phone",
                           "language", "correspondence", "notify_channel"]}),
            (_("Attribution"), {"fields": ["advisor"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "overview_link")

    def render_change_form(self, request: HttpRequest, context: dict[str, Any],
                           add: bool = False, change: bool = False, form_url: str = "",
                           obj: Customer | None = None) -> HttpResponse:
        if obj is not None:
            context.update(title=_("Fiche client · %(name)s") % {
                "name": obj.policy_holder or obj.customer_number}, subtitle=None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list[URLPattern]:
        return [
            path("<int:pk>/overview/", self.admin_site.admin_view(self.overview),
                 name="accounts_customer_overview"),
            path("<int:pk>/overview/unlock/",
                 self.admin_site.admin_view(require_POST(self.unlock)),
                 name="accounts_customer_unlock"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The form shows the household's contact details: audited like the overview."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            customer = self.get_object(request, object_id)
            if customer is not None:
                audit.record(events.CUSTOMER_VIEWED, request=request, actor=_advisor(request),
                             customer=customer, page="contact")
        return response

    def overview(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Everything about the household on one read-only page (audited)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        customer = get_object_or_404(
            Customer.objects.select_related("account", "advisor")
            .prefetch_related("insured_persons", "correspondence_changes"), pk=pk)
        advisor = _advisor(request)
        audit.record(events.CUSTOMER_VIEWED, request=request, actor=advisor, customer=customer)
        statement = discounts.monthly_premiums(customer)
        threads = (advisors.visible_threads(advisor).filter(customer=customer)
                   .order_by("-last_activity_at")[:10]
                   if advisor.has_perm("messaging.view_thread") else [])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Vue d'ensemble · %(name)s") % {"name": customer.policy_holder
                                                      or customer.customer_number},
            "opts": self.opts,
            "customer": customer,
            "persons": customer.insured_persons.all(),
            "statement": statement,
            "claims": (customer.claims.select_related("insured_person")
                       .order_by("-created_at")[:10]),
            "premium_invoices": premium_invoices(customer, timezone.localdate()),
            "documents": (Document.objects.filter(customer=customer)
                          .select_related("insured_person")
                          .order_by("-issue_date", "-id")[:10]),
            "threads": threads,
            "activity": [activity.describe(event)
                         for event in activity.events_for(customer)[:15]],
            "lock": lock_state(customer),
            "can_unlock": advisor.has_perm("accounts.unlock_online_contract"),
            "can_change": self.has_change_permission(request, customer),
        }
        return TemplateResponse(request, "admin/accounts/customer/overview.html", context)

    def unlock(self, request: HttpRequest, pk: int) -> HttpResponse:
        advisor = _advisor(request)
        if not advisor.has_perm("accounts.unlock_online_contract"):
            raise PermissionDenied
        customer = get_object_or_404(Customer.objects.select_related("account"), pk=pk)
        if customer.account is not None:
            unlock_contract(customer.account, actor=advisor, request=request)
            self.message_user(request, _("Contrat online débloqué: le client peut se "
                                         "reconnecter."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:accounts_customer_overview", args=[pk]))


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerWorkspaceAdmin)
