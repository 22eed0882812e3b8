"""Behind a load balancer, lockouts, rate limits and the audit log see the visitor's address.

gunicorn runs the portal on the test database; a proxy in front of it appends each
connection's address to X-Forwarded-For, as the balancer does. Visitors connect from
different loopback addresses. Before one function decided the address for django-axes too,
five wrong passwords from five visitors locked the balancer's address, so everybody.
"""

import pytest
from axes.models import AccessAttempt
from django.db import connection

from accounts.tests.factories import TEST_PASSWORD, CustomerFactory, UserFactory, sms_device_for
from audit.models import AuditEvent
from tests.proxy_support import Visitor, portal_behind_proxy

pytestmark = pytest.mark.django_db(transaction=True)
STEP = "portal_login_view-current_step"


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


@pytest.fixture
def portal(tmp_path):
    env = {"DATABASE_URL": database_url(), "TRUSTED_PROXY_COUNT": "1", "DJANGO_DEBUG": "1",
           "DJANGO_PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher",
           "SMS_BACKEND": "console", "PORTAL_VAR_DIR": str(tmp_path), "REDIS_URL": "",
           "REDIS_CACHE_URL": "", "CELERY_TASK_ALWAYS_EAGER": "1", "LOG_LEVEL": "WARNING"}
    with portal_behind_proxy(env, tmp_path / "gunicorn.log") as base_url:
        yield base_url


def log_in(visitor: Visitor, username: str, password: str) -> tuple[int, str]:
    visitor.get("/login/")
    return visitor.post("/login/", {STEP: "auth", "auth-username": username,
                                    "auth-password": password})


def test_failures_from_many_visitors_lock_none_of_the_others(portal, settings):
    targets = [CustomerFactory().account for _ in range(6)]
    for n, target in enumerate(targets[:6]):
        status, page = log_in(Visitor(f"127.0.0.{20 + n}", portal), target.username,
                              "wrong-Password-1")
        assert status == 200 and "incorrect" in page
    # A seventh customer, from yet another address, gets to the SMS step.
    customer = CustomerFactory().account
    sms_device_for(customer)
    status, page = log_in(Visitor("127.0.0.40", portal), customer.username, TEST_PASSWORD)
    assert status == 200, page[:500]
    assert 'name="token-otp_token"' in page
    # axes counted each visitor's own address, and so did the audit log.
    seen = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert seen == {f"127.0.0.{20 + n}" for n in range(6)}
    audited = set(AuditEvent.objects.filter(kind="accounts.login_failed")
                  .values_list("ip_address", flat=True))
    assert audited == seen
    assert not AuditEvent.objects.filter(ip_address="127.0.0.1").exists()


def test_an_address_written_by_the_visitor_is_not_believed(portal):
    account = UserFactory()
    visitor = Visitor("127.0.0.50", portal)
    visitor.get("/login/")
    visitor.post("/login/", {STEP: "auth", "auth-username": account.username,
                             "auth-password": "wrong-Password-1"},
                 headers={"X-Forwarded-For": "198.51.100.7"})
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.50"}
    assert AuditEvent.objects.get(kind="accounts.login_failed").ip_address == "127.0.0.50"
