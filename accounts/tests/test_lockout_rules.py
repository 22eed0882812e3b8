"""The lockout rules, as the attacker and as the family see them (docs/security.md)."""

import html
import re
from datetime import date, timedelta

import pytest
from django.test import Client

from accounts import lockout
from accounts.models import SMSDevice
from accounts.ratelimit import FAILURES_PER_CONTRACT, FAILURES_PER_IP
from accounts.tests.factories import (
    TEST_PASSWORD,
    CustomerFactory,
    InsuredPersonFactory,
    sms_device_for,
)
from audit.models import AuditEvent
from core import sms

pytestmark = pytest.mark.django_db
STEP = "portal_login_view-current_step"
WRONG = "Wrong-pass-1"


def log_in(username, password=TEST_PASSWORD, address="10.0.0.1"):
    response = Client(REMOTE_ADDR=address).post("/login/", {
        STEP: "auth", "auth-username": username, "auth-password": password})
    return response.status_code, html.unescape(response.content.decode())


def reached_code_step(result) -> bool:
    status, page = result
    return status == 200 and 'name="token-otp_token"' in page


def household_member(username):
    member = CustomerFactory(account__username=username)
    sms_device_for(member.account)
    return member


# --- Per (contract, address): the attacker locks only himself -------------------------

def test_wrong_passwords_from_many_addresses_never_lock_the_owner(login_household):
    for n in range(12):
        log_in("KPT12345678", WRONG, address=f"198.51.100.{n}")
    assert reached_code_step(log_in("KPT12345678", address="10.0.0.1"))


def test_five_wrong_passwords_lock_that_address_for_that_contract(login_household):
    for _ in range(5):
        log_in("KPT12345678", WRONG, address="198.51.100.7")
    status, page = log_in("KPT12345678", address="198.51.100.7")  # right password, same place
    assert status == 429 and "Accès bloqué temporairement" in page
    assert AuditEvent.objects.filter(kind="accounts.lockout").exists()
    assert reached_code_step(log_in("KPT12345678", address="10.0.0.1"))  # the owner, at home


def test_each_new_lock_of_the_same_pair_lasts_twice_as_long(rf, login_household):
    request = rf.post("/login/", {"auth-username": "KPT12345678"}, REMOTE_ADDR="198.51.100.7")
    other_place = rf.post("/login/", {"auth-username": "KPT12345678"}, REMOTE_ADDR="10.0.0.1")
    durations = []
    for _ in range(4):
        AuditEvent.objects.create(kind="accounts.lockout", username="KPT12345678",
                                  ip_address="198.51.100.7")
        durations.append(lockout.cooloff_for(request))
    assert durations == [timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1),
                         timedelta(hours=2)]
    assert lockout.cooloff_for(other_place) == timedelta(minutes=15)


def test_tries_during_a_lock_neither_count_as_new_locks_nor_move_its_end(login_household):
    for _ in range(5):
        log_in("KPT12345678", WRONG, address="198.51.100.12")
    assert AuditEvent.objects.filter(kind="accounts.lockout").count() == 1
    _status, first = log_in("KPT12345678", WRONG, address="198.51.100.12")
    for _ in range(3):
        status, page = log_in("KPT12345678", WRONG, address="198.51.100.12")
    assert status == 429
    assert AuditEvent.objects.filter(kind="accounts.lockout").count() == 1
    opens = re.compile(r"Vous pourrez réessayer le [\d.]+ à \d\d:\d\d")
    assert opens.search(page).group() == opens.search(first).group()


def test_an_ipv6_line_counts_as_one_address_whatever_it_picks_in_its_64(login_household):
    for n in range(5):  # a new address of the same /64 for each guess
        log_in("KPT12345678", WRONG, address=f"2001:db8:1:2::{n + 1:x}")
    assert log_in("KPT12345678", address="2001:db8:1:2:abcd::9")[0] == 429
    assert reached_code_step(log_in("KPT12345678", address="2001:db8:1:3::1"))  # next line


# --- The family behind one address ------------------------------------------------------

def test_one_members_typos_do_not_lock_the_others_at_home(login_household):
    household_member("KPT22222222")
    for _ in range(6):
        log_in("KPT22222222", WRONG, address="10.0.0.1")
    assert log_in("KPT22222222", address="10.0.0.1")[0] == 429  # only that member, for a while
    assert reached_code_step(log_in("KPT12345678", address="10.0.0.1"))


def test_an_address_trying_many_contracts_is_stopped_but_the_household_gets_through(
        login_household):
    # The holder logged in from home before: the address knows this contract.
    AuditEvent.objects.create(kind="accounts.login", user=login_household.account,
                              ip_address="10.0.0.1")
    for n in range(FAILURES_PER_IP.limit):
        log_in(f"KPT{30000000 + n}", WRONG, address="10.0.0.1")
    household_member("KPT44444444")
    status, page = log_in("KPT44444444", address="10.0.0.1")  # never logged in from here
    assert status == 200 and "Trop de tentatives erronées depuis cette connexion" in page
    assert reached_code_step(log_in("KPT12345678", address="10.0.0.1"))
    assert reached_code_step(log_in("KPT44444444", address="10.0.0.9"))  # from elsewhere


def test_an_ipv6_home_is_known_by_its_64_though_its_addresses_change(login_household):
    AuditEvent.objects.create(kind="accounts.login", user=login_household.account,
                              ip_address="2001:db8:5:6::1")
    for n in range(FAILURES_PER_IP.limit):
        log_in(f"KPT{30000000 + n}", WRONG, address=f"2001:db8:5:6::{n + 100:x}")
    household_member("KPT44444444")
    assert "Trop de tentatives" in log_in("KPT44444444", address="2001:db8:5:6::77")[1]
    # The holder's phone picked a new privacy address in the same /64 since last time.
    assert reached_code_step(log_in("KPT12345678", address="2001:db8:5:6:feed::1"))


# --- The hard lock, far above typos, and its self-service unlock --------------------

def spread_campaign(username, attempts):
    for n in range(attempts):
        log_in(username, WRONG, address=f"203.0.{n // 200}.{n % 200}")


def test_a_campaign_from_many_addresses_locks_the_contract_until_a_password_reset(
        login_household):
    spread_campaign("KPT12345678", FAILURES_PER_CONTRACT.limit - 1)
    assert reached_code_step(log_in("KPT12345678", address="10.0.0.1"))  # 49: still open
    spread_campaign("KPT12345678", 1)
    status, page = log_in("KPT12345678", address="10.0.0.1")
    assert status == 200 and "Ce contrat online est bloqué" in page
    assert "Mot de passe oublié" in page
    assert AuditEvent.objects.filter(kind="accounts.lockout",
                                     detail__scope="contract").count() == 1
    # The owner proves themselves with the SMS code: the lock is lifted.
    login_household.insured_persons.update(is_policy_holder=False)
    InsuredPersonFactory(customer=login_household, is_policy_holder=True,
                         birth_date=date(1970, 1, 5))
    browser = Client(REMOTE_ADDR="10.0.0.1")
    browser.post("/password-reset/", {"contract_number": "KPT12345678",
                                      "birth_date": "05.01.1970"})
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    response = browser.post("/password-reset/confirm/", {
        "code": code, "new_password1": "Neues-Passwort-42", "new_password2": "Neues-Passwort-42"})
    assert response.status_code == 200  # the new password waits (SMS only: a SIM swap)
    assert reached_code_step(log_in("KPT12345678", address="10.0.0.1"))  # the lock is lifted


def test_unknown_contracts_lock_the_same_way_so_nothing_is_revealed(db):
    spread_campaign("KPT99999999", FAILURES_PER_CONTRACT.limit)
    assert "Ce contrat online est bloqué" in log_in("KPT99999999")[1]


# --- SMS budgets ---------------------------------------------------------------------

def test_anonymous_reset_requests_do_not_use_up_the_login_codes(login_household):
    login_household.insured_persons.update(is_policy_holder=False)
    InsuredPersonFactory(customer=login_household, is_policy_holder=True,
                         birth_date=date(1970, 1, 5))
    for n in range(8):
        Client(REMOTE_ADDR=f"198.51.100.{n}").post("/password-reset/", {
            "contract_number": "KPT12345678", "birth_date": "05.01.1970"})
    assert len(sms.outbox) == 3  # the reset's own budget
    SMSDevice.objects.update(last_generated_timestamp=None)  # past the one-minute cool-down
    result = log_in("KPT12345678")
    assert reached_code_step(result) and "Trop de codes" not in result[1]
    assert len(sms.outbox) == 4  # the owner's login code went out


def test_an_address_out_of_codes_spends_nothing_of_the_contracts_budget(login_household):
    from accounts.ratelimit import LOGIN_CODES_PER_CONTRACT, SMS_PER_IP

    for _ in range(int(SMS_PER_IP.limit)):
        SMS_PER_IP.allow("198.51.100.9")
    for _ in range(int(LOGIN_CODES_PER_CONTRACT.limit) + 1):
        assert "Trop de codes" in log_in("KPT12345678", address="198.51.100.9")[1]
    assert not LOGIN_CODES_PER_CONTRACT.exhausted("KPT12345678")
    assert reached_code_step(log_in("KPT12345678", address="10.0.0.1"))
    assert len(sms.outbox) == 1


def test_the_daily_ceiling_counts_every_sms_and_then_stops_the_login_codes(
        login_household, settings):
    from accounts import profile

    assert settings.SMS_DAILY_LIMIT == 5000
    settings.SMS_DAILY_LIMIT = 3
    sms.send_sms("+41790000002", "Du nouveau dans votre portail KPT.")  # a notification
    profile.start_mobile_change({}, login_household.account, "+41790000003")  # a profile code
    assert reached_code_step(log_in("KPT12345678"))  # the third SMS of the day: a login code
    assert len(sms.outbox) == 3
    SMSDevice.objects.update(last_generated_timestamp=None)  # past the one-minute cool-down
    status, page = log_in("KPT12345678")
    assert "Trop de codes ont été demandés" in page
    assert len(sms.outbox) == 3
    with pytest.raises(sms.DailySMSCeilingReached):
        sms.send_sms("+41790000002", "Du nouveau dans votre portail KPT.")


# --- Password reset: one answer time, matched or not ------------------------------------

@pytest.mark.parametrize(("contract", "birth_date"), [
    ("KPT12345678", "05.01.1970"),  # matches: a code is sent
    ("KPT12345678", "06.01.1970"),  # wrong birth date
    ("KPT87654321", "05.01.1970"),  # no such contract
], ids=["match", "wrong-birth-date", "unknown-contract"])
def test_every_reset_request_waits_until_the_same_deadline(login_household, settings,
                                                           monkeypatch, contract, birth_date):
    from accounts import views

    login_household.insured_persons.update(is_policy_holder=False)
    InsuredPersonFactory(customer=login_household, is_policy_holder=True,
                         birth_date=date(1970, 1, 5))
    settings.PASSWORD_RESET_ANSWER_SECONDS = 30
    waits = []
    monkeypatch.setattr(views.time, "sleep", waits.append)
    response = Client().post("/password-reset/", {"contract_number": contract,
                                                  "birth_date": birth_date})
    assert response.status_code == 302
    assert len(sms.outbox) == (1 if birth_date == "05.01.1970" and contract == "KPT12345678"
                               else 0)
    assert len(waits) == 1 and 25 < waits[0] <= 30  # the rest of the same 30 s


# --- Password reset: a second factor the SIM does not give, when there is one -----------

def start_reset(household):
    household.insured_persons.update(is_policy_holder=False)
    InsuredPersonFactory(customer=household, is_policy_holder=True, birth_date=date(1970, 1, 5))
    browser = Client()
    browser.post("/password-reset/", {"contract_number": "KPT12345678",
                                      "birth_date": "05.01.1970"})
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    response = browser.post("/password-reset/confirm/", {
        "code": code, "new_password1": "Neues-Passwort-42", "new_password2": "Neues-Passwort-42"})
    return browser, response


NEW = {"new_password1": "Neues-Passwort-42", "new_password2": "Neues-Passwort-42"}


def test_with_an_authenticator_the_sms_code_alone_does_not_reset(login_household):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=login_household.account, name="authenticator",
                                       confirmed=True)
    browser, response = start_reset(login_household)  # what a SIM swap gives
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "application d'authentification" in page
    login_household.account.refresh_from_db()
    assert not login_household.account.check_password("Neues-Passwort-42")
    wrong = browser.post("/password-reset/confirm/", {"second_code": "000000", **NEW})
    assert "Ce code n'est pas valable" in html.unescape(wrong.content.decode())
    login_household.account.refresh_from_db()
    assert not login_household.account.check_password("Neues-Passwort-42")
    TOTPDevice.objects.update(throttling_failure_count=0,  # as after django-otp's pause
                              throttling_failure_timestamp=None)
    right = browser.post("/password-reset/confirm/", {
        "second_code": f"{totp(device.bin_key):06d}", **NEW})
    assert right.status_code == 302
    login_household.account.refresh_from_db()
    assert login_household.account.check_password("Neues-Passwort-42")


def test_a_backup_code_completes_the_reset_once(login_household):
    from accounts import second_factors

    codes = second_factors.new_backup_codes(login_household.account)
    browser, response = start_reset(login_household)
    assert response.status_code == 200
    done = browser.post("/password-reset/confirm/", {"second_code": codes[0], **NEW})
    assert done.status_code == 302
    assert not second_factors.verify_sim_independent(login_household.account, codes[0])  # spent


def test_without_such_a_factor_the_new_password_waits(login_household):
    _browser, response = start_reset(login_household)
    assert response.status_code == 200
    assert "sera valable dès le" in html.unescape(response.content.decode())
    login_household.account.refresh_from_db()
    assert not login_household.account.check_password("Neues-Passwort-42")


# --- What the login page says before and at the lock -------------------------------------

def test_each_wrong_password_says_how_many_tries_are_left_before_the_lock(login_household):
    _status, page = log_in("KPT12345678", WRONG, address="198.51.100.8")
    assert "Encore 4 essais avant un blocage temporaire" in page
    for _ in range(2):
        _status, page = log_in("KPT12345678", WRONG, address="198.51.100.8")
    assert "Encore 2 essais" in page
    _status, page = log_in("KPT12345678", WRONG, address="198.51.100.8")
    assert "Encore 1 essai avant" in page


def test_an_advisors_right_password_on_the_customers_page_counts_as_a_wrong_one():
    from accounts.tests.factories import AdvisorFactory

    # A staff account whose name has a contract number's shape reaches the password check.
    advisor = AdvisorFactory(username="KPT55555555")
    _status, page = log_in(advisor.username, WRONG, address="198.51.100.10")
    assert "Encore 4 essais" in page
    _status, page = log_in(advisor.username, TEST_PASSWORD, address="198.51.100.10")
    assert "Encore 3 essais" in page  # the same answer as a wrong password


def test_a_customers_right_password_on_the_staff_page_counts_as_a_wrong_one(login_household):
    def staff_log_in(password):
        response = Client(REMOTE_ADDR="198.51.100.11").post("/staff/login/", {
            "staff_login_view-current_step": "auth", "auth-username": "KPT12345678",
            "auth-password": password})
        return html.unescape(response.content.decode())

    staff_log_in(WRONG)
    page = staff_log_in(TEST_PASSWORD)
    assert 'name="token-otp_token"' not in page
    assert AuditEvent.objects.filter(kind="accounts.login_failed").count() == 2


def test_the_lock_page_says_when_the_login_opens_again(login_household):
    from django.utils import timezone

    for _ in range(5):
        log_in("KPT12345678", WRONG, address="198.51.100.9")
    status, page = log_in("KPT12345678", address="198.51.100.9")
    assert status == 429
    opens = re.search(r"Vous pourrez réessayer le (\d\d\.\d\d\.\d{4}) à (\d\d:\d\d)", page)
    assert opens is not None
    shown = timezone.make_aware(
        timezone.datetime.strptime(" ".join(opens.groups()), "%d.%m.%Y %H:%M"))
    # At least the first lock's 15 minutes, at most the longest lock (accounts.lockout).
    assert timedelta(minutes=14) < shown - timezone.localtime() <= lockout.MAX_COOLOFF
