"""Small pieces shared by the apps' admin classes."""


class ReadOnlyAdminMixin:
    """Advisors may look, never add, change or delete (audit log, exports, queues)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
