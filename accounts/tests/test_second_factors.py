import re
from binascii import unhexlify

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import TEST_PASSWORD, sms_device_for
from audit.models import AuditEvent

STEP = "portal_login_view-current_step"


def current_totp(key_hex: str) -> str:
    return f"{TOTP(unhexlify(key_hex), step=30, t0=0, digits=6).token():06d}"


def test_customer_sets_up_an_authenticator_app_and_logs_in_with_it(customer_client, customer):
    page = customer_client.get("/profile/security/authenticator/").content.decode()
    assert "<svg" in page
    key = customer_client.session["totp_setup_key"]
    response = customer_client.post("/profile/security/authenticator/", {
        "code": current_totp(key), "password": TEST_PASSWORD})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=customer.account)
    assert device.confirmed
    assert AuditEvent.objects.filter(kind="accounts.second_factor_changed").exists()

    browser = Client()
    browser.post("/login/", {STEP: "auth", "auth-username": customer.account.username,
                             "auth-password": TEST_PASSWORD})
    response = browser.post("/login/", {STEP: "token", "challenge_device": device.persistent_id})
    assert "application d&#x27;authentification" in response.content.decode()
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    response = browser.post("/login/", {STEP: "token", "token-otp_token": current_totp(device.key)})
    assert response.status_code == 302
    assert browser.get("/").status_code == 200


def test_authenticator_setup_needs_the_password_and_a_valid_code(customer_client, customer):
    customer_client.get("/profile/security/authenticator/")
    key = customer_client.session["totp_setup_key"]
    response = customer_client.post("/profile/security/authenticator/", {
        "code": current_totp(key), "password": "not-my-password"})
    assert "mot de passe n&#x27;est pas correct" in response.content.decode()
    response = customer_client.post("/profile/security/authenticator/", {
        "code": "000000" if current_totp(key) != "000000" else "111111",
        "password": TEST_PASSWORD})
    assert "ne correspond pas" in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_backup_codes_are_shown_once_and_each_works_once(customer_client, customer):
    response = customer_client.post("/profile/security/backup-codes/", {"password": TEST_PASSWORD})
    codes = re.findall(r"<code>([a-z0-9]{8})</code>", response.content.decode())
    assert len(codes) == 10
    assert response["Cache-Control"] == "private, no-store"
    assert StaticDevice.objects.get(user=customer.account).token_set.count() == 10

    sms_device_for(customer.account)
    browser = Client()
    browser.post("/login/", {STEP: "auth", "auth-username": customer.account.username,
                             "auth-password": TEST_PASSWORD})
    browser.post("/login/", {STEP: "token", "wizard_goto_step": "backup"})
    response = browser.post("/login/", {STEP: "backup", "backup-otp_token": codes[0]})
    assert response.status_code == 302
    assert StaticDevice.objects.get(user=customer.account).token_set.count() == 9


def test_security_settings_are_for_customers_only(client, db):
    assert client.get("/profile/security/").status_code == 302


def test_a_phone_can_hand_the_key_to_its_own_authenticator_app(customer_client):
    from urllib.parse import parse_qs, urlparse

    response = customer_client.get("/profile/security/authenticator/")
    link = re.search(r'href="(otpauth://[^"]+)"', response.content.decode())
    assert link is not None
    uri = urlparse(link.group(1).replace("&amp;", "&"))
    secret = parse_qs(uri.query)["secret"][0]
    key = customer_client.session["totp_setup_key"]
    from base64 import b32decode
    assert b32decode(secret + "=" * (-len(secret) % 8)) == unhexlify(key)
