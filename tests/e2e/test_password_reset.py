"""Forgot password with nothing but the SMS, in Chromium: the new password waits, the owner
sees it on the security page and cancels it from the e-mail's link."""

import re
from datetime import date

import pytest
from django.core import mail

from accounts.models import DelayedPasswordReset
from accounts.tests.factories import InsuredPersonFactory
from core import sms
from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_sms_only_reset_waits_and_the_owner_cancels_it(live_server, phone, desktop,
                                                           login_household):
    login_household.insured_persons.update(is_policy_holder=False)
    InsuredPersonFactory(customer=login_household, is_policy_holder=True,
                         birth_date=date(1970, 1, 5))
    login_household.email = "anna@example.test"
    login_household.save(update_fields=["email"])

    phone.goto(f"{live_server.url}/password-reset/")
    phone.get_by_label("Numéro de contrat online").fill("KPT12345678")
    phone.get_by_label("Date de naissance").fill("05.01.1970")
    phone.get_by_role("button", name="Continuer").click()
    phone.wait_for_url(re.compile(r"/password-reset/confirm/$"))
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    phone.get_by_label("Code reçu par SMS").fill(code)
    phone.get_by_label("Nouveau mot de passe", exact=True).fill("Neues-Passwort-42")
    phone.get_by_label("Confirmer le nouveau mot de passe").fill("Neues-Passwort-42")
    phone.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    heading = phone.get_by_role("heading", name="Votre nouveau mot de passe est enregistré")
    heading.wait_for()
    assert "Pourquoi ce délai" in phone.locator("main").inner_text()
    assert no_horizontal_scroll(phone)
    screenshot(phone, "reset-pending-phone")

    # Logged in with the current password: the security page shows the waiting request.
    log_in_page(desktop, live_server, login_household.account)
    desktop.goto(f"{live_server.url}/profile/security/")
    assert "Un nouveau mot de passe est en attente" in desktop.locator("main").inner_text()
    screenshot(desktop, "reset-pending-security-desktop")

    # The e-mail's link: the request, then one button cancels it.
    link = re.search(r"https?://\S+(/password-reset/cancel/\S+/)", mail.outbox[-1].body).group(1)
    phone.goto(f"{live_server.url}{link}")
    screenshot(phone, "reset-cancel-phone")
    phone.get_by_role("button", name="Annuler ce nouveau mot de passe").click()
    phone.get_by_role("heading", name="La demande est annulée").wait_for()
    screenshot(phone, "reset-cancelled-phone")
    assert not DelayedPasswordReset.objects.get().pending
