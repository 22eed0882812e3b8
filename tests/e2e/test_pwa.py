"""The portal as a phone app in Chromium: manifest, service worker, offline page, share
target through the login, and the customer pages at 360 px wide."""

import io
import json
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD
from conftest import sms_household
from core import sms
from core.models import SharedUpload
from documents.tests.factories import private_storage_follows_settings
from tests.e2e.conftest import go_offline, screenshot
from tests.e2e.layout import page_width
from tests.e2e.portal_login import log_in_page, open_account_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def household(_private_storage_in_tmp):
    with private_storage_follows_settings():
        yield sms_household()


def log_in_through_the_form(page):
    page.get_by_label("Numéro de contrat online").fill("KPT12345678")
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    code = re.search(r"(\d{6})", sms.outbox[-1].text).group(1)
    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Se connecter").click()


def cached_urls(page) -> list[str]:
    return page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
    }""")


def test_manifest_is_valid_and_its_icons_reachable(phone, live_server, household):
    phone.goto(f"{live_server.url}/login/")
    assert phone.locator('meta[name="theme-color"]').get_attribute("content") == "#0f3d5e"
    href = phone.locator('link[rel="manifest"]').get_attribute("href")
    response = phone.request.get(f"{live_server.url}{href}")
    assert response.ok and response.headers["content-type"] == "application/manifest+json"
    manifest = response.json()
    for member in ("name", "short_name", "start_url", "scope", "display", "icons",
                   "theme_color", "background_color", "share_target"):
        assert manifest.get(member), member
    assert manifest["display"] == "standalone"
    scope = f"{live_server.url}{manifest['scope']}"
    assert f"{live_server.url}{manifest['start_url']}".startswith(scope)
    sizes = set()
    for icon in manifest["icons"]:
        reply = phone.request.get(f"{live_server.url}{icon['src']}")
        assert reply.ok and reply.headers["content-type"] == "image/png", icon
        with Image.open(io.BytesIO(reply.body())) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon.get("purpose", "any")))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    touch = phone.locator('link[rel="apple-touch-icon"]').get_attribute("href")
    assert phone.request.get(f"{live_server.url}{touch}").ok


def test_service_worker_controls_the_app_and_serves_the_offline_page(phone, live_server,
                                                                     household):
    log_in_page(phone, live_server, household.account)
    phone.goto(f"{live_server.url}/")
    script = phone.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)")
    assert script == f"{live_server.url}/sw.js"
    phone.reload()
    assert phone.evaluate("navigator.serviceWorker.controller !== null")
    phone.goto(f"{live_server.url}/documents/")
    # Only the static shell is kept: no page, no document, nothing personal.
    urls = cached_urls(phone)
    assert "/offline/" in urls and "/static/css/portal.css" in urls
    assert all(url.startswith("/static/") or url == "/offline/" for url in urls), urls

    go_offline(phone, f"{live_server.url}/documents/")
    assert phone.locator("h1").inner_text() == "Pas de connexion"
    assert household.policy_holder.last_name not in phone.content()
    screenshot(phone, "pwa-offline-phone")
    phone.context.set_offline(False)
    phone.get_by_role("link", name="Réessayer").click()
    # The offline page is already loaded: wait for the page that replaces it.
    expect(phone.locator("h1")).not_to_have_text("Pas de connexion")


def test_logout_empties_the_workers_cache(phone, live_server, household):
    log_in_page(phone, live_server, household.account)
    phone.goto(f"{live_server.url}/")
    phone.evaluate("navigator.serviceWorker.ready")
    phone.reload()
    assert cached_urls(phone)
    phone.evaluate("""async () => {
        localStorage.setItem("marker", "1");
        await (await caches.open("marker")).put("/static/marker", new Response("x"));
    }""")
    with phone.expect_response(lambda r: r.url.endswith("/logout/")) as logout:
        open_account_menu(phone)
        phone.get_by_role("button", name="Se déconnecter").click()
    assert logout.value.all_headers()["clear-site-data"] == '"cache", "storage"'
    phone.wait_for_url(re.compile(r".*/login/"))
    assert phone.evaluate("localStorage.getItem('marker')") is None
    assert "marker" not in phone.evaluate("caches.keys()")
    # Cleared on logout: the login page's own registration may refill only the shell.
    assert all(url.startswith("/static/") or url == "/offline/" for url in cached_urls(phone))


def share_from_the_phone(page, live_server, photo: bytes):
    """What Android's share sheet sends: a browser-initiated multipart POST, no CSRF token."""
    return page.request.post(f"{live_server.url}/share/", multipart={
        "title": "IMG_2041.jpg",
        "files": {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo},
    }, max_redirects=0)


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_shared_photo_waits_through_the_login(phone, live_server, household):
    phone.goto(f"{live_server.url}/login/")  # a session cookie like a returning visitor
    response = share_from_the_phone(phone, live_server, photo_bytes())
    assert response.status == 302
    assert response.headers["location"] == "/login/?next=/claims/new/%3Fshared%3D1"
    phone.goto(f"{live_server.url}{response.headers['location']}")
    log_in_through_the_form(phone)
    phone.wait_for_url(re.compile(r".*/claims/new/\?shared=1$"))
    phone.wait_for_load_state("networkidle")  # the shared preview loads before teardown
    held = SharedUpload.objects.get()
    assert held.name == "IMG_2041.jpg"
    session_id = next(c["value"] for c in phone.context.cookies() if c["name"] == "sessionid")
    from django.contrib.sessions.backends.cached_db import SessionStore

    from core.sharing import SESSION_KEY
    assert SessionStore(session_key=session_id)[SESSION_KEY] == [held.pk]


CUSTOMER_PAGES = ["/", "/documents/", "/claims/", "/claims/new/", "/messages/",
                  "/messages/new/", "/insurance/", "/profile/", "/profile/security/",
                  "/login-help/"]

TOO_SMALL = """() => {
  const targets = [...document.querySelectorAll(
      'a[href], button, summary, select, input:not([type=hidden]), textarea, [role=button]')]
    .filter(el => {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && style.visibility !== 'hidden'
        && !el.closest('.visually-hidden, [hidden], dialog:not([open])');
    });
  const rects = targets.map(el => el.getBoundingClientRect());
  const inSentence = el => {
    // WCAG's inline exception: a link inside a line of text.
    if (getComputedStyle(el).display !== 'inline') return false;
    const text = el.parentElement.textContent.trim().length;
    return text > el.textContent.trim().length + 10;
  };
  const labelled = el => {
    // A radio or checkbox is tapped through its label.
    if (el.type !== 'checkbox' && el.type !== 'radio') return false;
    const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
    return !!label && label.getBoundingClientRect().height >= 44;
  };
  const spaced = (el, i) => {
    // Smaller than 44 px but no other target within a 44 px square around its centre.
    const r = rects[i], cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    return r.height >= 24 && rects.every((o, j) => j === i || targets[j].contains(el)
      || el.contains(targets[j]) || o.right < cx - 22 || o.left > cx + 22
      || o.bottom < cy - 22 || o.top > cy + 22);
  };
  return targets.map((el, i) => ({el, i})).filter(({el, i}) =>
      rects[i].height < 44 && !inSentence(el) && !labelled(el) && !spaced(el, i))
    .map(({el, i}) => `${el.tagName.toLowerCase()}.${el.className} "${
      (el.textContent || el.name || '').trim().slice(0, 30)}" ${Math.round(rects[i].height)}px`);
}"""


@pytest.fixture
def narrow_phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="fr-CH")
    yield context.new_page()
    context.close()


def test_customer_pages_fit_360_px_with_thumb_sized_targets(narrow_phone, live_server,
                                                           seeded_demo):
    from accounts.models import User
    from claims.models import Claim
    from documents.models import Document
    from messaging.models import Thread

    page = narrow_phone
    user = User.objects.get(username="KPT12345678")
    pages = list(CUSTOMER_PAGES)
    pages.append(f"/documents/{Document.objects.filter(insured_person__customer__account=user).first().pk}/")
    pages.append(f"/messages/{Thread.objects.filter(customer__account=user).first().pk}/")
    pages.append(f"/claims/{Claim.objects.filter(customer__account=user).first().pk}/")
    page.goto(f"{live_server.url}/offline/")
    problems = {}
    widths = page_width(page)
    if widths[0] > widths[1]:
        problems["/offline/"] = widths
    log_in_page(page, live_server, user)
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        assert "/login/" not in page.url, path
        scroll, inner = page_width(page)
        small = page.evaluate(TOO_SMALL)
        if scroll > inner or small:
            problems[path] = {"content width": scroll, "viewport width": inner, "small": small}
        screenshot(page, "pwa-360" + path.rstrip("/").replace("/", "-") if path != "/"
                   else "pwa-360-dashboard")
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
