"""Fixtures for the whole suite: a household, a second household (the outsider), an advisor.

Every view test can check both who may see a page and who may not.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.tests.factories import (
    AdvisorFactory,
    CustomerFactory,
    InsuredPersonFactory,
    sms_device_for,
)
from kptportal import sms


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.SMS_BACKEND = "locmem"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _private_storage_in_tmp(settings, tmp_path):
    """Customer files written by a test go to a throwaway folder, never to var/."""
    location = str(tmp_path / "private")
    if settings.STORAGES["private"]["BACKEND"].endswith("FileSystemStorage"):
        private = {**settings.STORAGES["private"],
                   "OPTIONS": {**settings.STORAGES["private"].get("OPTIONS", {}),
                               "location": location}}
        settings.STORAGES = {**settings.STORAGES, "default": private, "private": private}
    elif settings.STORAGES["private"]["BACKEND"].endswith("EncryptedStorage"):
        # The encryption layer around a local folder (documents): the folder goes to tmp.
        options = settings.STORAGES["private"]["OPTIONS"]
        if options["backend"].endswith("FileSystemStorage"):
            inner = {**options.get("options", {}), "location": location}
            private = {**settings.STORAGES["private"], "OPTIONS": {**options, "options": inner}}
            default = {"BACKEND": options["backend"], "OPTIONS": inner}
            settings.STORAGES = {**settings.STORAGES, "default": default, "private": private}


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def customer(db):
    """A household of two: the policy holder (the login) and a child."""
    household = CustomerFactory()
    InsuredPersonFactory(customer=household, first_name="Kid", is_policy_holder=False)
    return household


@pytest.fixture
def other_customer(db):
    """Another household: must never see the first one's data."""
    return CustomerFactory()


@pytest.fixture
def advisor(db):
    return AdvisorFactory()


def log_in_verified(client, user):
    """Log in as if both factors had been passed."""
    device = sms_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    # Session tracking writes at most once a minute; mark it done so query counts measure a
    # page's steady state rather than that once-a-minute write.
    from django.core.cache import cache

    from accounts.profile import SESSION_TOUCH_SECONDS

    cache.add(f"profile:session-seen:{session.session_key}", 1, timeout=SESSION_TOUCH_SECONDS)
    return client


@pytest.fixture
def customer_client(client, customer):
    return log_in_verified(client, customer.account)


@pytest.fixture
def other_client(other_customer):
    """A separate browser, logged in as the other household."""
    return log_in_verified(Client(), other_customer.account)


@pytest.fixture
def advisor_client(advisor):
    return log_in_verified(Client(), advisor)


def skip_or_fail_without_services(reason: str):
    """Locally a missing service skips (with the reason); in CI's services pass it fails."""
    if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"Required service unavailable: {reason}")
    pytest.skip(f"needs the real services (run by .ci/run / make test-services): {reason}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process on the test database and the real Redis broker."""
    from django.conf import settings
    from django.db import connection

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        skip_or_fail_without_services("REDIS_URL and a PostgreSQL DATABASE_URL")
    from kptportal.celery import app

    db = connection.settings_dict
    database_url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                    f"{db['PORT'] or 5432}/{db['NAME']}")
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_TASK_ALWAYS_EAGER": "0",
           "SMS_BACKEND": "console"}
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    app.control.purge()
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "kptportal", "worker",
         "-Q", "default,sms,ocr", "--pool", "solo", "--without-gossip", "--without-mingle",
         "-n", f"pytest-{os.getpid()}@%h", "--loglevel", "INFO"],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail("Celery worker did not start:\n" + log.read_text()[-3000:])
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


@pytest.fixture
def live_celery(celery_worker_process):
    """Send tasks to the real worker instead of running them eagerly."""
    from kptportal.celery import app

    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def admin_verified_client(db):
    """A superuser advisor who passed the second factor."""
    from accounts.tests.factories import AdvisorFactory

    return log_in_verified(Client(), AdvisorFactory(is_superuser=True))


@pytest.fixture
def local_memory_cache(settings):
    """For tests that move time forward: expiry must follow the faked clock, which a Redis
    server (the cache in CI's services pass) does not see."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "time-travel"}}
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
