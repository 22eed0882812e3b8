"""What a customer sees when a lockout rule, the PDF check or a share quota refuses them."""

import pytest

from accounts.ratelimit import FAILURES_PER_CONTRACT
from core import sharing
from tests.e2e.conftest import screenshot
from tests.e2e.portal_login import log_in_page, submit_credentials
from tests.test_hostile_input import escaped_name_script_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_locked_contract_is_told_the_way_out(request, device, live_server, login_household):
    page = request.getfixturevalue(device)
    for _ in range(int(FAILURES_PER_CONTRACT.limit)):
        FAILURES_PER_CONTRACT.allow("KPT12345678")
    page.goto(f"{live_server.url}/login/")
    submit_credentials(page, "KPT12345678", "any-Password-1")
    text = page.get_by_role("alert").first.inner_text()
    assert "Ce contrat online est bloqué" in text and "Mot de passe oublié" in text
    screenshot(page, f"security/login-contract-locked-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_an_active_pdf_is_refused_saying_what_it_holds(request, device, live_server, customer,
                                                       tmp_path):
    page = request.getfixturevalue(device)
    log_in_page(page, live_server, customer.account)
    invoice = tmp_path / "facture.pdf"
    invoice.write_bytes(escaped_name_script_pdf())
    page.goto(f"{live_server.url}/messages/new/")
    page.get_by_label("Objet").fill("Facture")
    page.get_by_label("Votre message").fill("Voici la facture.")
    page.get_by_label("Pièces jointes").set_input_files(str(invoice))
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_load_state()
    assert "contenu actif (un script)" in page.content()
    assert page.get_by_label("Objet").input_value() == "Facture"  # nothing lost
    screenshot(page, f"security/pdf-active-refused-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_share_over_the_quota_is_explained(request, device, live_server, customer,
                                              monkeypatch):
    from core.buckets import Bucket

    page = request.getfixturevalue(device)
    log_in_page(page, live_server, customer.account)
    monkeypatch.setattr(sharing, "FILES_PER_ADDRESS",
                        Bucket(f"e2e-share-{device}", capacity=0.5, period_seconds=3600))
    page.goto(f"{live_server.url}/claims/new/")
    # What the phone's share sheet sends: a multipart POST to /share/ (a navigation).
    page.evaluate("""async () => {
        const form = document.createElement('form');
        form.method = 'post'; form.action = '/share/'; form.enctype = 'multipart/form-data';
        const input = document.createElement('input');
        input.type = 'file'; input.name = 'files';
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array([255, 216, 255, 224])], 'facture.jpg',
                                {type: 'image/jpeg'}));
        input.files = data.files; form.appendChild(input); document.body.appendChild(form);
        form.submit();
    }""")
    page.wait_for_url("**/claims/new/?shared=1")
    assert "trop de fichiers ont été partagés depuis cette connexion" in page.content()
    screenshot(page, f"security/share-quota-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_reset_asks_for_the_authenticator_after_the_sms_code(request, device, live_server,
                                                               login_household):
    import re
    from datetime import date

    from accounts import second_factors
    from accounts.tests.factories import InsuredPersonFactory
    from core import sms

    page = request.getfixturevalue(device)
    login_household.insured_persons.update(is_policy_holder=False)
    InsuredPersonFactory(customer=login_household, is_policy_holder=True,
                         birth_date=date(1970, 1, 5))
    codes = second_factors.new_backup_codes(login_household.account)
    page.goto(f"{live_server.url}/password-reset/")
    page.get_by_label("Numéro de contrat online").fill("KPT12345678")
    page.get_by_label("Date de naissance").fill("05.01.1970")
    page.get_by_role("button").filter(has_text=re.compile("Continuer|Envoyer")).first.click()
    page.wait_for_url("**/password-reset/confirm/")
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("Neues-Passwort-42")
    page.get_by_label("Confirmer le nouveau mot de passe").fill("Neues-Passwort-42")
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    field = page.get_by_label("Code de votre application d'authentification ou code de secours")
    field.wait_for()
    screenshot(page, f"security/reset-second-factor-{device}")
    field.fill(codes[0])
    page.get_by_label("Nouveau mot de passe", exact=True).fill("Neues-Passwort-42")
    page.get_by_label("Confirmer le nouveau mot de passe").fill("Neues-Passwort-42")
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    page.wait_for_url("**/login/")
    assert "Votre nouveau mot de passe est enregistré" in page.content()
