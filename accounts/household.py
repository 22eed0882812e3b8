"""Who may see what: every customer-data query starts from the logged-in household."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from accounts.models import Customer, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


class CustomerRequest(HttpRequest):
    """A request that passed ``customer_required``: a customer's login, both factors passed.

    Only for annotations: views decorated with ``customer_required`` take it instead of an
    ``HttpRequest`` and may use ``request.customer`` and ``request.user`` without checks.
    """

    user: User
    customer: Customer


def customer_of(user: User | AnonymousUser) -> Customer | None:
    """The household a login belongs to, or None for advisors and anonymous users."""
    if not user.is_authenticated:
        return None
    return getattr(user, "customer", None)


def passed_both_factors(user: User | AnonymousUser) -> bool:
    """django-otp's middleware gives each request's user ``is_verified()``."""
    is_verified = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and is_verified is not None and is_verified())


def customer_required(
    view: Callable[Concatenate[CustomerRequest, P], R],
) -> Callable[Concatenate[HttpRequest, P], R | HttpResponseBase]:
    """Let through only a customer who passed both factors; sets ``request.customer``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R | HttpResponseBase:
        user = request.user
        if not passed_both_factors(user):
            return redirect_to_login(request.get_full_path())
        customer = customer_of(user)
        if customer is None:
            raise PermissionDenied
        request.customer = customer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)  # type: ignore[arg-type]

    return wrapper
