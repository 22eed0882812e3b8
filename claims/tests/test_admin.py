import re
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdvisorFactory
from audit.models import AuditEvent
from claims.models import ClaimStatus, ExtractedField, FieldSource
from claims.tests.factories import ClaimFactory, ExtractedFieldFactory
from conftest import log_in_verified

QUEUE = reverse("admin:claims_claimtoreview_changelist")


@pytest.fixture
def reviewer(db):
    """An advisor with the advisors' group's permissions, as seeded."""
    return AdvisorFactory()


@pytest.fixture
def reviewer_client(client, reviewer):
    return log_in_verified(client, reviewer)


def change_url(claim):
    return reverse("admin:claims_claimtoreview_change", args=[claim.pk])


def post_data(claim, **extra):
    """The change form as the browser sends it (fields inline + status history inline)."""
    fields = list(claim.fields.order_by("id"))
    data = {
        "accepted_amount": "" if claim.amount is None else str(claim.amount),
        "reason_code": "", "decision_note": "",
        "fields-TOTAL_FORMS": str(len(fields)), "fields-INITIAL_FORMS": str(len(fields)),
        "fields-MIN_NUM_FORMS": "0", "fields-MAX_NUM_FORMS": "1000",
        "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0",
        "status_changes-MIN_NUM_FORMS": "0", "status_changes-MAX_NUM_FORMS": "1000",
    }
    for index, field in enumerate(fields):
        data.update({f"fields-{index}-id": str(field.pk), f"fields-{index}-claim": str(claim.pk),
                     f"fields-{index}-name": field.name, f"fields-{index}-value": field.value})
    data.update(extra)
    return data


def test_queue_lists_claims_to_review_oldest_first_with_age_and_duplicate_warning(
        reviewer_client):
    now = timezone.now()
    newer = ClaimFactory(status=ClaimStatus.TO_REVIEW, created_at=now - timedelta(hours=2),
                         status_changed_at=now - timedelta(hours=1))
    older = ClaimFactory(status=ClaimStatus.TO_REVIEW, created_at=now - timedelta(days=4),
                         status_changed_at=now - timedelta(days=3), is_duplicate=True,
                         duplicate_of=newer)
    ClaimFactory(status=ClaimStatus.RECEIVED)
    ClaimFactory(status=ClaimStatus.ACCEPTED)
    response = reviewer_client.get(QUEUE)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [older, newer]
    html = response.content.decode()
    assert "sla--late" in html and "3 jours" in html
    assert "doublon probable" in html


def test_queue_query_count_does_not_grow_with_rows(reviewer_client):
    ClaimFactory(status=ClaimStatus.TO_REVIEW)
    reviewer_client.get(QUEUE)
    with CaptureQueriesContext(connection) as few:
        reviewer_client.get(QUEUE)
    for _ in range(6):
        ClaimFactory(status=ClaimStatus.TO_REVIEW)
    with CaptureQueriesContext(connection) as many:
        reviewer_client.get(QUEUE)
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_change_page_shows_page_images_beside_fields_with_low_confidence_flagged(
        reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ExtractedFieldFactory(claim=claim, name="amount", value="183.45", confidence=0.99)
    ExtractedFieldFactory(claim=claim, name="invoice_number", value="F-42", confidence=0.3)
    html = reviewer_client.get(change_url(claim)).content.decode()
    page_url = reverse("admin:claims_claimtoreview_page", args=[claim.pk, claim.pages.get().pk])
    assert page_url in html
    assert "claim-review__pages" in html
    assert html.count("confidence--low") == 1 and "confidence--high" in html
    assert 'name="_accept"' in html and 'name="_reject"' in html


def test_staff_page_image_is_audited_with_the_advisor(reviewer_client, reviewer):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    page = claim.pages.get()
    response = reviewer_client.get(reverse("admin:claims_claim_page", args=[claim.pk, page.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert AuditEvent.objects.filter(kind="claims.page_viewed", actor=reviewer,
                                        customer=claim.customer).exists()


def test_customers_cannot_reach_the_staff_page_image(customer_client, customer):
    claim = ClaimFactory(customer=customer)
    url = reverse("admin:claims_claim_page", args=[claim.pk, claim.pages.get().pk])
    response = customer_client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_accepting_records_history_audit_and_notifies(reviewer_client, reviewer):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, amount=Decimal("90.00"))
    with mock.patch("claims.lifecycle.notify_new_activity") as notify:
        response = reviewer_client.post(change_url(claim), post_data(claim, _accept="1"))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED and claim.reviewed_by == reviewer
    assert claim.status_changes.order_by("-at", "-id").first().actor == reviewer
    assert AuditEvent.objects.filter(kind="claims.changed", actor=reviewer,
                                        detail__status="accepted").exists()
    notify.assert_called_once_with(claim.customer, reason="claim")


def test_rejecting_needs_a_reason_and_keeps_the_claim_to_review(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    response = reviewer_client.post(change_url(claim), post_data(claim, _reject="1"))
    assert response.status_code == 200
    assert "Choisissez le motif du refus" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TO_REVIEW


def test_other_reason_needs_a_sentence_for_the_customer(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    response = reviewer_client.post(change_url(claim),
                                    post_data(claim, _reject="1", reason_code="other"))
    assert response.status_code == 200
    assert "Précisez le motif pour le client" in response.content.decode()


def test_rejecting_with_a_reason_from_the_list_and_a_note(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    reviewer_client.post(change_url(claim), post_data(
        claim, _reject="1", reason_code="not_covered", decision_note="Cure thermale."))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert claim.rejection_reason == ("Cette prestation n'est pas couverte par votre "
                                      "assurance. Cure thermale.")


def test_the_reason_is_written_in_the_customers_language(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, customer__language="de")
    reviewer_client.post(change_url(claim), post_data(claim, _reject="1",
                                                      reason_code="duplicate"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert "Cette" not in claim.rejection_reason and "Rechnung" in claim.rejection_reason


def test_accepting_another_amount_records_it_on_the_decision_not_on_the_invoice(
        reviewer_client, reviewer):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, amount=Decimal("183.45"))
    ExtractedFieldFactory(claim=claim, name="amount", value="183.45")
    response = reviewer_client.post(change_url(claim),
                                    post_data(claim, _accept="1", accepted_amount="150.00"))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED and claim.amount == Decimal("183.45")
    assert ExtractedField.objects.get(claim=claim, name="amount").value == "183.45"
    decision = claim.status_changes.get(status=ClaimStatus.ACCEPTED)
    assert (decision.amount, decision.actor) == (Decimal("150.00"), reviewer)
    assert AuditEvent.objects.filter(kind="claims.changed", actor=reviewer,
                                     detail__accepted_amount="150.00").exists()
    page = reviewer_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).text
    assert "CHF 150.00" in page and "CHF 183.45" in page


def test_a_negative_accepted_amount_is_refused_with_a_message(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, amount=Decimal("18.00"))
    response = reviewer_client.post(change_url(claim),
                                    post_data(claim, _accept="1", accepted_amount="-5"))
    assert response.status_code == 200 and 'value="-5"' in response.text
    assert "errorlist" in response.text
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TO_REVIEW


def test_accepting_without_an_amount_is_refused(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, amount=None)
    response = reviewer_client.post(change_url(claim), post_data(claim, _accept="1"))
    assert response.status_code == 200
    assert "Indiquez le montant accepté" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TO_REVIEW


def test_after_a_decision_the_next_claim_of_the_queue_opens(reviewer_client):
    now = timezone.now()
    first = ClaimFactory(status=ClaimStatus.TO_REVIEW, amount=Decimal("10.00"),
                         status_changed_at=now - timedelta(days=2))
    second = ClaimFactory(status=ClaimStatus.TO_REVIEW, status_changed_at=now - timedelta(days=1))
    response = reviewer_client.post(change_url(first), post_data(first, _accept="1"))
    assert response["Location"] == change_url(second)
    response = reviewer_client.post(change_url(second), post_data(
        second, _reject="1", reason_code="unreadable"))
    assert response["Location"] == QUEUE


def test_the_review_page_speaks_the_advisors_language(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, review_warning=(
        "photo.jpg: QR-bill amount 183.45 differs from the printed total 138.45\n"
        "photo.jpg: provider_gln not found"))
    page = reviewer_client.get(change_url(claim)).content.decode()
    assert "le montant de la QR-facture (CHF 183.45) diffère du total imprimé" in page
    assert "GLN du prestataire introuvable" in page
    assert "not found" not in page and "differs" not in page
    assert page.count("Motif du refus") == 1
    assert f"Demande #{claim.pk}" in page and "Modification de" not in page
    assert 'value="Accepter"' in page and 'value="Refuser"' in page


def test_the_queue_has_a_plain_title_and_count(reviewer_client):
    ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ClaimFactory(status=ClaimStatus.TO_REVIEW)
    page = reviewer_client.get(QUEUE).content.decode()
    assert "Sélectionnez" not in page and "file de vérification</" not in page
    assert "2 demandes à vérifier" in page
    assert "Demandes à vérifier, la plus ancienne en premier" in page


def test_editing_a_field_marks_it_checked_by_the_advisor_and_audits(reviewer_client, reviewer):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, amount=Decimal("18.00"))
    ExtractedFieldFactory(claim=claim, name="amount", value="18.00", confidence=0.4)
    data = post_data(claim, _continue="1")
    data["fields-0-value"] = "183.45"
    response = reviewer_client.post(change_url(claim), data)
    assert response.status_code == 302
    field = ExtractedField.objects.get(claim=claim, name="amount")
    assert (field.value, field.source, field.edited_by) == ("183.45", FieldSource.ADVISOR,
                                                           reviewer)
    claim.refresh_from_db()
    assert claim.amount == Decimal("183.45") and claim.status == ClaimStatus.TO_REVIEW
    assert AuditEvent.objects.filter(kind="claims.changed", actor=reviewer,
                                        detail__field="amount").exists()


def test_an_invalid_amount_is_refused_with_a_message(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ExtractedFieldFactory(claim=claim, name="amount", value="18.00")
    data = post_data(claim, _continue="1")
    data["fields-0-value"] = "dix-huit"
    response = reviewer_client.post(change_url(claim), data)
    assert response.status_code == 200
    assert "Montant invalide" in response.content.decode()


def test_claims_are_never_accepted_in_bulk_without_their_amount(reviewer_client):
    """Each acceptance is one claim looked at, with its amount: no bulk action offers it."""
    to_review = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    for url in (reverse("admin:claims_claim_changelist"), QUEUE):
        page = reviewer_client.get(url).text
        assert "accept_selected" not in page and "Accepter les demandes" not in page
        reviewer_client.post(url, {"action": "accept_selected",
                                   "_selected_action": [to_review.pk]})
    to_review.refresh_from_db()
    assert to_review.status == ClaimStatus.TO_REVIEW


def test_staff_without_claim_permissions_cannot_open_the_queue(client, db):
    assert log_in_verified(client, AdvisorFactory(roles=[])).get(QUEUE).status_code == 403


def test_settle_action_moves_accepted_claims_only_and_notifies(reviewer_client):
    accepted = ClaimFactory(status=ClaimStatus.ACCEPTED)
    to_review = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    with mock.patch("claims.lifecycle.notify_new_activity") as notify:
        reviewer_client.post(reverse("admin:claims_claim_changelist"), {
            "action": "settle_selected", "_selected_action": [accepted.pk, to_review.pk]})
    accepted.refresh_from_db()
    to_review.refresh_from_db()
    assert (accepted.status, to_review.status) == (ClaimStatus.SETTLED, ClaimStatus.TO_REVIEW)
    notify.assert_called_once_with(accepted.customer, reason="claim")


def test_a_settled_claim_names_its_statement_for_the_advisor(reviewer_client, customer):
    from claims.tests.factories import settled_claim

    claim = settled_claim(customer)
    page = reviewer_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert page.status_code == 200
    link = reverse("admin:documents_document_change", args=[claim.settlement.document_id])
    assert link in page.content.decode() and "SIN-2026-0001" in page.content.decode()


# --- Swiss dates in the fields --------------------------------------------------------


def shown_value(page, index):
    return re.search(rf'name="fields-{index}-value" value="([^"]*)"', page).group(1)


def test_dates_are_shown_in_swiss_form_and_stored_as_read(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ExtractedFieldFactory(claim=claim, name="invoice_date", value="2026-03-14")
    page = reviewer_client.get(change_url(claim)).text
    assert shown_value(page, 0) == "14.03.2026"


@pytest.mark.parametrize("typed", ["02.04.2026", "2026-04-02"])
def test_a_date_typed_swiss_or_iso_is_stored_as_one_date(reviewer_client, reviewer, typed):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ExtractedFieldFactory(claim=claim, name="invoice_date", value="2026-03-14")
    data = post_data(claim, _continue="1")
    data["fields-0-value"] = typed
    assert reviewer_client.post(change_url(claim), data).status_code == 302
    field = ExtractedField.objects.get(claim=claim, name="invoice_date")
    assert (field.value, field.edited_by) == ("2026-04-02", reviewer)
    assert shown_value(reviewer_client.get(change_url(claim)).text, 0) == "02.04.2026"


def test_a_date_left_as_shown_is_no_correction(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ExtractedFieldFactory(claim=claim, name="invoice_date", value="2026-03-14")
    data = post_data(claim, _continue="1")
    data["fields-0-value"] = "14.03.2026"  # what the page showed
    reviewer_client.post(change_url(claim), data)
    field = ExtractedField.objects.get(claim=claim, name="invoice_date")
    assert (field.value, field.source, field.edited_by) == ("2026-03-14", "ocr", None)
    assert not AuditEvent.objects.filter(kind="claims.changed", detail__change="field").exists()


def test_an_impossible_date_is_refused_and_kept_in_the_form(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ExtractedFieldFactory(claim=claim, name="invoice_date", value="2026-03-14")
    data = post_data(claim, _continue="1")
    data["fields-0-value"] = "31.02.2026"
    response = reviewer_client.post(change_url(claim), data)
    assert response.status_code == 200
    assert "Date invalide, p. ex. 14.03.2026." in response.text
    assert 'value="31.02.2026"' in response.text


# --- The queue's flags, in words ---------------------------------------------------------


def test_each_flag_reads_in_words_in_the_queue(reviewer_client):
    from claims.notes import note, patient_mismatch

    first = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    person = first.insured_person
    mismatch = ClaimFactory(status=ClaimStatus.TO_REVIEW, customer=first.customer,
                            insured_person=person,
                            review_notes=patient_mismatch("Someone Else", None, person,
                                                          [person]))
    amount = ClaimFactory(status=ClaimStatus.TO_REVIEW, review_notes=[
        note("qr_amount_differs", {"qr": "CHF 183.45", "printed": "CHF 138.45"}),
        note("field_missing", {"field": "provider_gln"}),
        note("rotated", {"page": 1, "degrees": 90})])
    unreadable = ClaimFactory(status=ClaimStatus.TO_REVIEW, review_notes=[note("no_text")])
    duplicate = ClaimFactory(status=ClaimStatus.TO_REVIEW, is_duplicate=True,
                             duplicate_of=first)
    page = reviewer_client.get(QUEUE).text

    def row(claim):
        return re.search(rf'href="[^"]*/{claim.pk}/change/[^"]*">#{claim.pk}</a>.*?</tr>',
                         page, re.S).group(0)

    assert "⚠ Autre personne sur la facture" in row(mismatch)
    assert "⚠ Montant QR ≠ total imprimé" in row(amount)
    assert "2 autres remarques" in row(amount)
    assert "⚠ Page illisible" in row(unreadable)
    assert f"doublon probable de #{first.pk}" in row(duplicate)
    assert "claim-flag" not in row(first)
    assert "title=" not in "".join(row(c) for c in (mismatch, amount, unreadable, duplicate))


def test_claims_read_before_the_notes_get_their_flags_from_the_old_text(reviewer_client):
    ClaimFactory(status=ClaimStatus.TO_REVIEW, review_warning=(
        "photo.jpg: QR-bill amount 183.45 differs from the printed total 138.45\n"
        "photo.jpg: provider_gln not found"))
    page = reviewer_client.get(QUEUE).text
    assert "⚠ Montant QR ≠ total imprimé" in page and "1 autre remarque" in page


# --- Opening a claim is written down -------------------------------------------------------


def test_opening_the_review_page_is_audited_with_the_advisor(reviewer_client, reviewer):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    assert reviewer_client.get(change_url(claim)).status_code == 200
    event = AuditEvent.objects.get(kind="claims.review_opened")
    assert (event.actor, event.customer, event.detail["claim"]) == (reviewer, claim.customer,
                                                                    claim.pk)


def test_the_review_page_lists_the_intakes_steps_with_their_notes_in_words(reviewer_client):
    from claims.notes import note

    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, intake_log={
        "run": "full", "files": [{"file": "photo.jpg", "steps": [
            {"step": "ocr", "status": "ok", "wall_ms": 1500.0, "cpu_ms": 1210.4},
            {"step": "extract", "status": "ok", "wall_ms": 4.0, "cpu_ms": 3.2,
             "notes": [note("field_missing", {"field": "provider_gln"})]}]}],
        "steps": [{"step": "duplicates", "status": "failed", "error": "timeout"}]})
    page = reviewer_client.get(change_url(claim)).text
    table = re.search(r'<table class="intake-steps">.*?</table>', page, re.S).group(0)
    assert "photo.jpg" in table and "1210 ms" in table and "timeout" in table
    assert "provider_gln" not in table  # the note in words, not the developer's code
    assert "échec" in table
