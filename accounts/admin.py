from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit
from accounts.models import (
    ActivationLetter,
    CorrespondenceChange,
    Customer,
    InsuredPerson,
    PendingAddressChange,
    PortalSession,
    SecurityEvent,
    SMSDevice,
    User,
)
from kptportal.admin_mixins import ReadOnlyAdminMixin
from kptportal.admin_paginator import EstimatedCountPaginator


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Portail"), {"fields": ("mobile_phone", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "is_staff", "is_active", "last_login")
    actions = ["unlock", "reset_second_factors"]

    @admin.action(description=_("Débloquer l'accès (après trop d'essais)"))
    def unlock(self, request, queryset):
        for user in queryset:
            axes_reset(username=user.username)
            audit.record(SecurityEvent.Kind.UNLOCK, request=request, user=user, actor=request.user)
        messages.success(request, _("%(n)d accès débloqué(s).") % {"n": queryset.count()})

    @admin.action(description=_("Réinitialiser l'app d'authentification et les codes de secours"))
    def reset_second_factors(self, request, queryset):
        for user in queryset:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            audit.record(SecurityEvent.Kind.SECOND_FACTOR_CHANGED, request=request, user=user,
                         actor=request.user, change="reset_by_advisor")
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


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("customer_number", "account", "advisor", "locality", "correspondence")
    list_select_related = ("account", "advisor")
    search_fields = ("customer_number", "account__username", "insured_persons__last_name")
    list_filter = ("correspondence", "language")
    inlines = [InsuredPersonInline]  # + the profile's history inlines, below
    raw_id_fields = ("account",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_queryset(self, request):
        # Each row's label (the action checkbox) names the policy holder: one query in all.
        return super().get_queryset(request).prefetch_related("insured_persons")


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "username", "actor", "ip_address")
    list_filter = ("kind", "created_at")
    search_fields = ("username",)
    list_select_related = ("actor",)
    # No date_hierarchy: its year list is a DISTINCT over the whole audit log; the date
    # filter needs no query. Unfiltered, the count is estimated (kptportal.admin_paginator).
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_queryset(self, request):
        # The customer column names each household's policy holder: one query in all.
        return super().get_queryset(request).prefetch_related("customer__insured_persons")



# --- Profile (issue 6): what the customer changed, visible to the advisor ---------------


class CorrespondenceChangeInline(admin.TabularInline):
    model = CorrespondenceChange
    extra = 0
    can_delete = False
    readonly_fields = ("preference", "changed_at")

    def has_add_permission(self, request, obj=None):
        return False


class PendingAddressChangeInline(admin.TabularInline):
    model = PendingAddressChange
    extra = 0
    can_delete = False
    readonly_fields = ("street", "postcode", "locality", "effective_on", "created_at",
                       "applied_at", "cancelled_at")

    def has_add_permission(self, request, obj=None):
        return False


CustomerAdmin.inlines = [*CustomerAdmin.inlines, CorrespondenceChangeInline,
                         PendingAddressChangeInline]
SecurityEventAdmin.list_display = (*SecurityEventAdmin.list_display, "customer", "detail")
SecurityEventAdmin.list_select_related = (*SecurityEventAdmin.list_select_related, "customer")
SecurityEventAdmin.search_fields = (*SecurityEventAdmin.search_fields,
                                    "customer__customer_number")


@admin.register(PortalSession)
class PortalSessionAdmin(admin.ModelAdmin):
    list_display = ("user", "ip_address", "user_agent", "created_at", "last_seen")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = readonly_fields = ("user", "user_agent", "ip_address", "created_at", "last_seen")

    def has_add_permission(self, request):
        return False
