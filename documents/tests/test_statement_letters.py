"""The letter of a benefit statement: printed from its figures, on as many pages as needed."""

from datetime import date
from decimal import Decimal

import pypdfium2
import pytest
from django.utils import translation

from documents import benefits, statement_letters
from documents.models import PaidTo

pytestmark = pytest.mark.django_db
D = Decimal


def line(provider="Cabinet", billed="100.00", copay="10.00"):
    return benefits.LineData(date(2026, 3, 2), provider, "KVG", D(billed), copay=D(copay),
                             reimbursed=D(billed) - D(copay))


def pdf_pages(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


@pytest.mark.parametrize(("data", "said"), [
    (benefits.StatementData([line()], account_hint="CH•• •••• 1234"),
     "Versé sur votre compte CH•• •••• 1234."),
    (benefits.StatementData([line()]), "Versé sur votre compte de versement."),
    (benefits.StatementData([line("Pharmacie"), line("Labo"), line("Pharmacie")],
                            paid_to=PaidTo.PROVIDER),
     "Versé directement à Pharmacie, Labo (tiers payant)."),
])
def test_the_payout_sentence_never_leaves_an_empty_account(data, said):
    with translation.override("fr"):
        assert statement_letters.payout_sentence(data) == said


def test_a_statement_of_many_invoices_goes_on_to_a_second_page(customer):
    data = benefits.StatementData([line(f"Cabinet {n}") for n in range(12)],
                                  paid_on=date(2026, 3, 24), account_hint="CH•• •••• 1234")
    with translation.override("fr"):
        letter = statement_letters.statement_letter(customer.policy_holder, "SIN-1", data)
        pages = pdf_pages(statement_letters.statement_pdf(customer, date(2026, 3, 20), letter))
    assert len(pages) == 2 and "Suite à la page suivante." in pages[0]
    text = " ".join(pages).replace("\r\n", " ")
    assert all(f"Cabinet {n}, traitement du 02.03.2026" in text for n in range(12))
    assert "Total facturé CHF 1'200.00" in text and "Remboursé CHF 1'080.00" in text
    assert "Date du versement : 24.03.2026" in pages[1]
