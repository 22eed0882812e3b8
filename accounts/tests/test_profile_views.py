"""/profile/: who may see it, what each form accepts and refuses, and the audit trail."""

from datetime import date, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from accounts.models import Correspondence, PortalSession, SMSDevice
from accounts.profile import SESSION_TOUCH_SECONDS, SESSION_TRACKED_AT
from accounts.tests.factories import TEST_PASSWORD, sms_device_for
from audit.models import AuditEvent
from conftest import log_in_verified
from core import sms

PROFILE = reverse("accounts:profile")


def html(response):
    return response.content.decode()


def test_profile_needs_a_verified_customer(client, db):
    assert client.get(PROFILE).status_code == 302


def test_advisors_have_no_profile_page(advisor_client):
    assert advisor_client.get(PROFILE).status_code == 403


def test_profile_shows_every_insured_person_read_only(customer_client, customer):
    page = html(customer_client.get(PROFILE))
    for person in customer.insured_persons.all():
        assert str(person) in page
        assert person.insured_number in page
    assert 'name="first_name"' not in page and 'name="birth_date"' not in page


def test_other_household_does_not_see_this_household(other_client, customer):
    page = html(other_client.get(PROFILE))
    for person in customer.insured_persons.all():
        assert person.insured_number not in page


def test_profile_links_the_second_factor_setup(customer_client):
    assert reverse("accounts:second_factors") in html(customer_client.get(PROFILE))


# --- Address -------------------------------------------------------------------------------

def address(**overrides):
    data = {"street": "Avenue de la Gare 7", "postcode": "1003", "locality": "Lausanne",
            "effective_on": (date.today() + timedelta(days=20)).isoformat()}
    data.update(overrides)
    return data


def test_future_address_is_shown_as_pending_from_its_date(customer_client, customer):
    response = customer_client.post(reverse("accounts:profile_address"), address(),
                                    follow=True)
    day = (date.today() + timedelta(days=20)).strftime("%d.%m.%Y")
    assert f"à partir du {day}" in html(response)
    customer.refresh_from_db()
    assert customer.street == "Teststrasse 1"
    event = AuditEvent.objects.get(kind="accounts.profile_changed", customer=customer)
    assert event.detail["fields"] == ["address"]


def test_address_for_today_is_applied_at_once(customer_client, customer):
    customer_client.post(reverse("accounts:profile_address"),
                         address(effective_on=date.today().strftime("%d.%m.%Y")))
    customer.refresh_from_db()
    assert customer.street == "Avenue de la Gare 7"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("postcode", "0999", "de 1000 à 9699"),
    ("postcode", "9700", "de 1000 à 9699"),
    ("postcode", "12a4", "4 chiffres"),
    ("locality", "12345", "en lettres"),
    ("effective_on", "2001-01-01", "dans le passé"),
    ("effective_on", "31.02.2030", "date valable"),
])
def test_bad_address_is_refused_clearly_and_the_rest_is_kept(customer_client, customer,
                                                            field, value, message):
    response = customer_client.post(reverse("accounts:profile_address"),
                                    address(**{field: value}))
    assert response.status_code == 400
    page = html(response)
    assert message in page
    assert 'value="Avenue de la Gare 7"' in page
    customer.refresh_from_db()
    assert customer.street == "Teststrasse 1"
    assert not customer.address_changes.exists()


# --- Contact and preferences ---------------------------------------------------------------

def test_contact_change_is_normalised_and_audited(customer_client, customer):
    customer_client.post(reverse("accounts:profile_contact"),
                         {"email": "neu@example.ch", "landline_phone": "021 345 67 89"})
    customer.refresh_from_db()
    assert customer.email == "neu@example.ch"
    assert customer.landline_phone == "+41213456789"
    event = AuditEvent.objects.get(kind="accounts.profile_changed", customer=customer)
    assert set(event.detail["fields"]) == {"email", "landline_phone"}


def test_bad_landline_is_refused_and_the_email_typed_is_kept(customer_client, customer):
    response = customer_client.post(reverse("accounts:profile_contact"),
                                    {"email": "neu@example.ch", "landline_phone": "12"})
    assert response.status_code == 400
    assert "pas valable" in html(response)
    assert 'value="neu@example.ch"' in html(response)
    customer.refresh_from_db()
    assert customer.email != "neu@example.ch"


def test_bad_email_is_refused(customer_client):
    response = customer_client.post(reverse("accounts:profile_contact"),
                                    {"email": "nope", "landline_phone": ""})
    assert response.status_code == 400
    assert "adresse e-mail valable" in html(response)


def test_preferences_record_language_opt_out_and_correspondence_history(customer_client,
                                                                        customer):
    customer_client.post(reverse("accounts:profile_preferences"),
                         {"language": "it", "correspondence": "online",
                          "notify_channel": "none"})
    customer.refresh_from_db()
    assert customer.language == "it"
    assert customer.notify_channel == "none"
    assert customer.correspondence == Correspondence.ONLINE
    assert customer.correspondence_changes.get().preference == "online"
    changes = AuditEvent.objects.filter(kind="accounts.profile_changed", customer=customer)
    assert changes.count() == 2


def test_unknown_correspondence_is_refused(customer_client, customer):
    response = customer_client.post(reverse("accounts:profile_preferences"),
                                    {"language": "it", "correspondence": "pigeon"})
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.language == "fr"


# --- Mobile ------------------------------------------------------------------------------------

def ask_for_code(client, number="079 111 22 33", password=TEST_PASSWORD):
    return client.post(reverse("accounts:profile_mobile"),
                       {"mobile_phone": number, "password": password})


def test_new_mobile_needs_the_password(customer_client, customer):
    response = ask_for_code(customer_client, password="wrong-password")
    assert response.status_code == 400
    assert "mot de passe n&#x27;est pas correct" in html(response)
    assert 'value="079 111 22 33"' in html(response)
    assert sms.outbox == []


def test_landline_is_refused_as_mobile(customer_client):
    response = ask_for_code(customer_client, number="021 345 67 89")
    assert response.status_code == 400
    assert "pas un numéro de mobile" in html(response)


def test_new_mobile_is_used_only_after_the_code_is_confirmed(
        customer_client, customer, django_capture_on_commit_callbacks):
    user = customer.account
    old = user.mobile_phone
    sms_device_for(user)
    response = ask_for_code(customer_client)
    assert response.status_code == 302
    assert sms.outbox[-1].to == "+41791112233"
    user.refresh_from_db()
    assert user.mobile_phone == old  # not yet
    code = sms.outbox[-1].text.split(": ")[1][:6]
    confirm = reverse("accounts:profile_mobile_confirm")
    assert customer_client.get(confirm).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(confirm, {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.mobile_phone == "+41791112233"
    assert SMSDevice.objects.get(user=user, name="default").number == "+41791112233"
    assert sms.outbox[-1].to == old
    assert AuditEvent.objects.filter(kind="accounts.phone_changed", user=user).exists()


def test_wrong_code_is_refused_with_a_message(customer_client, customer):
    ask_for_code(customer_client)
    code = sms.outbox[-1].text.split(": ")[1][:6]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = customer_client.post(reverse("accounts:profile_mobile_confirm"),
                                    {"code": wrong})
    assert response.status_code == 400
    assert "pas correct" in html(response)
    customer.account.refresh_from_db()
    assert customer.account.mobile_phone != "+41791112233"


def test_confirm_page_without_pending_change_goes_back_to_profile(customer_client):
    response = customer_client.get(reverse("accounts:profile_mobile_confirm"))
    assert response.status_code == 302


def test_another_browser_cannot_confirm_with_someone_elses_pending_code(customer_client,
                                                                       other_client,
                                                                       other_customer):
    ask_for_code(customer_client)
    code = sms.outbox[-1].text.split(": ")[1][:6]
    response = other_client.post(reverse("accounts:profile_mobile_confirm"), {"code": code})
    assert response.status_code == 302
    other_customer.account.refresh_from_db()
    assert other_customer.account.mobile_phone != "+41791112233"


# --- Password and sessions ---------------------------------------------------------------------

def test_password_change_keeps_this_session_and_ends_the_others(customer, client):
    user = customer.account
    other_browser = log_in_verified(Client(), user)
    other_browser.get(PROFILE)
    log_in_verified(client, user)
    client.get(PROFILE)
    assert PortalSession.objects.filter(user=user).count() == 2
    response = client.post(reverse("accounts:profile_password"), {
        "old_password": TEST_PASSWORD, "new_password1": "Another-Strong-Pass-91",
        "new_password2": "Another-Strong-Pass-91"})
    assert response.status_code == 302
    assert client.get(PROFILE).status_code == 200
    assert other_browser.get(PROFILE).status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-Strong-Pass-91")
    assert AuditEvent.objects.filter(kind="accounts.password_changed", user=user).exists()


def test_weak_password_is_refused_with_djangos_validators(customer_client, customer):
    response = customer_client.post(reverse("accounts:profile_password"), {
        "old_password": TEST_PASSWORD, "new_password1": "12345678",
        "new_password2": "12345678"})
    assert response.status_code == 400
    customer.account.refresh_from_db()
    assert customer.account.check_password(TEST_PASSWORD)


def test_log_out_other_sessions_lists_and_ends_them(customer, client):
    user = customer.account
    other_browser = log_in_verified(Client(), user)
    session = other_browser.session
    session[SESSION_TRACKED_AT] -= SESSION_TOUCH_SECONDS  # a minute later
    session.save()
    other_browser.get(PROFILE, HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Firefox/140.0")
    log_in_verified(client, user)
    assert "Firefox · Windows" in html(client.get(PROFILE))
    client.post(reverse("accounts:profile_log_out_others"))
    assert other_browser.get(PROFILE).status_code == 302
    assert client.get(PROFILE).status_code == 200
    assert not SessionStore().exists(other_browser.session.session_key or "none")


@pytest.mark.parametrize(("name", "target"), [
    ("profile_log_out_others", "/profile/#sessions"),
    ("backup_codes", "/profile/security/#backup-codes"),
    ("authenticator_remove", "/profile/security/#authenticator"),
])
def test_a_get_on_a_form_url_lands_on_its_section_and_changes_nothing(
        customer_client, customer, name, target):
    """A bookmark, a restored phone tab or the back button asks these URLs with GET."""
    from accounts.models import PortalSession

    sms_device_for(customer.account)
    profile_page = html(customer_client.get(PROFILE))
    security_page = html(customer_client.get(reverse("accounts:second_factors")))
    sessions = PortalSession.objects.count()
    events = AuditEvent.objects.count()
    response = customer_client.get(reverse(f"accounts:{name}"))
    assert response.status_code == 302
    assert response["Location"] == target
    page, section = target.split("#")
    assert f'id="{section}"' in (profile_page if page == PROFILE else security_page)
    assert PortalSession.objects.count() == sessions
    assert AuditEvent.objects.count() == events
    assert customer_client.put(reverse(f"accounts:{name}")).status_code == 405


SECTIONS = [("profile_address", "address", 'name="street"'),
            ("profile_contact", "contact", 'name="email"'),
            ("profile_preferences", "preferences", 'name="correspondence"'),
            ("profile_mobile", "mobile", 'name="mobile_phone"'),
            ("profile_payout", "payout", 'name="iban"'),
            ("profile_password", "password", 'name="old_password"')]


def test_the_profile_is_a_summary_without_any_form_to_fill(customer_client, customer):
    page = html(customer_client.get(PROFILE))
    assert "Rue du Lac" in page or customer.street in page
    for name, section, field in SECTIONS:
        assert f'id="{section}"' in page
        assert f'href="{reverse(f"accounts:{name}")}"' in page  # its "Modifier"
        assert field not in page


@pytest.mark.parametrize(("name", "section", "field"), SECTIONS)
def test_each_section_opens_its_own_form_and_a_get_changes_nothing(
        customer_client, customer, name, section, field):
    sms_device_for(customer.account)
    events = AuditEvent.objects.count()
    response = customer_client.get(reverse(f"accounts:{name}"))
    assert response.status_code == 200
    page = html(response)
    assert f'id="{section}"' in page and field in page
    assert f'action="{reverse(f"accounts:{name}")}"' in page
    # The one form of the page, and a way back to the summary.
    main = page[page.index("<main"):page.index("</main>")]
    assert main.count("<form") == 1
    assert f'href="{PROFILE}#{section}"' in page
    assert AuditEvent.objects.count() == events
    assert customer_client.put(reverse(f"accounts:{name}")).status_code == 405


def test_the_address_form_starts_from_the_address_on_file(customer_client, customer):
    page = html(customer_client.get(reverse("accounts:profile_address")))
    assert f'value="{customer.street}"' in page
    assert f'value="{customer.postcode}"' in page
