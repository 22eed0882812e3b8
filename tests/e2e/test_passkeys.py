"""Passkeys in Chromium, with Chrome's virtual authenticator (DevTools' WebAuthn domain) in
place of a phone's fingerprint: a customer adds one, logs out, logs in with it alone on a
phone and removes it; an advisor confirms the staff login with one."""

import re

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD, AdvisorFactory
from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page, open_account_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def virtual_authenticator(page):
    """A platform authenticator that keeps discoverable credentials and verifies the user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})
    return cdp


def add_passkey(page, base, name):
    """The security page's form (name, password), then the browser's passkey."""
    form = page.locator("#passkeys > form")
    form.get_by_label("Nom de la clé d'accès").fill(name)
    form.get_by_label("Votre mot de passe actuel").fill(TEST_PASSWORD)
    form.get_by_role("button", name="Continuer").click()
    page.wait_for_url(re.compile(r".*/passkeys/add/$"))


def test_customer_adds_a_passkey_logs_in_with_it_alone_and_removes_it(phone, live_server,
                                                                      login_household):
    base = live_server.url
    assert base.startswith("http://localhost:")  # a secure context without TLS
    account = login_household.account
    page = log_in_page(phone, live_server, account)
    virtual_authenticator(page)

    page.goto(f"{base}/profile/security/")
    add_passkey(page, base, "Mon téléphone")
    screenshot(page, "passkey-1-create-phone")
    page.get_by_role("button", name="Créer la clé d'accès").click()
    page.wait_for_url(f"{base}/profile/security/#passkeys")
    assert "est enregistrée" in page.locator(".flash-list").inner_text()
    assert WebAuthnCredential.objects.get(user=account).name == "Mon téléphone"
    screenshot(page, "passkey-2-listed-phone")

    open_account_menu(page)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r".*/login/"))
    button = page.get_by_role("button", name="Se connecter avec une clé d'accès")
    expect(button).to_be_visible()
    screenshot(page, "passkey-3-login-phone")
    button.click()  # no contract number, no password, no SMS code
    page.wait_for_url(f"{base}/")
    assert no_horizontal_scroll(page)

    page.goto(f"{base}/profile/security/")
    assert "Dernière utilisation le" in page.locator("#passkeys").inner_text()
    page.locator("#passkeys summary").click()
    page.locator("#passkeys .passkey-item").get_by_label("Votre mot de passe actuel").fill(
        TEST_PASSWORD)
    page.get_by_role("button", name="Retirer cette clé d'accès").click()
    page.wait_for_url(f"{base}/profile/security/#passkeys")
    assert "est retirée" in page.locator(".flash-list").inner_text()
    assert not WebAuthnCredential.objects.filter(user=account).exists()


def test_advisor_confirms_the_staff_login_with_a_passkey(desktop, live_server):
    base = live_server.url
    advisor = AdvisorFactory()
    page = log_in_page(desktop, live_server, advisor)
    virtual_authenticator(page)

    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Mes clés d'accès").click()
    page.wait_for_url(f"{base}/staff/security/")
    add_passkey(page, base, "Poste de travail")
    page.get_by_role("button", name="Créer la clé d'accès").click()
    page.wait_for_url(f"{base}/staff/security/#passkeys")
    assert "Poste de travail" in page.locator("#passkeys").inner_text()
    screenshot(page, "passkey-staff-security-desktop")

    page.context.clear_cookies()
    page.goto(f"{base}/staff/login/")
    page.locator("input[name$=username]").fill(advisor.username)
    page.locator("input[type=password]").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    use = page.get_by_role("button", name="Utiliser ma clé d'accès")
    expect(use).to_be_visible()
    screenshot(page, "passkey-staff-login-desktop")
    use.click()
    page.wait_for_url(f"{base}/admin/")
    expect(page.get_by_role("link", name="Mes clés d'accès")).to_be_visible()
