"""The phone app's server side: manifest, service worker, offline page, logout clearing."""

import json
import re

import pytest
from django.contrib.staticfiles import finders


@pytest.fixture
def manifest(client, db):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    return response, json.loads(response.content)


def test_manifest_is_served_as_a_web_app_manifest(manifest):
    response, _data = manifest
    assert response["Content-Type"] == "application/manifest+json"


def test_manifest_has_the_members_an_installable_app_needs(manifest):
    _response, data = manifest
    assert data["name"] and data["short_name"] == "KPT"
    assert data["start_url"] == "/" and data["scope"] == "/"
    assert data["display"] == "standalone"
    assert data["theme_color"] == "#0f3d5e" and data["background_color"]


def test_manifest_icons_exist_in_every_size_phones_ask_for(manifest):
    from PIL import Image

    _response, data = manifest
    found = set()
    for icon in data["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
        found.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= found


def test_manifest_share_target_posts_files_to_the_share_view(manifest):
    _response, data = manifest
    target = data["share_target"]
    assert target["action"] == "/share/"
    assert target["method"] == "POST" and target["enctype"] == "multipart/form-data"
    accept = target["params"]["files"][0]["accept"]
    assert "image/*" in accept and "application/pdf" in accept


def test_every_page_links_the_manifest_and_the_apple_touch_icon(client, db):
    html = client.get("/login/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert re.search(r'<link rel="apple-touch-icon" href="/static/img/icons/'
                     r'apple-touch-icon-180\.png">', html)
    assert finders.find("img/icons/apple-touch-icon-180.png")
    assert 'src="/static/js/sw-register.js"' in html


def test_service_worker_is_served_for_the_whole_site_and_never_cached(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"


def shell_of(client) -> list[str]:
    body = client.get("/sw.js").content.decode()
    return json.loads(re.search(r"var SHELL = (\[.*?\]);", body).group(1))


def test_service_worker_caches_only_static_files_and_the_offline_page(client, db):
    shell = shell_of(client)
    assert "/offline/" in shell
    assert all(url.startswith("/static/") or url == "/offline/" for url in shell), shell
    for url in shell:
        assert client.get(url).status_code == 200 or finders.find(url.removeprefix("/static/"))


@pytest.mark.parametrize("customer_url", ["/", "/documents/", "/claims/", "/messages/",
                                          "/profile/", "/insurance/", "/share/"])
def test_service_worker_never_lists_a_customer_page(client, db, customer_url):
    assert customer_url not in shell_of(client)


def test_service_worker_puts_only_the_shell_in_its_cache(client, db):
    body = client.get("/sw.js").content.decode()
    # The only writes to the cache: addAll(SHELL) at install and put(path) for a shell path.
    assert body.count("cache.addAll(") == 1 and "cache.addAll(SHELL" in body
    assert body.count("cache.put(") == 1
    assert "SHELL.indexOf(url.pathname) !== -1" in body


def test_service_worker_version_changes_with_the_shell(client, db, settings):
    first = client.get("/sw.js").content
    settings.STATIC_URL = "/assets/"
    assert client.get("/sw.js").content != first


def test_offline_page_says_a_connection_is_needed_and_shows_nothing_personal(customer_client,
                                                                            customer):
    response = customer_client.get("/offline/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "besoin d'une connexion" in html
    assert customer.policy_holder.last_name not in html
    assert "csrfmiddlewaretoken" not in html


def test_logout_tells_the_browser_to_clear_cache_and_storage(customer_client):
    response = customer_client.post("/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
