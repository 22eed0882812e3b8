"""The rules of cost guarantees (claims.cost_guarantees), without HTTP."""

from datetime import date, timedelta
from decimal import Decimal

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import CustomerFactory
from audit.models import AuditEvent
from claims import cost_guarantees as guarantees
from claims.models import CostGuaranteeAttachment, CostGuaranteeRequest, GuaranteeStatus
from claims.tests.factories import cost_guarantee_of
from core.tests.samples import pdf_bytes
from core.uploads import validate_upload
from documents.models import Document, DocumentType

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)


def doctor_pdf(name="rapport.pdf"):
    return (name, validate_upload(SimpleUploadedFile(name, pdf_bytes(2, "Rapport"))))


def submit(customer, **overrides):
    values = {"customer": customer, "insured_person": customer.policy_holder,
              "provider_name": "Clinique du Parc", "provider_place": "Lausanne",
              "planned_date": TODAY + timedelta(days=20),
              "treatment": "Prothèse du genou", "ward_class": "semi_private",
              "uploads": [doctor_pdf()], "user": customer.account, "today": TODAY}
    values.update(overrides)
    return guarantees.submit(**values)


def events_of(customer):
    return list(AuditEvent.objects.filter(customer=customer, kind=guarantees.events
                                          .GUARANTEE_CHANGED).order_by("pk")
                .values_list("detail__change", flat=True))


def test_a_request_is_stored_in_progress_with_its_files_and_audited(customer):
    guarantee = submit(customer)
    assert guarantee.status == GuaranteeStatus.SUBMITTED
    attachment = guarantee.attachments.get()
    assert attachment.page_count == 2 and attachment.original_name == "rapport.pdf"
    assert attachment.file.read().startswith(b"%PDF")
    assert events_of(customer) == ["submitted"]


def test_a_planned_date_in_the_past_is_refused_with_a_message(customer):
    with pytest.raises(guarantees.PlannedDateInPast) as refused:
        submit(customer, planned_date=TODAY - timedelta(days=1))
    assert "déjà passée" in refused.value.message
    assert not CostGuaranteeRequest.objects.exists()


def test_today_is_a_valid_planned_date(customer):
    assert submit(customer, planned_date=TODAY).planned_date == TODAY


def test_another_households_person_is_refused(customer, other_customer):
    with pytest.raises(guarantees.NotOfHousehold):
        submit(customer, insured_person=other_customer.policy_holder)


def test_a_request_needs_the_doctors_documents(customer):
    with pytest.raises(guarantees.DocumentsRequired):
        submit(customer, uploads=[])


def test_files_already_written_are_deleted_when_storing_fails(customer, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(guarantees.audit, "record", broken)
    with pytest.raises(RuntimeError):
        submit(customer, uploads=[doctor_pdf("a.pdf"), doctor_pdf("b.pdf")])
    assert not CostGuaranteeAttachment.objects.exists()
    assert not list((tmp_path / "private").rglob("*.pdf"))


def test_granting_archives_a_printed_guarantee_and_tells_the_customer(customer, advisor,
                                                                     monkeypatch):
    told = []
    monkeypatch.setattr(guarantees, "notify_new_activity",
                        lambda customer, reason: told.append(reason))
    guarantee = submit(customer)
    granted = guarantees.grant(guarantee, advisor=advisor, cover="Division semi-privée",
                               amount=Decimal("12500"), valid_until=TODAY + timedelta(days=90),
                               today=TODAY)
    assert granted.status == GuaranteeStatus.GRANTED and granted.decided_by == advisor
    document = Document.objects.get(pk=granted.document_id)
    assert document.type == DocumentType.COST_GUARANTEE
    assert document.insured_person == customer.policy_holder
    assert document.reference == granted.reference and document.issue_date == TODAY
    text = "".join(page.get_textpage().get_text_range()
                   for page in pypdfium2.PdfDocument(document.file.read()))
    person = customer.policy_holder
    for expected in (f"{person.first_name} {person.last_name}", "Clinique du Parc, Lausanne",
                     (TODAY + timedelta(days=20)).strftime("%d.%m.%Y"), "Prothèse du genou",
                     "Division semi-privée", "12", "500.00",
                     (TODAY + timedelta(days=90)).strftime("%d.%m.%Y")):
        assert expected in text, expected
    assert told == ["requested"]
    assert events_of(customer) == ["submitted", "granted"]


def test_the_advisor_may_upload_the_guarantee_instead(customer, advisor):
    guarantee = submit(customer)
    uploaded = validate_upload(SimpleUploadedFile("garantie.pdf", pdf_bytes(1, "Garantie")))
    granted = guarantees.grant(guarantee, advisor=advisor, cover="Selon devis",
                               valid_until=TODAY + timedelta(days=60), uploaded=uploaded,
                               today=TODAY)
    assert granted.document.file.read() == uploaded.data


def test_a_guaranteed_amount_is_rounded_to_five_centimes(customer, advisor):
    granted = guarantees.grant(submit(customer), advisor=advisor, amount=Decimal("1234.57"),
                               valid_until=TODAY + timedelta(days=60), today=TODAY)
    assert granted.amount == Decimal("1234.55")


def test_an_uploaded_file_already_in_the_archive_is_not_taken_as_the_guarantee(customer,
                                                                               advisor):
    first, second = submit(customer), submit(customer)
    uploaded = validate_upload(SimpleUploadedFile("garantie.pdf", pdf_bytes(1, "Garantie")))
    guarantees.grant(first, advisor=advisor, cover="x", valid_until=TODAY + timedelta(days=60),
                     uploaded=uploaded, today=TODAY)
    with pytest.raises(guarantees.GuaranteeFileAlreadyArchived):
        guarantees.grant(second, advisor=advisor, cover="x", uploaded=uploaded,
                         valid_until=TODAY + timedelta(days=60), today=TODAY)
    second.refresh_from_db()
    assert second.status == GuaranteeStatus.SUBMITTED and second.document_id is None


def test_a_grant_states_what_is_guaranteed(customer, advisor):
    guarantee = submit(customer)
    with pytest.raises(guarantees.CoverRequired):
        guarantees.grant(guarantee, advisor=advisor, valid_until=TODAY + timedelta(days=60),
                         today=TODAY)


def test_a_guarantee_is_valid_at_least_until_the_planned_date(customer, advisor):
    guarantee = submit(customer)
    with pytest.raises(guarantees.ValidUntilInvalid):
        guarantees.grant(guarantee, advisor=advisor, cover="x",
                         valid_until=TODAY + timedelta(days=19), today=TODAY)
    guarantee.refresh_from_db()
    assert guarantee.status == GuaranteeStatus.SUBMITTED and guarantee.document_id is None


def test_a_refusal_needs_a_reason_the_customer_reads(customer, advisor):
    guarantee = submit(customer)
    with pytest.raises(guarantees.ReasonRequired):
        guarantees.refuse(guarantee, advisor=advisor, reason="  ")
    refused = guarantees.refuse(guarantee, advisor=advisor, reason="Non couvert par LCA.")
    assert refused.status == GuaranteeStatus.REFUSED
    assert refused.advisor_message == "Non couvert par LCA."
    assert events_of(customer) == ["submitted", "refused"]


def test_a_decided_request_cannot_be_decided_again(customer, advisor):
    guarantee = submit(customer)
    guarantees.refuse(guarantee, advisor=advisor, reason="Non couvert.")
    with pytest.raises(guarantees.TransitionNotAllowed) as refused:
        guarantees.grant(guarantee, advisor=advisor, cover="x",
                         valid_until=TODAY + timedelta(days=60), today=TODAY)
    assert "Refusée" in refused.value.message
    with pytest.raises(guarantees.TransitionNotAllowed):
        guarantees.ask_for_information(guarantee, advisor=advisor, question="?")
    with pytest.raises(guarantees.TransitionNotAllowed):
        guarantees.add_documents(guarantee, uploads=[doctor_pdf()])


def test_asking_for_information_then_adding_documents_puts_it_back_in_progress(customer,
                                                                              advisor):
    guarantee = submit(customer)
    with pytest.raises(guarantees.QuestionRequired):
        guarantees.ask_for_information(guarantee, advisor=advisor, question="")
    asked = guarantees.ask_for_information(guarantee, advisor=advisor,
                                           question="Envoyez le devis de la clinique.")
    assert asked.status == GuaranteeStatus.INFO_REQUESTED
    with pytest.raises(guarantees.TransitionNotAllowed):
        guarantees.ask_for_information(asked, advisor=advisor, question="Encore?")
    back = guarantees.add_documents(asked, uploads=[doctor_pdf("devis.pdf")],
                                    user=customer.account)
    assert back.status == GuaranteeStatus.SUBMITTED
    assert back.attachments.count() == 2
    assert events_of(customer) == ["submitted", "info_requested", "documents_added"]


def test_a_request_waiting_for_information_can_still_be_granted(customer, advisor):
    guarantee = submit(customer)
    guarantees.ask_for_information(guarantee, advisor=advisor, question="Devis?")
    granted = guarantees.grant(guarantee, advisor=advisor, amount=Decimal("0"),
                               valid_until=TODAY + timedelta(days=60), today=TODAY)
    assert granted.status == GuaranteeStatus.GRANTED


def test_the_selector_lists_the_households_requests_newest_first_in_one_query(customer,
                                                                             advisor):
    older = cost_guarantee_of(customer, status=GuaranteeStatus.REFUSED)
    newer = submit(customer)
    guarantees.grant(newer, advisor=advisor, cover="x", valid_until=TODAY + timedelta(days=60),
                     today=TODAY)
    cost_guarantee_of(CustomerFactory())  # another household's
    with CaptureQueriesContext(connection) as queries:
        rows = list(guarantees.requests_for_household(customer))
        shown = [(row.insured_person.first_name, row.get_status_display(),
                  row.document.title if row.document else "") for row in rows]
    assert [row.pk for row in rows] == [newer.pk, older.pk]
    assert shown[0][1] == "Accordée" and shown[0][2].startswith("Garantie")
    assert len(queries) == 1
