from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    CorrespondenceChange,
    Customer,
    InsuredPerson,
    PendingAddressChange,
    PortalSession,
    SecurityEvent,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Portail"), {"fields": ("mobile_phone", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "is_staff", "is_active", "last_login")


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


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "username", "actor", "ip_address")
    list_filter = ("kind",)
    search_fields = ("username",)
    list_select_related = ("actor",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
