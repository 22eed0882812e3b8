"""The IDOR walk: every URL that takes an id or key, requested by an outsider.

Generated from the URL conf: each customer-facing pattern with a parameter must have a
builder in ``BUILDERS`` (which creates an object owned by household A and returns the URL
kwargs) or an explicit exclusion in ``EXCLUDED`` with its reason. A new view that takes an id
and is in neither breaks this test, so it is covered the day it is added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tests.factories import AdvisorFactory, passkey_for
from documents.tests.factories import make_premium_invoice
from tests.security_support import (  # noqa: F401 - fixture
    _document_storage,
    attachment_of,
    document_of,
    export_of,
    thread_of,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    params: frozenset[str]
    route: str


def _params(pattern) -> set[str]:
    inner = pattern.pattern
    converters = getattr(inner, "converters", None)
    if converters:
        return set(converters)
    regex = getattr(inner, "regex", None)
    if regex is not None:
        return set(regex.groupindex) or ({"<positional>"} if regex.groups else set())
    return set()


def walk(resolver=None, namespace: str = "", prefix: str = "", params=frozenset()):
    """Every named URL pattern with the parameters of its whole path."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        here = params | _params(entry)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from walk(entry, ns, prefix + str(entry.pattern), here)
        elif isinstance(entry, URLPattern) and entry.name:
            yield Route(f"{namespace}{entry.name}", frozenset(here), prefix + str(entry.pattern))


# Parameterised URLs deliberately not in the walk, each with the reason.
EXCLUDED = {
    "accounts:password_reset_cancel": "a capability link: the signed reset id is the "
                                      "credential, and it can only cancel a waiting new "
                                      "password (tested in accounts/tests/test_delayed_reset.py)",
    "accounts:set_password": "a capability link: the signed uid+token is the credential, "
                             "checked by Django's token generator (tested in accounts)",
    "accounts:staff_passkey_rename": "an advisor's own passkeys (/staff/security/), scoped to "
                                     "the login: another advisor's or a customer's id answers "
                                     "404 (accounts/tests/test_passkeys.py)",
    "accounts:staff_passkey_remove": "as accounts:staff_passkey_rename",
    "customer_requests:cancel_change": "POST only (the walk opens pages by GET); another "
                                       "household's request answers 404 to its POST and "
                                       "stays waiting (customer_requests/tests/"
                                       "test_contract_changes.py)",
    "pwa:shared_preview": "scoped to the browser session that shared the file, not to a "
                          "household (ids held in that session's data); another session and "
                          "another household get 404 in pwa/tests/test_shared_claims.py",
}
EXCLUDED_NAMESPACES = {
    "admin": "the admin has its own walk below (staff without OTP, customers)",
}


# --- Builders: an object of household A → the URL kwargs ---------------------------------

Builder = Callable[["HouseholdA"], dict]


@dataclass
class HouseholdA:
    customer: object
    client: Client


BUILDERS: dict[str, Builder] = {
    "documents:detail": lambda a: {"pk": document_of(a.customer).pk},
    "documents:preview": lambda a: {"pk": document_of(a.customer).pk},
    "documents:download": lambda a: {"pk": document_of(a.customer).pk},
    "documents:qr_bill": lambda a: {
        "pk": make_premium_invoice(a.customer.policy_holder).document_id},
    "messaging:thread": lambda a: {"thread_id": thread_of(a.customer).pk},
    "messaging:attachment": lambda a: {"attachment_id": attachment_of(a.customer).pk},
    "exports:export_download": lambda a: {"pk": export_of(a.customer).pk},
    "policies:card": lambda a: {"person_id": card_of(a.customer).insured_person_id},
    "accounts:passkey_rename": lambda a: {"pk": passkey_for(a.customer.account).pk},
    "accounts:passkey_remove": lambda a: {"pk": passkey_for(a.customer.account).pk},
    "customer_requests:change": lambda a: {"person_id": basic_insured_of(a.customer).pk},
}


def basic_insured_of(customer):
    """The policy holder, with the basic insurance a deductible or model change needs."""
    from customer_requests.tests.factories import basic_coverage

    basic_coverage(customer.policy_holder)
    return customer.policy_holder


def card_of(customer):
    from policies.tests.factories import InsuranceCardFactory

    return InsuranceCardFactory(insured_person=customer.insured_persons.first())

# Claims pages (issue claims-web) join the walk when their URL names exist.
try:  # pragma: no cover - depends on the claims app being merged
    from tests.security_support import claim_builders

    BUILDERS.update(claim_builders())
except ImportError:
    pass


def id_routes() -> list[Route]:
    routes = []
    for route in walk():
        namespace = route.name.split(":", 1)[0] if ":" in route.name else ""
        if not route.params or namespace in EXCLUDED_NAMESPACES or route.name in EXCLUDED:
            continue
        if route.name.startswith(("djdt:", "static")):
            continue
        routes.append(route)
    return routes


def test_every_id_taking_url_has_a_builder_or_a_stated_exclusion():
    missing = sorted(r.name for r in id_routes() if r.name not in BUILDERS)
    assert not missing, (
        f"URL patterns taking an id without an IDOR check: {missing}. Add a builder to "
        "tests/test_idor.py BUILDERS (an object of household A → kwargs) or an exclusion "
        "with its reason.")


def test_the_walk_finds_the_known_id_urls():
    """Guards the walker itself: it must see nested includes and their converters."""
    names = {r.name for r in id_routes()}
    assert {"documents:detail", "documents:download", "messaging:attachment"} <= names


def test_builders_name_only_urls_that_exist():
    names = {r.name for r in walk()}
    assert set(BUILDERS) <= names


@pytest.fixture
def household_a(customer, customer_client):
    return HouseholdA(customer=customer, client=customer_client)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_owner_can_open_it_and_outsiders_cannot(name, household_a, other_client, client):
    url = reverse(name, kwargs=BUILDERS[name](household_a))
    # The owner reaches it: proves the builder made a real, reachable object, so the 404
    # below is about who asks, not a broken URL.
    assert household_a.client.get(url).status_code in (200, 302)

    other = other_client.get(url)
    assert other.status_code in (403, 404), f"{name}: another household got {other.status_code}"
    other_post = other_client.post(url, {"body": "intrusion"})
    assert other_post.status_code in (403, 404, 405)

    anonymous = Client().get(url)
    assert anonymous.status_code == 404 or (
        anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    ), f"{name}: anonymous got {anonymous.status_code}"


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_an_advisor_login_gets_no_customer_page(name, household_a, advisor_client):
    url = reverse(name, kwargs=BUILDERS[name](household_a))
    assert advisor_client.get(url).status_code in (403, 404)


# --- Query-parameter filters do not reach across households ------------------------------

def test_document_filter_on_another_households_person_answers_404(customer, other_client):
    document_of(customer)
    person = customer.insured_persons.first()
    response = other_client.get(reverse("documents:list"), {"person": person.pk})
    assert response.status_code == 404


def test_question_about_another_households_document_carries_nothing(customer, other_client):
    document = document_of(customer, title="Secret title of A")
    response = other_client.get(reverse("messaging:new"), {"document": document.pk})
    assert response.status_code == 200
    assert "Secret title of A" not in response.text
    response = other_client.post(f"{reverse('messaging:new')}?document={document.pk}",
                                 {"subject": "x", "body": "y"})
    from messaging.models import Thread

    thread = Thread.objects.get()
    assert thread.about_id is None and thread.about_label == ""


def test_question_about_another_households_claim_carries_nothing(customer, other_client):
    from claims.tests.factories import settled_claim
    from messaging.models import Thread

    claim = settled_claim(customer)
    claim.provider_name = "Secret provider of A"
    claim.save(update_fields=["provider_name"])
    url = f"{reverse('messaging:new')}?claim={claim.pk}"
    response = other_client.get(url)
    assert response.status_code == 200
    assert "Secret provider of A" not in response.text and f"n° {claim.pk}" not in response.text
    other_client.post(url, {"subject": "x", "body": "y"})
    thread = Thread.objects.get()
    assert (thread.about_kind, thread.about_id, thread.about_label) == ("", None, "")


def test_a_settled_claim_and_its_statement_stay_with_their_household(customer, other_client):
    from claims.tests.factories import settled_claim

    claim = settled_claim(customer)
    for url in (reverse("claims:detail", args=[claim.pk]),
                reverse("documents:detail", args=[claim.settlement.document_id])):
        assert other_client.get(url).status_code == 404


def test_document_list_paging_and_year_filters_show_only_own_documents(customer, other_client):
    document_of(customer, title="Secret title of A")
    for params in ({"page": 1}, {"year": 2025}, {"type": "premium_invoice"}, {"q": "Secret"}):
        response = other_client.get(reverse("documents:list"), params)
        assert response.status_code in (200, 404)
        assert "Secret title of A" not in response.text


# --- The admin: staff with OTP only -------------------------------------------------------

ADMIN_FILL = {"url": "x"}  # every other parameter (object_id, pk, …) gets "1"
ADMIN_SKIP = {
    "admin:logout": "POST only (405 on GET); logging out needs no protection",
    "admin:login": "redirects everyone to the staff login, tested in accounts",
}


def admin_urls() -> list[tuple[str, str]]:
    from django.contrib import admin

    app_label = next(iter(admin.site._registry))._meta.app_label
    urls = []
    for route in walk():
        if not route.name.startswith("admin:") or route.name in ADMIN_SKIP:
            continue
        kwargs = {p: app_label if p == "app_label" else ADMIN_FILL.get(p, "1")
                  for p in route.params}
        urls.append((route.name, reverse(route.name, kwargs=kwargs)))
    return urls


def test_admin_walk_covers_every_model_admin():
    from django.contrib import admin

    names = {name for name, _url in admin_urls()}
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert f"{prefix}_changelist" in names and f"{prefix}_change" in names


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response["Location"]


def test_staff_without_second_factor_is_redirected_from_every_admin_url():
    staff = Client()
    # Even a superuser: the password alone, without the second factor, opens nothing.
    staff.force_login(AdvisorFactory(is_superuser=True))
    failures = [(name, url, r.status_code) for name, url in admin_urls()
                if not _is_login_redirect(r := staff.get(url))]
    assert not failures


def test_a_customer_is_redirected_from_every_admin_url(customer_client):
    failures = [(name, url, r.status_code) for name, url in admin_urls()
                if not _is_login_redirect(r := customer_client.get(url))]
    assert not failures


def test_anonymous_is_redirected_from_every_admin_url(client):
    failures = [(name, url, r.status_code) for name, url in admin_urls()
                if not _is_login_redirect(r := client.get(url))]
    assert not failures


def test_verified_staff_reaches_the_admin(advisor_admin_client):
    """The control: the same walk lets an OTP-verified advisor in (so redirects mean
    something)."""
    assert advisor_admin_client.get(reverse("admin:index")).status_code == 200



def test_a_page_of_household_a_cannot_be_reached_through_household_bs_claim(
        customer, other_customer, other_client):
    from tests.security_support import claim_of

    mine = claim_of(customer)
    theirs = claim_of(other_customer)
    url = reverse("claims:page", kwargs={"pk": theirs.pk, "page_pk": mine.pages.get().pk})
    assert other_client.get(url).status_code == 404


# --- Pages without an id: closed to anonymous visitors unless meant to be public ---------

PUBLIC = {
    "healthz": "load balancer probe, says only ok/unavailable",
    "healthz_live": "liveness probe, says only ok",
    "healthz_ready": "readiness probe, says only ok/degraded/unavailable",
    "metrics": "the Prometheus scraper's, behind its bearer token (404 without it)",
    "logout": "POST only; logging out needs no login",
    "set_language": "language switch (Django's i18n view)",
    "accounts:login": "the login", "accounts:staff_login": "the advisors' login",
    "accounts:register": "registration", "accounts:activate": "activation with the letter",
    "accounts:activate_confirm": "activation: the SMS code step",
    "accounts:password_reset": "password reset",
    "accounts:password_reset_confirm": "password reset: the SMS code step",
    "messaging:login_help": "help for people who cannot log in",
    "messaging:login_help_sent": "its confirmation",
    "pwa:manifest": "the web app manifest: static facts about the app",
    "pwa:service_worker": "the service worker script: caches only the static shell",
    "pwa:offline": "the offline page, shown when there is no network",
    "pwa:share": "share target: POST only; keeps the files for this session and sends "
                 "the visitor through the login (tested in pwa/tests/test_sharing.py)",
}


def private_routes() -> list[str]:
    return sorted(r.name for r in walk() if not r.params and not r.name.startswith("admin:")
                  and r.name not in PUBLIC)


def login_page_of(name: str) -> str:
    """Advisors' own pages (/staff/…) send to the advisors' login, all others to /login/."""
    return "/staff/login/" if name.startswith("accounts:staff_") else "/login/"


def test_every_private_page_sends_anonymous_visitors_to_the_login(client):
    failures = []
    for name in private_routes():
        response = client.get(reverse(name))
        if not (response.status_code == 302
                and response["Location"].startswith(login_page_of(name))):
            failures.append((name, response.status_code))
    assert not failures


def test_every_private_post_is_refused_to_anonymous_visitors(client):
    failures = []
    for name in private_routes():
        response = client.post(reverse(name), {})
        if response.status_code not in (302, 403, 405) or (
                response.status_code == 302
                and not response["Location"].startswith(login_page_of(name))):
            failures.append((name, response.status_code))
    assert not failures


def test_another_households_tax_certificate_is_neither_shown_nor_requested(customer,
                                                                          other_customer,
                                                                          other_client):
    from datetime import date

    from documents.models import TaxCertificate
    from documents.tax_certificate_issuing import issue

    make_premium_invoice(customer.policy_holder, date(2024, 5, 1), paid_on=date(2024, 5, 20))
    certificate = issue(customer, 2024).certificate
    for name in ("documents:detail", "documents:preview", "documents:download"):
        response = other_client.get(reverse(name, args=[certificate.document_id]))
        assert response.status_code == 404, name
    page = other_client.get(reverse("documents:tax_certificates"))
    assert reverse("documents:detail", args=[certificate.document_id]) not in page.text
    # The year is A's, not B's: B has no data for it, nothing is issued for anyone.
    response = other_client.post(reverse("documents:tax_certificates"), {"year": 2024})
    assert response.status_code == 400
    assert list(TaxCertificate.objects.values_list("customer_id", flat=True)) == [customer.pk]
