"""Login (contract number, password, SMS code), registration, activation, password reset."""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from two_factor.views import LoginView
from two_factor.views.utils import IdempotentSessionWizardView

from accounts import audit, registration
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
from accounts.models import SecurityEvent, SMSDevice
from accounts.ratelimit import (
    PASSWORD_RESET_PER_IP,
    REGISTRATION_PER_IP,
    SMS_PER_CONTRACT,
    SMS_PER_IP,
)
from kptportal.sms import SMSDeliveryError

logger = logging.getLogger(__name__)

SMS_FAILED_MESSAGE = _(
    "Nous n'avons pas pu envoyer le SMS. Veuillez réessayer dans un instant avec « Envoyer "
    "un nouveau code ». Rien n'est perdu."
)


def send_login_code(request, device: SMSDevice, *, purpose: str) -> str | None:
    """Send a code within the per-contract and per-address limits. Returns a problem or None."""
    user = device.user
    if not SMS_PER_CONTRACT.allow(user.get_username()) or not SMS_PER_IP.allow(
            audit.client_ip(request) or "unknown"):
        return _("Trop de codes ont été demandés. Pour votre sécurité, attendez une heure ou "
                 "contactez-nous via « Problèmes de connexion ».")
    try:
        device.send_code()
    except (SMSDeliveryError, ConnectionError):
        logger.warning("login code could not be sent", extra={"purpose": purpose})
        audit.record(SecurityEvent.Kind.SMS_FAILED, request=request, user=user, purpose=purpose)
        return SMS_FAILED_MESSAGE
    audit.record(SecurityEvent.Kind.CODE_SENT, request=request, user=user, purpose=purpose)
    return None


class PortalLoginView(LoginView):
    """django-two-factor-auth's wizard with the portal's forms and a fresh code per login.

    Adds what the library lacks: "send a new code" with a cool-down, per-contract and
    per-address SMS limits, a clear message when the SMS provider fails, and a new login
    after five wrong codes.
    """

    template_name = "accounts/login.html"
    form_list = (
        (LoginView.AUTH_STEP, ContractAuthenticationForm),
        (LoginView.TOKEN_STEP, LoginCodeForm),
        (LoginView.BACKUP_STEP, LoginBackupCodeForm),
    )
    staff_login = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sms_problem = None
        self.code_resent = False

    def post(self, *args, **kwargs):
        if "resend_code" in self.request.POST and self.steps.current == self.TOKEN_STEP:
            if self.expired:
                return super().post(*args, **kwargs)  # the library restarts the login
            device = self.get_device()
            if isinstance(device, SMSDevice):
                allowed, _info = device.generate_is_allowed()
                if allowed:
                    self.sms_problem = send_login_code(self.request, device, purpose="login")
                    self.code_resent = self.sms_problem is None
                else:
                    self.sms_problem = _("Un code vient d'être envoyé. Attendez une minute "
                                         "avant d'en demander un nouveau.")
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

    def render(self, form=None, **kwargs):
        if self.steps.current == self.TOKEN_STEP:
            form_with_errors = form is not None and form.is_bound and not form.is_valid()
            device = self.get_device()
            if not form_with_errors and isinstance(device, SMSDevice):
                allowed, _info = device.generate_is_allowed()
                if allowed:  # within the cool-down the code just sent is still valid
                    self.sms_problem = send_login_code(self.request, device, purpose="login")
            elif not form_with_errors:
                device.generate_challenge()
        # The library's render would send a second, TOTP-based challenge: skip it.
        return IdempotentSessionWizardView.render(self, form, **kwargs)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        context.update(sms_problem=self.sms_problem, code_resent=self.code_resent,
                       staff_login=self.staff_login,
                       is_sms_step=isinstance(context.get("device"), SMSDevice))
        return context


class StaffLoginView(PortalLoginView):
    """Advisors: their own user name, password and their own second factor, then the admin."""

    form_list = (
        (LoginView.AUTH_STEP, StaffAuthenticationForm),
        (LoginView.TOKEN_STEP, LoginCodeForm),
        (LoginView.BACKUP_STEP, LoginBackupCodeForm),
    )
    staff_login = True

    def get_success_url(self):
        return self.get_redirect_url() or reverse("admin:index")


@never_cache
def register(request):
    """Existing customers ask for an online contract; it arrives by post."""
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not REGISTRATION_PER_IP.allow(audit.client_ip(request) or "unknown"):
            form.add_error(None, _("Trop de demandes depuis cette connexion. Réessayez dans "
                                   "une heure."))
        else:
            registration.request_online_contract(**form.cleaned_data, request=request)
            # The same answer whether or not the details matched: no enumeration.
            return render(request, "accounts/register_done.html")
    return render(request, "accounts/register.html", {"form": form})


class ActivationStartForm(ActivationForm, NewPasswordMixin):
    pass


@never_cache
@sensitive_post_parameters("new_password1", "new_password2", "activation_code")
def activate(request):
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
                    problem = SMS_FAILED_MESSAGE
                else:
                    request.session["pending_activation"] = pending.__dict__
                    return redirect("accounts:activate_confirm")
        if problem:
            form.add_error(None, problem)
    return render(request, "accounts/activate.html", {"form": form})


@never_cache
def activate_confirm(request):
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
def set_password(request, uidb64, token):
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
        audit.record(SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=user,
                     via="welcome_link")
        messages.success(request, _("Votre mot de passe est enregistré. Vous pouvez vous "
                                    "connecter."))
        return redirect("accounts:login")
    return render(request, "accounts/set_password.html", {"form": form})


RESET_SESSION_KEY = "password_reset_user"


@never_cache
def password_reset(request):
    """Forgot password, step 1: contract number + birth date; a code goes to the mobile."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not PASSWORD_RESET_PER_IP.allow(audit.client_ip(request) or "unknown"):
            form.add_error(None, _("Trop de demandes depuis cette connexion. Réessayez dans "
                                   "une heure."))
        else:
            user = registration.account_for_reset(form.cleaned_data["contract_number"],
                                                  form.cleaned_data["birth_date"])
            request.session[RESET_SESSION_KEY] = user.pk if user else None
            if user is not None:
                device = registration.login_sms_device(user)
                problem = send_login_code(request, device, purpose="password_reset")
                if problem == SMS_FAILED_MESSAGE:
                    form.add_error(None, problem)
                    return render(request, "accounts/password_reset.html", {"form": form})
            # Same next page whether or not the details matched.
            return redirect("accounts:password_reset_confirm")
    return render(request, "accounts/password_reset.html", {"form": form})


class ResetConfirmForm(CodeForm, NewPasswordMixin):
    pass


@never_cache
@sensitive_post_parameters("new_password1", "new_password2", "code")
def password_reset_confirm(request):
    """Forgot password, step 2: the SMS code and the new password."""
    if RESET_SESSION_KEY not in request.session:
        return redirect("accounts:password_reset")
    user_id = request.session[RESET_SESSION_KEY]
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    form = ResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = user.smsdevice_set.filter(name="default").first() if user else None
        code_ok = device is not None and device.verify_token(form.cleaned_data["code"])
        if device is not None and device.code_spent:
            count_spent_code_as_failed_login(request, user)
            del request.session[RESET_SESSION_KEY]
            messages.error(request, _("Trop de codes erronés. Recommencez la procédure."))
            return redirect("accounts:password_reset")
        if not code_ok:
            form.add_error("code", _("Ce code n'est pas valable. Vérifiez le dernier SMS reçu."))
        else:
            password_form = PortalSetPasswordForm(user, {
                "new_password1": form.cleaned_data["new_password1"],
                "new_password2": form.cleaned_data["new_password2"]})
            if password_form.is_valid():
                password_form.save()  # a new password hash logs out every other session
                del request.session[RESET_SESSION_KEY]
                audit.record(SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=user,
                             via="password_reset")
                messages.success(request, _("Votre nouveau mot de passe est enregistré. "
                                            "Connectez-vous."))
                return redirect("accounts:login")
            for errors in password_form.errors.values():
                for error in errors:
                    form.add_error("new_password1", error)
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


@customer_required
def second_factors(request):
    """Security settings: the SMS code, an authenticator app, backup codes."""
    return render(request, "accounts/second_factors.html",
                  {"factors": second_factors_lib.second_factor_summary(request.user),
                   "password_form": ConfirmPasswordForm(request.user)})


@customer_required
@sensitive_post_parameters("password", "code")
def authenticator_setup(request):
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
        "form": form, "qr_svg": second_factors_lib.qr_svg(uri),
        "secret": second_factors_lib.spaced_secret(key)})


@customer_required
@require_POST
@sensitive_post_parameters("password")
def authenticator_remove(request):
    form = ConfirmPasswordForm(request.user, request.POST)
    if form.is_valid():
        second_factors_lib.remove_authenticator(request.user, request=request)
        messages.success(request, _("L'application d'authentification est retirée."))
    else:
        messages.error(request, form.errors["password"][0])
    return redirect("accounts:second_factors")


@customer_required
@require_POST
@sensitive_post_parameters("password")
def backup_codes(request):
    form = ConfirmPasswordForm(request.user, request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["password"][0])
        return redirect("accounts:second_factors")
    codes = second_factors_lib.new_backup_codes(request.user, request=request)
    response = render(request, "accounts/backup_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response
