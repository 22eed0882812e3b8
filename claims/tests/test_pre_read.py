"""The hint before sending: the first page's patient, matched against the household only."""

from datetime import date
from unittest import mock

from django.urls import reverse

from accounts.tests.factories import InsuredPersonFactory
from claims import prereads
from claims.notes import household_match
from claims.tests.factories import QR_TEXT_PDF, jpeg_bytes, truth

# The committed sample: a text PDF for Matteo Rossi, born 01.05.1999.
PATIENT = truth(QR_TEXT_PDF)


def rossi(customer, **kwargs):
    values = {"first_name": "Matteo", "last_name": "Rossi",
              "birth_date": date.fromisoformat(PATIENT["patient_birth_date"]), **kwargs}
    return InsuredPersonFactory(customer=customer, **values)


def pre_read(client, data=None, name="facture.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, QR_TEXT_PDF.read_bytes() if data is None else data)
    return client.post(reverse("claims:pre_read"), {"page": upload})


def answer(client, token):
    return client.get(reverse("claims:pre_read_result", args=[token]))


def test_the_household_member_with_the_printed_birth_date_is_the_match(customer):
    kid = rossi(customer, first_name="Luca")
    assert household_match("Luca Rossi", kid.birth_date,
                                    customer.insured_persons.all()) == kid


def test_a_name_outside_the_household_matches_nobody(customer):
    assert household_match("Paolo Galli", None, customer.insured_persons.all()) is None


def test_twins_read_by_birth_date_alone_give_no_match(customer):
    born = date(2015, 3, 1)
    rossi(customer, first_name="Luca", birth_date=born)
    rossi(customer, first_name="Lea", birth_date=born)
    assert household_match(None, born, customer.insured_persons.all()) is None


def test_the_pre_read_names_the_household_member_the_invoice_concerns(customer,
                                                                      customer_client):
    matteo = rossi(customer)
    started = pre_read(customer_client)
    assert started.status_code == 202
    body = answer(customer_client, started.json()["token"]).json()
    assert body == {"state": "done", "person": matteo.pk, "name": "Matteo Rossi",
                    "first_name": "Matteo"}


def test_an_invoice_for_someone_outside_the_household_gives_no_name(customer,
                                                                    customer_client):
    started = pre_read(customer_client)
    response = answer(customer_client, started.json()["token"])
    assert response.json() == {"state": "done", "person": None}
    assert PATIENT["patient_name"].split()[-1] not in response.text


def test_a_file_that_is_not_an_invoice_answers_with_a_message_not_an_error(customer_client):
    response = pre_read(customer_client, data=b"PK\x03\x04 a zip", name="x.pdf")
    assert response.status_code == 400
    assert response.json()["token"] is None and response.json()["error"]


def test_an_unreadable_picture_gives_no_hint(customer, customer_client):
    rossi(customer)
    started = pre_read(customer_client, data=jpeg_bytes((300, 400)), name="page.jpg")
    assert answer(customer_client, started.json()["token"]).json()["person"] is None


def test_no_page_answers_400(customer_client):
    assert customer_client.post(reverse("claims:pre_read")).status_code == 400


def test_when_the_budget_is_spent_no_pre_read_starts(customer, customer_client):
    spent = mock.Mock(**{"take.return_value": False})
    with mock.patch.object(prereads, "BUCKET", spent):
        response = pre_read(customer_client)
    assert response.status_code == 200 and response.json() == {"token": None}


def test_a_pre_read_still_queued_is_pending(customer, customer_client):
    queued = mock.Mock(id="task-1", **{"ready.return_value": False})
    with mock.patch("claims.tasks.pre_read_claim.apply_async", return_value=queued):
        token = pre_read(customer_client).json()["token"]
    with mock.patch("celery.result.AsyncResult.ready", return_value=False):
        assert answer(customer_client, token).json() == {"state": "pending"}


def test_an_unknown_token_answers_404(customer_client):
    assert answer(customer_client, "not-a-token").status_code == 404


def test_the_pre_read_opened_from_the_address_bar_leads_to_the_form(customer_client):
    response = customer_client.get(reverse("claims:pre_read"))
    assert response.status_code == 302 and response["Location"] == reverse("claims:new")
