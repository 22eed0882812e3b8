import io
import json
import zipfile
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import events as account_events
from audit import log as audit
from audit.models import AuditEvent
from exports import building as export_module
from exports import tasks as export_tasks
from exports.models import DataExport
from tests.security_support import (  # noqa: F401 - fixture
    _document_storage,
    attachment_of,
    document_of,
    marker_pdf,
)

pytestmark = pytest.mark.django_db

URL = reverse("exports:export")
MARKER = "EXPORT-MARKER-7f3a"


def request_and_open(customer_client, customer) -> zipfile.ZipFile:
    with mock.patch("django.db.transaction.on_commit", lambda fn: fn()):
        customer_client.post(URL)
    item = DataExport.objects.get(customer=customer)
    response = customer_client.get(reverse("exports:export_download", args=[item.pk]))
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def household(customer):
    from policies.tests.factories import CoverageFactory

    CoverageFactory(insured_person=customer.policy_holder)
    document_of(customer, title="Décompte 2025", content=marker_pdf(MARKER))
    attachment_of(customer)
    audit.record(account_events.PROFILE_CHANGED, user=customer.account, customer=customer,
                 fields=["email"])
    return customer


def test_export_zip_holds_profile_coverages_documents_messages_and_activity(
        customer_client, household):
    archive = request_and_open(customer_client, household)
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["customer_number"] == household.customer_number
    assert len(data["profile"]["insured_persons"]) == 2
    assert data["coverages"] and "monthly_premium_chf" in data["coverages"][0]
    assert [d["title"] for d in data["documents"]] == ["Décompte 2025"]
    thread = data["message_threads"][0]
    assert thread["messages"][0]["attachments"][0]["file"]
    assert any(line["kind"] == "accounts.profile_changed" for line in data["activity"])
    for part in ("profile", "coverages", "documents", "message_threads", "activity"):
        assert f"json/{part}.json" in archive.namelist()


def test_export_carries_the_original_files_decrypted(customer_client, household):
    archive = request_and_open(customer_client, household)
    data = json.loads(archive.read("data.json"))
    document_bytes = archive.read(data["documents"][0]["file"])
    assert document_bytes.startswith(b"%PDF-") and MARKER.encode() in document_bytes
    attachment = data["message_threads"][0]["messages"][0]["attachments"][0]["file"]
    assert archive.read(attachment).startswith(b"%PDF-")


def test_export_file_is_stored_encrypted(customer_client, household, settings):
    with mock.patch("django.db.transaction.on_commit", lambda fn: fn()):
        customer_client.post(URL)
    item = DataExport.objects.get()
    from django.core.files.storage import storages

    raw = storages["default"].open(item.file.name).read()  # the bytes on disk
    assert not raw.startswith(b"PK") and MARKER.encode() not in raw


def test_export_holds_nothing_of_another_household(customer_client, household, other_customer):
    document_of(other_customer, title="Autre ménage")
    archive = request_and_open(customer_client, household)
    assert "Autre ménage" not in archive.read("data.json").decode()


def test_download_is_audited(customer_client, household):
    request_and_open(customer_client, household)
    event = AuditEvent.objects.filter(kind="exports.downloaded").get()
    assert event.customer == household and event.user == household.account
    assert DataExport.objects.get().downloaded_at is not None


def test_page_shows_status_pending_then_ready(customer_client, customer):
    with mock.patch("exports.tasks.build_data_export.apply_async"), \
            mock.patch("django.db.transaction.on_commit", lambda fn: fn()):
        response = customer_client.post(URL, follow=True)
    assert "En préparation" in response.text
    assert "Un export est déjà en préparation" in response.text
    export_module.build_export(DataExport.objects.get())
    text = customer_client.get(URL).text
    assert "Télécharger le ZIP" in text and "disponible jusqu" in text


def test_second_request_while_one_is_pending_reuses_it(customer_client, customer):
    with mock.patch("exports.tasks.build_data_export.apply_async"):
        customer_client.post(URL)
        customer_client.post(URL)
    assert DataExport.objects.count() == 1


def test_export_is_offered_seven_days_then_purged(customer_client, customer):
    with mock.patch("django.db.transaction.on_commit", lambda fn: fn()):
        customer_client.post(URL)
    item = DataExport.objects.get()
    assert item.expires_at - item.ready_at == timedelta(days=7)
    name = item.file.name
    assert export_module.purge_expired(now=timezone.now() + timedelta(days=6)) == 0
    assert export_module.purge_expired(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    item.refresh_from_db()
    assert item.status == DataExport.Status.EXPIRED and not item.file
    assert not item.file.storage.exists(name)
    url = reverse("exports:export_download", args=[item.pk])
    assert customer_client.get(url).status_code == 404


def test_expired_but_not_yet_purged_export_is_not_served(customer_client, customer):
    with mock.patch("django.db.transaction.on_commit", lambda fn: fn()):
        customer_client.post(URL)
    item = DataExport.objects.get()
    DataExport.objects.filter(pk=item.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    url = reverse("exports:export_download", args=[item.pk])
    assert customer_client.get(url).status_code == 404


def test_broker_down_keeps_the_request_and_the_periodic_requeue_builds_it(
        customer_client, customer):
    from kombu.exceptions import OperationalError

    with mock.patch("exports.tasks.build_data_export.apply_async",
                    side_effect=OperationalError("broker down")), \
            mock.patch("django.db.transaction.on_commit", lambda fn: fn()):
        response = customer_client.post(URL, follow=True)
    assert response.status_code == 200 and "Votre demande est enregistrée" in response.text
    item = DataExport.objects.get()
    assert item.status == DataExport.Status.PENDING
    from core.models import DeferredTask

    assert DeferredTask.objects.get().args == [item.pk]
    DataExport.objects.filter(pk=item.pk).update(
        requested_at=timezone.now() - timedelta(minutes=10))
    assert export_tasks.requeue_pending() == 1  # eager: the worker builds it now
    item.refresh_from_db()
    assert item.status == DataExport.Status.READY


def test_a_request_failing_again_and_again_is_given_up(customer):
    item = DataExport.objects.create(customer=customer, attempts=export_module.MAX_ATTEMPTS,
                                     requested_at=timezone.now() - timedelta(hours=1))
    assert export_tasks.requeue_pending() == 0
    item.refresh_from_db()
    assert item.status == DataExport.Status.FAILED


def test_anonymous_and_advisor_cannot_request(client, advisor_client):
    response = client.post(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert advisor_client.post(URL).status_code == 403
    assert DataExport.objects.count() == 0


def test_export_holds_claims_with_extracted_fields_and_pages(customer_client, customer):
    from claims.tests.factories import ExtractedFieldFactory
    from tests.security_support import claim_of

    claim = claim_of(customer)
    ExtractedFieldFactory(claim=claim, name="iban", value="CH9300762011623852957",
                          source="qr", confidence=0.99)
    archive = request_and_open(customer_client, customer)
    data = json.loads(archive.read("data.json"))
    (row,) = data["claims"]
    assert row["id"] == claim.pk and row["status_history"]
    assert row["extracted_fields"] == [{"name": "iban", "value": "CH9300762011623852957",
                                        "source": "qr", "confidence": 0.99,
                                        "edited_by_advisor": False}]
    assert archive.read(row["pages"][0]["file"]).startswith(b"\xff\xd8\xff")
    assert "json/claims.json" in archive.namelist()


def test_export_holds_cost_guarantee_requests_and_the_doctors_documents(customer_client,
                                                                        customer):
    from claims.tests.factories import cost_guarantee_of

    guarantee = cost_guarantee_of(customer)
    archive = request_and_open(customer_client, customer)
    (row,) = json.loads(archive.read("data.json"))["cost_guarantees"]
    assert row["reference"] == guarantee.reference and row["status"] == "submitted"
    assert row["provider_name"] == guarantee.provider_name
    assert archive.read(row["files"][0]["file"]).startswith(b"%PDF")
    assert "json/cost_guarantees.json" in archive.namelist()


def test_at_most_three_exports_a_day(customer_client, customer):
    with mock.patch("django.db.transaction.on_commit", lambda fn: fn()):
        for _ in range(3):
            customer_client.post(URL)
        response = customer_client.post(URL, follow=True)
    assert DataExport.objects.count() == 3
    assert "déjà demandé 3 exports aujourd" in response.text


def test_administrators_see_exports_read_only_without_the_file(administrator_client, customer):
    item = export_module.build_export(DataExport.objects.create(customer=customer))
    url = reverse("admin:exports_dataexport_change", args=[item.pk])
    response = administrator_client.get(url)
    assert response.status_code == 200
    assert "export.zip" not in response.text and item.file.name not in response.text
    assert administrator_client.post(url, {"status": "expired"}).status_code == 403


def test_export_never_carries_the_advisors_addresses(customer_client, customer):
    from accounts.tests.factories import AdvisorFactory

    AuditEvent.objects.create(kind="documents.viewed", user=customer.account,
                                 customer=customer, actor=AdvisorFactory(),
                                 ip_address="10.20.30.40", detail={"via": "admin"})
    archive = request_and_open(customer_client, customer)
    activity = json.loads(archive.read("json/activity.json"))
    by_advisor = [row for row in activity if row["where"] == "Espace conseillers"]
    assert by_advisor and all(row["ip_address"] is None for row in by_advisor)
    assert "10.20.30.40" not in archive.read("data.json").decode()


def test_export_lists_the_payout_accounts_masked(customer_client, customer):
    from accounts import payout
    from core.iban import mask

    payout.set_account(customer, iban="CH9300762011623852957", holder="Anna Muster", by=None,
                       notify=False)
    archive = request_and_open(customer_client, customer)
    data = archive.read("data.json").decode()
    [account] = json.loads(data)["profile"]["payout_accounts"]
    assert account["iban"] == mask("CH9300762011623852957") and account["holder"] == "Anna Muster"
    assert "CH9300762011623852957" not in data and "6238" not in data


def test_export_holds_a_premium_invoices_figures_and_its_payment(customer_client, customer):
    from datetime import date

    from documents.tests.factories import make_premium_invoice

    invoice = make_premium_invoice(customer.policy_holder, date(2025, 3, 1),
                                   paid_on=date(2025, 3, 25))
    archive = request_and_open(customer_client, customer)
    [row] = json.loads(archive.read("data.json"))["documents"]
    figures = row["premium_invoice"]
    assert (figures["period"], figures["total_chf"], figures["online_discount_chf"],
            figures["qr_reference"], figures["paid_on"]) == (
        "2025-03-01", "338.00", "2.00", invoice.qr_reference, "2025-03-25")
    assert [(line["line"], line["gross_chf"]) for line in figures["lines"]] == [
        ("KVG", "300.00"), ("VVG", "40.00")]


def test_export_holds_the_changes_of_deductible_or_model(customer_client, customer):
    from datetime import datetime

    from customer_requests import contract_changes as changes
    from customer_requests.tests.factories import basic_coverage
    from policies.contract_changes import STANDARD, ZURICH, Choice

    basic_coverage(customer.policy_holder, franchise=1500)
    insured = changes.insured_of(customer, customer.policy_holder.pk)
    change = changes.submit(insured, Choice(STANDARD, 2500), user=customer.account,
                            now=datetime(2026, 12, 7, 10, 0, tzinfo=ZURICH))
    archive = request_and_open(customer_client, customer)
    (row,) = json.loads(archive.read("data.json"))["contract_changes"]
    assert row["id"] == change.pk and row["status"] == "pending"
    assert (row["current_deductible"], row["new_deductible"]) == (1500, 2500)
    assert row["effective_on"] == "2027-01-01"
    assert "json/contract_changes.json" in archive.namelist()
