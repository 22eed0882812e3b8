"""Passkeys on the security pages: the customer's (/profile/security/) and the advisor's
(/staff/security/). Thin views over ``accounts.passkeys``; the same views serve both, told
apart by the ``area`` their URL gives them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp_webauthn.models import WebAuthnCredential

from accounts import delayed_reset, passkeys
from accounts import second_factors as second_factors_lib
from accounts.forms import ConfirmPasswordForm, PasskeyAddForm, PasskeyRenameForm
from accounts.household import customer_of, passed_both_factors
from accounts.models import User

if TYPE_CHECKING:
    from django.forms import Form

CUSTOMER = "customer"
STAFF = "staff"


@dataclass(frozen=True)
class Area:
    page: str  # the security page's URL name
    template: str
    create_template: str
    url_prefix: str  # of the passkey URLs' names


AREAS = {
    CUSTOMER: Area("accounts:second_factors", "accounts/second_factors.html",
                   "accounts/passkey_create.html", "accounts:passkey_"),
    STAFF: Area("accounts:staff_security", "admin/staff_security.html",
                "admin/staff_passkey_create.html", "accounts:staff_passkey_"),
}


def _own_login(request: HttpRequest, area: str) -> User | HttpResponseBase:
    """The login whose passkeys these are: a customer (customer pages) or an advisor (staff
    pages), both factors passed; else the login page or 403."""
    user = request.user
    if not passed_both_factors(user) or not isinstance(user, User):
        login_url = reverse("accounts:staff_login") if area == STAFF else None
        return redirect_to_login(request.get_full_path(), login_url)
    allowed = user.is_staff if area == STAFF else customer_of(user) is not None
    if not allowed:
        raise PermissionDenied
    return user


ViewFunc = Callable[..., HttpResponseBase]


def own_passkeys(view: Callable[..., HttpResponseBase]) -> ViewFunc:
    """Lets through the owner of the page's passkeys (see ``_own_login``); passes ``user``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, area: str, **kwargs: Any) -> HttpResponseBase:
        user = _own_login(request, area)
        if not isinstance(user, User):
            return user
        return view(request, *args, area=area, user=user, **kwargs)

    return wrapper


def _item(device: WebAuthnCredential, user: User, rename_form: Form | None = None,
          remove_form: Form | None = None) -> dict[str, Any]:
    """One passkey in the list, with its own rename and remove forms (ids of its own)."""
    auto_id = f"id_passkey{device.pk}_%s"
    return {
        "device": device,
        "rename_form": rename_form or PasskeyRenameForm(initial={"name": device.name},
                                                        auto_id=auto_id),
        "remove_form": remove_form or ConfirmPasswordForm(user, auto_id=auto_id),
        "open": bool(rename_form or remove_form),
    }


def security_page(request: HttpRequest, *, area: str, user: User, status: int = 200,
                  add_form: Form | None = None, bound: dict[int, dict[str, Form]] | None = None,
                  ) -> HttpResponse:
    """The security page of ``area``, with the forms that just failed kept as typed."""
    bound = bound or {}
    context: dict[str, Any] = {
        "passkeys": [_item(device, user=user, **bound.get(device.pk, {}))
                     for device in passkeys.passkeys_of(user)],
        "passkey_add_form": add_form or PasskeyAddForm(
            user, auto_id="id_passkey_%s",
            initial={"name": passkeys.default_name(request.META.get("HTTP_USER_AGENT", ""))}),
        "passkey_urls": AREAS[area].url_prefix,
    }
    if area == STAFF:
        context.update(admin.site.each_context(request), title=_("Mes clés d'accès"))
    else:
        context.update(factors=second_factors_lib.second_factor_summary(user),
                       password_form=ConfirmPasswordForm(user),
                       pending_reset=delayed_reset.pending_for(user))
    return render(request, AREAS[area].template, context, status=status)


def _back(area: str) -> HttpResponse:
    return redirect(f"{reverse(AREAS[area].page)}#passkeys")


@never_cache
@own_passkeys
def staff_security(request: HttpRequest, *, area: str, user: User) -> HttpResponse:
    """The advisor's passkeys (their second factor at /staff/login/)."""
    return security_page(request, area=area, user=user)


@sensitive_post_parameters("password")
@own_passkeys
def add(request: HttpRequest, *, area: str, user: User) -> HttpResponseBase:
    """Step 1: name and password; then the page that asks the browser for a passkey."""
    if request.method != "POST":
        return _back(area)
    form = PasskeyAddForm(user, request.POST, auto_id="id_passkey_%s")
    if not form.is_valid():
        return security_page(request, area=area, user=user, status=400, add_form=form)
    options = passkeys.registration_options(request, user, name=form.cleaned_data["name"])
    context: dict[str, Any] = {
        "options": options, "name": form.cleaned_data["name"],
        "confirm_url": reverse(f"{AREAS[area].url_prefix}confirm"),
        "cancel_url": f"{reverse(AREAS[area].page)}#passkeys",
    }
    if area == STAFF:
        context.update(admin.site.each_context(request), title=_("Nouvelle clé d'accès"))
    return render(request, AREAS[area].create_template, context)


@own_passkeys
def confirm(request: HttpRequest, *, area: str, user: User) -> HttpResponseBase:
    """Step 2: the browser's answer; the passkey is kept."""
    if request.method != "POST":
        return _back(area)
    try:
        device = passkeys.complete_registration(request, user, request.POST.get("credential", ""))
    except passkeys.PasskeyError as problem:
        messages.error(request, problem.message)
    else:
        messages.success(request, _("La clé d'accès « %(name)s » est enregistrée. Vous pouvez "
                                    "l'utiliser à la prochaine connexion.") % {"name": device.name})
    return _back(area)


def _own_device(user: User, pk: int) -> WebAuthnCredential:
    try:
        return passkeys.passkeys_of(user).get(pk=pk)
    except WebAuthnCredential.DoesNotExist:
        raise Http404 from None


@own_passkeys
def rename(request: HttpRequest, pk: int, *, area: str, user: User) -> HttpResponseBase:
    device = _own_device(user, pk)
    if request.method != "POST":
        return _back(area)
    form = PasskeyRenameForm(request.POST, auto_id=f"id_passkey{pk}_%s")
    if not form.is_valid():
        return security_page(request, area=area, user=user, status=400,
                             bound={device.pk: {"rename_form": form}})
    passkeys.rename(user, device.pk, form.cleaned_data["name"], request=request)
    messages.success(request, _("La clé d'accès s'appelle maintenant « %(name)s ».")
                     % {"name": form.cleaned_data["name"]})
    return _back(area)


@sensitive_post_parameters("password")
@own_passkeys
def remove(request: HttpRequest, pk: int, *, area: str, user: User) -> HttpResponseBase:
    device = _own_device(user, pk)
    if request.method != "POST":
        return _back(area)
    form = ConfirmPasswordForm(user, request.POST, auto_id=f"id_passkey{pk}_%s")
    if not form.is_valid():
        return security_page(request, area=area, user=user, status=400,
                             bound={device.pk: {"remove_form": form}})
    name = passkeys.remove(user, device.pk, request=request)
    messages.success(request, _("La clé d'accès « %(name)s » est retirée.") % {"name": name})
    return _back(area)

