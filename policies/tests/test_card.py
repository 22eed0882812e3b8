from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from policies import card as rules
from policies.tests.factories import InsuranceCardFactory

CARDS = reverse("policies:cards")
COPY = reverse("policies:card_offline_copy")


# --- Numbers and check digits -------------------------------------------------------------

def test_the_published_ahv_example_is_valid_and_formatted_as_printed():
    assert rules.ahv_is_valid("756.1234.5678.97")
    assert rules.format_ahv("7561234567897") == "756.1234.5678.97"


def test_an_ahv_number_with_a_wrong_check_digit_or_country_is_refused():
    assert not rules.ahv_is_valid("756.1234.5678.98")
    assert not rules.ahv_is_valid("757.1234.5678.97")
    assert not rules.ahv_is_valid("756.1234.5678")


def test_generated_ahv_numbers_carry_their_check_digit():
    assert rules.make_ahv_number(123456789) == "7561234567897"


def test_card_numbers_are_twenty_digits_with_a_luhn_check_digit():
    number = rules.make_card_number("00376", 104518221)
    assert len(number) == 20 and number.startswith("8075600376")
    assert rules.card_number_is_valid(number)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not rules.card_number_is_valid(wrong)


def test_luhn_check_digit_matches_the_textbook_example():
    assert rules.luhn_check_digit("7992739871") == "3"


# --- What the card shows -------------------------------------------------------------------

@pytest.fixture
def holder_card(customer):
    holder = customer.insured_persons.get(is_policy_holder=True)
    return InsuranceCardFactory(insured_person=holder, sex="F", valid_until=date(2029, 12, 31))


def test_qr_text_carries_the_european_card_fields(holder_card):
    view = rules.CardView(holder_card, date(2026, 12, 2))
    person = holder_card.insured_person
    lines = view.qr_text().splitlines()
    assert lines[0] == "EHIC CH"
    assert f"3 {person.last_name.upper()}" in lines
    assert f"6 {holder_card.ahv_number}" in lines
    assert f"8 {holder_card.card_number}" in lines
    assert "9 31.12.2029" in lines
    assert "7 00376 - KPT Krankenkasse AG" in lines


def test_qr_code_is_an_inline_svg_sized_by_css(holder_card):
    svg = rules.CardView(holder_card, date(2026, 12, 2)).qr_svg()
    assert svg.startswith('<svg class="qr" role="img"')
    assert 'width="' not in svg.split(">", 1)[0] and "<path" in svg


def test_a_card_past_its_validity_is_marked_expired(holder_card):
    assert not rules.CardView(holder_card, date(2029, 12, 31)).expired
    assert rules.CardView(holder_card, date(2030, 1, 1)).expired


def test_household_cards_are_the_households_only_holder_first(customer, other_customer):
    holder, kid = customer.insured_persons.order_by("-is_policy_holder")
    InsuranceCardFactory(insured_person=kid)
    InsuranceCardFactory(insured_person=holder)
    InsuranceCardFactory(insured_person=other_customer.insured_persons.first())
    views = rules.household_cards(customer, today=date(2026, 12, 2))
    assert [v.person_id for v in views] == [holder.pk, kid.pk]


def test_one_persons_card_is_found_only_inside_the_household(customer, other_customer):
    outsider = InsuranceCardFactory(insured_person=other_customer.insured_persons.first())
    assert rules.household_card(customer, outsider.insured_person_id,
                                today=date(2026, 12, 2)) is None


def test_emergency_numbers_start_with_the_insurers_line_from_settings(settings):
    settings.ASSISTANCE_PHONE = "+41 58 999 11 22"
    numbers = rules.emergency_numbers()
    assert numbers[0].number == "+41 58 999 11 22" and numbers[0].tel == "+41589991122"
    assert {"144", "112", "1414", "145"} <= {n.number for n in numbers}


# --- Pages ----------------------------------------------------------------------------------

def test_cards_page_shows_every_card_of_the_household(customer, customer_client):
    holder, kid = customer.insured_persons.order_by("-is_policy_holder")
    first = InsuranceCardFactory(insured_person=holder)
    InsuranceCardFactory(insured_person=kid)
    response = customer_client.get(CARDS)
    assert response.status_code == 200
    assert response.text.count('class="ins-card ins-card--front"') == 2
    assert rules.format_card_number(first.card_number) in response.text
    assert response["Cache-Control"] == "private, no-store"


def test_cards_page_query_count_does_not_grow_with_the_household(customer, customer_client):
    holder, kid = customer.insured_persons.order_by("-is_policy_holder")
    InsuranceCardFactory(insured_person=holder)
    customer_client.get(CARDS)
    with CaptureQueriesContext(connection) as one:
        customer_client.get(CARDS)
    InsuranceCardFactory(insured_person=kid)
    with CaptureQueriesContext(connection) as two:
        customer_client.get(CARDS)
    assert len(two) == len(one)


def test_a_household_without_cards_gets_a_clear_empty_page(customer_client):
    response = customer_client.get(CARDS)
    assert response.status_code == 200
    assert "Aucune carte d'assuré" in response.text


def test_the_large_card_shows_front_back_qr_and_emergency_numbers(customer_client, holder_card):
    response = customer_client.get(reverse("policies:card", args=[holder_card.insured_person_id]))
    assert response.status_code == 200
    text = response.text
    assert "ins-card--front" in text and "ins-card--back" in text and 'class="qr"' in text
    assert rules.format_ahv(holder_card.ahv_number) in text
    assert 'href="tel:144"' in text


def test_another_households_card_answers_404(other_client, holder_card):
    url = reverse("policies:card", args=[holder_card.insured_person_id])
    assert other_client.get(url).status_code == 404


def test_offline_copy_holds_the_households_cards_and_is_audited(customer, customer_client,
                                                                holder_card, other_customer):
    outsider = InsuranceCardFactory(insured_person=other_customer.insured_persons.first())
    response = customer_client.get(COPY)
    assert response.status_code == 200
    body = response.json()
    assert rules.format_card_number(holder_card.card_number) in body["html"]
    assert rules.format_card_number(outsider.card_number) not in body["html"]
    assert body["expires_at"] - body["saved_at"] == 30 * 24 * 3600 * 1000
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(kind="policies.card_saved_offline")
    assert event.customer_id == customer.pk


def test_offline_copy_is_refused_to_another_site(customer_client, holder_card):
    response = customer_client.get(COPY, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 404


def test_card_pages_need_a_customer_login(client, advisor_client, holder_card):
    assert client.get(CARDS).status_code == 302
    assert advisor_client.get(CARDS).status_code == 403


def test_the_offline_page_lists_the_emergency_numbers_and_nothing_personal(client):
    response = client.get(reverse("pwa:offline"))
    assert 'href="tel:144"' in response.text
    assert "data-card-offline-view" in response.text
    assert "ins-card" not in response.text.split("data-card-offline-cards", 1)[1].split("</div>")[0]


def test_the_offline_page_shows_no_template_comment(client):
    assert "Kept by the service worker" not in client.get(reverse("pwa:offline")).text



def test_the_menu_of_every_page_leads_to_the_emergency_numbers(customer_client, holder_card,
                                                                settings):
    settings.ASSISTANCE_PHONE = "+41 58 999 11 22"
    documents = customer_client.get(reverse("documents:list"))
    assert f'href="{CARDS}#emergency"' in documents.text
    cards = customer_client.get(CARDS)
    assert 'id="emergency"' in cards.text
    assert "+41 58 999 11 22" in cards.text
