"""The demo's documents say what the portal says, in the household's language.

The premium invoices' PDFs are read back (pypdfium2 text extraction) and compared with the
figures of /insurance/ and of ``policies.discounts``; titles, file names and texts follow
``Customer.language``.
"""

import html
import re
from datetime import date, timedelta

import pypdfium2
import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts import demo as accounts_demo
from accounts.models import Customer
from conftest import log_in_verified
from core.money import format_chf
from documents import demo as documents_demo
from documents.access import download_name
from documents.models import Document, DocumentType
from kptportal import demo_documents
from policies import demo as policies_demo
from policies import discounts
from tests.security_support import _document_storage  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
FRENCH_WORDS = ("Facture", "Police d'assurance", "Décompte", "Garantie", "Montant",
                "ménage", "Payable", "Rabais")


def demo_plans(contract: str) -> tuple[Customer, list]:
    """What the demo seed writes for one household: every document, not rendered yet."""
    accounts_demo.seed()
    policies_demo.seed()
    customer = documents_demo.demo_households().get(account__username=contract)
    today = timezone.localdate()
    with translation.override(customer.language):
        plans = demo_documents.plan(customer, today) + documents_demo.plan(customer, today)
    return customer, plans


def store(customer: Customer, plans: list, *, keep) -> None:
    """Render and archive only the documents a test reads (each takes a moment)."""
    documents_demo.store_demo_documents(customer, [plan for plan in plans if keep(plan)])


def household(contract: str) -> Customer:
    return Customer.objects.get(account__username=contract)


def pdf_text(document: Document) -> str:
    with document.file.storage.open(document.file.name, "rb") as handle:
        pdf = pypdfium2.PdfDocument(handle.read())
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def plain(shown: str) -> str:
    """As a PDF's extracted text gives it: no-break spaces are spaces there."""
    return shown.replace("\u00a0", " ")


def invoice_of(customer: Customer, month: date) -> Document:
    return Document.objects.get(customer=customer, type=DocumentType.PREMIUM_INVOICE,
                                period=month)


def insurance_page_total(customer: Customer) -> str:
    browser = log_in_verified(Client(), customer.account)
    page = html.unescape(browser.get(reverse("policies:overview")).content.decode())
    return re.search(r"Total par mois</dt><dd class=\"amount\">([^<]+)</dd>", page).group(1)


def test_the_premium_invoices_and_policies_say_what_the_portal_says():
    customer, plans = demo_plans("KPT12345678")
    month = discounts.current_month()
    policy_issued = date(month.year - 1, 11, 15)
    store(customer, plans, keep=lambda plan: plan.period in (
        month, date(2024, 3, 1), date(2024, 4, 1)) or (
        plan.type == DocumentType.POLICY and plan.issue_date == policy_issued))

    # This month's invoice: the same figures as /insurance/, line by line.
    invoice = invoice_of(customer, month)
    text = pdf_text(invoice)
    shown = insurance_page_total(customer)
    statement = discounts.monthly_premiums(customer, month)
    assert shown == format_chf(statement.monthly_total)
    assert f"Montant dû {shown}" in text
    for line in statement.lines:
        assert format_chf(line.gross) in text
        if line.discount:
            assert f"-{format_chf(line.discount)}" in text
    assert f"Rabais online -{format_chf(statement.monthly_discount)}" in text

    # Named after its month (it is issued the month before).
    assert invoice.issue_date < month
    assert download_name(invoice).startswith(f"{month:%Y-%m}_")
    label = invoice.title.removeprefix("Facture de prime ")
    assert label != invoice.title and label.endswith(str(month.year))
    assert label in text

    # Paperless since 14.03.2024: the discount starts with April's invoice.
    for past in (date(2024, 3, 1), date(2024, 4, 1)):
        statement = discounts.monthly_premiums(customer, past)
        text = pdf_text(invoice_of(customer, past))
        assert statement.online_discount is (past >= date(2024, 4, 1))
        assert f"Montant dû {format_chf(statement.monthly_total)}" in text
        assert ("Rabais online" in text) is statement.online_discount

    # The policy lists the coverages, franchise and premiums the portal shows.
    holder = customer.policy_holder
    policy = Document.objects.get(insured_person=holder, type=DocumentType.POLICY,
                                  issue_date=policy_issued)
    text = pdf_text(policy)
    for coverage in holder.coverages.select_related("product"):
        assert coverage.product.name_fr in text
        assert format_chf(coverage.monthly_premium) in text
    assert "franchise CHF 1500" in text


def test_the_german_household_gets_its_documents_in_german():
    customer, plans = demo_plans("KPT87654321")
    assert customer.language == "de"
    # Every type but the tax certificate, issued afterwards from the seeded figures, and the
    # amendment, issued when an advisor accepts a change of deductible or model.
    assert {plan.type for plan in plans} == set(DocumentType.values) - {
        DocumentType.TAX_CERTIFICATE, DocumentType.AMENDMENT}
    assert [plan.title for plan in plans if any(word in plan.title for word in FRENCH_WORDS)
            ] == []
    month = discounts.current_month()
    store(customer, plans, keep=lambda plan: plan.period == month)
    invoice = invoice_of(customer, month)
    assert invoice.title.startswith("Prämienrechnung ")
    text = pdf_text(invoice)
    assert not any(word in text for word in FRENCH_WORDS)
    assert "Grundversicherung KVG" in text
    total = discounts.monthly_premiums(customer, month).monthly_total
    assert format_chf(total) in text


def test_seeding_again_adds_nothing_and_refreshes_a_stale_document(db):
    accounts_demo.seed()
    policies_demo.seed()
    customer = documents_demo.demo_households().get(account__username="KPT12345678")
    plans = [demo_documents.premium_invoice(customer, discounts.current_month())]
    assert documents_demo.store_demo_documents(customer, plans) == 1
    invoice = Document.objects.get(customer=customer)
    assert documents_demo.store_demo_documents(customer, plans) == 0
    Document.objects.filter(pk=invoice.pk).update(title="Facture de prime 11.2026")
    old_file = invoice.file.name
    assert documents_demo.store_demo_documents(customer, plans) == 1
    refreshed = Document.objects.get(customer=customer)  # the same row, written again
    assert refreshed.pk == invoice.pk and refreshed.title == plans[0].title
    assert refreshed.file.name != old_file
    assert not invoice.file.storage.exists(old_file)


def test_the_legal_protection_certificate_follows_the_households_language(db):
    accounts_demo.seed()
    customer = household("KPT87654321")
    browser = log_in_verified(Client(HTTP_ACCEPT_LANGUAGE="fr"), customer.account)
    response = browser.get(reverse("policies:legal_protection_certificate"))
    assert response.status_code == 200
    pdf = pypdfium2.PdfDocument(response.content)
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    assert "Attestation" not in text and "Rechtsschutz" in text
    assert "attestation" not in response["Content-Disposition"]


def test_the_premium_invoice_data_page_pdf_and_qr_code_agree():
    customer, plans = demo_plans("KPT12345678")
    month = discounts.current_month()
    previous = (month - timedelta(days=1)).replace(day=1)
    store(customer, plans, keep=lambda plan: plan.period in (month, previous))
    browser = log_in_verified(Client(), customer.account)
    for period, status in ((month, "À payer"), (previous, "Payée")):
        document = invoice_of(customer, period)
        invoice = document.premium_invoice
        statement = discounts.monthly_premiums(customer, period)
        assert invoice.total == statement.monthly_total
        assert invoice.discount == statement.monthly_discount
        assert invoice.lines.count() == len(statement.lines)
        text = pdf_text(document)
        page = html.unescape(browser.get(reverse("documents:detail", args=[document.pk]))
                             .content.decode())
        for shown in (format_chf(invoice.total), invoice.due_date.strftime("%d.%m.%Y"),
                      invoice.formatted_reference):
            assert shown in text and shown in page
        for person_name in {f"{line.insured_person.first_name} {line.insured_person.last_name}"
                            for line in invoice.lines.all()}:
            assert person_name in text and person_name in page
        assert status in page
        # The QR code the bank app reads asks for the same amount and reference.
        [payload] = qr_payloads(document)
        assert f"{invoice.total:.2f}" in payload.splitlines()
        assert invoice.qr_reference in payload.splitlines()


def test_only_this_month_is_open_and_the_late_payer_is_overdue():
    accounts_demo.seed()
    policies_demo.seed()
    today = timezone.localdate()
    month = discounts.current_month()
    previous = (month - timedelta(days=1)).replace(day=1)
    for number, last_month_paid in (("100200300", True), ("100200400", False)):
        customer = Customer.objects.get(customer_number=number)
        paid, reminded = demo_documents.payment_of(customer, previous,
                                                   discounts.last_of_month(previous), today)
        assert (paid is not None) is last_month_paid
        assert paid is None or paid <= today
        assert demo_documents.payment_of(customer, month, discounts.last_of_month(month),
                                         today) == (None, None)
        older = date(month.year - 2, month.month, 1)
        paid, reminded = demo_documents.payment_of(customer, older,
                                                   discounts.last_of_month(older), today)
        assert paid is not None and paid <= discounts.last_of_month(older) and reminded is None


def qr_payloads(document: Document) -> list[str]:
    with document.file.storage.open(document.file.name, "rb") as handle:
        pdf = pypdfium2.PdfDocument(handle.read())
    try:
        images = [page.render(scale=3).to_pil() for page in pdf]
    finally:
        pdf.close()
    return [found.text for image in images for found in zxingcpp.read_barcodes(image)]


def test_the_benefit_statements_pdfs_agree_with_their_data_and_the_year_so_far():
    from documents.benefits import totals
    from policies import cost_sharing

    customer, plans = demo_plans("KPT12345678")
    year = timezone.localdate().year
    store(customer, plans, keep=lambda plan: plan.benefit is not None
          and plan.benefit.lines[0].treatment_date.year == year)
    statements = Document.objects.filter(customer=customer, type=DocumentType.BENEFIT_STATEMENT)
    assert statements.exists()
    browser = log_in_verified(Client(), customer.account)
    last_summary = {}
    for document in statements.order_by("issue_date", "pk"):
        statement = document.benefit_statement
        sums = totals(statement)
        text = pdf_text(document)
        page = html.unescape(browser.get(reverse("documents:detail", args=[document.pk]))
                             .content.decode())
        assert f"Remboursé {format_chf(sums.reimbursed)}" in text
        assert format_chf(sums.reimbursed) in page and format_chf(sums.billed) in page
        for part in (sums.deductible, sums.copay, sums.not_covered):
            if part:
                assert f"-{format_chf(part)}" in text and f"−{format_chf(part)}" in page
        if statement.paid_on:
            assert statement.paid_on.strftime("%d.%m.%Y") in text
            assert statement.paid_on.strftime("%d.%m.%Y") in page
        if statement.account_hint:  # the PDF's text gives the no-break spaces as spaces
            assert plain(statement.account_hint) in text and statement.account_hint in page
        if "assurance de base :" in text:
            amount = r"(CHF [\d']+\.\d\d)"
            last_summary[document.insured_person_id] = re.search(
                rf"franchise {amount} sur {amount}, quote-part {amount} sur {amount}",
                text.replace("\r\n", " ").replace("\n", " ")).groups()
    assert last_summary
    for entry in cost_sharing.household_year(customer, year):
        if entry.person.pk in last_summary:
            assert last_summary[entry.person.pk] == (
                format_chf(entry.deductible_used), format_chf(entry.deductible),
                format_chf(entry.copay_used), format_chf(entry.copay_cap))


def test_the_demo_tax_certificate_sums_the_demo_invoices_and_statements():
    """The last year's certificate of the demo: its figures are the portal's (the seeded
    invoices paid and statements issued that year, summed here from the plans), its PDF
    prints them, and seeding again adds nothing."""
    from documents.models import TaxCertificate
    from documents.tax_certificate import figures_for, figures_of

    customer, plans = demo_plans("KPT12345678")
    today = timezone.localdate()
    year = today.year - 1

    def counts(plan) -> bool:
        if plan.premium is not None:
            return plan.premium.paid_on is not None and plan.premium.paid_on.year == year
        return plan.benefit is not None and plan.issue_date.year == year

    kept = [plan for plan in plans if counts(plan)]
    store(customer, plans, keep=counts)
    assert documents_demo.seed_tax_certificates(today) == 1
    assert documents_demo.seed_tax_certificates(today) == 0
    certificate = TaxCertificate.objects.get(customer=customer, year=year)
    figures = figures_of(certificate)
    assert figures == figures_for(customer, year)
    premium_lines = [line for plan in kept if plan.premium for line in plan.premium.lines]
    benefit_lines = [line for plan in kept if plan.benefit for line in plan.benefit.lines]
    basic = sum(line.net for line in premium_lines if line.line == "KVG")
    supplementary = sum(line.net for line in premium_lines if line.line == "VVG")
    borne = sum(line.deductible + line.copay + line.not_covered for line in benefit_lines)
    assert (figures.basic_premiums, figures.supplementary_premiums, figures.costs) == (
        basic, supplementary, borne)
    assert basic > 0 and supplementary > 0 and borne > 0
    assert certificate.document.issue_date == min(date(today.year, 1, 10), today)

    def plain(amount):
        return format_chf(amount, currency="").strip()

    text = pdf_text(certificate.document)
    assert (f"Total du ménage {plain(basic)} {plain(supplementary)} "
            f"{plain(basic + supplementary)}") in text
    assert f"Attestation fiscale {year}" in text


def test_every_statement_paid_to_the_insured_names_the_households_payout_account():
    from accounts import payout

    for contract in ("KPT12345678", "KPT87654321"):
        customer, plans = demo_plans(contract)
        account = payout.current_account(customer)
        assert account is not None and account.masked.endswith(account.iban[-4:])
        hints = {plan.benefit.account_hint for plan in plans
                 if plan.benefit is not None and plan.benefit.paid_to == "insured"}
        assert hints == {account.masked}


def test_the_settled_demo_claim_page_says_what_its_statement_says():
    from accounts import payout
    from claims import demo as claims_demo
    from core.iban import mask

    accounts_demo.seed()
    policies_demo.seed()
    claims_demo.seed()
    customer = household("KPT12345678")
    [settled] = claims_demo.settled_demo_claims(customer)
    with translation.override(customer.language):
        plans = demo_documents.benefit_statements(customer, timezone.localdate())
    store(customer, plans, keep=lambda plan: plan.reference == settled.reference)
    assert demo_documents.settle_demo_claims() == 1
    assert demo_documents.settle_demo_claims() == 0  # seeding again links nothing twice

    claim = settled.claim
    claim.refresh_from_db()
    statement = claim.settlement
    [line] = statement.lines.all()
    assert (line.billed, line.provider, line.treatment_date) == (
        claim.amount, claim.provider_name, settled.treated)
    assert statement.insured_person_id == claim.insured_person_id
    assert statement.document.issue_date == settled.settled_on
    assert statement.account_hint == payout.masked_hint(customer) == mask(
        accounts_demo.PAYOUT_IBANS[customer.customer_number])

    browser = log_in_verified(Client(), customer.account)
    claim_page = html.unescape(browser.get(reverse("claims:detail", args=[claim.pk]))
                               .content.decode())
    statement_page = html.unescape(browser.get(reverse("documents:detail",
                                                       args=[statement.document_id]))
                                   .content.decode())
    text = pdf_text(statement.document)
    paid_on = statement.paid_on.strftime("%d.%m.%Y")
    assert (f"Remboursé {format_chf(line.reimbursed)} le {paid_on} sur "
            f"{statement.account_hint}") in claim_page
    for shown in (format_chf(line.billed), format_chf(line.reimbursed), statement.account_hint,
                  paid_on):
        assert shown in claim_page and shown in statement_page and plain(shown) in text
    for part in (line.deductible, line.copay, line.not_covered):
        if part:
            assert f"−{format_chf(part)}" in claim_page
            assert f"−{format_chf(part)}" in statement_page and f"-{format_chf(part)}" in text
    assert reverse("documents:detail", args=[statement.document_id]) in claim_page
