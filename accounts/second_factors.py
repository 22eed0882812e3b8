"""Alternatives to the SMS code: an authenticator app (TOTP) and printed backup codes.

Built on django-otp's TOTP and static devices; these functions only create, confirm and
remove them, and write the audit log.
"""

from __future__ import annotations

import base64
import io
from binascii import unhexlify
from typing import TYPE_CHECKING, Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts import events
from audit import log as audit

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

AUTHENTICATOR_NAME = "authenticator"
BACKUP_NAME = "backup"
BACKUP_CODE_COUNT = 10


def new_totp_key() -> str:
    return random_hex(20)


def otpauth_uri(user: User, key_hex: str) -> str:
    secret = base64.b32encode(unhexlify(key_hex)).decode().rstrip("=")
    issuer = settings.OTP_TOTP_ISSUER.replace(" ", "%20")
    return (f"otpauth://totp/{issuer}:{user.get_username()}?secret={secret}"
            f"&issuer={issuer}&digits=6&period=30")


def qr_svg(data: str) -> str:
    """An inline SVG QR code (no image request, nothing for the CSP to allow)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def spaced_secret(key_hex: str) -> str:
    secret = base64.b32encode(unhexlify(key_hex)).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def confirm_authenticator(user: User, key_hex: str, code: str, *,
                          request: HttpRequest | None = None) -> bool:
    """Keep the app only if it produced a valid code (±1 step for clock drift)."""
    totp = TOTP(unhexlify(key_hex), step=30, t0=0, digits=6, drift=0)
    if not code.isdigit() or not totp.verify(int(code), tolerance=1):
        return False
    TOTPDevice.objects.filter(user=user, name=AUTHENTICATOR_NAME).delete()
    TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, key=key_hex, confirmed=True,
                              last_t=totp.t())
    audit.record(events.SECOND_FACTOR_CHANGED, request=request, user=user,
                 change="authenticator_added")
    return True


def remove_authenticator(user: User, *, request: HttpRequest | None = None) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    audit.record(events.SECOND_FACTOR_CHANGED, request=request, user=user,
                 change="authenticator_removed")


def new_backup_codes(user: User, *, request: HttpRequest | None = None) -> list[str]:
    """Replace any earlier backup codes with a fresh set; only shown this once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit.record(events.SECOND_FACTOR_CHANGED, request=request, user=user,
                 change="backup_codes_generated")
    return codes


def second_factor_summary(user: User) -> dict[str, Any]:
    backup = StaticDevice.objects.filter(user=user, name=BACKUP_NAME).first()
    return {
        "sms": user.smsdevice_set.filter(confirmed=True).first(),
        "authenticator": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "backup_codes_left": backup.token_set.count() if backup else 0,
    }


def has_sim_independent_factor(user: User) -> bool:
    """An authenticator app or unused backup codes: factors a SIM swap does not give."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or \
        StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()


def verify_sim_independent(user: User, code: str) -> bool:
    """``code`` is the authenticator's current code or an unused backup code (then spent).
    Both devices throttle wrong codes with growing delays (django-otp)."""
    code = code.replace(" ", "").strip()
    devices: list[TOTPDevice | StaticDevice] = [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True)]
    for device in devices:
        allowed, _info = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            return True
    return False
