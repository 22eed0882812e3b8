import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD
from core import sms
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sms_login_in_chromium_on_a_phone(phone, live_server, login_household):
    phone.goto(f"{live_server.url}/")
    assert phone.url.startswith(f"{live_server.url}/login/")  # protected pages need a login
    screenshot(phone, "login-1-credentials-phone")
    phone.get_by_label("Numéro de contrat online").fill("kpt 1234 5678")
    phone.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    phone.get_by_role("button", name="Continuer").click()
    code_field = phone.get_by_label("Code reçu par SMS")
    assert code_field.get_attribute("autocomplete") == "one-time-code"
    assert code_field.get_attribute("inputmode") == "numeric"
    screenshot(phone, "login-2-code-phone")
    code = re.search(r"(\d{6})", sms.outbox[-1].text).group(1)
    code_field.fill(code)
    phone.get_by_role("button", name="Se connecter").click()
    phone.wait_for_url(f"{live_server.url}/")
    screenshot(phone, "login-3-after-phone")


def test_wrong_password_message_in_chromium(desktop, live_server, login_household):
    desktop.goto(f"{live_server.url}/login/")
    desktop.get_by_label("Numéro de contrat online").fill("KPT12345678")
    desktop.get_by_label("Mot de passe").fill("wrong-Password-9")
    desktop.get_by_role("button", name="Continuer").click()
    expect(desktop.get_by_role("alert").filter(has_text="incorrect")).to_be_visible()
    screenshot(desktop, "login-wrong-password-desktop")
