"""The staff roles: the advisors' group holds what an advisor's day needs and nothing
technical; administrators hold the technical models; nobody on staff deletes."""

from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from accounts.staff import ADMINISTRATORS, ADVISORS
from accounts.tests.factories import AdvisorFactory, CustomerFactory
from claims.models import ClaimStatus
from conftest import log_in_verified
from kptportal import roles
from messaging.loginhelp import submit_request
from tests.security_support import claim_of, document_of, thread_of

pytestmark = pytest.mark.django_db


def codenames(group_name: str) -> set[tuple[str, str]]:
    group = Group.objects.get(name=group_name)
    return {(p.content_type.app_label, p.codename)
            for p in group.permissions.select_related("content_type")}


@pytest.mark.parametrize("name", [ADVISORS, ADMINISTRATORS])
def test_the_migrations_create_each_group_with_exactly_its_permissions(name):
    assert codenames(name) == set(roles.ROLES[name])


def test_every_listed_permission_exists_so_none_is_silently_missing():
    listed = {pair for pairs in roles.ROLES.values() for pair in pairs}
    existing = {(p.content_type.app_label, p.codename)
                for p in Permission.objects.select_related("content_type")}
    assert listed - existing == set()


def test_syncing_twice_changes_nothing():
    before = {name: codenames(name) for name in roles.ROLES}
    roles.sync_groups()
    held = roles.sync_groups()
    after = {name: codenames(name) for name in roles.ROLES}
    assert after == before
    assert held == {name: len(names) for name, names in after.items()}  # what it reports


def test_a_permission_removed_by_hand_comes_back_with_the_next_sync():
    group = Group.objects.get(name=ADVISORS)
    group.permissions.remove(Permission.objects.get(codename="view_claimtoreview"))
    roles.sync_groups()
    assert ("claims", "view_claimtoreview") in codenames(ADVISORS)


def test_advisors_can_delete_nothing_and_touch_no_technical_model():
    advisor_perms = codenames(ADVISORS)
    assert not [codename for _app, codename in advisor_perms if codename.startswith("delete_")]
    technical = {"axes", "otp_static", "otp_totp", "auth", "core", "exports"}
    assert not [pair for pair in advisor_perms if pair[0] in technical]


def test_the_demo_advisor_is_an_advisor_not_a_superuser(seeded_demo):
    from accounts.models import User

    advisor = User.objects.get(username="advisor")
    assert advisor.is_staff and not advisor.is_superuser
    assert list(advisor.groups.values_list("name", flat=True)) == [ADVISORS]
    assert advisor.has_perm("claims.view_claimtoreview")
    assert not advisor.has_perm("otp_totp.view_totpdevice")


def test_advisors_decide_cost_guarantees_and_delete_none():
    held = codenames(ADVISORS)
    assert {("claims", "view_costguaranteerequest"), ("claims", "change_costguaranteerequest"),
            ("claims", "view_costguaranteeattachment")} <= set(held)
    assert ("claims", "add_costguaranteerequest") not in held


@pytest.fixture
def day_of_work(customer):
    """What an advisor's day touches: a claim to review, a document, a thread, a ticket."""
    claim = claim_of(customer)
    claim.status = ClaimStatus.TO_REVIEW
    claim.save(update_fields=["status"])
    ticket = submit_request(name="Anna Muster", contract_number="KPT12345678",
                            birth_date=date(1981, 4, 17), phone="+41790000001",
                            description="Mot de passe oublié", ip_address="192.0.2.1")
    return {"claim": claim, "document": document_of(customer), "thread": thread_of(customer),
            "ticket": ticket}


def test_an_advisor_opens_every_page_of_the_day(day_of_work, customer):
    client = log_in_verified(Client(), customer.advisor)
    pages = [
        reverse("admin:index"),
        reverse("admin:claims_claimtoreview_changelist"),
        reverse("admin:claims_claimtoreview_change", args=[day_of_work["claim"].pk]),
        reverse("admin:claims_claim_changelist"),
        reverse("admin:accounts_customer_changelist"),
        reverse("admin:accounts_customer_change", args=[customer.pk]),
        reverse("admin:audit_auditevent_changelist"),
        reverse("admin:documents_document_changelist"),
        reverse("admin:documents_document_change", args=[day_of_work["document"].pk]),
        reverse("admin:documents_document_file", args=[day_of_work["document"].pk]),
        reverse("admin:messaging_thread_changelist"),
        reverse("admin:messaging_thread_change", args=[day_of_work["thread"].pk]),
        reverse("admin:messaging_loginhelprequest_changelist"),
        reverse("admin:messaging_loginhelprequest_change", args=[day_of_work["ticket"].pk]),
        reverse("admin:policies_coverage_changelist"),
    ]
    answers = {url: client.get(url).status_code for url in pages}
    assert {url: code for url, code in answers.items() if code != 200} == {}


def test_the_advisors_index_lists_business_models_only(advisor_admin_client):
    html = advisor_admin_client.get(reverse("admin:index")).content.decode()
    assert "/admin/claims/claimtoreview/" in html
    for technical in ("/admin/axes/", "/admin/otp_totp/", "/admin/otp_static/", "/admin/auth/",
                      "/admin/core/deferredtask/"):
        assert technical not in html


@pytest.mark.parametrize("url", ["/admin/axes/accessattempt/", "/admin/otp_totp/totpdevice/",
                                 "/admin/auth/group/", "/admin/core/deferredtask/"])
def test_a_missing_permission_shows_the_staff_page_not_the_customers(advisor_admin_client, url):
    response = advisor_admin_client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Autorisation manquante" in html
    assert "réservée aux clientes et clients" not in html


def test_administrators_reach_the_technical_models(administrator_client):
    for url in ["/admin/axes/accessattempt/", "/admin/otp_totp/totpdevice/",
                "/admin/auth/group/", "/admin/core/deferredtask/"]:
        assert administrator_client.get(url).status_code == 200, url


def test_no_delete_button_or_action_for_an_advisor(advisor_admin_client, customer):
    html = advisor_admin_client.get(
        reverse("admin:accounts_customer_change", args=[customer.pk])).content.decode()
    assert "/delete/" not in html
    changelist = advisor_admin_client.get(
        reverse("admin:accounts_customer_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert "unlock_contracts" in changelist


def test_an_advisor_cannot_change_who_the_customer_is(advisor_admin_client):
    customer = CustomerFactory(customer_number="100999000")
    url = reverse("admin:accounts_customer_change", args=[customer.pk])
    advisor_admin_client.post(url, {"customer_number": "666", "street": "Neue Gasse 2",
                                    "postcode": "3000", "locality": "Bern",
                                    "language": "de", "notify_channel": "sms",
                                    "insured_persons-TOTAL_FORMS": "0",
                                    "insured_persons-INITIAL_FORMS": "0"})
    customer.refresh_from_db()
    assert customer.customer_number == "100999000"


def test_an_advisor_without_the_group_is_refused_the_review_queue():
    client = log_in_verified(Client(), AdvisorFactory(roles=[]))
    response = client.get(reverse("admin:claims_claimtoreview_changelist"))
    assert response.status_code == 403
    assert "Autorisation manquante" in response.content.decode()


def test_staff_on_a_customer_page_get_the_customers_refusal(advisor_admin_client):
    response = advisor_admin_client.get("/claims/")
    assert response.status_code == 403
    assert "Autorisation manquante" not in response.content.decode()
