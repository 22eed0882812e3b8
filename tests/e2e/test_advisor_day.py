"""An advisor's day in the admin, in Chromium, with the seeded advisor (group "Conseillers").

The day: log in with the SMS code; the home counts the queues and says how long the oldest
has waited; the queue flags, in words, a claim whose invoice names another member of the
household (written by the real intake); the review's keyboard shortcuts (Alt+N next, Alt+R
refuse, Alt+A accept, as Chromium on Linux fires accesskeys); a reply with an attachment; a
contract locked by real failed logins, unlocked from the customer's overview.

The walk: every advisor page passes axe at 1280×800 (the home also in German and Italian,
switched in the header) and none scrolls sideways at 390 px; screenshots of each at 1280×800
and 390×844 go to var/screenshots/admin/.
"""

import dataclasses
import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django.utils.timesince import timesince
from playwright.sync_api import expect

from accounts.demo import DEMO_ADVISOR_PASSWORD
from accounts.models import Customer
from audit.models import AuditEvent
from claims.models import Claim, ClaimStatus
from claims.services import create_claim
from claims.tests.corpus.generate import make_invoice, render_pdf
from core.uploads import validate_upload
from messaging.loginhelp import submit_request
from messaging.models import Thread
from messaging.tests.factories import pdf_upload
from tests.e2e.a11y import a11y_context, axe_violations, format_violations, last_sms_code
from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import submit_code, submit_credentials

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP_800 = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CONTRACT = "KPT12345678"  # Anna Muster and her son Léo (accounts/demo.py)
MISMATCH = ("La facture est au nom de Léo Muster, né(e) le 02.09.2014 ; la demande a été "
            "envoyée pour Anna Muster.")


def log_in_advisor(page, base):
    page.goto(base + "/staff/login/")
    submit_credentials(page, "advisor", DEMO_ADVISOR_PASSWORD)
    page.wait_for_load_state("load")
    submit_code(page, last_sms_code())
    page.wait_for_load_state("load")
    assert "/login/" not in page.url


def press_accesskey(page, letter):
    """Alt+<letter> as a keyboard sends it to Chromium on Linux, where Alt fires accesskeys.

    Playwright's ``keyboard.press("Alt+…")`` leaves out the key's text while Alt is held, and
    Chromium finds the accesskey by that text; so the events go through the DevTools protocol,
    as the keyboard would deliver them: Alt down, the letter (with its unmodified text), up."""
    cdp = page.context.new_cdp_session(page)
    alt = {"key": "Alt", "code": "AltLeft", "windowsVirtualKeyCode": 18}
    key = {"key": letter, "code": f"Key{letter.upper()}",
           "windowsVirtualKeyCode": ord(letter.upper())}
    cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", "modifiers": 1, **alt})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "modifiers": 1, "text": "",
                                        "unmodifiedText": letter, **key})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "modifiers": 1, **key})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "modifiers": 0, **alt})
    cdp.detach()


def review_url(claim):
    return f"/admin/claims/claimtoreview/{claim.pk}/change/"


@pytest.fixture
def oldest_claim(seeded_demo):
    """The demo's claim waiting for review, waiting three days (the home's oldest age)."""
    claim = (Claim.objects.filter(status=ClaimStatus.TO_REVIEW)
             .order_by("status_changed_at", "id").first())
    assert claim is not None, "the demo seeds a claim waiting for review"
    claim.status_changed_at = timezone.now() - timedelta(days=3, hours=2)
    claim.save(update_fields=["status_changed_at"])
    return claim


@pytest.fixture
def mismatch_claim(oldest_claim):
    """Anna sends an invoice made out to her son Léo: the real upload service and intake (a
    text PDF, read without OCR) write the patient-mismatch notes."""
    customer = Customer.objects.get(account__username=CONTRACT)
    anna = customer.insured_persons.get(first_name="Anna")
    rng = random.Random(7)
    invoice = dataclasses.replace(make_invoice(rng, has_qr=True), patient_name="Léo Muster",
                                  patient_birth=date(2014, 9, 2))
    upload = validate_upload(SimpleUploadedFile("facture-leo.pdf", render_pdf(invoice, rng),
                                                content_type="application/pdf"))
    claim = create_claim(customer=customer, insured_person=anna, kind="doctor_invoice",
                         uploads=[("facture-leo.pdf", upload)], user=customer.account)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TO_REVIEW  # read by the intake (eager in tests)
    assert [note["code"] for note in claim.review_notes][:1] == ["patient_mismatch"]
    return claim


@pytest.mark.parametrize("viewport", [DESKTOP_800, PHONE], ids=["desktop", "phone"])
def test_the_advisor_pages_look_right_and_pass_axe(browser, live_server, mismatch_claim,
                                                   viewport):
    label = "desktop" if viewport == DESKTOP_800 else "phone"
    ticket = submit_request(name="Anna Muster", contract_number=CONTRACT,
                            birth_date=date(1981, 4, 17), phone="+41790000001",
                            description="Je n'arrive plus à me connecter.", ip_address=None)
    context = a11y_context(browser, viewport)
    page = context.new_page()
    base = live_server.url
    log_in_advisor(page, base)
    thread = Thread.objects.order_by("id").first()
    found, sideways = {}, []

    def check(name):
        screenshot(page, f"admin/{name}-{label}")
        violations = axe_violations(page)
        if violations and viewport == DESKTOP_800:
            found[name] = violations
        if not no_horizontal_scroll(page):
            sideways.append(name)

    for name, path in [
        ("home", "/admin/"),
        ("queue", "/admin/claims/claimtoreview/"),
        ("claims", "/admin/claims/claim/"),
        ("review", review_url(mismatch_claim)),
        ("threads", "/admin/messaging/thread/"),
        ("thread", f"/admin/messaging/thread/{thread.pk}/change/"),
        ("customers", "/admin/accounts/customer/"),
        ("customer", f"/admin/accounts/customer/{thread.customer_id}/change/"),
        ("overview", f"/admin/accounts/customer/{thread.customer_id}/overview/"),
        ("login-help", "/admin/messaging/loginhelprequest/"),
        ("login-help-ticket", f"/admin/messaging/loginhelprequest/{ticket.pk}/change/"),
        ("audit-log", "/admin/audit/auditevent/"),
    ]:
        response = page.goto(base + path)
        assert response.status == 200, path
        check(name)

    # The home in German and Italian, switched with the header's own form.
    page.goto(base + "/admin/")
    for language, heading, button in [("de", "Meine Warteschlangen", "Changer"),
                                      ("it", "Le mie code", "Ändern")]:
        page.locator("#admin-language").select_option(language)
        page.locator(".admin-language").get_by_role("button", name=button).click()
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == language
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        check(f"home-{language}")
    context.close()
    assert sideways == [], f"pages scrolling sideways at {label}: {sideways}"
    assert found == {}, "axe violations:\n" + format_violations(found)


def test_an_advisors_day(browser, live_server, oldest_claim, mismatch_claim):
    context = a11y_context(browser, DESKTOP_800)
    page = context.new_page()
    base = live_server.url
    log_in_advisor(page, base)

    # The home: how many claims wait and since when, the oldest three days ago.
    page.goto(base + "/admin/")
    waiting = Claim.objects.filter(status=ClaimStatus.TO_REVIEW)
    assert waiting.count() == 2
    with translation.override("fr"):
        oldest_age = timesince(oldest_claim.status_changed_at)
    assert oldest_age.startswith("3\xa0jours")
    for queue in ("Demandes de remboursement de mes clients à vérifier",
                  "Demandes de remboursement à vérifier"):
        row = page.locator(".advisor-queues tr", has=page.get_by_role("link", name=queue,
                                                                      exact=True))
        assert row.locator("td.num").inner_text() == "2", queue
        assert row.locator("td").nth(1).inner_text() == oldest_age, queue
    unanswered = Thread.objects.filter(status=Thread.Status.OPEN,
                                       awaiting_reply_since__isnull=False).count()
    row = page.locator(".advisor-queues tr", has=page.get_by_role(
        "link", name="Conversations de l'équipe sans réponse"))
    assert row.locator("td.num").inner_text() == str(unanswered)
    screenshot(page, "admin/day-0-home")

    # The queue, oldest first; the claim for Léo flagged in words.
    page.get_by_role("link", name="Demandes de remboursement à vérifier", exact=True).click()
    page.wait_for_load_state("load")
    assert "2 demandes à vérifier" in page.locator(".paginator").inner_text()
    rows = page.locator("#result_list tbody tr")
    expect(rows.nth(0).get_by_role("link", name=f"#{oldest_claim.pk}")).to_be_visible()
    flag = rows.nth(1).locator(".claim-flag--patient")
    expect(flag).to_have_text("⚠ Autre personne sur la facture")
    rows.nth(1).get_by_role("link", name=f"#{mismatch_claim.pk}").click()
    page.wait_for_load_state("load")

    # Its review: the intake's warning in words; Alt+N opens the next claim of the queue.
    assert MISMATCH in page.locator(".claim-warnings").inner_text()
    screenshot(page, "admin/day-1-review-mismatch")
    press_accesskey(page, "n")
    page.wait_for_url(re.compile(re.escape(review_url(oldest_claim)) + "$"))

    # Alt+R refuses, and asks for the reason first; Alt+A accepts with the amount typed.
    with page.expect_navigation():
        press_accesskey(page, "r")
    expect(page.get_by_text("Choisissez le motif du refus").first).to_be_visible()
    oldest_claim.refresh_from_db()
    assert oldest_claim.status == ClaimStatus.TO_REVIEW
    page.get_by_label("Montant accepté (CHF)").fill("150.00")
    press_accesskey(page, "a")
    page.wait_for_url(re.compile(re.escape(review_url(mismatch_claim)) + "$"))
    oldest_claim.refresh_from_db()
    decision = oldest_claim.status_changes.get(status=ClaimStatus.ACCEPTED)
    assert oldest_claim.status == ClaimStatus.ACCEPTED
    assert decision.amount == Decimal("150.00") and decision.actor.username == "advisor"
    assert oldest_claim.amount == Decimal("612.00")  # the invoice's, kept

    # The claim for Léo is refused with a word for Anna; the queue is then empty.
    page.get_by_label("Motif du refus").select_option("other")
    page.get_by_label("Précision pour le client").fill(
        "La facture est au nom de Léo: envoyez-la pour lui.")
    page.get_by_role("button", name="Refuser").click()
    page.wait_for_url(re.compile(r"/admin/claims/claimtoreview/$"))
    expect(page.get_by_text("La file de vérification est vide.")).to_be_visible()
    mismatch_claim.refresh_from_db()
    assert mismatch_claim.status == ClaimStatus.REJECTED
    assert mismatch_claim.rejection_reason == "La facture est au nom de Léo: envoyez-la pour lui."

    # A customer's question, answered with an attachment.
    thread = Thread.objects.select_related("customer__account").order_by("id").first()
    page.goto(base + "/admin/messaging/thread/")
    page.get_by_role("link", name=thread.subject).click()
    page.wait_for_load_state("load")
    page.get_by_label("Votre réponse").fill("Voici le formulaire à remplir.")
    page.locator("input[name=attachments]").set_input_files(
        {"name": "formulaire.pdf", "mimeType": "application/pdf",
         "buffer": pdf_upload().read()})
    page.get_by_role("button", name="Envoyer la réponse").click()
    page.wait_for_load_state("load")
    reply = thread.messages.filter(from_advisor=True).order_by("-id").first()
    assert reply.body == "Voici le formulaire à remplir."
    assert [a.filename for a in reply.attachments.all()] == ["formulaire.pdf"]
    screenshot(page, "admin/day-2-replied")

    # Someone tries the customer's contract with wrong passwords until the login locks it.
    username = thread.customer.account.username
    stranger = Client()
    for _attempt in range(5):
        stranger.post("/login/", {"portal_login_view-current_step": "auth",
                                  "auth-username": username, "auth-password": "wrong-1234"})
    assert AccessAttempt.objects.get(username=username).failures_since_start == 5

    # The customer's overview from the thread, and the contract unlocked.
    page.goto(base + f"/admin/messaging/thread/{thread.pk}/change/")
    page.locator(".field-customer_label a").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("Contrat online bloqué")).to_be_visible()
    screenshot(page, "admin/day-3-overview-locked")
    page.get_by_role("button", name="Débloquer le contrat online").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("Contrat online débloqué")).to_be_visible()
    assert not AccessAttempt.objects.filter(username=username).exists()
    assert AuditEvent.objects.filter(kind="accounts.unlock", actor__username="advisor").exists()
    assert AuditEvent.objects.filter(kind="kptportal.customer_viewed",
                                     actor__username="advisor").exists()
    screenshot(page, "admin/day-4-unlocked")
    context.close()
