"""The admin's inputs that Django leaves without a label get an accessible name."""

import re

import pytest


@pytest.fixture
def claim_review_page(advisor_admin_client):
    from claims.tests.factories import ClaimFactory, ExtractedFieldFactory

    claim = ClaimFactory(status="to_review")
    ExtractedFieldFactory(claim=claim, name="amount", value="183.45")
    response = advisor_admin_client.get(f"/admin/claims/claimtoreview/{claim.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def input_tag(html, element_id):
    match = re.search(rf'<(?:input|select|textarea)[^>]*id="{element_id}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    return match.group(0)


def test_tabular_inline_inputs_are_named_after_their_column(claim_review_page):
    tag = input_tag(claim_review_page, "id_fields-0-value")
    assert 'aria-label="Valeur"' in tag


def test_inline_delete_boxes_name_their_row():
    from django import forms

    from core.admin_a11y import label_inline_rows

    class Row(forms.Form):
        note = forms.CharField(label="Remarque")

    formset = label_inline_rows(forms.formset_factory(Row, can_delete=True, extra=2),
                                tabular=True)()
    html = str(formset.forms[1]["DELETE"])
    assert 'aria-label="Supprimer la ligne 2"' in html
    assert 'aria-label="Remarque"' in str(formset.forms[0]["note"])


def test_split_date_and_time_inputs_each_have_a_name(administrator_client, customer):
    from accounts.tests.factories import sms_device_for

    device = sms_device_for(customer.account)
    html = administrator_client.get(
        f"/admin/accounts/smsdevice/{device.pk}/change/").content.decode()
    date_tag = input_tag(html, "id_last_used_at_0")
    time_tag = input_tag(html, "id_last_used_at_1")
    assert re.search(r'aria-label="[^"]+ – date"', date_tag)
    assert re.search(r'aria-label="[^"]+ – heure"', time_tag)


def test_the_admin_loads_its_accessibility_stylesheet_and_script(advisor_admin_client):
    html = advisor_admin_client.get("/admin/").content.decode()
    assert "css/admin-a11y.css" in html and "js/admin-a11y.js" in html


def test_stacked_forms_keep_their_visible_labels_only(advisor_admin_client, customer):
    """Outside tabular inlines a field has its <label for>: no duplicate aria-label."""
    html = advisor_admin_client.get(
        f"/admin/accounts/customer/{customer.pk}/change/").content.decode()
    assert "aria-label" not in input_tag(html, "id_advisor")
