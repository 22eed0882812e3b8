"""The admin's inputs that Django leaves without a label get an accessible name."""

import re

import pytest


@pytest.fixture
def customer_change_page(admin_verified_client, customer):
    response = admin_verified_client.get(f"/admin/accounts/customer/{customer.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def input_tag(html, element_id):
    match = re.search(rf'<(?:input|select|textarea)[^>]*id="{element_id}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    return match.group(0)


def test_tabular_inline_inputs_are_named_after_their_column(customer_change_page):
    tag = input_tag(customer_change_page, "id_insured_persons-0-first_name")
    assert 'aria-label="Prénom"' in tag


def test_inline_delete_boxes_name_their_row(customer_change_page):
    tag = input_tag(customer_change_page, "id_insured_persons-1-DELETE")
    assert 'aria-label="Supprimer la ligne 2"' in tag


def test_split_date_and_time_inputs_each_have_a_name(customer_change_page):
    date_tag = input_tag(customer_change_page, "id_portal_registered_at_0")
    time_tag = input_tag(customer_change_page, "id_portal_registered_at_1")
    assert re.search(r'aria-label="[^"]+ – date"', date_tag)
    assert re.search(r'aria-label="[^"]+ – heure"', time_tag)


def test_the_admin_loads_its_accessibility_stylesheet_and_script(admin_verified_client):
    html = admin_verified_client.get("/admin/").content.decode()
    assert "css/admin-a11y.css" in html and "js/admin-a11y.js" in html


def test_stacked_forms_keep_their_visible_labels_only(admin_verified_client, customer):
    """Outside tabular inlines a field has its <label for>: no duplicate aria-label."""
    html = admin_verified_client.get(
        f"/admin/accounts/customer/{customer.pk}/change/").content.decode()
    assert "aria-label" not in input_tag(html, "id_street")
