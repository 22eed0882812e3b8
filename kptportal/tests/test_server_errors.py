"""A server error with DEBUG off: the page says only what is true, the operators get a mail
(when ``DJANGO_ADMINS`` is set) without the customer's data, and the error is always logged."""

import logging
import logging.config

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import include, path

from kptportal.settings import logging_config, parse_admins

PERSONAL = "Rue-Secrete-17-Musterhausen"


def _boom(request):
    raise RuntimeError("the database went away")


urlpatterns = [path("boom/", _boom), path("", include("kptportal.urls"))]


@pytest.fixture
def production_like(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    settings.ADMINS = [("Ops", "ops@kpt.example")]
    settings.SERVER_EMAIL = "portal@kpt.example"
    logging.config.dictConfig(logging_config(settings.ADMINS, "INFO"))
    yield
    logging.config.dictConfig(django_settings.LOGGING)


def failing_request(client_or_none=None, **headers):
    browser = client_or_none or Client(**headers)
    browser.raise_request_exception = False
    return browser.post("/boom/?q=" + PERSONAL, {"street": PERSONAL})


def test_the_error_page_says_what_is_true_and_shows_no_trace(production_like, db):
    response = failing_request()
    page = response.content.decode()
    assert response.status_code == 500
    assert "elle a été enregistrée" in page
    assert "Nous avons été informés" not in page
    assert "Traceback" not in page and "RuntimeError" not in page
    assert "database went away" not in page and PERSONAL not in page


def test_the_error_page_is_in_the_visitors_language(production_like, db):
    page = failing_request(HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'lang="de"' in page
    assert "Ein Problem ist aufgetreten" in page


def test_the_operators_get_a_mail_without_the_customers_data(production_like, customer,
                                                             customer_client):
    failing_request(customer_client)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ops@kpt.example"]
    assert "RuntimeError: the database went away" in message.body
    assert "POST /boom/" in message.body
    assert f"user id: {customer.account.pk}" in message.body
    assert PERSONAL not in message.body and PERSONAL not in message.subject
    session_key = customer_client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert session_key not in message.body
    assert customer.account.username not in message.body
    assert not message.alternatives  # no HTML report with the frames' variables


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_the_error_is_logged_in_every_configuration(settings, db):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    settings.ADMINS = []
    logging.config.dictConfig(logging_config([], "INFO"))
    seen = _Records()
    logging.getLogger().addHandler(seen)  # the root, where the console handler is
    try:
        assert failing_request().status_code == 500
    finally:
        logging.config.dictConfig(django_settings.LOGGING)
    assert any(record.name == "django.request" and record.exc_info for record in seen.records)
    assert mail.outbox == []


def test_without_admins_there_is_no_mail_handler():
    config = logging_config([], "INFO")
    assert "mail_admins" not in config["handlers"]
    assert config["loggers"]["django"]["handlers"] == []


def test_with_admins_server_errors_go_to_the_mail_handler():
    config = logging_config([("Ops", "ops@kpt.example")], "INFO")
    assert config["handlers"]["mail_admins"]["filters"] == ["require_debug_false"]
    assert config["loggers"]["django"]["handlers"] == ["mail_admins"]
    assert config["loggers"]["django.security.DisallowedHost"]["propagate"] is False


@pytest.mark.parametrize(("raw", "admins"), [
    ("", []),
    ("Ops <ops@kpt.ch>", [("Ops", "ops@kpt.ch")]),
    ("Ops Team <ops@kpt.ch>, oncall@kpt.ch", [("Ops Team", "ops@kpt.ch"),
                                              ("", "oncall@kpt.ch")]),
])
def test_django_admins_is_read_as_a_list_of_addresses(raw, admins):
    assert parse_admins(raw) == admins


def test_a_django_admins_value_without_an_address_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ADMINS"):
        parse_admins("Ops Team")
