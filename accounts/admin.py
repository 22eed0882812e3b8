from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, InsuredPerson, SecurityEvent, User


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
    inlines = [InsuredPersonInline]
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
