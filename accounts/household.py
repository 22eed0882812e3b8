"""Who may see what: every customer-data query starts from the logged-in household."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.models import Customer


def customer_of(user) -> Customer | None:
    """The household a login belongs to, or None for advisors and anonymous users."""
    if not user.is_authenticated:
        return None
    return getattr(user, "customer", None)


def customer_required(view):
    """Let through only a customer who passed both factors; sets ``request.customer``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_verified():
            return redirect_to_login(request.get_full_path())
        customer = customer_of(user)
        if customer is None:
            raise PermissionDenied
        request.customer = customer
        return view(request, *args, **kwargs)

    return wrapper
