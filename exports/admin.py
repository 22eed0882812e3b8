"""Data exports, read-only: who asked when, and whether it is ready; never the file."""

from django.contrib import admin

from core.admin_mixins import ReadOnlyAdminMixin
from exports.models import DataExport


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["customer", "status", "requested_at", "ready_at", "expires_at",
                    "downloaded_at", "attempts"]
    list_filter = ["status"]
    list_select_related = ["customer"]
    exclude = ["file"]  # the file itself is the customer's: only they download it
