import re

import pytest
from django.test import Client
from django.urls import reverse

from messaging import loginhelp
from messaging.models import LoginHelpRequest

pytestmark = pytest.mark.django_db

URL = reverse("messaging:login_help")
SENT = reverse("messaging:login_help_sent")


def form_data(**overrides):
    return {"name": "Anna Muster", "contract_number": "kpt12345678",
            "birth_date": "17.04.1981", "phone": "079 123 45 67",
            "description": "Mon nouveau téléphone ne reçoit pas le code.", **overrides}


def test_the_page_is_public(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="website"' in response.text  # the honeypot


def test_a_request_creates_a_ticket_and_answers_with_its_reference(client, customer):
    response = client.post(URL, form_data(contract_number=customer.account.username.lower()))
    assert response.status_code == 302 and response["Location"] == SENT
    ticket = LoginHelpRequest.objects.get()
    assert ticket.reference == f"LH-{ticket.created_at.year}-{ticket.pk:06d}"
    assert ticket.phone == "+41791234567"
    assert ticket.contract_number == customer.account.username
    assert ticket.matched_customer == customer
    assert ticket.reference in client.get(SENT).text


def test_the_answer_does_not_reveal_whether_the_contract_exists(customer):
    pages = []
    for number in (customer.account.username, "KPT99999999"):
        browser = Client()
        posted = browser.post(URL, form_data(contract_number=number))
        page = browser.get(SENT).text
        page = page.replace(LoginHelpRequest.objects.latest("id").reference, "REF")
        pages.append((posted.status_code, posted["Location"],
                      re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)))
    assert pages[0] == pages[1]
    assert LoginHelpRequest.objects.filter(matched_customer__isnull=True).count() == 1


def test_a_bot_filling_the_honeypot_is_answered_but_not_stored(client):
    response = client.post(URL, form_data(website="http://spam.example"))
    assert response.status_code == 302
    assert "LH-" in client.get(SENT).text
    assert not LoginHelpRequest.objects.exists()


def test_twenty_rapid_posts_from_one_address_are_throttled(client):
    statuses = [client.post(URL, form_data(), REMOTE_ADDR="203.0.113.7").status_code
                for _ in range(20)]
    assert statuses[:loginhelp.RATE_LIMIT] == [302] * loginhelp.RATE_LIMIT
    assert set(statuses[loginhelp.RATE_LIMIT:]) == {429}
    assert LoginHelpRequest.objects.count() == loginhelp.RATE_LIMIT
    throttled = client.post(URL, form_data(), REMOTE_ADDR="203.0.113.7")
    assert "Trop de demandes" in throttled.text
    assert "Anna Muster" in throttled.text  # what was typed is kept


def test_the_limit_is_per_address(client):
    for _ in range(loginhelp.RATE_LIMIT + 1):
        client.post(URL, form_data(), REMOTE_ADDR="203.0.113.7")
    assert client.post(URL, form_data(), REMOTE_ADDR="198.51.100.2").status_code == 302


def test_the_limit_resets_after_the_window(client, monkeypatch, local_memory_cache):
    import time

    for _ in range(loginhelp.RATE_LIMIT + 1):
        client.post(URL, form_data(), REMOTE_ADDR="203.0.113.7")
    later = time.time() + loginhelp.RATE_WINDOW_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.post(URL, form_data(), REMOTE_ADDR="203.0.113.7").status_code == 302


def test_posting_without_the_csrf_token_is_refused():
    response = Client(enforce_csrf_checks=True).post(URL, form_data())
    assert response.status_code == 403
    assert not LoginHelpRequest.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("description", "x" * 2001, "2000"),
    ("name", "x" * 121, "120"),
    ("phone", "12", "pas valable"),
    ("birth_date", "31.02.1990", "date"),
    ("birth_date", "01.01.2999", "Vérifiez"),
])
def test_bad_input_is_refused_with_a_message_and_kept(client, field, value, message):
    response = client.post(URL, form_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.text
    assert "Anna Muster" in response.text or field == "name"
    assert not LoginHelpRequest.objects.exists()


def test_the_sent_page_without_a_request_goes_back_to_the_form(client):
    assert client.get(SENT)["Location"] == URL


def test_a_ticket_appears_in_the_advisors_admin_queue(client, advisor_client):
    client.post(URL, form_data())
    ticket = LoginHelpRequest.objects.get()
    response = advisor_client.get(reverse("admin:messaging_loginhelprequest_changelist"))
    assert response.status_code == 200 and ticket.reference in response.text
