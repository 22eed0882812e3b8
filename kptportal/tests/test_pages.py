from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Customer, User


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_probes_and_scraper_by_the_containers_address_pass_pages_keep_the_host_check(client, db,
                                                                              settings):
    """Before: the compose healthcheck (http://127.0.0.1:8000/healthz/ready) got 400 from a
    portal whose DJANGO_ALLOWED_HOSTS is its public name: web was never healthy."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["portal.kpt.ch"]
    for path in ("/healthz", "/healthz/live", "/healthz/ready"):
        assert client.get(path, HTTP_HOST="127.0.0.1:8000").status_code == 200, path
    settings.METRICS_TOKEN = "scrape-token-for-tests"
    assert client.get("/metrics", HTTP_HOST="web:8000",
                      HTTP_AUTHORIZATION="Bearer scrape-token-for-tests").status_code == 200
    assert client.get("/metrics", HTTP_HOST="web:8000").status_code == 404
    assert client.get("/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/healthz/other", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.post("/healthz/live", HTTP_HOST="127.0.0.1:8000").status_code == 405


def test_healthz_reports_each_part_in_production_mode(client, db, settings):
    settings.PORTAL_HEALTHZ_DEEP = True
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage"}


def test_healthz_checks_remote_parts_at_most_every_15_seconds(client, db, settings, monkeypatch):
    from core import health

    settings.PORTAL_HEALTHZ_DEEP = True
    calls = []
    monkeypatch.setattr(health, "_remote", {"at": 0.0, "result": {}})
    monkeypatch.setattr(health, "broker_ok", lambda: calls.append("broker") or True)
    for _ in range(3):
        client.get("/healthz")
    assert calls == ["broker"]


def test_healthz_stays_ready_when_only_the_broker_is_down(client, db, settings, monkeypatch):
    """Before: 503 with Redis alone down, and a load balancer pulled a working site."""
    from core import health

    settings.PORTAL_HEALTHZ_DEEP = True
    monkeypatch.setattr(health, "_remote", {"at": 0.0, "result": {}})
    monkeypatch.setattr(health, "broker_ok", lambda: False)
    for path in ("/healthz", "/healthz/ready"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.json() == {"status": "degraded", "checks": {
            "database": "ok", "broker": "down", "storage": "ok"}}


def test_readiness_fails_without_storage_and_liveness_does_not(client, db, settings,
                                                               monkeypatch):
    from core import health

    settings.PORTAL_HEALTHZ_DEEP = True
    monkeypatch.setattr(health, "_remote", {"at": 0.0, "result": {}})
    monkeypatch.setattr(health, "storage_ok", lambda: False)
    monkeypatch.setattr("core.health.database_ok", lambda: False)
    assert client.get("/healthz/ready").status_code == 503
    assert client.get("/healthz/live").status_code == 200


def test_healthz_says_unavailable_when_the_database_fails(client, db, monkeypatch):
    monkeypatch.setattr("core.health.database_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_dashboard_sends_anonymous_visitors_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_dashboard_greets_the_policy_holder(customer_client, customer):
    response = customer_client.get("/")
    assert response.status_code == 200
    assert customer.policy_holder.first_name in response.content.decode()


@pytest.mark.parametrize("covered", ["holder", "child only"])
def test_dashboard_greets_the_holder_whoever_the_years_coverages_name(customer_client, customer,
                                                                    covered):
    from policies.tests.factories import CoverageFactory

    holder = customer.policy_holder
    child = customer.insured_persons.get(is_policy_holder=False)
    CoverageFactory(insured_person=holder if covered == "holder" else child)
    board = customer_client.get("/").context["board"]
    assert board.holder == holder
    assert f"Bonjour {holder.first_name}" in customer_client.get("/").content.decode()


def test_dashboard_shows_the_households_news_and_not_another(customer_client, customer,
                                                           other_customer):
    from documents.tests.factories import DocumentFactory

    mine = DocumentFactory(insured_person=customer.policy_holder, title="Police 2026 Anna")
    DocumentFactory(insured_person=other_customer.policy_holder, title="Police 2026 Autre")
    board = customer_client.get("/").context["board"]
    assert [d.pk for d in board.latest_documents] == [mine.pk]
    assert board.new_documents == 1
    html = customer_client.get("/").content.decode()
    assert "Police 2026 Anna" in html and "Police 2026 Autre" not in html


def test_dashboard_counts_every_unread_document_not_only_the_three_it_lists(
        customer_client, customer, other_customer):
    from documents.access import mark_read
    from documents.tests.factories import DocumentFactory

    documents = [DocumentFactory(insured_person=customer.policy_holder) for _ in range(6)]
    for document in documents[:2]:
        mark_read(document, customer.account)  # read: no longer new
    DocumentFactory(insured_person=other_customer.policy_holder)  # not this household's
    board = customer_client.get("/").context["board"]
    assert len(board.latest_documents) == 3
    assert board.new_documents == 4


def test_dashboard_with_every_document_read_counts_none(customer_client, customer):
    from documents.access import mark_read
    from documents.tests.factories import DocumentFactory

    mark_read(DocumentFactory(insured_person=customer.policy_holder), customer.account)
    board = customer_client.get("/").context["board"]
    assert len(board.latest_documents) == 1 and board.new_documents == 0


def test_dashboard_runs_a_fixed_number_of_queries(customer_client, customer,
                                                  django_assert_max_num_queries):
    from documents.tests.factories import DocumentFactory

    for _ in range(15):
        DocumentFactory(insured_person=customer.policy_holder)
    # As in test_query_counts: the premium invoices and the year's cost sharing add one each.
    with django_assert_max_num_queries(13):
        assert customer_client.get("/").status_code == 200


def test_logged_in_but_unverified_user_is_sent_to_login(client, customer):
    client.force_login(customer.account)
    assert client.get("/").status_code == 302


def test_advisors_have_no_customer_dashboard(advisor_client):
    assert advisor_client.get("/").status_code == 403


def test_login_page_is_styled_and_translated(client, db):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/css/portal.css" in html
    assert '<html lang="de">' in html


def test_seed_demo_is_idempotent(seeded_demo, settings):
    from claims.models import Claim
    from documents.models import Document
    from messaging.models import Message

    settings.DEBUG = True
    models = (User, Customer, Document, Claim, Message)
    before = {model: model.objects.count() for model in models}
    out = StringIO()
    call_command("seed_demo", stdout=out)  # again, on the demo seeded once already
    assert {model: model.objects.count() for model in models} == before
    assert "0 demo policy, premium invoice or benefit statement document(s) created or " \
        "refreshed" in out.getvalue()
    assert set(User.objects.filter(username__startswith="KPT").values_list("username", flat=True)) \
        == {"KPT12345678", "KPT87654321"}
    household = Customer.objects.get(account__username="KPT12345678")
    assert household.insured_persons.count() == 2
    assert household.advisor.username == "advisor"
    assert User.objects.get(username="advisor").check_password("Demo-Advisor-2026")


def test_seed_demo_refuses_production(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        call_command("seed_demo")
