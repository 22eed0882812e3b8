"""The frame around every page: the languages before logging in, the phone's tab labels."""

import re

SOFT_HYPHEN = "\u00ad"


def test_before_logging_in_the_languages_are_one_tap_each_in_the_header(client, db):
    page = client.get("/login/").content.decode()
    header = page[page.index("<header"):page.index("</header>")]
    buttons = re.findall(r'<button[^>]*name="language" value="(\w\w)"', header)
    assert buttons == ["fr", "de", "it", "en"]
    assert re.search(r'value="fr"[^>]*aria-current="true"', header)
    switched = client.post("/i18n/setlang/", {"language": "de", "next": "/login/"})
    assert switched.status_code == 302
    assert "Anmeldung" in client.get("/login/").content.decode()


def test_the_tab_bar_names_each_section_in_full_and_shows_a_word_that_fits(customer_client):
    page = customer_client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    nav = page[page.index('class="main-nav"'):page.index("</nav>")]
    assert '<span class="main-nav__label">Versicherungen</span>' in nav
    assert f'aria-hidden="true">Versiche{SOFT_HYPHEN}rungen</span>' in nav
