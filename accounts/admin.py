from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import delayed_reset, events
from accounts.assignment import assign_advisor
from accounts.lockout import unlock_contract
from accounts.models import (
    ActivationLetter,
    CorrespondenceChange,
    Customer,
    DelayedPasswordReset,
    InsuredPerson,
    PayoutAccount,
    PendingAddressChange,
    PortalSession,
    SMSDevice,
    User,
)
from accounts.passkeys import remove_all as remove_all_passkeys
from audit import log as audit
from core.admin_paginator import EstimatedCountPaginator

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest


def _advisor(request: HttpRequest) -> User:
    """The advisor acting: the admin lets in only staff logins; this states it for the types."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Portail"), {"fields": ("mobile_phone", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "is_staff", "is_active", "last_login")
    actions = ["unlock", "reset_second_factors"]

    @admin.action(description=_("Débloquer l'accès (après trop d'essais)"),
                  permissions=["unlock"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        advisor = _advisor(request)
        for user in queryset:
            unlock_contract(user, actor=advisor, request=request)
        messages.success(request, _("%(n)d accès débloqué(s).") % {"n": queryset.count()})

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.unlock_online_contract")

    @admin.action(description=_("Réinitialiser l'app d'authentification, les clés d'accès et "
                                "les codes de secours"))
    def reset_second_factors(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        advisor = _advisor(request)
        for user in queryset:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            remove_all_passkeys(user)
            audit.record(events.SECOND_FACTOR_CHANGED, request=request, user=user,
                         actor=advisor, change="reset_by_advisor")
        messages.success(request, _("Deuxièmes facteurs réinitialisés: le code par SMS reste "
                                    "actif."))


@admin.register(SMSDevice)
class SMSDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "number", "confirmed", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "number")
    exclude = ("token", "valid_until")
    readonly_fields = ("throttling_failure_count", "throttling_failure_timestamp",
                       "last_generated_timestamp", "wrong_codes")


@admin.register(ActivationLetter)
class ActivationLetterAdmin(admin.ModelAdmin):
    list_display = ("account", "status", "created_at", "printed_at", "valid_until", "used_at")
    list_filter = ("status",)
    list_select_related = ("account",)
    search_fields = ("account__username",)
    exclude = ("code_hash",)
    readonly_fields = ("account", "status", "printed_at", "valid_until", "used_at")


class InsuredPersonInline(admin.TabularInline):
    model = InsuredPerson
    extra = 0
    can_delete = False  # persons come from the core system, and their history stays


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("customer_number", "account", "advisor", "locality", "correspondence")
    list_select_related = ("account", "advisor")
    search_fields = ("customer_number", "account__username", "insured_persons__last_name")
    list_filter = ("correspondence", "language")
    inlines = [InsuredPersonInline]  # + the profile's history inlines, below
    raw_id_fields = ("account",)
    # Who the customer is comes from the core system. The contact details, the language and
    # how to be notified are the customer's own choices: they change them in their profile
    # (accounts.profile: validated, audited, an address waiting for its date, the preference's
    # history computing the online discount), after logging in with their second factor; a
    # caller on the phone cannot redirect the notifications. Staff read them here; the one
    # thing staff set is who looks after the household (accounts.assignment, audited).
    readonly_fields = ("customer_number", "account", "portal_registered_at", "street",
                       "postcode", "locality", "email", "landline_phone", "language",
                       "correspondence", "notify_channel")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = ["unlock_contracts"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        # Each row's label (the action checkbox) names the policy holder: one query in all.
        return super().get_queryset(request).prefetch_related("insured_persons")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # households come from the core system

    def has_delete_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False  # retention and the audit trail: a household is never deleted here

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        """Only the advisor changes here, through the service (audited, staff as actor)."""
        if "advisor" in form.changed_data:
            assign_advisor(Customer.objects.get(pk=obj.pk), to=form.cleaned_data["advisor"],
                           actor=_advisor(request), request=request)
        obj.refresh_from_db()

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # the audit log is the record

    @admin.action(description=_("Débloquer le contrat online (après trop d'essais)"),
                  permissions=["unlock"])
    def unlock_contracts(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        advisor = _advisor(request)
        unlocked = 0
        for customer in queryset.select_related("account"):
            if customer.account is not None:
                unlock_contract(customer.account, actor=advisor, request=request)
                unlocked += 1
        messages.success(request, _("%(n)d contrat(s) online débloqué(s).") % {"n": unlocked})

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.unlock_online_contract")


# --- The profile: what the customer changed, visible to the advisor --------------------


class CorrespondenceChangeInline(admin.TabularInline):
    model = CorrespondenceChange
    extra = 0
    can_delete = False
    readonly_fields = ("preference", "changed_at")

    def has_add_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False


class PendingAddressChangeInline(admin.TabularInline):
    model = PendingAddressChange
    extra = 0
    can_delete = False
    readonly_fields = ("street", "postcode", "locality", "effective_on", "created_at",
                       "applied_at", "cancelled_at")

    def has_add_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False


class PayoutAccountInline(admin.TabularInline):
    """Where reimbursements go, and every earlier account: masked, changed by the customer
    only (password and SMS code, ``accounts.payout``)."""

    model = PayoutAccount
    extra = 0
    can_delete = False
    fields = readonly_fields = ("masked_iban", "holder", "set_at", "set_by", "replaced_at")

    def has_add_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest,
                              obj: Customer | None = None) -> bool:
        return False

    @admin.display(description=_("IBAN"))
    def masked_iban(self, obj: PayoutAccount) -> str:
        return obj.masked


CustomerAdmin.inlines = [*CustomerAdmin.inlines, CorrespondenceChangeInline,
                         PendingAddressChangeInline, PayoutAccountInline]


@admin.register(PortalSession)
class PortalSessionAdmin(admin.ModelAdmin):
    list_display = ("user", "ip_address", "user_agent", "created_at", "last_seen")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = readonly_fields = ("user", "user_agent", "ip_address", "created_at", "last_seen")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# --- A new password waiting (accounts.delayed_reset): a customer who calls has it cancelled ---


@admin.register(DelayedPasswordReset)
class DelayedPasswordResetAdmin(admin.ModelAdmin):
    list_display = ("account", "requested_at", "effective_at", "state")
    list_select_related = ("account",)
    search_fields = ("account__username",)
    ordering = ("-requested_at",)
    fields = ("account", "requested_at", "effective_at", "applied_at", "cancelled_at",
              "letter_printed_at")
    readonly_fields = fields
    actions = ["cancel_resets"]

    @admin.display(description=_("état"))
    def state(self, reset: DelayedPasswordReset) -> str:
        if reset.cancelled_at:
            return str(_("annulé"))
        return str(_("appliqué")) if reset.applied_at else str(_("en attente"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest,
                              obj: DelayedPasswordReset | None = None) -> bool:
        return False

    @admin.action(description=_("Annuler le nouveau mot de passe en attente"),
                  permissions=["change"])
    def cancel_resets(self, request: HttpRequest,
                      queryset: QuerySet[DelayedPasswordReset]) -> None:
        advisor = _advisor(request)
        cancelled = sum(delayed_reset.cancel(reset, request=request, actor=advisor,
                                             via="advisor") for reset in queryset)
        messages.success(request, _("%(n)d demande(s) annulée(s).") % {"n": cancelled})
