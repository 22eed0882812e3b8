"""The customer's cost guarantee pages and the advisors' queue in the admin."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from claims import events
from claims.models import CostGuaranteeRequest, GuaranteeStatus
from claims.tests.factories import cost_guarantee_of, jpeg_bytes
from core.tests.samples import pdf_bytes
from documents.models import DocumentType

pytestmark = pytest.mark.django_db

NEW = reverse("claims:guarantee_new")


def form_data(customer, *files, **extra):
    data = {"insured_person": customer.insured_persons.order_by("pk").last().pk,
            "provider_name": "Hôpital de la Riviera", "provider_place": "Vevey",
            "planned_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
            "treatment": "Ablation de la vésicule biliaire", "ward_class": "private",
            "files": list(files)}
    data.update(extra)
    return data


def doctor_pdf(name="ordonnance.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(1, "Ordonnance"), content_type="application/pdf")


def test_the_claims_page_offers_the_request_and_lists_the_households_requests(
        customer_client, customer, other_customer):
    mine = cost_guarantee_of(customer, provider_name="Clinique Alpha")
    cost_guarantee_of(other_customer, provider_name="Clinique Secrète")
    html = customer_client.get(reverse("claims:list")).content.decode()
    assert "Demander une garantie de prise en charge" in html and NEW in html
    assert "Clinique Alpha" in html and "En cours" in html
    assert reverse("claims:guarantee_detail", args=[mine.pk]) in html
    assert "Clinique Secrète" not in html


def test_a_request_with_the_doctors_pdf_is_stored_and_shown_in_progress(customer_client,
                                                                       customer):
    response = customer_client.post(NEW, form_data(customer, doctor_pdf()))
    guarantee = CostGuaranteeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:guarantee_detail", args=[guarantee.pk])
    assert guarantee.insured_person.first_name == "Kid" and guarantee.ward_class == "private"
    page = customer_client.get(response["Location"]).content.decode()
    assert "En cours" in page and "Hôpital de la Riviera" in page and "ordonnance.pdf" in page


def test_the_same_form_sent_twice_makes_one_request(customer_client, customer):
    import re

    page = customer_client.get(NEW).content.decode()
    once_id = re.search(r'name="upload_once" value="([0-9a-f]{32})"', page).group(1)
    first = customer_client.post(NEW, form_data(customer, doctor_pdf(), upload_once=once_id))
    again = customer_client.post(NEW, form_data(customer, doctor_pdf(), upload_once=once_id))
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert CostGuaranteeRequest.objects.count() == 1


def test_a_planned_date_in_the_past_gets_a_clear_message_and_keeps_the_form(customer_client,
                                                                           customer):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = customer_client.post(NEW, form_data(customer, doctor_pdf(),
                                                   planned_date=yesterday))
    html = response.content.decode()
    assert response.status_code == 400
    assert "La date prévue est déjà passée" in html
    assert "Hôpital de la Riviera" in html and "Ablation de la vésicule biliaire" in html
    assert not CostGuaranteeRequest.objects.exists()


def test_the_doctors_files_are_kept_while_a_field_is_corrected(customer_client, customer):
    import re

    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    refused = customer_client.post(NEW, form_data(customer, doctor_pdf("rapport.pdf"),
                                                  planned_date=yesterday))
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "Documents déjà joints" in html and "rapport.pdf" in html
    assert "choisissez à nouveau" not in html
    kept = re.search(r'name="kept" value="(\d+)" checked', html).group(1)
    # The corrected form, sent without choosing the file again.
    done = customer_client.post(NEW, form_data(customer, kept=kept))
    assert done.status_code == 302
    guarantee = CostGuaranteeRequest.objects.get()
    assert [a.original_name for a in guarantee.attachments.all()] == ["rapport.pdf"]
    assert "Documents déjà joints" not in customer_client.get(NEW).content.decode()


def test_a_kept_file_unticked_is_not_sent(customer_client, customer):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    customer_client.post(NEW, form_data(customer, doctor_pdf(), planned_date=yesterday))
    response = customer_client.post(NEW, form_data(customer))  # nothing ticked, nothing new
    assert response.status_code == 400
    assert "Ajoutez au moins un document de votre médecin." in response.content.decode()
    assert not CostGuaranteeRequest.objects.exists()


def test_a_bad_file_is_named_with_the_same_message_as_a_claim_and_the_form_is_kept(
        customer_client, customer, tmp_path):
    response = customer_client.post(NEW, form_data(
        customer, doctor_pdf(), SimpleUploadedFile("virus.exe", b"MZ\x90\x00binary")))
    html = response.content.decode()
    assert response.status_code == 400
    assert "« virus.exe »" in html
    assert "Hôpital de la Riviera" in html and 'value="private"' in html
    assert "choisissez à nouveau les documents" in html
    assert not CostGuaranteeRequest.objects.exists()
    assert not list((tmp_path / "private").rglob("*.*"))


def test_no_document_and_a_too_long_reason_get_clear_messages(customer_client, customer):
    response = customer_client.post(NEW, form_data(customer, treatment="x" * 1001))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ajoutez au moins un document de votre médecin." in html
    assert "1000 caractères" in html


def test_another_households_person_is_refused(customer_client, customer, other_customer):
    response = customer_client.post(NEW, form_data(
        customer, doctor_pdf(), insured_person=other_customer.policy_holder.pk))
    assert response.status_code == 400
    assert not CostGuaranteeRequest.objects.exists()


def test_another_households_request_answers_404(other_client, customer):
    guarantee = cost_guarantee_of(customer)
    url = reverse("claims:guarantee_detail", args=[guarantee.pk])
    assert other_client.get(url).status_code == 404
    assert other_client.post(url, {"files": [doctor_pdf()]}).status_code == 404
    assert guarantee.attachments.count() == 1


def test_the_customer_answers_a_question_with_more_documents(customer_client, customer):
    guarantee = cost_guarantee_of(customer, status=GuaranteeStatus.INFO_REQUESTED,
                                  advisor_message="Envoyez le devis.")
    url = reverse("claims:guarantee_detail", args=[guarantee.pk])
    page = customer_client.get(url).content.decode()
    assert "Envoyez le devis." in page and "Ajouter des documents" in page
    photo = SimpleUploadedFile("devis.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = customer_client.post(url, {"files": [photo]})
    assert response.status_code == 302
    guarantee.refresh_from_db()
    assert guarantee.status == GuaranteeStatus.SUBMITTED
    assert guarantee.attachments.count() == 2


def test_a_refused_request_shows_the_reason_and_takes_no_more_documents(customer_client,
                                                                       customer):
    guarantee = cost_guarantee_of(customer, status=GuaranteeStatus.REFUSED,
                                  advisor_message="Traitement non couvert.")
    url = reverse("claims:guarantee_detail", args=[guarantee.pk])
    page = customer_client.get(url).content.decode()
    assert "Traitement non couvert." in page and "Ajouter des documents" not in page
    response = customer_client.post(url, {"files": [doctor_pdf()]})
    assert response.status_code == 400 and "Rechargez la page" in response.content.decode()
    assert guarantee.attachments.count() == 1


# --- The advisors' queue, with the seeded advisors' group permissions ---------------------

def change_url(guarantee):
    return reverse("admin:claims_costguaranteerequest_change", args=[guarantee.pk])


def test_the_advisor_sees_the_open_requests_in_the_queue(advisor_admin_client, customer):
    waiting = cost_guarantee_of(customer, provider_name="Clinique Attente")
    cost_guarantee_of(customer, status=GuaranteeStatus.GRANTED, provider_name="Clinique Faite")
    html = advisor_admin_client.get(
        reverse("admin:claims_costguaranteerequest_changelist")).content.decode()
    assert "Clinique Attente" in html and waiting.reference in html
    assert "Clinique Faite" not in html
    granted = advisor_admin_client.get(
        reverse("admin:claims_costguaranteerequest_changelist"),
        {"status__exact": "granted"}).content.decode()
    assert "Clinique Faite" in granted and "Clinique Attente" not in granted


def test_opening_a_doctors_document_is_audited(advisor_admin_client, customer):
    guarantee = cost_guarantee_of(customer)
    attachment = guarantee.attachments.get()
    page = advisor_admin_client.get(change_url(guarantee)).content.decode()
    url = reverse("admin:claims_costguaranteerequest_file", args=[guarantee.pk, attachment.pk])
    assert url in page
    response = advisor_admin_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(kind=events.GUARANTEE_FILE_VIEWED, customer=customer,
                                     detail__file=attachment.pk).exists()


def test_the_advisor_grants_and_the_guarantee_lands_in_the_customers_documents(
        advisor_admin_client, customer_client, customer):
    guarantee = cost_guarantee_of(customer)
    valid_until = guarantee.planned_date + timedelta(days=60)
    response = advisor_admin_client.post(change_url(guarantee), {
        "cover": "Séjour en division semi-privée", "amount": "8400.00",
        "valid_until": valid_until.strftime("%d.%m.%Y"), "message": "", "_grant": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    guarantee.refresh_from_db()
    assert guarantee.status == GuaranteeStatus.GRANTED
    assert guarantee.document.type == DocumentType.COST_GUARANTEE
    page = customer_client.get(reverse("claims:guarantee_detail",
                                       args=[guarantee.pk])).content.decode()
    assert "Accordée" in page and reverse("documents:detail",
                                          args=[guarantee.document_id]) in page
    documents = customer_client.get(reverse("documents:list")).content.decode()
    assert guarantee.document.title in documents


def test_a_grant_without_validity_keeps_the_advisors_input_with_a_message(
        advisor_admin_client, customer):
    guarantee = cost_guarantee_of(customer)
    response = advisor_admin_client.post(change_url(guarantee), {
        "cover": "Division commune", "amount": "", "valid_until": "31.02.2020",
        "message": "", "_grant": "1"})
    assert response.status_code == 200
    assert "Division commune" in response.content.decode()
    guarantee.refresh_from_db()
    assert guarantee.status == GuaranteeStatus.SUBMITTED


def test_a_guarantee_file_already_in_the_archive_is_refused_on_the_form_keeping_the_input(
        advisor_admin_client, customer):
    from documents.tests.factories import DocumentFactory

    guarantee = cost_guarantee_of(customer)
    report = pdf_bytes(1, "Rapport de sortie")  # already in the archive, as another document
    DocumentFactory(insured_person=guarantee.insured_person, type=DocumentType.POLICY,
                    content=report)
    valid_until = guarantee.planned_date + timedelta(days=60)
    response = advisor_admin_client.post(change_url(guarantee), {
        "cover": "Séjour en division commune, 3 nuits", "amount": "8400.00",
        "valid_until": valid_until.strftime("%d.%m.%Y"), "message": "", "_grant": "1",
        "guarantee_file": SimpleUploadedFile("garantie.pdf", report)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "déjà un autre document du client" in page
    assert "Séjour en division commune, 3 nuits" in page and 'value="8400.00"' in page
    assert valid_until.strftime("%d.%m.%Y") in page
    guarantee.refresh_from_db()
    assert guarantee.status == GuaranteeStatus.SUBMITTED and guarantee.document_id is None


def test_the_advisor_refuses_with_a_reason_or_asks_for_information(advisor_admin_client,
                                                                   customer):
    asked, refused = cost_guarantee_of(customer), cost_guarantee_of(customer)
    assert advisor_admin_client.post(change_url(refused), {"message": "", "_refuse": "1"}) \
        .status_code == 200  # no reason: the form says so
    advisor_admin_client.post(change_url(refused), {"message": "Non couvert.", "_refuse": "1"})
    advisor_admin_client.post(change_url(asked), {"message": "Le devis?", "_ask_info": "1"})
    refused.refresh_from_db()
    asked.refresh_from_db()
    assert (refused.status, refused.advisor_message) == (GuaranteeStatus.REFUSED,
                                                         "Non couvert.")
    assert (asked.status, asked.advisor_message) == (GuaranteeStatus.INFO_REQUESTED,
                                                     "Le devis?")


def test_a_customer_cannot_reach_the_queue(customer_client, customer):
    guarantee = cost_guarantee_of(customer)
    response = customer_client.get(change_url(guarantee))
    assert response.status_code == 302 and "login" in response["Location"]
