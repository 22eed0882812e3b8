"""The main navigation names each section for what the customer finds there."""

import re

import pytest
from django.urls import reverse

REIMBURSEMENTS = {"fr": "Remboursements", "de": "Erstattungen", "it": "Rimborsi",
                  "en": "Reimbursements"}
INVOICE_WORDS = {"fr": "Factures", "de": "Rechnungen", "it": "Fatture", "en": "Invoices"}


def nav_labels(response) -> dict[str, str]:
    return {item["name"]: str(item["label"]) for item in response.context["nav_items"]}


@pytest.mark.parametrize("language", sorted(REIMBURSEMENTS))
def test_the_claims_tab_says_reimbursements_not_invoices(customer_client, language):
    """Premium invoices are in Documents: the doctors' invoices tab must not look like it
    holds them."""
    response = customer_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE=language)
    labels = nav_labels(response)
    assert labels["claims:list"] == REIMBURSEMENTS[language]
    assert INVOICE_WORDS[language] not in labels.values()


@pytest.mark.parametrize("language", sorted(REIMBURSEMENTS))
def test_the_claims_page_title_matches_its_tab(customer_client, language):
    page = customer_client.get(reverse("claims:list"), HTTP_ACCEPT_LANGUAGE=language)
    title = re.search(r"<title>(.*?) · KPT</title>", page.content.decode()).group(1)
    assert title == REIMBURSEMENTS[language]


def test_the_claims_page_points_to_the_premium_invoices(customer_client):
    page = customer_client.get(reverse("claims:list")).content.decode()
    assert f'href="{reverse("documents:list")}?type=premium_invoice"' in page
