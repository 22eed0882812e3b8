"""Tasks waiting for the broker, read-only for the operators."""

from django.contrib import admin

from core.admin_mixins import ReadOnlyAdminMixin
from core.models import DeferredTask


@admin.register(DeferredTask)
class DeferredTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["task_name", "created_at"]
    # The arguments may hold a phone number or a message text: operators see the task only.
    fields = ["task_name", "created_at"]
