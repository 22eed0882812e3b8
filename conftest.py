"""Fixtures for the whole suite: a household, a second household (the outsider), an advisor.

Every view test can check both who may see a page and who may not.
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings as django_settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.tests.factories import (
    AdvisorFactory,
    CustomerFactory,
    InsuredPersonFactory,
    sms_device_for,
)
from core import sms
from core.celery import app as celery_app
from documents.tests.factories import private_storage_follows_settings

# Tasks run inside the test that queues them (the live-worker tests switch this off).
django_settings.CELERY_TASK_ALWAYS_EAGER = True
celery_app.conf.task_always_eager = True


def xdist_worker_id(config) -> str:
    """"gw0", "gw1"… under pytest-xdist, "main" without it."""
    return getattr(config, "workerinput", {}).get("workerid", "main")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests start first: they are the longest, so under xdist (``make test``) the
    quick tests fill the gaps at the end instead of one long test running alone.

    The tests that go through the real Celery worker share one xdist worker (``--dist
    loadgroup``): there is one ``celery worker`` process, on that xdist worker's database.
    """
    for item in items:
        if "celery_worker_process" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group("celery-worker"))
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request,
                                 tmp_path_factory):
    """On SQLite the test database is a file of this xdist worker, not shared memory.

    An in-memory database would be one connection shared by the test and every live-server
    thread (Django hands the same connection to the server's threads), which breaks as soon
    as two of them use it at once. A file lets each thread open its own connection, as on
    PostgreSQL (where pytest-django already gives each worker its own database).
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return
    path = tmp_path_factory.getbasetemp() / f"test-db-{xdist_worker_id(request.config)}.sqlite3"
    db.setdefault("TEST", {})["NAME"] = str(path)
    # The settings' locking (WAL, the write lock taken at BEGIN) as `make run` has it; only
    # the fsync is dropped, for a throwaway file.
    db["OPTIONS"] = {**db.get("OPTIONS", {}),
                     "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF"}


@pytest.fixture(scope="session", autouse=True)
def _cache_of_this_worker(request):
    """Each test empties the cache; on Redis each xdist worker gets its own database number
    (the configured one plus the worker's number), so that never empties another worker's
    sessions, codes and counters in the middle of its test."""
    from django.conf import settings
    from django.test import override_settings

    cache = settings.CACHES["default"]
    worker = re.fullmatch(r"gw(\d+)", xdist_worker_id(request.config))
    location = re.fullmatch(r"(rediss?://[^/]+)/(\d+)", str(cache.get("LOCATION", "")))
    if not (worker and location and "Redis" in cache["BACKEND"]):
        yield
        return
    number = int(location[2]) + int(worker[1])
    with override_settings(CACHES={**settings.CACHES,
                                   "default": {**cache, "LOCATION": f"{location[1]}/{number}"}}):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.SMS_BACKEND = "locmem"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PASSWORD_RESET_ANSWER_SECONDS = 0  # its own test sets it (no waiting elsewhere)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    sms.outbox.clear()
    # Celery marks "inside a task" in one process-wide flag while an eager task runs; two
    # eager tasks overlapping in live-server threads can leave it set, and a later test that
    # waits on a real result would be told it is inside a task. Each test starts outside one.
    _set_task_join_will_block(False)
    yield
    sms.outbox.clear()


@pytest.fixture(scope="session")
def _demo_snapshot(request, tmp_path_factory):
    """One snapshot for the run: under xdist, in the folder the workers' temp folders share."""
    from tests.demo_snapshot import DemoSnapshot, seed_demo_data

    run_folder = tmp_path_factory.getbasetemp()
    if xdist_worker_id(request.config) != "main":
        run_folder = run_folder.parent
    folder = run_folder / "demo-snapshot"
    folder.mkdir(exist_ok=True)
    return DemoSnapshot(folder, seed_demo_data)


@pytest.fixture
def seeded_demo(_demo_snapshot, db, _private_storage_in_tmp):
    """Every app's demo data, seeded once per test process (``tests/demo_snapshot.py``)."""
    _demo_snapshot.restore()


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
    # The FileFields took their storage at import: point them at this test's folder too, so
    # files saved through a model (demo data, uploads in the live server) stay out of var/.
    with private_storage_follows_settings():
        yield


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


def sms_household():
    """The online contract KPT12345678 with the mobile its login codes are sent to."""
    household = CustomerFactory(account__username="KPT12345678",
                                account__mobile_phone="+41790000001")
    sms_device_for(household.account)
    return household


@pytest.fixture
def login_household(db):
    """A household that logs in through the real form: contract, password, SMS code."""
    return sms_household()


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
    # Session tracking writes at most once a minute; mark it done so query counts measure a
    # page's steady state rather than that once-a-minute write.
    from accounts.profile import SESSION_TRACKED_AT

    session[SESSION_TRACKED_AT] = int(time.time())
    session.save()
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
    """A real `celery worker` process on the test database, its broker a Redis server of its
    own: a worker of another run or another process on this machine's Redis cannot take its
    tasks (it would read them on its own database and find no such claim)."""
    from django.conf import settings
    from django.db import connection

    from tests.services import RedisServer, app_publishing_to

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        skip_or_fail_without_services("REDIS_URL and a PostgreSQL DATABASE_URL")
    folder = tmp_path_factory.mktemp("celery")
    broker = RedisServer(folder).start()
    db = connection.settings_dict
    database_url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                    f"{db['PORT'] or 5432}/{db['NAME']}")
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": broker.url,
           "CELERY_TASK_ALWAYS_EAGER": "0", "SMS_BACKEND": "console"}
    if "Redis" in settings.CACHES["default"]["BACKEND"]:  # the cache this xdist worker uses
        env["REDIS_CACHE_URL"] = settings.CACHES["default"]["LOCATION"]
    log = folder / "worker.log"
    name = f"pytest-{os.getpid()}@{socket.gethostname()}"
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "kptportal", "worker",
         "-Q", "default,sms,ocr", "--pool", "solo", "--without-gossip", "--without-mingle",
         "-n", name, "--loglevel", "INFO"],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    live = LiveWorker(process=worker, broker_url=broker.url, log=log)
    try:
        with app_publishing_to(celery_app, broker.url):
            deadline = time.monotonic() + 60
            while not celery_app.control.ping(destination=[name], timeout=1):
                if worker.poll() is not None or time.monotonic() > deadline:
                    worker.kill()
                    pytest.fail("Celery worker did not start:\n" + live.log_tail())
        yield live
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        broker.kill()


class LiveWorker:
    def __init__(self, process: subprocess.Popen, broker_url: str, log: Path) -> None:
        self.process = process
        self.broker_url = broker_url
        self.log = log

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:]


@pytest.fixture
def live_celery(celery_worker_process):
    """Send tasks to the real worker instead of running them eagerly."""
    from tests.services import app_publishing_to

    with app_publishing_to(celery_app, celery_worker_process.broker_url) as app:
        yield app
    # Shown with a failing test's report: what the worker did meanwhile.
    print("celery worker log (tail):\n" + celery_worker_process.log_tail())


@pytest.fixture
def advisor_admin_client(db):
    """An advisor in the admin, past the second factor, with the advisors' group's
    permissions only (as the seeded demo advisor): never a superuser."""
    return log_in_verified(Client(), AdvisorFactory())


@pytest.fixture
def administrator_client(db):
    """Staff of the administrators' group (logins, second factors, lockouts), verified."""
    from accounts.tests.factories import AdministratorFactory

    return log_in_verified(Client(), AdministratorFactory())


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
