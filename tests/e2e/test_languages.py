"""The customer pages in German, Italian and English on a phone: translated, and no page grows
wider than the screen because of a long word ("Versicherungsnehmer/in", "Assicurazioni")."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.e2e.a11y import PHONE
from tests.e2e.conftest import screenshot
from tests.e2e.portal_login import log_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = ["accounts:login", "accounts:register", "accounts:activate",
                "accounts:password_reset", "messaging:login_help", "pwa:offline"]
PAGES = ["dashboard", "documents:list", "claims:list", "claims:new", "messaging:inbox",
         "messaging:new", "policies:overview", "accounts:profile", "accounts:second_factors",
         "accounts:activity", "exports:export", "customer_requests:list",
         "customer_requests:change_start"]
# A word of each language's menu or page, to be sure the page is not in French.
FRENCH_UI = re.compile(r"\b(?:vous|votre|vos|Vous|Votre|Vos|Aucun|aucune|Envoyer|Télécharger)\b")
# The page's own wording, without what people wrote (an advisor's refusal reason, messages).
UI_TEXT = """() => {
    const body = document.body.cloneNode(true);
    body.querySelectorAll('.claim-reason, .request-card__note, .message__body')
        .forEach(el => el.remove());
    return body.innerText;
}"""
EXPECTED = {"de": "Dokumente", "it": "Documenti", "en": "Documents"}


@pytest.mark.parametrize("lang", ["de", "it", "en"])
def test_customer_pages_fit_a_phone_in_every_language(browser, live_server, seeded_demo, lang):
    from accounts.models import User

    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="fr-CH")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang,
                          "url": live_server.url}])
    page = context.new_page()
    too_wide, french = {}, {}
    for name in PUBLIC_PAGES + [None] + PAGES:
        if name is None:  # the public pages are done: log in
            log_in_page(page, live_server, User.objects.get(username="KPT12345678"))
            continue
        path = reverse(name)
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == lang
        # French UI words (the demo's document titles are French data, but never say "vous").
        leftovers = FRENCH_UI.findall(page.evaluate(UI_TEXT))
        if leftovers:
            french[path] = sorted(set(leftovers))
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
            screenshot(page, f"too-wide-{lang}-{name.replace(':', '-')}")
    page.goto(live_server.url + reverse("documents:list"))
    assert EXPECTED[lang] in page.locator("nav").first.inner_text()
    screenshot(page, f"languages-documents-{lang}-phone")
    context.close()
    assert too_wide == {}, f"pages wider than the phone in {lang}: {too_wide}"
    assert french == {}, f"French left on the {lang} pages: {french}"
