"""Passkeys (WebAuthn): register, name and remove them; log in or confirm a login with one.

Built on django-otp-webauthn: a passkey is its ``WebAuthnCredential``, a django-otp device, so
a session confirmed with it is OTP-verified like one confirmed with the SMS code; its helper
runs py_webauthn's checks (challenge, origin, relying party ID, signature, counter). The
portal drives the ceremonies itself (views in ``accounts.passkey_views`` and the login wizard,
script in ``static/js/passkeys.js``) so that every login goes through the lockout rules, the
audit log and the portal's wording in four languages; the library's own URLs are not served.

Every ceremony requires user verification (fingerprint, face or the device's PIN): a passkey
is then possession and a second factor at once, which is why it may replace the password and
the SMS code (docs/security.md, "Passkeys").
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts import events
from accounts.lockout import refuse_if_locked
from audit import log as audit
from core.errors import PortalError
from core.relying_party import LOCALHOST
from core.sms import send_sms

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest
    from django.utils.functional import Promise

    from accounts.models import User

MODEL_BACKEND = "accounts.backends.PortalModelBackend"
NAME_MAX_LENGTH = 64  # django-otp's Device.name

# Where a started ceremony waits for the browser's answer (one of each per session).
REGISTER = "passkey_register"
LOGIN = "passkey_login"  # the login variant on /login/, before anyone is known
CONFIRM = "passkey_confirm"  # the second step of a login, after the password


class PasskeyError(PortalError):
    """A passkey could not be registered or used; ``message`` says what to do."""

    message_template = _("La clé d'accès n'a pas pu être vérifiée. Réessayez, ou choisissez "
                         "un autre moyen de connexion.")


class CeremonyExpired(PasskeyError):
    message_template = _("La demande a expiré. Veuillez recommencer.")


class PasskeyRejected(PasskeyError):
    pass


class PasskeyUnknown(PasskeyError):
    message_template = _("Cette clé d'accès n'est pas (ou plus) enregistrée sur le portail. "
                         "Connectez-vous avec votre numéro de contrat et votre mot de passe.")


class PasskeyNotHere(PasskeyError):
    """A valid passkey of a login that may not use this page (an advisor's on /login/)."""

    message_template = _("Cette clé d'accès ne permet pas de se connecter ici.")


class LoginLocked(PasskeyError):
    """The lockout rules keep this contract closed; ``locked_pair`` for django-axes' lock."""

    def __init__(self, message: str | Promise | None = None, *, locked_pair: bool = False,
                 username: str = ""):
        super().__init__(message)
        self.locked_pair = locked_pair
        self.username = username  # the contract the passkey belongs to (for the lock page)


class PortalWebAuthnHelper(WebAuthnHelper):
    """The library's helper with the portal's relying party, origins and rules."""

    def get_relying_party_domain(self) -> str:
        return str(settings.PASSKEY_RP_ID)

    def get_relying_party_name(self) -> str:
        return str(settings.OTP_WEBAUTHN_RP_NAME)

    def get_allowed_origins(self) -> list[str]:
        """``PASSKEY_ORIGINS``; in development (the ID ``localhost``) also the page's own
        ``localhost`` origin, whatever its port."""
        origins = list(settings.PASSKEY_ORIGINS)
        host = self.request.get_host()
        if settings.PASSKEY_RP_ID == LOCALHOST and host.split(":")[0] == LOCALHOST:
            origins.append(f"{self.request.scheme}://{host}")
        return origins

    def get_generate_registration_options_kwargs(self, *, user: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_generate_registration_options_kwargs(user=user)
        # Discoverable (usable without typing the contract number) and verified.
        kwargs["authenticator_selection"] = AuthenticatorSelectionCriteria(
            user_verification=UserVerificationRequirement.REQUIRED,
            resident_key=ResidentKeyRequirement.REQUIRED)
        return kwargs

    def get_credential_display_name(self, user: Any) -> str:
        """What the phone shows in its list of passkeys: the name and the contract."""
        name = user.get_full_name()
        return f"{name} ({user.get_username()})" if name else str(user.get_username())


def _helper(request: HttpRequest) -> PortalWebAuthnHelper:
    return PortalWebAuthnHelper(request=request)


def _keep_state(request: HttpRequest, key: str, state: dict[str, Any], **extra: Any) -> None:
    request.session[key] = {**state, **extra, "started_at": int(time.time())}


def _take_state(request: HttpRequest, key: str) -> dict[str, Any]:
    """The started ceremony, used once: removed and saved before anything is checked, so the
    same answer can never be replayed."""
    state = request.session.pop(key, None)
    request.session.save()
    if not isinstance(state, dict) or \
            time.time() - state.get("started_at", 0) > settings.OTP_WEBAUTHN_TIMEOUT_SECONDS:
        raise CeremonyExpired
    return state


def _parse(response_json: str) -> dict[str, Any]:
    try:
        data = json.loads(response_json)
    except ValueError:
        raise PasskeyRejected from None
    if not isinstance(data, dict):
        raise PasskeyRejected
    return data


# Errors of py_webauthn and the library, and of answers shaped wrongly in other ways.
_VERIFICATION_ERRORS = (WebAuthnException, OTPWebAuthnApiError, KeyError, TypeError,
                        ValueError)


# --- The customer's and the advisor's own passkeys ------------------------------------------

def passkeys_of(user: User) -> QuerySet[WebAuthnCredential]:
    """The login's passkeys, the last used first (never used: the newest first)."""
    from django.db.models import F

    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by(
        F("last_used_at").desc(nulls_last=True), "-created_at", "-pk")


def preferred_passkey(user: User) -> WebAuthnCredential | None:
    return passkeys_of(user).first()


def default_name(user_agent: str) -> str:
    """A first name for a new passkey: the device it is made on (``Android``, ``iPhone``)."""
    from core.user_agents import SYSTEMS

    system = next((name for marker, name in SYSTEMS if marker in user_agent), "")
    return system or gettext("Clé d'accès")


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValidationError(_("Donnez un nom à cette clé d'accès."), code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(_("Le nom peut compter %(n)d caractères au plus."),
                              code="max_length", params={"n": NAME_MAX_LENGTH})
    return name


ADDED_SMS = _("KPT: une clé d'accès a été ajoutée à votre accès au portail clients. Si ce "
              "n'est pas vous, appelez-nous immédiatement.")
REMOVED_SMS = _("KPT: une clé d'accès a été retirée de votre accès au portail clients. Si "
                "ce n'est pas vous, appelez-nous immédiatement.")


def tell_owner(user: User, text: str | Promise) -> None:
    """A content-free SMS to the login's mobile, in its language, once the change is stored:
    whoever added or removed a passkey on a stolen session does not hold the SIM too."""
    if not user.mobile_phone:
        return
    with translation.override(user.language):
        message = str(text)
    number = user.mobile_phone
    transaction.on_commit(lambda: send_sms(number, message))


def registration_options(request: HttpRequest, user: User, *, name: str) -> dict[str, Any]:
    """Start adding a passkey called ``name`` (the password was checked by the caller)."""
    options, state = _helper(request).register_begin(user=user)
    _keep_state(request, REGISTER, state, user=user.pk, name=name)
    return dict(options)


def complete_registration(request: HttpRequest, user: User,
                          response_json: str) -> WebAuthnCredential:
    """Keep the passkey the browser made (audited, the owner told by SMS)."""
    state = _take_state(request, REGISTER)
    if state.get("user") != user.pk:
        raise CeremonyExpired
    data = _parse(response_json)
    try:
        with transaction.atomic():
            device = _helper(request).register_complete(user=user, state=state, data=data)
            device.name = state["name"]
            device.save(update_fields=["name"])
    except IntegrityError:
        raise PasskeyRejected(_("Cette clé d'accès est déjà enregistrée.")) from None
    except _VERIFICATION_ERRORS:
        raise PasskeyRejected(_("La clé d'accès n'a pas pu être enregistrée. Réessayez.")) \
            from None
    audit.record(events.SECOND_FACTOR_CHANGED, request=request, user=user,
                 change="passkey_added", passkey=device.name)
    tell_owner(user, ADDED_SMS)
    return device


def _own(user: User, pk: int) -> WebAuthnCredential:
    """One of ``user``'s passkeys; ``WebAuthnCredential.DoesNotExist`` for anyone else's."""
    return WebAuthnCredential.objects.get(pk=pk, user=user)


def rename(user: User, pk: int, name: str, *, request: HttpRequest | None = None) -> None:
    device = _own(user, pk)
    if device.name == name:
        return
    old, device.name = device.name, name
    device.save(update_fields=["name"])
    audit.record(events.SECOND_FACTOR_CHANGED, request=request, user=user,
                 change="passkey_renamed", passkey=name, old_name=old)


def remove(user: User, pk: int, *, request: HttpRequest | None = None) -> str:
    """Remove one of ``user``'s passkeys (audited, the owner told by SMS); its name.

    Every session it confirmed is no longer verified (django-otp finds its device gone) and
    goes back to the login, except the one removing it, which just gave the password again:
    that one stays verified on the login's SMS device.
    """
    device = _own(user, pk)
    name, persistent_id = device.name, device.persistent_id
    device.delete()
    audit.record(events.SECOND_FACTOR_CHANGED, request=request, user=user,
                 change="passkey_removed", passkey=name)
    tell_owner(user, REMOVED_SMS)
    if request is not None and request.session.get(DEVICE_ID_SESSION_KEY) == persistent_id:
        sms_device = user.smsdevice_set.filter(confirmed=True).first()
        if sms_device is not None:
            otp_login(request, sms_device)
    return name


def remove_all(user: User) -> int:
    """Every passkey of ``user`` (an advisor's reset after a lost phone; audited there)."""
    _total, by_model = WebAuthnCredential.objects.filter(user=user).delete()
    return by_model.get(WebAuthnCredential._meta.label, 0)


# --- Logging in -----------------------------------------------------------------------------

def login_options(request: HttpRequest) -> dict[str, Any]:
    """Start the login variant: any passkey of the portal, nobody named yet."""
    options, state = _helper(request).authenticate_begin(user=None,
                                                         require_user_verification=True)
    _keep_state(request, LOGIN, state)
    return dict(options)


def confirm_options(request: HttpRequest, user: User) -> dict[str, Any]:
    """Start the second step of ``user``'s login: one of their passkeys."""
    options, state = _helper(request).authenticate_begin(user=user,
                                                         require_user_verification=True)
    _keep_state(request, CONFIRM, state, user=user.pk)
    return dict(options)


def _credential_of(data: dict[str, Any]) -> WebAuthnCredential:
    try:
        raw_id = parse_authentication_credential_json(data).raw_id
        return WebAuthnCredential.get_by_credential_id(raw_id)
    except _VERIFICATION_ERRORS:
        raise PasskeyRejected from None
    except WebAuthnCredential.DoesNotExist:
        raise PasskeyUnknown from None


def _failed(request: HttpRequest, user: User, **credentials: Any) -> None:
    """Counted like a wrong password (django-axes and accounts.lockout) and audited."""
    user_login_failed.send(sender=__name__, request=request,
                           credentials={"username": user.get_username(), **credentials})


def _verify(request: HttpRequest, state: dict[str, Any], data: dict[str, Any],
            user: User | None) -> WebAuthnCredential:
    device = _helper(request).authenticate_complete(user=user, state=state, data=data)
    if not device.confirmed:
        raise PasskeyUnknown
    return device


def log_in(request: HttpRequest, response_json: str) -> WebAuthnCredential:
    """The login variant: a customer's passkey alone opens an OTP-verified session, as the
    password and the SMS code do together (the session key changes, the login is audited,
    the idle and absolute limits start)."""
    state = _take_state(request, LOGIN)
    data = _parse(response_json)
    device = _credential_of(data)
    user: User = device.user
    if not user.is_active or not device.confirmed:
        raise PasskeyUnknown
    if not hasattr(user, "customer"):
        raise PasskeyNotHere
    _refuse_if_locked(request, user)
    try:
        device = _verify(request, state, data, None)
    except _VERIFICATION_ERRORS:
        _failed(request, user, method="passkey")
        raise PasskeyRejected from None
    # django-otp marks the session verified at login(), as after the wizard's code step.
    user.otp_device = device  # type: ignore[attr-defined]
    login(request, user, backend=MODEL_BACKEND)
    _tell_two_factor(request, user, device)
    return device


def confirm_login(request: HttpRequest, user: User, response_json: str) -> WebAuthnCredential:
    """The second step after the password: one of ``user``'s passkeys. A failure is audited
    and counted like a wrong password."""
    try:
        state = _take_state(request, CONFIRM)
        if state.get("user") != user.pk:
            raise CeremonyExpired
        data = _parse(response_json)
        device = _verify(request, state, data, user)
    except CeremonyExpired:
        raise
    except (PasskeyError, *_VERIFICATION_ERRORS) as problem:
        audit.record(events.CODE_FAILED, request=request, user=user, method="passkey")
        _failed(request, user, second_factor=True)
        if isinstance(problem, PasskeyError):
            raise
        raise PasskeyRejected from None
    return device


def _refuse_if_locked(request: HttpRequest, user: User) -> None:
    from axes.handlers.proxy import AxesProxyHandler

    try:
        refuse_if_locked(request, user.get_username())
    except ValidationError as locked:
        raise LoginLocked(locked.messages[0]) from None
    credentials = {"username": user.get_username()}
    # axes asks the cool-off (``lockout.cooloff_for``) with the request only: the contract
    # rides on it as axes itself keeps it, since a passkey login sends no contract number.
    request.axes_credentials = credentials  # type: ignore[attr-defined]
    if not AxesProxyHandler.is_allowed(request, credentials):
        raise LoginLocked(locked_pair=True, username=user.get_username())


def _tell_two_factor(request: HttpRequest, user: User, device: WebAuthnCredential) -> None:
    """What django-two-factor-auth's wizard sends after a login with a second factor."""
    from two_factor.signals import user_verified

    user_verified.send(sender=__name__, request=request, user=user, device=device)
