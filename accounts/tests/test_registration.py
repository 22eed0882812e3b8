import html
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import delayed_reset
from accounts.models import ActivationLetter, SMSDevice, User
from accounts.tests.factories import CustomerFactory, InsuredPersonFactory, sms_device_for
from audit.models import AuditEvent
from core import sms

NEW_PASSWORD = "Lac-Leman-Blue-2026"  # noqa: S105


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def existing_customer(db):
    """A customer of the insurer with no online access yet."""
    customer = CustomerFactory(account=None, holder=False, customer_number="300400500",
                               postcode="1700", locality="Fribourg")
    InsuredPersonFactory(customer=customer, is_policy_holder=True, first_name="Elsa",
                         birth_date=date(1950, 2, 3))
    return customer


def register(client, **overrides):
    data = {"customer_number": "300400500", "birth_date": "03.02.1950", "postcode": "1700"}
    return client.post("/register/", {**data, **overrides})


def test_matching_details_queue_an_activation_letter(client, existing_customer):
    response = register(client)
    assert "votre demande est enregistrée" in text(response)
    letter = ActivationLetter.objects.get()
    assert letter.status == "pending"
    assert re.fullmatch(r"KPT\d{8}", letter.account.username)
    assert not letter.account.has_usable_password()


def test_non_matching_details_get_the_same_answer_and_nothing_happens(client, existing_customer):
    response = register(client, birth_date="04.02.1950")
    assert "votre demande est enregistrée" in text(response)
    assert not ActivationLetter.objects.exists()


def test_registration_form_explains_bad_input_and_keeps_it(client, existing_customer):
    response = register(client, postcode="17", birth_date="31.02.1950")
    page = text(response)
    assert "Le NPA se compose de 4 chiffres." in page
    assert 'value="300400500"' in page


def test_letters_are_printed_as_pdfs_and_marked_sent(client, existing_customer, tmp_path):
    register(client)
    call_command("print_activation_letters", "--out", str(tmp_path))
    (pdf,) = tmp_path.glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    letter = ActivationLetter.objects.get()
    assert letter.status == "sent" and letter.code_hash
    assert letter.valid_until - letter.printed_at == timedelta(days=30)


def _printed_letter_with_code(monkeypatch, tmp_path):
    monkeypatch.setattr("accounts.registration.new_activation_code", lambda: "ABCD-EFGH-JKMN")
    call_command("print_activation_letters", "--out", str(tmp_path))
    return ActivationLetter.objects.get()


def test_activation_sets_password_and_verified_mobile(client, existing_customer, tmp_path,
                                                      monkeypatch):
    register(client)
    letter = _printed_letter_with_code(monkeypatch, tmp_path)
    response = client.post("/register/activate/", {
        "contract_number": letter.account.username.lower(), "activation_code": "abcd efgh jkmn",
        "mobile_phone": "079 123 45 67", "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert sms.outbox[-1].to == "+41791234567"
    user = User.objects.get(pk=letter.account.pk)
    assert not user.has_usable_password()  # nothing changes before the mobile is confirmed
    code = re.search(r"(\d{6})", sms.outbox[-1].text).group(1)
    response = client.post("/register/activate/confirm/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/login/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.mobile_phone == "+41791234567"
    assert SMSDevice.objects.get(user=user).confirmed
    assert ActivationLetter.objects.get().status == "used"
    assert user.customer.portal_registered_at is not None


def test_activation_refuses_a_wrong_code(client, existing_customer, tmp_path, monkeypatch):
    register(client)
    letter = _printed_letter_with_code(monkeypatch, tmp_path)
    response = client.post("/register/activate/", {
        "contract_number": letter.account.username, "activation_code": "WRONG-CODE-XX",
        "mobile_phone": "0791234567", "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD})
    assert "pas valable" in text(response)
    assert sms.outbox == []


def test_activation_refuses_an_expired_letter(client, existing_customer, tmp_path, monkeypatch):
    register(client)
    letter = _printed_letter_with_code(monkeypatch, tmp_path)
    ActivationLetter.objects.update(valid_until=timezone.now() - timedelta(minutes=1))
    response = client.post("/register/activate/", {
        "contract_number": letter.account.username, "activation_code": "ABCD-EFGH-JKMN",
        "mobile_phone": "0791234567", "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD})
    assert "expiré" in text(response)


def test_activation_checks_password_strength(client, existing_customer, tmp_path, monkeypatch):
    register(client)
    letter = _printed_letter_with_code(monkeypatch, tmp_path)
    response = client.post("/register/activate/", {
        "contract_number": letter.account.username, "activation_code": "ABCD-EFGH-JKMN",
        "mobile_phone": "0791234567", "new_password1": "password123",
        "new_password2": "password123"})
    assert response.status_code == 200
    assert "trop courant" in text(response) or "too common" in text(response)
    assert sms.outbox == []


def test_new_customers_get_a_contract_and_a_password_link_by_sms(db, capsys,
                                                                  django_capture_on_commit_callbacks):
    customer = CustomerFactory(account=None, holder=False, customer_number="900100200")
    InsuredPersonFactory(customer=customer, is_policy_holder=True)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_online_contract", "900100200", "--mobile", "+41 79 765 43 21")
    contract = capsys.readouterr().out.strip()
    assert re.fullmatch(r"KPT\d{8}", contract)
    (message,) = sms.outbox
    assert message.to == "+41797654321" and contract in message.text
    link = re.search(r"http://\S+", message.text).group(0)
    path = link.replace("http://127.0.0.1:8000", "")
    client = Client()
    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(username=contract).check_password(NEW_PASSWORD)
    assert client.get(path).status_code == 400  # the link works once


def test_password_reset_with_sms_code(client, db):
    customer = CustomerFactory(holder=False)
    InsuredPersonFactory(customer=customer, is_policy_holder=True, birth_date=date(1970, 1, 5))
    sms_device_for(customer.account)
    other_session = Client()
    other_session.force_login(customer.account)
    response = client.post("/password-reset/", {
        "contract_number": customer.account.username, "birth_date": "05.01.1970"})
    assert response["Location"] == "/password-reset/confirm/"
    code = re.search(r"(\d{6})", sms.outbox[-1].text).group(1)
    response = client.post("/password-reset/confirm/", {
        "code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200  # SMS only: the new password waits (a SIM swap)
    delayed_reset.apply_due(now=timezone.now() + delayed_reset.delay())
    customer.account.refresh_from_db()
    assert customer.account.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(kind="accounts.password_changed").exists()
    # Logout everywhere: the session opened before the change is no longer valid.
    assert other_session.get("/").status_code == 302
    assert "_auth_user_id" not in other_session.session


def test_password_reset_does_not_reveal_unknown_contracts(client, db):
    response = client.post("/password-reset/", {
        "contract_number": "KPT00000001", "birth_date": "05.01.1970"})
    assert response["Location"] == "/password-reset/confirm/"
    assert sms.outbox == []
    response = client.post("/password-reset/confirm/", {
        "code": "123456", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "pas valable" in text(response)


def test_the_activation_asks_who_you_are_before_the_new_password(client):
    response = client.get(reverse("accounts:activate"))
    assert list(response.context["form"].fields) == [
        "contract_number", "activation_code", "mobile_phone", "new_password1", "new_password2"]
    html = response.content.decode()
    assert html.index('name="contract_number"') < html.index('name="new_password1"')
