"""The portal's model backend: Django's, with each request's user loaded with its household."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class PortalModelBackend(ModelBackend):
    """Every customer page needs ``request.user.customer``: loading it with the user (a join
    on the one-to-one) saves a database round trip per request. Advisors have no household:
    for them ``user.customer`` raises as before, without a query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("customer").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
