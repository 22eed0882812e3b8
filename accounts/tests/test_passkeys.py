"""Passkeys: adding, naming and removing them; the login with one alone; the second step with
one after the password (customers and advisors). A software authenticator answers as a phone
would (soft_authenticator.py)."""

import json

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.models import WebAuthnCredential

from accounts import lockout, passkeys
from accounts.tests.factories import TEST_PASSWORD, CustomerFactory, sms_device_for
from accounts.tests.soft_authenticator import USER_PRESENT, SoftAuthenticator
from audit.models import AuditEvent
from core import sms

pytestmark = pytest.mark.django_db
STEP = "portal_login_view-current_step"
STAFF_STEP = "staff_login_view-current_step"


def add_passkey(client, authenticator, *, name="Mon téléphone", area="profile"):
    """The two steps of the security page: name + password, then the browser's answer."""
    response = client.post(f"/{area}/security/passkeys/add/", {"name": name,
                                                               "password": TEST_PASSWORD})
    assert response.status_code == 200, response.content.decode()[:500]
    answer = authenticator.create(response.context["options"])
    return client.post(f"/{area}/security/passkeys/confirm/", {"credential": answer})


def passkey_of(user, authenticator, client):
    add_passkey(client, authenticator)
    return WebAuthnCredential.objects.get(user=user)


def log_in_with_passkey(browser, authenticator, path="/login/", **answer):
    options = browser.get(path).context["passkey_options"]
    return browser.post(path, {"passkey_login": authenticator.get(options, **answer)})


def events(change):
    return AuditEvent.objects.filter(kind="accounts.second_factor_changed",
                                     detail__change=change)


# --- Adding, naming, removing ---------------------------------------------------------------

def test_customer_adds_a_named_passkey_after_typing_the_password(
        customer_client, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = add_passkey(customer_client, SoftAuthenticator(), name="  iPhone  de Anna ")
    assert response.status_code == 302 and response["Location"].endswith("#passkeys")
    device = WebAuthnCredential.objects.get(user=customer.account)
    assert device.name == "iPhone de Anna" and device.discoverable
    assert events("passkey_added").get().detail["passkey"] == "iPhone de Anna"
    assert [m.to for m in sms.outbox] == [customer.account.mobile_phone]
    assert "clé d'accès a été ajoutée" in sms.outbox[0].text
    page = customer_client.get("/profile/security/").content.decode()
    assert "iPhone de Anna" in page and "Pas encore utilisée" in page


def test_the_registration_asks_for_a_discoverable_verified_passkey(customer_client):
    response = customer_client.post("/profile/security/passkeys/add/", {
        "name": "Laptop", "password": TEST_PASSWORD})
    selection = response.context["options"]["authenticatorSelection"]
    assert selection["residentKey"] == "required"
    assert selection["userVerification"] == "required"
    assert response.context["options"]["rp"]["id"] == "localhost"
    assert 'id="passkey-create-options"' in response.content.decode()


def test_a_wrong_password_adds_nothing_and_keeps_the_name(customer_client, customer):
    response = customer_client.post("/profile/security/passkeys/add/", {
        "name": "Tablette", "password": "not-my-password"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "mot de passe n&#x27;est pas correct" in page and 'value="Tablette"' in page
    assert passkeys.REGISTER not in customer_client.session


def test_an_empty_name_is_refused_with_a_message(customer_client):
    response = customer_client.post("/profile/security/passkeys/add/", {
        "name": "   ", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "Donnez un nom à cette clé d&#x27;accès" in response.content.decode()


def test_an_answer_for_another_site_is_refused(customer_client, customer):
    response = add_passkey(customer_client, SoftAuthenticator(origin="https://evil.example"))
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.exists()
    page = customer_client.get(response["Location"]).content.decode()
    assert "n&#x27;a pas pu être enregistrée" in page


def test_a_registration_answer_counts_once(customer_client, customer):
    authenticator = SoftAuthenticator()
    response = customer_client.post("/profile/security/passkeys/add/", {
        "name": "A", "password": TEST_PASSWORD})
    answer = authenticator.create(response.context["options"])
    customer_client.post("/profile/security/passkeys/confirm/", {"credential": answer})
    replay = customer_client.post("/profile/security/passkeys/confirm/", {"credential": answer},
                                  follow=True)
    assert "La demande a expiré" in replay.content.decode()
    assert WebAuthnCredential.objects.count() == 1


def test_a_malformed_answer_is_refused_without_an_error_page(customer_client):
    customer_client.post("/profile/security/passkeys/add/", {"name": "A",
                                                             "password": TEST_PASSWORD})
    response = customer_client.post("/profile/security/passkeys/confirm/",
                                    {"credential": "{not json"}, follow=True)
    assert response.status_code == 200
    assert not WebAuthnCredential.objects.exists()


def test_renaming_is_audited_and_a_bad_name_is_kept_with_its_message(customer_client, customer):
    device = passkey_of(customer.account, SoftAuthenticator(), customer_client)
    response = customer_client.post(f"/profile/security/passkeys/{device.pk}/rename/",
                                    {"name": "x" * 70})
    assert response.status_code == 400
    assert "64 caractères au plus" in response.content.decode()
    customer_client.post(f"/profile/security/passkeys/{device.pk}/rename/", {"name": "Pixel"})
    device.refresh_from_db()
    assert device.name == "Pixel"
    assert events("passkey_renamed").get().detail == {
        "change": "passkey_renamed", "passkey": "Pixel", "old_name": "Mon téléphone"}


def test_removing_needs_the_password_is_audited_and_told_by_sms(
        customer_client, customer, django_capture_on_commit_callbacks):
    device = passkey_of(customer.account, SoftAuthenticator(), customer_client)
    url = f"/profile/security/passkeys/{device.pk}/remove/"
    response = customer_client.post(url, {"password": "wrong"})
    assert response.status_code == 400 and WebAuthnCredential.objects.exists()
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(url, {"password": TEST_PASSWORD})
    assert not WebAuthnCredential.objects.exists()
    assert events("passkey_removed").exists()
    assert "clé d'accès a été retirée" in sms.outbox[0].text


def test_removing_the_passkey_of_this_session_keeps_it_but_ends_the_others(
        customer_with_passkey):
    _customer, authenticator = customer_with_passkey
    elsewhere = Client()
    log_in_with_passkey(elsewhere, authenticator)
    here = Client()
    log_in_with_passkey(here, authenticator)
    device = WebAuthnCredential.objects.get()
    here.post(f"/profile/security/passkeys/{device.pk}/remove/", {"password": TEST_PASSWORD})
    assert not WebAuthnCredential.objects.exists()
    assert here.get("/profile/security/").status_code == 200
    assert elsewhere.get("/profile/security/").status_code == 302


def test_another_households_passkey_cannot_be_renamed_or_removed(customer_client, other_client,
                                                                 customer):
    device = passkey_of(customer.account, SoftAuthenticator(), customer_client)
    assert other_client.post(f"/profile/security/passkeys/{device.pk}/rename/",
                             {"name": "mine"}).status_code == 404
    assert other_client.post(f"/profile/security/passkeys/{device.pk}/remove/",
                             {"password": TEST_PASSWORD}).status_code == 404
    device.refresh_from_db()
    assert device.name == "Mon téléphone"


def test_the_security_page_lists_several_passkeys_with_their_dates(customer_client, customer):
    add_passkey(customer_client, SoftAuthenticator(), name="Téléphone")
    add_passkey(customer_client, SoftAuthenticator(), name="Ordinateur")
    page = customer_client.get("/profile/security/").content.decode()
    assert "Téléphone" in page and "Ordinateur" in page
    assert page.count("Ajoutée le ") == 2


# --- Logging in with a passkey alone -------------------------------------------------------

@pytest.fixture
def customer_with_passkey(customer, customer_client):
    authenticator = SoftAuthenticator()
    passkey_of(customer.account, authenticator, customer_client)
    return customer, authenticator


def test_a_passkey_alone_opens_a_verified_session(customer_with_passkey):
    customer, authenticator = customer_with_passkey
    browser = Client()
    options = browser.get("/login/").context["passkey_options"]
    assert options["userVerification"] == "required" and options["allowCredentials"] == []
    before = browser.session.session_key
    response = browser.post("/login/", {"passkey_login": authenticator.get(options)})
    assert response.status_code == 302 and response["Location"] == "/"
    session = browser.session
    assert session.session_key != before  # rotated, as after the SMS step
    device = WebAuthnCredential.objects.get()
    assert session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert session["login_at"] and session["last_activity"]  # idle and absolute limits
    assert browser.get("/").status_code == 200
    login = AuditEvent.objects.filter(kind="accounts.login").latest("pk")
    assert login.user == customer.account and login.detail == {"method": "passkey"}
    assert device.last_used_at is not None


def test_a_passkey_login_goes_where_the_customer_was_going(customer_with_passkey):
    _customer, authenticator = customer_with_passkey
    response = log_in_with_passkey(Client(), authenticator, path="/login/?next=/documents/")
    assert response["Location"] == "/documents/"


def test_a_passkey_answer_cannot_be_replayed(customer_with_passkey):
    _customer, authenticator = customer_with_passkey
    browser = Client()
    options = browser.get("/login/").context["passkey_options"]
    answer = authenticator.get(options)
    browser.post("/login/", {"passkey_login": answer})
    browser.post("/logout/")
    response = browser.post("/login/", {"passkey_login": answer}, follow=True)
    assert "La demande a expiré" in response.content.decode()
    assert browser.get("/").status_code == 302


def test_a_passkey_without_user_verification_is_refused(customer_with_passkey):
    _customer, authenticator = customer_with_passkey
    browser = Client()
    response = log_in_with_passkey(browser, authenticator, flags=USER_PRESENT)
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert browser.get("/").status_code == 302


def test_a_forged_signature_is_refused_counted_and_audited(customer_with_passkey):
    customer, authenticator = customer_with_passkey
    browser = Client()
    response = log_in_with_passkey(browser, authenticator, tamper=True)
    assert "n&#x27;a pas pu être vérifiée" in browser.get(response["Location"]).content.decode()
    failed = AuditEvent.objects.get(kind="accounts.login_failed")
    assert failed.user == customer.account
    assert AccessAttempt.objects.get(username=customer.account.username).failures_since_start == 1


def test_a_passkey_no_longer_registered_says_what_to_do(customer_with_passkey):
    _customer, authenticator = customer_with_passkey
    WebAuthnCredential.objects.all().delete()
    browser = Client()
    response = log_in_with_passkey(browser, authenticator)
    assert "plus) enregistrée sur le portail" in browser.get(response["Location"]).content.decode()


def test_a_locked_contract_stays_closed_to_its_passkey(customer_with_passkey):
    customer, authenticator = customer_with_passkey
    for _ in range(60):
        lockout.count_failure(None, customer.account.username)
    browser = Client()
    response = log_in_with_passkey(browser, authenticator)
    assert "bloqué" in browser.get(response["Location"]).content.decode()
    assert browser.get("/").status_code == 302


def test_five_wrong_passwords_from_here_lock_the_passkey_login_from_here(customer_with_passkey):
    customer, authenticator = customer_with_passkey
    for _ in range(5):
        Client().post("/login/", {STEP: "auth", "auth-username": customer.account.username,
                                  "auth-password": "Wrong-pass-1"})
    response = log_in_with_passkey(Client(), authenticator)
    assert response.status_code == 429
    assert "Accès bloqué temporairement" in response.content.decode()


def test_the_passkeys_lock_page_tells_the_same_end_as_the_password_login(customer_with_passkey):
    import re

    from audit.models import AuditEvent

    customer, authenticator = customer_with_passkey
    username = customer.account.username
    # An earlier lock of this pair this week: this one lasts 30 minutes, not 15.
    AuditEvent.objects.create(kind="accounts.lockout", username=username,
                              ip_address="127.0.0.1")
    for _ in range(6):
        by_password = Client().post("/login/", {STEP: "auth", "auth-username": username,
                                                "auth-password": "Wrong-pass-1"})
    by_passkey = log_in_with_passkey(Client(), authenticator)
    assert by_passkey.status_code == by_password.status_code == 429
    ends = re.compile(r"réessayer le [\d.]+ à \d\d:\d\d")
    assert (ends.search(by_passkey.content.decode()).group()
            == ends.search(by_password.content.decode()).group())


def test_an_advisors_passkey_does_not_open_the_customer_portal(advisor, advisor_client):
    authenticator = SoftAuthenticator()
    add_passkey(advisor_client, authenticator, area="staff")
    browser = Client()
    response = log_in_with_passkey(browser, authenticator)
    assert "ne permet pas de se connecter ici" in browser.get(response["Location"]).content.decode()


def test_the_staff_login_offers_no_passkey_alone(client, db):
    response = client.get("/staff/login/")
    assert response.context["passkey_options"] is None
    assert 'data-passkey="get"' not in response.content.decode()


# --- A passkey as the second step, after the password -------------------------------------

def test_after_the_password_the_passkey_is_offered_first_and_no_sms_is_sent(
        customer_with_passkey):
    customer, authenticator = customer_with_passkey
    sms_device_for(customer.account)
    sms.outbox.clear()
    browser = Client()
    response = browser.post("/login/", {STEP: "auth", "auth-username": customer.account.username,
                                        "auth-password": TEST_PASSWORD})
    page = response.content.decode()
    assert "Utiliser ma clé d'accès" in page and "Recevoir un code par SMS" in page
    assert sms.outbox == []
    options = response.context["passkey_options"]
    assert [c["id"] for c in options["allowCredentials"]] == [json.loads(
        authenticator.get(options))["rawId"]]
    response = browser.post("/login/", {STEP: "token",
                                        "token-otp_token": authenticator.get(options)})
    assert response.status_code == 302
    assert browser.get("/").status_code == 200
    assert browser.session[DEVICE_ID_SESSION_KEY].startswith("django_otp_webauthn.")


def test_the_sms_code_stays_possible_beside_a_passkey(customer_with_passkey):
    customer, _authenticator = customer_with_passkey
    device = sms_device_for(customer.account)
    sms.outbox.clear()
    browser = Client()
    browser.post("/login/", {STEP: "auth", "auth-username": customer.account.username,
                             "auth-password": TEST_PASSWORD})
    response = browser.post("/login/", {STEP: "token", "challenge_device": device.persistent_id})
    assert "Code reçu par SMS" in response.content.decode()
    assert len(sms.outbox) == 1


def test_a_refused_passkey_at_the_second_step_is_audited_and_counted(customer_with_passkey):
    customer, authenticator = customer_with_passkey
    sms_device_for(customer.account)
    browser = Client()
    response = browser.post("/login/", {STEP: "auth", "auth-username": customer.account.username,
                                        "auth-password": TEST_PASSWORD})
    answer = authenticator.get(response.context["passkey_options"], tamper=True)
    response = browser.post("/login/", {STEP: "token", "token-otp_token": answer})
    assert response.status_code == 200
    assert "n&#x27;a pas pu être vérifiée" in response.content.decode()
    assert AuditEvent.objects.get(kind="accounts.code_failed").detail == {"method": "passkey"}
    assert AccessAttempt.objects.get(username=customer.account.username).failures_since_start == 1
    assert browser.get("/").status_code == 302


def test_another_accounts_passkey_does_not_confirm_a_login(customer_with_passkey):
    _customer, authenticator = customer_with_passkey
    other = CustomerFactory()
    other_client = Client()
    from conftest import log_in_verified

    log_in_verified(other_client, other.account)
    passkey_of(other.account, SoftAuthenticator(), other_client)
    browser = Client()
    response = browser.post("/login/", {STEP: "auth", "auth-username": other.account.username,
                                        "auth-password": TEST_PASSWORD})
    answer = authenticator.get(response.context["passkey_options"])
    browser.post("/login/", {STEP: "token", "token-otp_token": answer})
    assert browser.get("/").status_code == 302


def test_an_advisor_adds_a_passkey_and_confirms_the_staff_login_with_it(advisor, advisor_client):
    authenticator = SoftAuthenticator()
    assert "Mes clés d&#x27;accès" in advisor_client.get("/staff/security/").content.decode()
    response = add_passkey(advisor_client, authenticator, name="YubiKey", area="staff")
    assert response["Location"] == "/staff/security/#passkeys"
    assert events("passkey_added").get().user == advisor
    browser = Client()
    response = browser.post("/staff/login/", {STAFF_STEP: "auth",
                                              "auth-username": advisor.username,
                                              "auth-password": TEST_PASSWORD})
    options = response.context["passkey_options"]
    response = browser.post("/staff/login/", {STAFF_STEP: "token",
                                              "token-otp_token": authenticator.get(options)})
    assert response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_an_advisor_cannot_touch_another_advisors_or_a_customers_passkey(advisor_client,
                                                                        customer):
    from accounts.tests.factories import AdvisorFactory, passkey_for

    for owner in (AdvisorFactory(), customer.account):
        device = passkey_for(owner)
        assert advisor_client.post(f"/staff/security/passkeys/{device.pk}/remove/",
                                   {"password": TEST_PASSWORD}).status_code == 404
        assert advisor_client.post(f"/staff/security/passkeys/{device.pk}/rename/",
                                   {"name": "x"}).status_code == 404
    assert WebAuthnCredential.objects.count() == 2


def test_the_staff_security_page_is_for_advisors_only(customer_client):
    assert customer_client.get("/staff/security/").status_code == 403
    response = Client().get("/staff/security/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_an_advisors_reset_removes_the_customers_passkeys(customer_client, customer):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from accounts.admin import UserAdmin
    from accounts.models import User
    from accounts.tests.factories import AdministratorFactory

    passkey_of(customer.account, SoftAuthenticator(), customer_client)
    request = RequestFactory().post("/admin/")
    request.user = AdministratorFactory()
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    UserAdmin(User, site).reset_second_factors(request, User.objects.filter(pk=customer.account.pk))
    assert not WebAuthnCredential.objects.exists()


# --- The activity page words the events ----------------------------------------------------

def test_the_activity_page_words_passkey_events(customer_with_passkey, customer_client):
    customer, authenticator = customer_with_passkey
    log_in_with_passkey(Client(), authenticator)
    page = customer_client.get("/profile/activity/").content.decode()
    assert "Clé d&#x27;accès ajoutée: Mon téléphone" in page
    assert "Connexion avec une clé d&#x27;accès" in page


@pytest.mark.parametrize(("language", "words"), [
    ("fr", "Se connecter avec une clé d'accès"), ("de", "Mit einem Passkey anmelden"),
    ("it", "Accedere con una passkey"), ("en", "Log in with a passkey")])
def test_the_login_variant_speaks_the_visitors_language(db, language, words):
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get("/login/").content.decode()
    assert words in page


@pytest.mark.parametrize("answer", [
    "x" * 100_000, "[]", "null", '{"id": 5, "rawId": ["a"], "response": null}',
    '{"id": "AA", "rawId": "AA", "type": "public-key", "response": {}}', "\x00{}"])
def test_hostile_passkey_answers_are_refused_without_an_error_page(db, answer):
    browser = Client()
    browser.get("/login/")
    response = browser.post("/login/", {"passkey_login": answer})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert browser.get("/").status_code == 302
