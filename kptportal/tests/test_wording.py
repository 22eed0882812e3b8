"""What customers read is written for them: neutral about gender, months by name, sizes in
their units, no developer shorthand ("(s)", codes of the other language)."""

import html
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from documents.tests.factories import make_document
from policies.tests.factories import BasicProductFactory, CoverageFactory, ProductFactory
from tests.security_support import _document_storage  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
MONTHS = {"fr": "décembre 2026", "de": "Dezember 2026", "it": "dicembre 2026",
          "en": "December 2026"}


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def insured(customer):
    customer.portal_registered_at = datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Zurich"))
    customer.save()
    holder = customer.policy_holder
    CoverageFactory(insured_person=holder, product=BasicProductFactory(),
                    monthly_premium=Decimal("400.00"), franchise=1500)
    CoverageFactory(insured_person=holder, product=ProductFactory(),
                    monthly_premium=Decimal("38.60"))
    return customer


@pytest.mark.parametrize(("language", "size", "shown"), [
    ("fr", 2253, "2,2\u00a0Ko"), ("de", 2253, "2,2\u00a0KB"), ("it", 2253, "2,2\u00a0KB"),
    ("en", 2253, "2.2\u00a0KB"), ("fr", 3_500_000, "3,3\u00a0Mo"), ("de", 3_500_000, "3,3\u00a0MB"),
    ("fr", 1, "1 octet"), ("fr", 512, "512 octets"), ("de", 512, "512 Byte"),
])
def test_file_sizes_read_the_way_people_write_them(language, size, shown):
    with translation.override(language):
        rendered = Template("{% load portal %}{{ size|file_size }}").render(
            Context({"size": size}))
    assert rendered == shown


@pytest.mark.parametrize("language", sorted(MONTHS))
def test_the_insurance_page_names_the_month(customer_client, insured, language, monkeypatch):
    from policies import discounts

    monkeypatch.setattr(discounts, "current_month", lambda: date(2026, 12, 1))
    page = text(customer_client.get(reverse("policies:overview"),
                                    HTTP_ACCEPT_LANGUAGE=language))
    assert MONTHS[language] in page
    assert "12.2026" not in page


def test_a_premium_invoice_shows_its_month_by_name_and_its_size_in_french_units(
        customer_client, customer):
    document = make_document(insured_person=customer.policy_holder, period=date(2026, 12, 1),
                             issue_date=date(2026, 11, 21))
    page = text(customer_client.get(reverse("documents:detail", args=[document.pk])))
    assert "décembre 2026" in page
    assert "Kio" not in page and " Ko" in page.replace("\u00a0", " ")


@pytest.mark.parametrize("url_name", ["policies:overview", "accounts:profile"])
def test_the_policy_holder_is_named_without_assuming_a_gender(customer_client, insured,
                                                              url_name):
    page = text(customer_client.get(reverse(url_name)))
    assert "titulaire de la police" in page
    assert "preneur" not in page.lower()


def test_the_registration_form_asks_for_the_holders_birth_date_neutrally(client):
    page = text(client.get(reverse("accounts:register")))
    assert "preneur" not in page.lower()
    assert "titulaire de la police" in page


@pytest.mark.parametrize(("language", "basic", "supplementary"), [
    ("fr", "LAMal", "LCA"), ("de", "KVG", "VVG"), ("it", "LAMal", "LCA"),
])
def test_the_insurance_line_tag_uses_the_customers_abbreviation(customer_client, insured,
                                                                language, basic,
                                                                supplementary):
    page = text(customer_client.get(reverse("policies:overview"),
                                    HTTP_ACCEPT_LANGUAGE=language))
    assert f">{basic}</span>" in page and f">{supplementary}</span>" in page


@pytest.mark.parametrize(("ended", "said"), [(1, "1 autre session déconnectée."),
                                             (2, "2 autres sessions déconnectées.")])
def test_logging_out_other_sessions_counts_in_words(customer_client, monkeypatch, ended,
                                                    said):
    from accounts import profile

    monkeypatch.setattr(profile, "log_out_other_sessions", lambda *args, **kwargs: ended)
    page = text(customer_client.post(reverse("accounts:profile_log_out_others"), follow=True))
    assert said in page
    assert "(s)" not in page
