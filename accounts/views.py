"""Login (contract number, password, SMS code or passkey; or a passkey alone), registration,
activation, password reset."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp_webauthn.models import WebAuthnCredential
from two_factor.views import LoginView
from two_factor.views.utils import IdempotentSessionWizardView

from accounts import delayed_reset, events, passkeys, registration
from accounts import second_factors as second_factors_lib
from accounts.forms import (
    ActivationForm,
    AuthenticatorSetupForm,
    CodeForm,
    ConfirmPasswordForm,
    ContractAuthenticationForm,
    LoginBackupCodeForm,
    LoginCodeForm,
    NewPasswordMixin,
    PasswordResetRequestForm,
    PortalSetPasswordForm,
    RegistrationForm,
    StaffAuthenticationForm,
    count_spent_code_as_failed_login,
)
from accounts.household import customer_required
from accounts.lockout import attempts_left, lift_locks, locked_out_response
from accounts.login_codes import (
    CodeJustSent,
    CodeNotSent,
    SMSNotDelivered,
    queue_reset_code,
    send_login_code,
)
from accounts.models import SMSDevice
from accounts.ratelimit import PASSWORD_RESET_PER_IP, REGISTRATION_PER_IP
from audit import log as audit
from core.net import client_network
from core.post_only import post_only
from core.sms import SMSDeliveryError

if TYPE_CHECKING:
    from django.forms import Form
    from django.http import HttpRequest, HttpResponse

    from accounts.household import CustomerRequest
    from accounts.models import User


# The login variant's answer, posted to /login/ beside the wizard's steps.
PASSKEY_LOGIN_FIELD = "passkey_login"


class PortalLoginView(LoginView):
    """django-two-factor-auth's wizard with the portal's forms and a fresh code per login.

    Adds what the library lacks: "send a new code" with a cool-down, per-contract and
    per-address SMS limits, a clear message when the SMS provider fails, and a new login
    after five wrong codes.
    """

    template_name = "accounts/login.html"
    form_list: tuple[tuple[str, type[Form]], ...] = (
        (LoginView.AUTH_STEP, ContractAuthenticationForm),
        (LoginView.TOKEN_STEP, LoginCodeForm),
        (LoginView.BACKUP_STEP, LoginBackupCodeForm),
    )
    staff_login = False
    device_cache: Any  # the library's, set in its __init__ and get_device

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sms_problem: str | None = None
        self.code_resent = False
        self.passkey_options: dict[str, Any] | None = None

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        if PASSKEY_LOGIN_FIELD in self.request.POST and not self.staff_login:
            return self.log_in_with_passkey()
        if "resend_code" in self.request.POST and self.steps.current == self.TOKEN_STEP:
            if self.expired:
                return super().post(*args, **kwargs)  # the library restarts the login
            device = self.get_device()
            if isinstance(device, SMSDevice):
                allowed, _info = device.generate_is_allowed()
                try:
                    if not allowed:
                        raise CodeJustSent
                    send_login_code(self.request, device, purpose="login")
                    self.code_resent = True
                except CodeNotSent as problem:
                    self.sms_problem = problem.message
            return IdempotentSessionWizardView.render(self, self.get_form())
        response = super().post(*args, **kwargs)
        if self.steps.current == self.TOKEN_STEP and self.get_user():
            device = self.get_device()
            if isinstance(device, SMSDevice):
                device.refresh_from_db()
                if device.code_spent:
                    count_spent_code_as_failed_login(self.request, device.user)
                    self.storage.reset()
                    messages.error(self.request, _(
                        "Vous avez saisi 5 codes erronés. Pour votre sécurité, veuillez vous "
                        "reconnecter; un nouveau code vous sera envoyé."))
                    return redirect(self.request.path)
        return response

    def log_in_with_passkey(self) -> HttpResponse:
        """The login variant: a passkey instead of the contract number, password and code."""
        self.storage.reset()
        try:
            passkeys.log_in(self.request, self.request.POST[PASSKEY_LOGIN_FIELD])
        except passkeys.LoginLocked as locked:
            if locked.locked_pair:  # django-axes' lock of this contract from this address
                return locked_out_response(self.request,
                                           credentials={"username": locked.username})
            messages.error(self.request, locked.message)
            return redirect(self.request.get_full_path())
        except passkeys.PasskeyError as problem:
            messages.error(self.request, problem.message)
            return redirect(self.request.get_full_path())
        return redirect(self.get_success_url())

    def get_device(self, step: str | None = None) -> Any:
        """A login with passkeys is offered one of them first: no SMS is sent unless the
        customer chooses the code instead."""
        chosen = self.request.POST.get("challenge_device") or \
            self.storage.data.get("challenge_device")
        user = self.get_user()
        if not self.device_cache and step != self.BACKUP_STEP and not chosen and user:
            self.device_cache = passkeys.preferred_passkey(user)
        return super().get_device(step)

    def render(self, form: Form | None = None, **kwargs: Any) -> HttpResponse:
        if self.steps.current == self.AUTH_STEP and not self.staff_login:
            self.passkey_options = passkeys.login_options(self.request)
        if self.steps.current == self.TOKEN_STEP:
            form_with_errors = form is not None and form.is_bound and not form.is_valid()
            device = self.get_device()
            if isinstance(device, WebAuthnCredential):
                # A new challenge each time: the last one was used by the answer just checked.
                self.passkey_options = passkeys.confirm_options(self.request, self.get_user())
            elif not form_with_errors and isinstance(device, SMSDevice):
                allowed, _info = device.generate_is_allowed()
                if allowed:  # within the cool-down the code just sent is still valid
                    try:
                        send_login_code(self.request, device, purpose="login")
                    except CodeNotSent as problem:
                        self.sms_problem = problem.message
            elif not form_with_errors:
                device.generate_challenge()
        # The library's render would send a second, TOTP-based challenge: skip it.
        return IdempotentSessionWizardView.render(self, form, **kwargs)

    def get_context_data(self, form: Form, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form, **kwargs)
        context.update(sms_problem=self.sms_problem, code_resent=self.code_resent,
                       staff_login=self.staff_login,
                       is_sms_step=isinstance(context.get("device"), SMSDevice),
                       is_passkey_step=isinstance(context.get("device"), WebAuthnCredential),
                       passkey_options=self.passkey_options,
                       passkey_login_field=PASSKEY_LOGIN_FIELD)
        if (self.steps.current == self.AUTH_STEP and form.is_bound
                and form.has_error(NON_FIELD_ERRORS, "invalid_login")):
            # Before the lock, not after it: how many tries this contract has left here.
            context["attempts_left"] = attempts_left(self.request,
                                                     form.data.get("auth-username", ""))
        return context


class StaffLoginView(PortalLoginView):
    """Advisors: their own user name, password and their own second factor, then the admin."""

    form_list = (
        (LoginView.AUTH_STEP, StaffAuthenticationForm),
        (LoginView.TOKEN_STEP, LoginCodeForm),
        (LoginView.BACKUP_STEP, LoginBackupCodeForm),
    )
    staff_login = True

    def get_success_url(self) -> str:
        return self.get_redirect_url() or reverse("admin:index")


@never_cache
def register(request: HttpRequest) -> HttpResponse:
    """Existing customers ask for an online contract; it arrives by post."""
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not REGISTRATION_PER_IP.allow(client_network(request) or "unknown"):
            form.add_error(None, _("Trop de demandes depuis cette connexion. Réessayez dans "
                                   "une heure."))
        else:
            registration.request_online_contract(**form.cleaned_data, request=request)
            # The same answer whether or not the details matched: no enumeration.
            return render(request, "accounts/register_done.html")
    return render(request, "accounts/register.html", {"form": form})


class ActivationStartForm(ActivationForm, NewPasswordMixin):
    # Who you are (the letter's contract and code, your mobile) before the password you choose.
    field_order = ["contract_number", "activation_code", "mobile_phone", "new_password1",
                   "new_password2"]


@never_cache
@sensitive_post_parameters("new_password1", "new_password2", "activation_code")
def activate(request: HttpRequest) -> HttpResponse:
    """Step 1: contract number + code from the letter, new password, mobile number."""
    form = ActivationStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        letter = registration.find_valid_letter(data["contract_number"], data["activation_code"])
        problem = None
        if letter is None:
            problem = _("Ce code d'activation n'est pas valable pour ce contrat online, ou il a "
                        "expiré. Vérifiez votre lettre ou demandez-en une nouvelle.")
        else:
            password_form = PortalSetPasswordForm(letter.account, {
                "new_password1": data["new_password1"], "new_password2": data["new_password2"]})
            if not password_form.is_valid():
                for errors in password_form.errors.values():
                    for error in errors:
                        form.add_error("new_password1", error)
            else:
                try:
                    pending = registration.start_activation(
                        letter, password=data["new_password1"],
                        mobile_phone=data["mobile_phone"], request=request)
                except (SMSDeliveryError, ConnectionError):
                    problem = SMSNotDelivered().message
                else:
                    request.session["pending_activation"] = pending.__dict__
                    return redirect("accounts:activate_confirm")
        if problem:
            form.add_error(None, problem)
    return render(request, "accounts/activate.html", {"form": form})


@never_cache
def activate_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: the code sent to the new mobile number."""
    data = request.session.get("pending_activation")
    if not data:
        return redirect("accounts:activate")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pending = registration.PendingActivation(**data)
        user = registration.complete_activation(pending, form.cleaned_data["code"],
                                                request=request)
        if user is not None:
            del request.session["pending_activation"]
            messages.success(request, _("Votre accès est activé. Connectez-vous avec votre "
                                        "contrat online et votre nouveau mot de passe."))
            return redirect("accounts:login")
        form.add_error("code", _("Ce code n'est pas valable. Vérifiez le SMS reçu."))
    return render(request, "accounts/code.html", {
        "form": form, "title": _("Confirmer votre numéro de mobile"),
        "intro": _("Nous avons envoyé un code à 6 chiffres à votre nouveau numéro de mobile.")})


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link sent by SMS to new customers: choose a password."""
    try:
        user = get_user_model().objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/link_invalid.html", status=400)
    form = PortalSetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(events.PASSWORD_CHANGED, request=request, user=user,
                     via="welcome_link")
        messages.success(request, _("Votre mot de passe est enregistré. Vous pouvez vous "
                                    "connecter."))
        return redirect("accounts:login")
    return render(request, "accounts/set_password.html", {"form": form})


RESET_SESSION_KEY = "password_reset_user"


def wait_until(deadline: float) -> None:
    """Sleep until ``deadline`` (``time.monotonic()``), if it is still ahead."""
    remaining = deadline - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    """Forgot password, step 1: contract number + birth date; a code goes to the mobile.

    Every valid request answers after the same ``PASSWORD_RESET_ANSWER_SECONDS`` whether the
    details matched (a code is sent) or not, so the time does not tell (bench/reset_timing.py).
    """
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        deadline = time.monotonic() + settings.PASSWORD_RESET_ANSWER_SECONDS
        try:
            response = _password_reset_request(request, form)
            # Inside the floor: the first write of the session differs too (the middleware's
            # second one, after, is the same for every request).
            request.session.save()
            return response
        finally:
            wait_until(deadline)
    return render(request, "accounts/password_reset.html", {"form": form})


def _password_reset_request(request: HttpRequest,
                            form: PasswordResetRequestForm) -> HttpResponse:
    if not PASSWORD_RESET_PER_IP.allow(client_network(request) or "unknown"):
        form.add_error(None, _("Trop de demandes depuis cette connexion. Réessayez dans "
                               "une heure."))
        return render(request, "accounts/password_reset.html", {"form": form})
    user = registration.account_for_reset(form.cleaned_data["contract_number"],
                                          form.cleaned_data["birth_date"])
    request.session[RESET_SESSION_KEY] = user.pk if user else None
    # account_for_reset checked the device; None only if it was removed meanwhile.
    device = registration.login_sms_device(user) if user is not None else None
    if device is not None:
        # Too many codes: the same next page, so nothing is revealed.
        with contextlib.suppress(CodeNotSent):
            queue_reset_code(request, device)
    # Same next page whether or not the details matched.
    return redirect("accounts:password_reset_confirm")


class ResetConfirmForm(CodeForm, NewPasswordMixin):
    pass


class ResetSecondFactorForm(NewPasswordMixin):
    """After the SMS code, for accounts with an authenticator or backup codes: whoever holds
    the customer's SIM (a SIM swap) does not hold these."""

    second_code = forms.CharField(
        label=gettext_lazy("Code de votre application d'authentification ou code de secours"),
        max_length=16, widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}))
    field_order = ["second_code", "new_password1", "new_password2"]


RESET_SMS_OK_KEY = "password_reset_sms_ok"


def _valid_password_form(user: User, form: Form) -> PortalSetPasswordForm | None:
    """Django's validators on the chosen password, their problems put on ``form``."""
    password_form = PortalSetPasswordForm(user, {
        "new_password1": form.cleaned_data["new_password1"],
        "new_password2": form.cleaned_data["new_password2"]})
    if password_form.is_valid():
        return password_form
    for errors in password_form.errors.values():
        for error in errors:
            form.add_error("new_password1", error)
    return None


def _delay_new_password(request: HttpRequest, user: User, form: Form) -> HttpResponse | None:
    """The SMS code alone: the new password waits (``accounts.delayed_reset``)."""
    password_form = _valid_password_form(user, form)
    if password_form is None:
        return None
    reset = delayed_reset.start(
        user, password_hash=make_password(password_form.cleaned_data["new_password1"]),
        request=request)
    request.session.pop(RESET_SESSION_KEY, None)
    return render(request, "accounts/password_reset_pending.html", {
        "reset": reset, "delay_hours": settings.PASSWORD_RESET_DELAY_HOURS})


def _save_new_password(request: HttpRequest, user: User, form: Form) -> HttpResponse | None:
    """Set the new password (and lift any lock) or put its problems on ``form``."""
    password_form = _valid_password_form(user, form)
    if password_form is None:
        return None
    password_form.save()  # a new password hash logs out every other session
    lift_locks(user.username)  # the owner proved themselves: the self-service unlock
    request.session.pop(RESET_SESSION_KEY, None)
    request.session.pop(RESET_SMS_OK_KEY, None)
    audit.record(events.PASSWORD_CHANGED, request=request, user=user, via="password_reset")
    messages.success(request, _("Votre nouveau mot de passe est enregistré. Connectez-vous."))
    return redirect("accounts:login")


@never_cache
@sensitive_post_parameters("new_password1", "new_password2", "code", "second_code")
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    """Forgot password, step 2: the SMS code and the new password; then, for accounts with an
    authenticator or backup codes, one of those as well."""
    if RESET_SESSION_KEY not in request.session:
        return redirect("accounts:password_reset")
    user_id = request.session[RESET_SESSION_KEY]
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is not None and request.session.get(RESET_SMS_OK_KEY) == user.pk:
        return _reset_second_factor(request, user)
    form = ResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = user.smsdevice_set.filter(name="default").first() if user else None
        code_ok = device is not None and device.verify_token(form.cleaned_data["code"])
        if user is not None and device is not None and device.code_spent:
            count_spent_code_as_failed_login(request, user)
            del request.session[RESET_SESSION_KEY]
            messages.error(request, _("Trop de codes erronés. Recommencez la procédure."))
            return redirect("accounts:password_reset")
        if user is None or not code_ok:  # without a user there is no device, so no right code
            form.add_error("code", _("Ce code n'est pas valable. Vérifiez le dernier SMS reçu."))
        elif second_factors_lib.has_sim_independent_factor(user):
            request.session[RESET_SMS_OK_KEY] = user.pk
            return render(request, "accounts/password_reset_confirm.html",
                          {"form": ResetSecondFactorForm(), "second_step": True})
        else:
            done = _delay_new_password(request, user, form)
            if done is not None:
                return done
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


def _reset_second_factor(request: HttpRequest, user: User) -> HttpResponse:
    form = ResetSecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not second_factors_lib.verify_sim_independent(user, form.cleaned_data["second_code"]):
            count_spent_code_as_failed_login(request, user)  # counted like a wrong code
            form.add_error("second_code", _("Ce code n'est pas valable. Saisissez le code "
                                            "actuel de votre application, ou un code de "
                                            "secours pas encore utilisé."))
        else:
            done = _save_new_password(request, user, form)
            if done is not None:
                return done
    return render(request, "accounts/password_reset_confirm.html",
                  {"form": form, "second_step": True})


@customer_required
def second_factors(request: CustomerRequest) -> HttpResponse:
    """Security settings: passkeys, the SMS code, an authenticator app, backup codes."""
    from accounts.passkey_views import CUSTOMER, security_page

    return security_page(request, area=CUSTOMER, user=request.user)


@customer_required
@sensitive_post_parameters("password", "code")
def authenticator_setup(request: CustomerRequest) -> HttpResponse:
    key = request.session.get("totp_setup_key")
    if request.method == "GET" or not key:
        key = second_factors_lib.new_totp_key()
        request.session["totp_setup_key"] = key
    form = AuthenticatorSetupForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factors_lib.confirm_authenticator(request.user, key, form.cleaned_data["code"],
                                                    request=request):
            del request.session["totp_setup_key"]
            messages.success(request, _("Votre application d'authentification est activée. "
                                        "Vous pourrez la choisir à la connexion."))
            return redirect("accounts:second_factors")
        form.add_error("code", _("Ce code ne correspond pas. Vérifiez l'heure de votre "
                                 "téléphone et saisissez le code actuel."))
    uri = second_factors_lib.otpauth_uri(request.user, key)
    return render(request, "accounts/authenticator_setup.html", {
        "form": form, "qr_svg": second_factors_lib.qr_svg(uri), "otpauth_uri": uri,
        "secret": second_factors_lib.spaced_secret(key)})


@customer_required
@post_only("accounts:second_factors", "authenticator")
@sensitive_post_parameters("password")
def authenticator_remove(request: CustomerRequest) -> HttpResponse:
    form = ConfirmPasswordForm(request.user, request.POST)
    if form.is_valid():
        second_factors_lib.remove_authenticator(request.user, request=request)
        messages.success(request, _("L'application d'authentification est retirée."))
    else:
        # An error list item is its message (the stubs type it as the stored error).
        messages.error(request, str(form.errors["password"][0]))
    return redirect("accounts:second_factors")


@customer_required
@post_only("accounts:second_factors", "backup-codes")
@sensitive_post_parameters("password")
def backup_codes(request: CustomerRequest) -> HttpResponse:
    form = ConfirmPasswordForm(request.user, request.POST)
    if not form.is_valid():
        # An error list item is its message (the stubs type it as the stored error).
        messages.error(request, str(form.errors["password"][0]))
        return redirect("accounts:second_factors")
    codes = second_factors_lib.new_backup_codes(request.user, request=request)
    # Shown once; core.middleware.PrivateCacheMiddleware keeps the page out of caches.
    return render(request, "accounts/backup_codes.html", {"codes": codes})


@never_cache
def password_reset_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the e-mail: cancel a waiting new password (no login needed, the signed link
    is the proof; it can do nothing but cancel)."""
    reset = delayed_reset.reset_for_token(token)
    if reset is None:
        return render(request, "accounts/link_invalid.html", status=404)
    if request.method == "POST" and reset.pending:
        delayed_reset.cancel(reset, request=request, via="link")
        return render(request, "accounts/password_reset_cancelled.html", {"reset": reset})
    return render(request, "accounts/password_reset_cancel.html", {"reset": reset})


@customer_required
@post_only("accounts:second_factors")
def password_reset_cancel_mine(request: CustomerRequest) -> HttpResponse:
    """Logged in with the current password: cancel the new one waiting."""
    reset = delayed_reset.pending_for(request.user)
    if reset is not None and delayed_reset.cancel(reset, request=request, via="portal"):
        messages.success(request, _("La demande de nouveau mot de passe est annulée. Votre mot "
                                    "de passe actuel reste valable."))
    return redirect("accounts:second_factors")
