"""The admin speaks the staff member's language (``User.language``, switched in the header);
its French is the portal's own wording, never another catalogue's."""

import re

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import TEST_PASSWORD, AdvisorFactory, sms_device_for
from conftest import log_in_verified
from core import sms

pytestmark = pytest.mark.django_db

HOME = reverse("admin:index")
SWITCH = reverse("admin:language")


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.text).group(1)


def test_an_advisor_set_to_german_sees_the_admin_in_german_whatever_the_browser_says():
    advisor = AdvisorFactory(language="de")
    client = log_in_verified(Client(HTTP_ACCEPT_LANGUAGE="fr-CH"), advisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(HOME)
    assert html_lang(response) == "de"
    assert "Meine Arbeit heute" in response.text and "Mon travail du jour" not in response.text
    assert "Zu prüfende Rückerstattungsanträge" in response.text
    claims = client.get(reverse("admin:claims_claim_changelist"))
    assert html_lang(claims) == "de" and "Rückerstattungsanträge" in claims.text


def test_the_language_applies_from_the_staff_login_on():
    advisor = AdvisorFactory(username="paola", language="it")
    sms_device_for(advisor)
    client = Client(HTTP_ACCEPT_LANGUAGE="de-CH")
    step = "staff_login_view-current_step"
    client.post("/staff/login/?next=/admin/", {step: "auth", "auth-username": "paola",
                                               "auth-password": TEST_PASSWORD})
    code = re.search(r"(\d{6})", sms.outbox[-1].text).group(1)
    client.post("/staff/login/?next=/admin/", {step: "token", "token-otp_token": code})
    response = client.get(HOME)
    assert html_lang(response) == "it" and "Il mio lavoro di oggi" in response.text
    # The cookie follows, so the staff login and logout pages speak it too.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"


def test_the_header_offers_french_german_and_italian():
    response = log_in_verified(Client(), AdvisorFactory(language="fr")).get(HOME)
    form = re.search(r'<form class="admin-language".*?</form>', response.text, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', form) == ["fr", "de", "it"]
    assert re.search(r'<option value="fr"[^>]*selected', form)
    assert f'action="{SWITCH}"' in form


def test_the_switch_keeps_the_language_on_the_login_and_returns_to_the_page():
    advisor = AdvisorFactory(language="fr")
    client = log_in_verified(Client(), advisor)
    claims = reverse("admin:claims_claim_changelist")
    response = client.post(SWITCH, {"language": "de", "next": claims})
    assert response.status_code == 302 and response["Location"] == claims
    advisor.refresh_from_db()
    assert advisor.language == "de"
    assert html_lang(client.get(claims)) == "de"


def test_the_switch_refuses_an_unknown_language_and_a_foreign_address():
    advisor = AdvisorFactory(language="it")
    client = log_in_verified(Client(), advisor)
    response = client.post(SWITCH, {"language": "xx", "next": "https://elsewhere.example/"})
    assert response["Location"] == HOME
    advisor.refresh_from_db()
    assert advisor.language == "it"


def test_the_switch_changes_nothing_on_a_get():
    advisor = AdvisorFactory(language="it")
    response = log_in_verified(Client(), advisor).get(SWITCH, {"language": "de"})
    assert response.status_code == 405
    advisor.refresh_from_db()
    assert advisor.language == "it"


def test_a_customers_pages_keep_the_customers_own_choice(customer_client, customer):
    customer.account.language = "de"
    customer.account.save()
    customer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    assert html_lang(customer_client.get("/")) == "it"


@pytest.mark.parametrize("language, name", [("fr", "Assurances"), ("de", "Versicherungen"),
                                            ("it", "Assicurazioni")])
def test_every_app_heading_is_in_the_advisors_language(language, name):
    page = log_in_verified(Client(), AdvisorFactory(language=language)).get(HOME).text
    assert name in page
    for untranslated in ("Policies", "POLICIES", "KPT core", "KPT portal"):
        assert untranslated not in page


def test_every_app_has_a_translated_name():
    from django.apps import apps

    with translation.override("de"):
        names = {config.label: str(config.verbose_name) for config in apps.get_app_configs()}
    for label in ("core", "audit", "accounts", "notifications", "policies", "documents",
                  "messaging", "claims", "exports", "pwa", "kptportal", "axes", "otp_static",
                  "otp_totp"):
        with translation.override("fr"):
            french = str(apps.get_app_config(label).verbose_name)
        assert names[label] != french, label
        assert "_" not in names[label] and names[label] != label.title(), label


def test_the_portals_french_is_its_own_wording_never_another_catalogues():
    """French msgstr are empty: Django falls back to the next catalogue that has the msgid
    (its own, a library's) before the msgid itself. So no French msgid of the portal may be
    one that another catalogue translates ("File" would read "Fichier"): use a msgctxt."""
    catalogue = polib.pofile(str(settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" /
                                 "django.po"))
    taken = []
    with translation.override("fr"):
        for entry in (e for e in catalogue if not e.obsolete):
            if entry.msgid_plural:
                for n, expected in ((1, entry.msgid), (5, entry.msgid_plural)):
                    shown = (translation.npgettext(entry.msgctxt, entry.msgid,
                                                   entry.msgid_plural, n) if entry.msgctxt
                             else translation.ngettext(entry.msgid, entry.msgid_plural, n))
                    if shown != expected:
                        taken.append((entry.msgctxt, expected, shown))
            else:
                shown = (translation.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt
                         else translation.gettext(entry.msgid))
                if shown != entry.msgid:
                    taken.append((entry.msgctxt, entry.msgid, shown))
    assert taken == []


def test_the_queue_column_reads_file_not_fichier(advisor_admin_client):
    page = advisor_admin_client.get(HOME).text
    assert '<th scope="col">File</th>' in page and "Fichier" not in page
