"""The payout account: password, then a code to the verified mobile; history, audit, notice."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts import payout
from accounts.models import PayoutAccount, SMSDevice
from accounts.tests.factories import TEST_PASSWORD, CustomerFactory
from audit.models import AuditEvent
from core import sms
from core.iban import mask

pytestmark = pytest.mark.django_db
PROFILE = reverse("accounts:profile")
ASK = reverse("accounts:profile_payout")
CONFIRM = reverse("accounts:profile_payout_confirm")
IBAN = "CH93 0076 2011 6238 5295 7"
COMPACT = "CH9300762011623852957"
OTHER_IBAN = "CH5800791123000889012"
MASKED, OTHER_MASKED = mask(COMPACT), mask(OTHER_IBAN)  # CH•• •••• 2957, CH•• •••• 9012


def ask(client, iban=IBAN, holder="Anna Muster", password=TEST_PASSWORD):
    return client.post(ASK, {"iban": iban, "holder": holder, "password": password})


def sent_code() -> str:
    return re.search(r": (\d{6})\.", sms.outbox[-1].text).group(1)


def confirm(client, django_capture_on_commit_callbacks, code=None):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(CONFIRM, {"code": code or sent_code()})


def test_the_code_goes_to_the_verified_mobile_and_nothing_changes_before_it(
        customer_client, customer):
    verified = SMSDevice.objects.get(user=customer.account).number
    response = ask(customer_client)
    assert response.status_code == 302 and response["Location"] == CONFIRM
    assert [message.to for message in sms.outbox] == [verified]
    assert MASKED in sms.outbox[-1].text
    assert COMPACT not in sms.outbox[-1].text and "0076" not in sms.outbox[-1].text
    assert not PayoutAccount.objects.exists()
    page = customer_client.get(CONFIRM).content.decode()
    assert MASKED in page and COMPACT not in page


def test_the_right_code_sets_the_account_audits_it_masked_and_tells_the_customer(
        customer_client, customer, django_capture_on_commit_callbacks):
    ask(customer_client)
    code = sent_code()
    sms.outbox.clear()
    response = confirm(customer_client, django_capture_on_commit_callbacks, code)
    assert response.status_code == 302 and response["Location"] == f"{PROFILE}#payout"
    account = payout.current_account(customer)
    assert (account.iban, account.holder, account.set_by) == (COMPACT, "Anna Muster",
                                                              customer.account)
    event = AuditEvent.objects.get(kind="accounts.payout_changed")
    assert event.detail == {"old": "", "new": MASKED}
    # The notice: an SMS to the verified mobile and an e-mail, neither with any digit of it.
    assert [message.to for message in sms.outbox] == [
        SMSDevice.objects.get(user=customer.account).number]
    assert [message.to for message in mail.outbox] == [[customer.email]]
    assert "compte de versement" in sms.outbox[-1].text
    assert "compte de versement" in mail.outbox[-1].subject
    for text in (sms.outbox[-1].text, mail.outbox[-1].body, mail.outbox[-1].subject):
        assert "2957" not in text and "CH•" not in text and "Anna" not in text
    account.refresh_from_db()
    assert account.notice_sent_at is not None


def test_a_new_account_keeps_the_old_one_in_the_history(customer_client, customer,
                                                         django_capture_on_commit_callbacks):
    first = payout.set_account(customer, iban=OTHER_IBAN, holder="Anna Muster", by=None,
                               notify=False)
    ask(customer_client)
    confirm(customer_client, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.replaced_at is not None
    assert [a.iban for a in customer.payout_accounts.order_by("set_at", "id")] == [
        OTHER_IBAN, COMPACT]
    assert payout.current_account(customer).iban == COMPACT
    event = AuditEvent.objects.filter(kind="accounts.payout_changed").latest("id")
    assert event.detail == {"old": OTHER_MASKED, "new": MASKED}


def test_the_notice_goes_out_once_even_if_the_task_runs_twice(customer,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account = payout.set_account(customer, iban=COMPACT, holder="Anna Muster", by=None)
    assert len(mail.outbox) == 1
    assert payout.send_payout_notice(account.pk) is False
    assert len(mail.outbox) == 1


def test_a_wrong_password_sends_no_code_and_keeps_what_was_typed(customer_client):
    response = ask(customer_client, password="not-my-password")
    assert response.status_code == 400
    page = response.content.decode()
    assert "mot de passe n&#x27;est pas correct" in page
    assert f'value="{IBAN}"' in page and 'value="Anna Muster"' in page
    assert sms.outbox == []
    assert AuditEvent.objects.filter(
        kind="accounts.login_failed", detail__purpose="payout_change_reauthentication").exists()


def test_a_qr_iban_is_refused_with_why(customer_client):
    response = ask(customer_client, iban="CH44 3199 9123 0008 8901 2")
    assert response.status_code == 400
    assert "QR-IBAN" in response.content.decode()
    assert sms.outbox == []


@pytest.mark.parametrize(("iban", "holder", "message"), [
    ("CH94 0076 2011 6238 5295 7", "Anna Muster", "pas un IBAN valable"),
    ("DE89 3704 0044 0532 0130 00", "Anna Muster", "en Suisse ou au Liechtenstein"),
    (IBAN, "12", "prénom et le nom"),
])
def test_bad_accounts_are_refused_clearly(customer_client, iban, holder, message):
    response = ask(customer_client, iban=iban, holder=holder)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PayoutAccount.objects.exists()


def test_without_a_verified_mobile_no_code_can_be_sent(customer, client):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # Logged in with an authenticator app, no SMS device: no mobile to confirm a change with.
    device = TOTPDevice.objects.create(user=customer.account, name="app", confirmed=True)
    client.force_login(customer.account)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = ask(client)
    assert response.status_code == 400
    assert "Enregistrez d&#x27;abord un numéro de mobile" in response.content.decode()
    assert sms.outbox == []


def test_a_wrong_code_changes_nothing_and_five_end_the_attempt(customer_client):
    ask(customer_client)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = customer_client.post(CONFIRM, {"code": wrong})
    assert response.status_code == 400 and "pas correct" in response.content.decode()
    for _attempt in range(4):
        response = customer_client.post(CONFIRM, {"code": wrong})
    assert response.status_code == 302
    assert customer_client.post(CONFIRM, {"code": code}).status_code == 302
    assert not PayoutAccount.objects.exists()
    assert AuditEvent.objects.filter(kind="accounts.code_failed",
                                     detail__purpose="payout_change").count() == 5


def test_the_code_of_one_account_does_not_confirm_another(customer, client):
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    code = payout.PAYOUT_CODE.issue(session, customer.account,
                                    {"iban": COMPACT, "holder": "Anna Muster"})
    state = session[payout.PAYOUT_CODE.session_key]
    state["payload"]["iban"] = OTHER_IBAN  # the session tampered with
    session[payout.PAYOUT_CODE.session_key] = state
    checked = payout.confirm_change(session, customer.account, customer, code)
    assert checked.result.value == "wrong"
    assert not PayoutAccount.objects.exists()


def test_codes_are_limited_per_contract(customer_client):
    for _attempt in range(3):
        assert ask(customer_client).status_code == 302
    response = ask(customer_client)
    assert response.status_code == 429
    assert "trop de codes" in response.content.decode()
    assert len(sms.outbox) == 3


def test_another_household_cannot_confirm_with_this_households_code(customer_client,
                                                                      other_client,
                                                                      other_customer):
    ask(customer_client)
    response = other_client.post(CONFIRM, {"code": sent_code()})
    assert response.status_code == 302
    assert not other_customer.payout_accounts.exists()


def test_the_profile_shows_the_account_masked_only(customer_client, customer):
    payout.set_account(customer, iban=COMPACT, holder="Anna Muster", by=None, notify=False)
    page = customer_client.get(PROFILE).content.decode()
    assert 'id="payout"' in page and MASKED in page and "Anna Muster" in page
    assert COMPACT not in page and "6238" not in page


def test_the_activity_page_words_the_change_masked(customer_client, customer):
    payout.set_account(customer, iban=COMPACT, holder="Anna Muster", by=customer.account,
                       notify=False)
    page = customer_client.get(reverse("accounts:activity")).content.decode()
    assert f"Compte de versement modifié (nouveau: {MASKED})" in page


def test_setting_the_same_account_again_changes_nothing(customer):
    first = payout.set_account(customer, iban=COMPACT, holder="Anna Muster", by=None,
                               notify=False)
    again = payout.set_account(customer, iban=COMPACT, holder="Anna Muster", by=None,
                               notify=False)
    assert again.pk == first.pk
    assert AuditEvent.objects.filter(kind="accounts.payout_changed").count() == 1


def test_one_current_account_per_household_is_a_database_rule(customer):
    from django.db import IntegrityError, transaction

    PayoutAccount.objects.create(customer=customer, iban=COMPACT, holder="A B")
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutAccount.objects.create(customer=customer, iban=OTHER_IBAN, holder="A B")
    assert CustomerFactory().payout_accounts.count() == 0
