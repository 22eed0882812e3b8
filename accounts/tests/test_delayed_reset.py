"""A new password chosen with nothing but the SMS code waits, announced on every channel, and
the owner (or an advisor) can cancel it: what a SIM swap gives is not enough to take an account.
"""

import html
import re
from datetime import date, timedelta

import pypdfium2
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import delayed_reset
from accounts.models import DelayedPasswordReset
from accounts.tasks import send_reset_code
from accounts.tests.factories import TEST_PASSWORD, InsuredPersonFactory
from accounts.tests.test_lockout_rules import STEP, log_in, reached_code_step
from audit.models import AuditEvent
from conftest import log_in_verified
from core import sms

NEW_PASSWORD = "Neues-Passwort-42"


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def holder_born_1970(login_household):
    login_household.insured_persons.update(is_policy_holder=False)
    InsuredPersonFactory(customer=login_household, is_policy_holder=True,
                         birth_date=date(1970, 1, 5))
    login_household.email = "anna@example.test"
    login_household.save(update_fields=["email"])
    return login_household


def reset_with_sms_code(browser=None):
    """The two steps of "forgot password" as the SIM's holder can do them."""
    browser = browser or Client()
    browser.post("/password-reset/", {"contract_number": "KPT12345678",
                                      "birth_date": "05.01.1970"})
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    return browser.post("/password-reset/confirm/", {
        "code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def test_the_new_password_waits_and_the_current_one_keeps_working(holder_born_1970, settings):
    settings.PASSWORD_RESET_DELAY_HOURS = 48
    before = timezone.now()
    response = reset_with_sms_code()
    assert response.status_code == 200
    assert "Votre nouveau mot de passe est enregistré" in page(response)
    reset = DelayedPasswordReset.objects.get()
    assert timedelta(hours=47, minutes=59) < reset.effective_at - before <= timedelta(hours=48,
                                                                                      seconds=5)
    account = holder_born_1970.account
    account.refresh_from_db()
    assert account.check_password(TEST_PASSWORD) and not account.check_password(NEW_PASSWORD)
    assert reached_code_step(log_in("KPT12345678", TEST_PASSWORD))
    assert not reached_code_step(log_in("KPT12345678", NEW_PASSWORD))
    assert AuditEvent.objects.filter(kind="accounts.password_reset_pending").count() == 1


def test_the_waiting_password_is_announced_on_every_channel(holder_born_1970, tmp_path):
    reset_with_sms_code()
    reset = DelayedPasswordReset.objects.get()
    notice = sms.outbox[-1]
    assert notice.to == "+41790000001" and "nouveau mot de passe a été demandé" in notice.text
    assert re.search(r"\d{6}", notice.text) is None  # no code in the notice
    [message] = mail.outbox
    assert message.to == ["anna@example.test"]
    link = re.search(r"https?://\S+/password-reset/cancel/\S+/", message.body).group(0)
    assert delayed_reset.reset_for_token(link.rstrip("/").rsplit("/", 1)[-1]) == reset
    # The letter to the home address, with the next print run.
    call_command("print_activation_letters", out=str(tmp_path))
    [letter] = tmp_path.glob("password-notice-*.pdf")
    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(letter))
    assert "Un nouveau mot de passe a été demandé" in text and "KPT12345678" in text
    reset.refresh_from_db()
    assert reset.letter_printed_at is not None
    call_command("print_activation_letters", out=str(tmp_path))
    assert len(list(tmp_path.glob("password-notice-*.pdf"))) == 1  # printed once


def test_after_the_delay_the_new_password_counts_from_the_next_login_attempt(
        holder_born_1970, settings):
    reset_with_sms_code()
    other_session = log_in_verified(Client(), holder_born_1970.account)
    DelayedPasswordReset.objects.update(effective_at=timezone.now() - timedelta(minutes=1))
    assert reached_code_step(log_in("KPT12345678", NEW_PASSWORD))  # applied by the attempt
    assert any("est maintenant actif" in message.text for message in sms.outbox)
    assert not reached_code_step(log_in("KPT12345678", TEST_PASSWORD))
    assert AuditEvent.objects.filter(kind="accounts.password_changed",
                                     detail__via="delayed_password_reset").count() == 1
    assert other_session.get("/").status_code == 302  # a new password ends other sessions


def test_the_beat_applies_what_is_due_once(holder_born_1970):
    reset_with_sms_code()
    reset = DelayedPasswordReset.objects.get()
    assert delayed_reset.apply_due(now=reset.effective_at - timedelta(seconds=1)) == []
    assert len(delayed_reset.apply_due(now=reset.effective_at)) == 1
    assert delayed_reset.apply_due(now=reset.effective_at + timedelta(hours=1)) == []
    holder_born_1970.account.refresh_from_db()
    assert holder_born_1970.account.check_password(NEW_PASSWORD)


def test_the_link_of_the_email_cancels_it(holder_born_1970):
    reset_with_sms_code()
    reset = DelayedPasswordReset.objects.get()
    url = f"/password-reset/cancel/{delayed_reset.cancel_token(reset)}/"
    browser = Client()
    shown = browser.get(url)
    assert shown.status_code == 200 and "Annuler ce nouveau mot de passe" in page(shown)
    reset.refresh_from_db()
    assert reset.pending  # a GET (a mail scanner following links) changes nothing
    done = browser.post(url)
    assert "La demande est annulée" in page(done)
    assert delayed_reset.apply_due(now=reset.effective_at + timedelta(minutes=1)) == []
    holder_born_1970.account.refresh_from_db()
    assert holder_born_1970.account.check_password(TEST_PASSWORD)
    assert AuditEvent.objects.filter(kind="accounts.password_reset_cancelled",
                                     detail__via="link").count() == 1
    assert "déjà" not in page(browser.get(url)) and "annulée" in page(browser.get(url))


def test_a_forged_or_altered_cancel_link_is_refused(holder_born_1970):
    reset_with_sms_code()
    reset = DelayedPasswordReset.objects.get()
    token = delayed_reset.cancel_token(reset)
    for bad in (token[:-2] + "xx", "1", f"{reset.pk}:forged"):
        assert Client().post(f"/password-reset/cancel/{bad}/").status_code == 404
    reset.refresh_from_db()
    assert reset.pending


def test_logged_in_with_the_current_password_the_owner_is_told_and_cancels(holder_born_1970):
    reset_with_sms_code()
    browser = Client()
    response = browser.post("/login/", {STEP: "auth", "auth-username": "KPT12345678",
                                        "auth-password": TEST_PASSWORD})
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    response = browser.post("/login/", {STEP: "token", "token-otp_token": code}, follow=True)
    assert "Un nouveau mot de passe a été demandé pour votre contrat" in page(response)
    security = browser.get("/profile/security/")
    assert "Un nouveau mot de passe est en attente" in page(security)
    done = browser.post("/profile/security/password-reset/cancel/", follow=True)
    assert "La demande de nouveau mot de passe est annulée" in page(done)
    assert not DelayedPasswordReset.objects.get().pending
    assert "en attente" not in page(browser.get("/profile/security/"))


def test_asking_again_replaces_the_waiting_password(holder_born_1970):
    reset_with_sms_code()
    DelayedPasswordReset.objects.update(requested_at=timezone.now() - timedelta(hours=1))
    from accounts.models import SMSDevice

    SMSDevice.objects.update(last_generated_timestamp=None)
    reset_with_sms_code()
    waiting = DelayedPasswordReset.objects.filter(applied_at__isnull=True,
                                                  cancelled_at__isnull=True)
    assert waiting.count() == 1 and DelayedPasswordReset.objects.count() == 2


def test_an_advisor_cancels_it_for_a_customer_who_calls(holder_born_1970, advisor_admin_client):
    reset_with_sms_code()
    reset = DelayedPasswordReset.objects.get()
    listing = advisor_admin_client.get("/admin/accounts/delayedpasswordreset/")
    assert listing.status_code == 200 and "KPT12345678" in page(listing)
    advisor_admin_client.post("/admin/accounts/delayedpasswordreset/", {
        "action": "cancel_resets", "_selected_action": [reset.pk]})
    reset.refresh_from_db()
    assert not reset.pending
    event = AuditEvent.objects.get(kind="accounts.password_reset_cancelled")
    assert event.detail["via"] == "advisor" and event.actor.is_staff
    assert not event.actor.is_superuser


def test_a_reset_code_delivered_late_sends_nothing(holder_born_1970):
    account = holder_born_1970.account
    stale = (timezone.now() - timedelta(minutes=6)).isoformat()
    assert send_reset_code.apply(args=(account.pk, stale)).result is False
    assert sms.outbox == []
    assert send_reset_code.apply(args=(account.pk, timezone.now().isoformat())).result is True
    assert re.search(r"\b\d{6}\b", sms.outbox[-1].text)
