"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Screenshots go to var/screenshots/ (kept by CI as an artefact) so people can look at them.
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests
# themselves are still synchronous, so Django's async guard is lifted for e2e tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(autouse=True)
def _live_server_drained(request):
    """Let the live server finish the requests a test's pages left in flight before the
    database is emptied.

    Closing a browser context abandons its requests, not the server threads answering them
    (a script's background fetch, say): a thread still running after the flush writes rows
    for users that are gone, and Django's test client in the next test re-raises that
    thread's error as its own. Set up after the database and the live server, so torn down
    before them.
    """
    for name in ("transactional_db", "live_server"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
    yield
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # socketserver names each request's thread after its target.
        answering = [thread for thread in threading.enumerate()
                     if thread.name.endswith("(process_request_thread)")]
        if not answering:
            return
        for thread in answering:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
            else:
                # Started but not yet running: joining it now would raise, so wait a moment.
                time.sleep(0.01)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("needs Debian's Chromium (/usr/bin/chromium; make system installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="fr-CH")
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="fr-CH")
    yield context.new_page()
    context.close()


@pytest.fixture
def seeded_demo(_demo_snapshot, transactional_db, _private_storage_in_tmp):
    """The demo data in a database the live server's threads see (committed rows)."""
    _demo_snapshot.restore()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def go_offline(page, url: str) -> None:
    """Cut the network, then open ``url``: the service worker answers with its offline page.

    Chromium applies the offline emulation to the service worker a moment after the page;
    until then the worker's fetch still reaches the server and brings the live page back. So
    navigate again until the worker's network is gone too; only the network gives the live
    page, so a page the worker kept by mistake still fails the test that follows.
    """
    page.context.set_offline(True)
    deadline = time.monotonic() + 10
    while True:
        page.goto(url)
        if page.locator("[data-offline-retry]").count() or time.monotonic() > deadline:
            return
        page.wait_for_timeout(200)
