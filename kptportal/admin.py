"""Read-only views for operations: data exports and tasks waiting for the broker."""

from django.contrib import admin

from kptportal.admin_mixins import ReadOnlyAdminMixin
from kptportal.models import DataExport, DeferredTask


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ["customer", "status", "requested_at", "ready_at", "expires_at",
                    "downloaded_at", "attempts"]
    list_filter = ["status"]
    list_select_related = ["customer"]
    exclude = ["file"]  # the file itself is the customer's: only they download it


@admin.register(DeferredTask)
class DeferredTaskAdmin(ReadOnlyAdmin):
    list_display = ["task_name", "created_at"]
    # The arguments may hold a phone number or a message text: operators see the task only.
    fields = ["task_name", "created_at"]
