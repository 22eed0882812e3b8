"""Every page passes axe-core's WCAG 2.1 A/AA rules, on a phone and on a desktop.

One walk per viewport through the public pages, the login's steps, every customer page and the
advisor's admin pages, on the demo data; every violation found is listed in the failure.
"""

import re

import pytest
from django.urls import reverse

from accounts.demo import DEMO_ADVISOR_PASSWORD, DEMO_PASSWORD
from accounts.models import InsuredPerson
from documents.models import Document, DocumentType
from messaging.models import Thread
from tests.e2e.a11y import (
    DESKTOP,
    PHONE,
    a11y_context,
    axe_violations,
    format_violations,
    last_sms_code,
)
from tests.e2e.conftest import screenshot
from tests.e2e.portal_login import submit_code, submit_credentials

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONTRACT = "KPT12345678"


def claim_of(contract):
    """A demo claim of the household (claims/demo.py)."""
    from claims.models import Claim, ClaimStatus

    claims = Claim.objects.filter(customer__account__username=contract)
    return (claims.filter(status=ClaimStatus.TO_REVIEW).first()
            or claims.order_by("-pk").first())


def settled_claim_of(contract):
    """The demo claim a benefit statement settled (claims/demo.py), if any."""
    from claims.models import Claim

    return Claim.objects.filter(customer__account__username=contract,
                                settlement__isnull=False).first()


def guarantee_of(contract):
    """The demo's cost guarantee request waiting for an advisor (claims/demo.py)."""
    from claims.models import CostGuaranteeRequest

    return CostGuaranteeRequest.objects.filter(customer__account__username=contract).first()


class Walk:
    def __init__(self, page, base, label):
        self.page, self.base, self.label, self.found, self.visited = page, base, label, {}, []

    def check(self, name, path=None):
        if path is not None:
            response = self.page.goto(self.base + path)
            assert response.status < 500, f"{path} answered {response.status}"
        self.page.wait_for_load_state("load")
        violations = axe_violations(self.page)
        self.visited.append(name)
        if violations:
            self.found[name] = violations
            screenshot(self.page, f"a11y-{self.label}-{re.sub(r'[^a-z0-9]+', '-', name)}")


def log_in(walk, username, password, *, staff=False):
    page = walk.page
    page.goto(walk.base + ("/staff/login/" if staff else "/login/"))
    walk.check("staff login" if staff else "login 1 credentials")
    submit_credentials(page, username, password)
    page.wait_for_load_state("load")
    walk.check("staff login 2 code" if staff else "login 2 SMS code")
    submit_code(page, last_sms_code())
    page.wait_for_load_state("load")
    assert "/login/" not in page.url, f"{username} not logged in"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_passes_axe(browser, live_server, seeded_demo, viewport):
    label = "phone" if viewport == PHONE else "desktop"
    base = live_server.url
    document = (Document.objects.filter(insured_person__customer__account__username=CONTRACT,
                                        type=DocumentType.BENEFIT_STATEMENT)
                .order_by("-issue_date").first())
    thread = Thread.objects.get(customer__account__username=CONTRACT)
    claim = claim_of(CONTRACT)
    settled = settled_claim_of(CONTRACT)
    guarantee = guarantee_of(CONTRACT)
    holder = InsuredPerson.objects.filter(customer__account__username=CONTRACT,
                                          is_policy_holder=True).first()
    # The demo has each of them: a page left out of the walk would go unnoticed.
    assert all((document, claim, settled, guarantee, holder))

    # Public pages, and the login's error and second step.
    context = a11y_context(browser, viewport)
    walk = Walk(context.new_page(), base, label)
    for name, path in [("register", "/register/"), ("activate", "/register/activate/"),
                       ("password reset", "/password-reset/"), ("login help", "/login-help/"),
                       ("404", "/nowhere/"), ("offline page", reverse("pwa:offline"))]:
        walk.check(name, path)
    walk.page.goto(base + "/login/")
    walk.page.locator("input[name$=username]").fill(CONTRACT)
    walk.page.locator("input[type=password]").fill("not-the-password-1")
    walk.page.locator("main form button[type=submit]").first.click()
    walk.check("login wrong password")

    # The customer, logged in through the real login page.
    log_in(walk, CONTRACT, DEMO_PASSWORD)
    customer_pages = [
        ("dashboard", "/"), ("documents", "/documents/"),
        ("documents filtered", f"/documents/?type={DocumentType.BENEFIT_STATEMENT}"),
        ("document detail", f"/documents/{document.pk}/"),
        ("messages", "/messages/"), ("thread", f"/messages/{thread.pk}/"),
        ("new message", "/messages/new/"), ("insurance", "/insurance/"),
        ("profile", "/profile/"), ("profile address", "/profile/address/"),
        ("profile contact", "/profile/contact/"), ("profile preferences", "/profile/preferences/"),
        ("profile mobile", "/profile/mobile/"), ("profile payout", "/profile/payout/"),
        ("profile password", "/profile/password/"), ("second factors", "/profile/security/"),
        ("premium invoices", f"/documents/?type={DocumentType.PREMIUM_INVOICE}"),
        ("authenticator setup", "/profile/security/authenticator/"),
        ("claims", reverse("claims:list")), ("new claim", reverse("claims:new")),
        ("claim detail", reverse("claims:detail", args=[claim.pk])),
        ("settled claim", reverse("claims:detail", args=[settled.pk])),
        ("new cost guarantee", reverse("claims:guarantee_new")),
        ("cost guarantee", reverse("claims:guarantee_detail", args=[guarantee.pk])),
        ("question about a claim", f"/messages/new/?claim={settled.pk}"),
        ("data export", reverse("exports:export")),
        ("activity", reverse("accounts:activity")),
        ("requests", reverse("customer_requests:list")),
        ("contract change start", reverse("customer_requests:change_start")),
        ("contract change form", reverse("customer_requests:change", args=[holder.pk])),
    ]
    for name, path in customer_pages:
        walk.check(name, path)
    # The mobile change's code step.
    walk.page.goto(base + "/profile/mobile/")
    walk.page.locator("input[name=mobile_phone], input[name=new_mobile]").first.fill(
        "+41790000077")
    walk.page.locator("form[action$='/profile/mobile/'] button[type=submit]").click()
    walk.page.wait_for_load_state("load")
    walk.check("profile mobile code")
    # The payout account's code step.
    walk.page.goto(base + "/profile/payout/")
    payout = walk.page.locator("form[action$='/profile/payout/']")
    payout.locator("input[name=iban]").fill("CH56 0483 5012 3456 7800 9")
    payout.locator("input[name=holder]").fill("Anna Muster")
    payout.locator("input[name=password]").fill(DEMO_PASSWORD)
    payout.locator("button[type=submit]").click()
    walk.page.wait_for_load_state("load")
    walk.check("profile payout code")
    context.close()

    # The advisor in the admin.
    context = a11y_context(browser, viewport)
    walk.page = context.new_page()
    log_in(walk, "advisor", DEMO_ADVISOR_PASSWORD, staff=True)
    for name, path in [
        ("admin index", "/admin/"),
        ("admin threads", "/admin/messaging/thread/"),
        ("admin thread", f"/admin/messaging/thread/{thread.pk}/change/"),
        ("admin customers", "/admin/accounts/customer/"),
        ("admin customer", f"/admin/accounts/customer/{thread.customer_id}/change/"),
        ("admin customer overview",
         f"/admin/accounts/customer/{thread.customer_id}/overview/"),
        ("admin documents", "/admin/documents/document/"),
        ("admin login help", "/admin/messaging/loginhelprequest/"),
        ("admin claims queue", "/admin/claims/claimtoreview/"),
        ("admin claim review", f"/admin/claims/claimtoreview/{claim.pk}/change/"),
        ("admin cost guarantees", "/admin/claims/costguaranteerequest/"),
        ("admin cost guarantee review",
         f"/admin/claims/costguaranteerequest/{guarantee.pk}/change/"),
        ("admin contract changes", "/admin/customer_requests/contractchange/"),
    ]:
        walk.check(name, path)
    context.close()

    assert walk.found == {}, "axe violations:\n" + format_violations(walk.found)
