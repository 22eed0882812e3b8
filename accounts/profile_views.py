"""The customer's profile (/profile/): thin views over ``accounts.profile``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts import events, payout, profile
from accounts.forms import PortalPasswordChangeForm
from accounts.household import customer_required
from accounts.profile_forms import (
    AddressForm,
    ContactForm,
    MobileCodeForm,
    MobileForm,
    PayoutForm,
    PreferencesForm,
)
from accounts.session_codes import CodeResult
from audit import log as audit
from core.iban import mask as mask_iban
from core.post_only import post_only, section_url
from core.sms import SMSDeliveryError, mask_phone_number

if TYPE_CHECKING:
    from django.forms import Form
    from django.http import HttpResponse

    from accounts.household import CustomerRequest


def _blank_form(request: CustomerRequest, section: str) -> Form:
    """The section's form, filled with what is on file (never the secrets)."""
    customer, user = request.customer, request.user
    if section == "address":
        return AddressForm(initial={"street": customer.street, "postcode": customer.postcode,
                                    "locality": customer.locality,
                                    "effective_on": timezone.localdate()})
    if section == "contact":
        return ContactForm(initial={"email": customer.email,
                                    "landline_phone": customer.landline_phone})
    if section == "preferences":
        return PreferencesForm(initial={"language": customer.language,
                                        "correspondence": customer.correspondence,
                                        "notify_channel": customer.notify_channel})
    if section == "mobile":
        return MobileForm(user=user)
    if section == "payout":
        return PayoutForm(user=user)
    return PortalPasswordChangeForm(user)


def _context(request: CustomerRequest) -> dict[str, Any]:
    customer = request.customer
    return {
        "customer": customer,
        "pending_address": profile.pending_address_change(customer),
        "masked_mobile": (mask_phone_number(request.user.mobile_phone)
                          if request.user.mobile_phone else ""),
        "pending_mobile": profile.pending_mobile(request.session),
        "payout_account": payout.current_account(customer),
        "payout_mobile": mask_phone_number(verified) if (
            verified := payout.verified_mobile(request.user)) else "",
        "pending_payout": payout.pending_change(request.session),
    }


def _render(request: CustomerRequest) -> HttpResponse:
    """The summary: what is on file, one "Modify" per section, no open form."""
    context = _context(request)
    current = request.session.session_key
    # This browser first, then the others, most recent first (the page lists three).
    sessions = sorted(profile.active_sessions(request.user),
                      key=lambda session: session.session_key != current)
    context.update(persons=request.customer.insured_persons.all(), sessions=sessions,
                   current_session_key=current)
    return render(request, "accounts/profile/profile.html", context)


def _edit(request: CustomerRequest, section: str, form: Form | None = None,
          status: int = 200) -> HttpResponse:
    """One section's form on a page of its own (GET, or a refused POST with what was sent)."""
    context = _context(request)
    context.update(section=section,
                   form=form if form is not None else _blank_form(request, section))
    return render(request, f"accounts/profile/edit_{section}.html", context, status=status)


@customer_required
@require_GET
def profile_page(request: CustomerRequest) -> HttpResponse:
    profile.apply_due_address_changes(customer=request.customer)
    profile.track_session(request)  # so this browser is listed from the first visit
    return _render(request)


EDIT_METHODS = require_http_methods(["GET", "HEAD", "POST"])


@customer_required
@EDIT_METHODS
def address(request: CustomerRequest) -> HttpResponse:
    if request.method != "POST":
        return _edit(request, "address")
    form = AddressForm(request.POST)
    if not form.is_valid():
        return _edit(request, "address", form, status=400)
    change = profile.request_address_change(request.customer, request=request,
                                            **form.cleaned_data)
    if change.applied_at:
        messages.success(request, _("Votre nouvelle adresse est enregistrée."))
    else:
        messages.success(request, _("Votre nouvelle adresse sera valable à partir du %(date)s.")
                         % {"date": change.effective_on.strftime("%d.%m.%Y")})
    return redirect("accounts:profile")


@customer_required
@EDIT_METHODS
def contact(request: CustomerRequest) -> HttpResponse:
    if request.method != "POST":
        return _edit(request, "contact")
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _edit(request, "contact", form, status=400)
    profile.update_contact(request.customer, request=request, **form.cleaned_data)
    messages.success(request, _("Vos coordonnées sont enregistrées."))
    return redirect("accounts:profile")


@customer_required
@EDIT_METHODS
def preferences(request: CustomerRequest) -> HttpResponse:
    if request.method != "POST":
        return _edit(request, "preferences")
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        return _edit(request, "preferences", form, status=400)
    changed = profile.update_preferences(request.customer, request=request, **form.cleaned_data)
    if "correspondence" in changed and request.customer.correspondence == "online":
        messages.success(request, _("Vos préférences sont enregistrées. Le rabais online "
                                    "s'applique dès le mois prochain."))
    else:
        messages.success(request, _("Vos préférences sont enregistrées."))
    return redirect("accounts:profile")


@customer_required
@EDIT_METHODS
def mobile(request: CustomerRequest) -> HttpResponse:
    if request.method != "POST":
        return _edit(request, "mobile")
    form = MobileForm(request.POST, user=request.user)
    if not form.is_valid():
        if form.has_error("password", "password_incorrect"):
            audit.record(events.LOGIN_FAILED, request=request, user=request.user,
                         purpose="mobile_change_reauthentication")
        return _edit(request, "mobile", form, status=400)
    try:
        profile.start_mobile_change(request.session, request.user,
                                    form.cleaned_data["mobile_phone"], request=request)
    except profile.TooManyCodes as problem:
        form.add_error(None, problem.message)
        return _edit(request, "mobile", form, status=429)
    except (SMSDeliveryError, ConnectionError):
        profile.forget_pending_mobile(request.session)
        form.add_error(None, _("Le SMS n'a pas pu être envoyé. Réessayez dans quelques "
                               "minutes."))
        return _edit(request, "mobile", form, status=503)
    return redirect("accounts:profile_mobile_confirm")


@customer_required
@require_http_methods(["GET", "POST"])
def mobile_confirm(request: CustomerRequest) -> HttpResponse:
    number = profile.pending_mobile(request.session)
    if number is None:
        messages.error(request, _("Aucun changement de numéro en attente, ou le code a "
                                  "expiré. Recommencez."))
        return redirect("accounts:profile")
    form = MobileCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = profile.confirm_mobile_change(request.session, request.user,
                                                    form.cleaned_data["code"], request=request)
            result = outcome.result
            if result is profile.MobileCodeResult.CONFIRMED:
                messages.success(request, _("Votre nouveau numéro de mobile est enregistré: "
                                            "les codes de connexion y seront envoyés."))
                return redirect("accounts:profile")
            if result is profile.MobileCodeResult.WRONG:
                form.add_error("code", _("Ce code n'est pas correct. Vérifiez le SMS et "
                                         "réessayez."))
            else:
                messages.error(request, _("Le code a expiré ou a été saisi trop de fois de "
                                          "manière erronée. Recommencez."))
                return redirect("accounts:profile")
    return render(request, "accounts/profile/mobile_confirm.html",
                  {"form": form, "masked": mask_phone_number(number)}, status=status)


@customer_required
@EDIT_METHODS
def payout_account(request: CustomerRequest) -> HttpResponse:
    """The new payout account: the password here, then a code to the verified mobile."""
    if request.method != "POST":
        return _edit(request, "payout")
    form = PayoutForm(request.POST, user=request.user)
    if not form.is_valid():
        if form.has_error("password", "password_incorrect"):
            audit.record(events.LOGIN_FAILED, request=request, user=request.user,
                         purpose="payout_change_reauthentication")
        return _edit(request, "payout", form, status=400)
    try:
        payout.start_change(request.session, request.user, request.customer,
                            iban=form.cleaned_data["iban"], holder=form.cleaned_data["holder"],
                            request=request)
    except payout.PayoutChangeRefused as problem:
        form.add_error(None, problem.message)
        status = {payout.TooManyPayoutCodes: 429, payout.CodeNotDelivered: 503}.get(
            type(problem), 400)
        return _edit(request, "payout", form, status=status)
    return redirect("accounts:profile_payout_confirm")


@customer_required
@require_http_methods(["GET", "POST"])
def payout_confirm(request: CustomerRequest) -> HttpResponse:
    pending = payout.pending_change(request.session)
    if pending is None:
        messages.error(request, _("Aucun changement de compte en attente, ou le code a expiré. "
                                  "Recommencez."))
        return redirect(section_url("accounts:profile", "payout"))
    form = MobileCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            checked = payout.confirm_change(request.session, request.user, request.customer,
                                            form.cleaned_data["code"], request=request)
            if checked.result is CodeResult.CONFIRMED:
                messages.success(request, _("Votre nouveau compte de versement est enregistré: "
                                            "les prochains remboursements y seront versés."))
                return redirect(section_url("accounts:profile", "payout"))
            if checked.result is CodeResult.WRONG:
                form.add_error("code", _("Ce code n'est pas correct. Vérifiez le SMS et "
                                         "réessayez."))
            else:
                messages.error(request, _("Le code a expiré ou a été saisi trop de fois de "
                                          "manière erronée. Recommencez."))
                return redirect(section_url("accounts:profile", "payout"))
    verified = payout.verified_mobile(request.user)
    return render(request, "accounts/profile/payout_confirm.html",
                  {"form": form, "masked_account": mask_iban(pending["iban"]),
                   "holder": pending["holder"],
                   "masked_mobile": mask_phone_number(verified) if verified else ""},
                  status=status)


@customer_required
@EDIT_METHODS
def password(request: CustomerRequest) -> HttpResponse:
    if request.method != "POST":
        return _edit(request, "password")
    form = PortalPasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return _edit(request, "password", form, status=400)
    user = form.save()
    update_session_auth_hash(request, user)
    ended = profile.log_out_other_sessions(user, keep=request.session.session_key)
    audit.record(events.PASSWORD_CHANGED, request=request, user=user,
                 other_sessions_ended=ended)
    messages.success(request, _("Votre mot de passe est modifié. Vos autres sessions sont "
                                "déconnectées."))
    return redirect("accounts:profile")


@customer_required
@post_only("accounts:profile", "sessions")
def log_out_others(request: CustomerRequest) -> HttpResponse:
    ended = profile.log_out_other_sessions(request.user, keep=request.session.session_key,
                                           request=request)
    messages.success(request, ngettext("%(count)s autre session déconnectée.",
                                       "%(count)s autres sessions déconnectées.", ended)
                     % {"count": ended})
    return redirect("accounts:profile")
