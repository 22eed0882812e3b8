"""The intake's notes for the advisor: the patient check and the advisor's language."""

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import AdvisorFactory, InsuredPersonFactory
from claims.intake import CorruptFileError, IntakeError, Note
from claims.notes import error_note, note, patient_mismatch, render, render_all, same_person
from claims.processing import process_claim
from claims.tests.factories import ClaimFactory, reading
from conftest import log_in_verified


@pytest.fixture
def household(db):
    """Léo Muster (the claim is sent for him) and Anna Muster, in one household."""
    claim = ClaimFactory()
    leo = claim.insured_person
    leo.first_name, leo.last_name, leo.birth_date = "Léo", "Muster", date(2012, 3, 9)
    leo.save()
    anna = InsuredPersonFactory(customer=claim.customer, first_name="Anna", last_name="Muster",
                                birth_date=date(1981, 4, 17))
    return claim, leo, anna


def read_as(monkeypatch, **fields):
    result = reading(amount=("183.45", "qr", 0.99), **fields)
    result.notes = [Note("field_missing", {"field": "invoice_date"})]
    fake = mock.Mock(return_value=result)
    monkeypatch.setattr("claims.processing.read_invoice", fake)


def test_an_invoice_for_anna_sent_for_leo_warns_the_advisor(household, monkeypatch):
    claim, _leo, _anna = household
    read_as(monkeypatch, patient_name=("Anna Muster", "ocr", 0.9),
            patient_birth_date=(date(1981, 4, 17), "ocr", 0.9))
    process_claim(claim.pk)
    claim.refresh_from_db()
    with translation.override("fr"):
        texts = render_all(claim.review_notes)
    assert texts[0] == ("La facture est au nom de Anna Muster, né(e) le 17.04.1981 ; la demande "
                        "a été envoyée pour Léo Muster.")
    assert texts[1].startswith("Anna Muster est assuré(e) dans le même ménage")


def test_the_right_patient_raises_nothing_even_with_an_ocr_slip(household, monkeypatch):
    claim, _leo, _anna = household
    read_as(monkeypatch, patient_name=("Leo Musler", "ocr", 0.6))
    process_claim(claim.pk)
    claim.refresh_from_db()
    assert [n["code"] for n in claim.review_notes if n["code"].startswith("patient")] == []


def test_the_birth_date_decides_when_it_was_read(household):
    _claim, leo, anna = household
    assert same_person("Léo Muster", date(2012, 3, 9), leo) is True
    assert same_person("Léo Muster", date(1981, 4, 17), leo) is False
    assert same_person("Anna Muster", None, leo) is False
    assert same_person("ANNA MUSTER", None, anna) is True
    assert same_person(None, None, leo) is None
    only_birth = patient_mismatch(None, date(1981, 4, 17), leo, [leo, anna])
    assert only_birth[0]["code"] == "patient_birth_mismatch"
    assert only_birth[1] == note("patient_in_household", {"name": "Anna Muster"})


def test_notes_read_in_the_advisors_language_not_as_codes():
    missing = note("field_missing", {"field": "provider_gln"}, file="scan.jpg")
    with translation.override("fr"):
        assert render(missing) == ("scan.jpg : GLN du prestataire : introuvable sur la facture, "
                                   "à saisir.")
    with translation.override("de"):
        german = render(missing)
    assert "provider_gln" not in german
    assert german == "scan.jpg: GLN des Leistungserbringers: nicht auf der Rechnung gefunden, " \
        "bitte erfassen."
    with translation.override("it"):
        assert "GLN del fornitore" in render(missing)


def test_intake_notes_and_errors_become_stored_notes():
    rotated = Note("rotated", {"page": 1, "degrees": 90})
    assert rotated.english() == "page 1: rotated 90° to read it"
    assert error_note(CorruptFileError("PDF trailer missing")) == {"code": "corrupt"}
    assert error_note(IntakeError("odd")) == {"code": "unreadable", "params": {"detail": "odd"}}
    with translation.override("fr"):
        assert render({"code": "something_new"}) == "something_new"  # never dropped


def test_the_review_page_shows_the_notes_in_the_advisors_language(household, monkeypatch,
                                                                   client):
    claim, _leo, _anna = household
    read_as(monkeypatch, patient_name=("Anna Muster", "ocr", 0.9),
            patient_birth_date=(date(1981, 4, 17), "ocr", 0.9))
    process_claim(claim.pk)
    url = reverse("admin:claims_claimtoreview_change", args=[claim.pk])
    advisor = log_in_verified(client, AdvisorFactory(language="de"))
    page = advisor.get(url).content.decode()
    assert "Die Rechnung lautet auf Anna Muster, geboren am 17.04.1981" in page
    assert "field_missing" not in page and "invoice_date not found" not in page
    assert "Rechnungsdatum: nicht auf der Rechnung gefunden, bitte erfassen." in page
