"""Logs carry no secrets: the main flows run with every logger at DEBUG and stdout/stderr
captured, then everything written is searched for passwords, SMS codes, activation codes,
full IBANs, AHV numbers and document contents.

The development SMS backend (``console``) prints SMS, codes included, on purpose; tests use
the in-memory one, so any code found here leaked through a log line.
"""

import logging
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DelayedPasswordReset
from accounts.tests.factories import (
    TEST_PASSWORD,
    CustomerFactory,
    InsuredPersonFactory,
    sms_device_for,
)
from core import sms
from documents.tests.factories import make_document
from tests.security_support import _document_storage, marker_pdf  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

STEP = "portal_login_view-current_step"
WRONG_PASSWORD = "Wrong-Secret-Guess-17"  # noqa: S105 - test-only
RESET_PASSWORD = "Lac-Leman-Blue-2026"  # noqa: S105 - test-only
ACTIVATION_PASSWORD = "Aare-Bern-Green-2031"  # noqa: S105 - test-only
ACTIVATION_CODE = "ABCD-EFGH-JKMN"
IBAN = "CH9300762011623852957"
IBAN_SPACED = "CH93 0076 2011 6238 5295 7"
AHV = "756.1234.5678.97"
MARKER = "CONTENT-MARKER-q8w7e6"

IBAN_PATTERN = re.compile(r"CH\d{2}\s?(?:\d{4}\s?){4}\d")
AHV_PATTERN = re.compile(r"756\.\d{4}\.\d{4}\.\d{2}")


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)


def sent_codes() -> set[str]:
    return {m.group(1) for s in sms.outbox for m in re.finditer(r"\b(\d{6})\b", s.text)}


def login(client, username, password):
    client.post("/login/", {STEP: "auth", "auth-username": username,
                            "auth-password": password})
    return client.post("/login/", {STEP: "token", "token-otp_token": last_code()})


def run_main_flows(tmp_path, monkeypatch, capture_commits):
    codes: set[str] = set()

    # Login with password and SMS code (a wrong password and a wrong code first).
    household = CustomerFactory(account__username="KPT12345678",
                                account__mobile_phone="+41790000001")
    InsuredPersonFactory(customer=household, first_name="Kid")
    sms_device_for(household.account)
    client = Client()
    client.post("/login/", {STEP: "auth", "auth-username": "KPT12345678",
                            "auth-password": WRONG_PASSWORD})
    assert login(client, "KPT12345678", TEST_PASSWORD).status_code == 302
    codes |= sent_codes()

    # Message with an attachment, an IBAN and an AHV number in the text.
    with capture_commits(execute=True):
        response = client.post(reverse("messaging:new"), {
            "subject": f"Remboursement sur {IBAN_SPACED}",
            "body": f"Mon IBAN: {IBAN}, mon numéro AVS: {AHV}.",
            "attachments": [SimpleUploadedFile("facture.pdf", marker_pdf(MARKER),
                                               content_type="application/pdf")]})
    assert response.status_code == 302
    from messaging.models import Attachment

    attachment = Attachment.objects.get()
    assert client.get(reverse("messaging:attachment", args=[attachment.pk])).status_code == 200

    # Document view, preview and download.
    document = make_document(insured_person=household.policy_holder,
                             content=marker_pdf(MARKER + "-doc"))
    for name in ("documents:detail", "documents:preview", "documents:download"):
        response = client.get(reverse(name, args=[document.pk]))
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)

    # Profile: new mobile confirmed with its code.
    client.post(reverse("accounts:profile_mobile"),
                {"mobile_phone": "079 111 22 33", "password": TEST_PASSWORD})
    codes |= sent_codes()
    with capture_commits(execute=True):
        assert client.post(reverse("accounts:profile_mobile_confirm"),
                           {"code": last_code()}).status_code == 302

    # Payout account: password, then the code sent to the verified mobile.
    client.post(reverse("accounts:profile_payout"),
                {"iban": IBAN_SPACED, "holder": "Anna Muster", "password": TEST_PASSWORD})
    codes |= sent_codes()
    with capture_commits(execute=True):
        assert client.post(reverse("accounts:profile_payout_confirm"),
                           {"code": last_code()}).status_code == 302
    assert household.payout_accounts.get().iban == IBAN

    # Data export, built and downloaded.
    with capture_commits(execute=True):
        client.post(reverse("exports:export"))
    from exports.models import DataExport

    export = DataExport.objects.get()
    response = client.get(reverse("exports:export_download", args=[export.pk]))
    b"".join(response.streaming_content)

    # Password reset with an SMS code.
    reset = CustomerFactory(holder=False)
    InsuredPersonFactory(customer=reset, is_policy_holder=True, birth_date=date(1970, 1, 5))
    sms_device_for(reset.account)
    anonymous = Client()
    anonymous.post("/password-reset/", {"contract_number": reset.account.username,
                                        "birth_date": "05.01.1970"})
    codes |= sent_codes()
    assert anonymous.post("/password-reset/confirm/", {
        "code": last_code(), "new_password1": RESET_PASSWORD,
        "new_password2": RESET_PASSWORD}).status_code == 200  # SMS only: the password waits
    # ... and is given once its time has come, at the next login attempt with it.
    DelayedPasswordReset.objects.update(effective_at=timezone.now())
    assert Client().post("/login/", {
        STEP: "auth", "auth-username": reset.account.username,
        "auth-password": RESET_PASSWORD}).status_code == 200
    reset.account.refresh_from_db()
    assert reset.account.check_password(RESET_PASSWORD)

    # Registration and activation with the letter's code and an SMS code.
    newcomer = CustomerFactory(account=None, holder=False, customer_number="300400500",
                               postcode="1700")
    InsuredPersonFactory(customer=newcomer, is_policy_holder=True, birth_date=date(1950, 2, 3))
    Client().post("/register/", {"customer_number": "300400500", "birth_date": "03.02.1950",
                                 "postcode": "1700"})
    monkeypatch.setattr("accounts.registration.new_activation_code", lambda: ACTIVATION_CODE)
    call_command("print_activation_letters", "--out", str(tmp_path))
    from accounts.models import ActivationLetter

    letter = ActivationLetter.objects.get()
    activation = Client()
    activation.post("/register/activate/", {
        "contract_number": letter.account.username, "activation_code": ACTIVATION_CODE,
        "mobile_phone": "079 123 45 67", "new_password1": ACTIVATION_PASSWORD,
        "new_password2": ACTIVATION_PASSWORD})
    codes |= sent_codes()
    assert activation.post("/register/activate/confirm/",
                           {"code": last_code()}).status_code == 302

    # Login help with personal numbers in the description.
    Client().post(reverse("messaging:login_help"), {
        "name": "Anna Muster", "contract_number": "KPT12345678", "birth_date": "01.02.1980",
        "phone": "079 123 45 67", "description": f"AVS {AHV}, IBAN {IBAN}, mot de passe "
                                                 f"{TEST_PASSWORD}"})
    return codes | sent_codes()


def test_main_flows_log_no_secrets(caplog, capfd, tmp_path, monkeypatch,
                                   django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    codes = run_main_flows(tmp_path, monkeypatch, django_capture_on_commit_callbacks)
    assert len(codes) == 6  # login, new mobile, payout account, password reset, login after
    # it, activation

    out, err = capfd.readouterr()
    records = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    written = "\n".join([caplog.text, records, out, err])
    assert len(caplog.records) > 10  # the scan has something to scan

    secrets = {"password": [TEST_PASSWORD, WRONG_PASSWORD, RESET_PASSWORD, ACTIVATION_PASSWORD],
               "activation code": [ACTIVATION_CODE, ACTIVATION_CODE.replace("-", "")],
               "document content": [MARKER],
               "IBAN": [IBAN, IBAN_SPACED], "AHV": [AHV]}
    found = {kind: [value for value in values if value in written]
             for kind, values in secrets.items()}
    found["SMS code"] = [code for code in codes if re.search(rf"(?<![\d.:,]){code}(?!\d)",
                                                               written)]
    found["IBAN pattern"] = IBAN_PATTERN.findall(written)
    found["AHV pattern"] = AHV_PATTERN.findall(written)
    assert not {kind: values for kind, values in found.items() if values}
