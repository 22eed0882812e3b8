"""The portal as a phone app: web app manifest, service worker, offline page, share target.

URL names (namespace ``pwa``): ``manifest`` (/manifest.webmanifest), ``service_worker``
(/sw.js), ``offline`` (/offline/), ``share`` (/share/). The logout view that also empties
what the browser keeps for the portal is ``PortalLogoutView`` (wired at /logout/).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import LogoutView, redirect_to_login
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.middleware.csrf import CsrfViewMiddleware, RejectRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from accounts.household import customer_of, passed_both_factors
from core import sharing
from core.net import client_network
from core.post_only import post_only
from policies.card import emergency_numbers

THEME_COLOUR = "#0f3d5e"
BACKGROUND_COLOUR = "#f3f5f7"
SHARE_ACCEPT = ["image/*", "application/pdf", ".jpg", ".jpeg", ".png", ".heic", ".heif", ".pdf"]
# Static files the service worker keeps so the app opens, and says it is offline, without
# a network. Never a page or file with customer data: only these and the offline page.
SHELL_STATIC = [
    "css/portal.css", "js/portal.js", "js/sw-register.js", "img/icons.svg", "img/favicon.svg",
    "css/card.css", "js/card-offline.js",
    "img/icons/icon-192.png", "img/icons/icon-512.png",
]


def claims_new_url() -> str:
    try:
        return reverse("claims:new")
    except NoReverseMatch:  # the claims pages are not wired yet
        return "/claims/new/"


def manifest_data() -> dict[str, Any]:
    icons = [
        {"src": static("img/icons/icon-192.png"), "sizes": "192x192", "type": "image/png",
         "purpose": "any"},
        {"src": static("img/icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
         "purpose": "any"},
        {"src": static("img/icons/icon-maskable-512.png"), "sizes": "512x512",
         "type": "image/png", "purpose": "maskable"},
    ]
    return {
        "id": "/",
        "name": _("KPT portail clients"),
        "short_name": "KPT",
        "description": _("Vos documents, factures et messages de votre assurance maladie."),
        "lang": get_language() or "fr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
        "shortcuts": [{"name": _("Envoyer une facture"), "url": claims_new_url(),
                       "icons": [icons[0]]}],
        "share_target": {
            "action": reverse("pwa:share"),
            "method": "POST",
            "enctype": "multipart/form-data",
            "params": {"files": [{"name": "files", "accept": SHARE_ACCEPT}]},
        },
    }


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(manifest_data(), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    response["Vary"] = "Accept-Language, Cookie"
    return response


def shell_urls() -> list[str]:
    return [static(name) for name in SHELL_STATIC] + [reverse("pwa:offline")]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = shell_urls()
    body = render_to_string("pwa/sw.js", {
        "shell_json": json.dumps(shell),
        "offline_json": json.dumps(reverse("pwa:offline")),
    })
    version = hashlib.sha256((body + "".join(shell)).encode()).hexdigest()[:12]
    script = body.replace("__VERSION__", version)
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page the app shows without a network. Holds nothing personal (the worker keeps it)."""
    response = render(request, "pwa/offline.html", {"numbers": emergency_numbers()})
    response["Cache-Control"] = "no-cache"
    return response


# A share from the phone's share sheet is a navigation the browser starts itself
# (Sec-Fetch-Site: none). A form on another site posting here is refused.
ALLOWED_FETCH_SITES = {"none", "same-origin"}


def _same_origin_as_csrf_wants(request: HttpRequest) -> bool:
    """Django's CSRF origin rules, without the token the share sheet cannot send: an Origin
    header must be this site's (or a trusted origin); without one, over HTTPS, the Referer
    must be this site's. For browsers that send no Sec-Fetch-Site."""
    middleware = cast(Any, CsrfViewMiddleware(lambda request: HttpResponse()))
    if "HTTP_ORIGIN" in request.META:
        return bool(middleware._origin_verified(request))
    if request.is_secure():
        try:
            middleware._check_referer(request)
        except RejectRequest:
            return False
    return True


def share_allowed(request: HttpRequest) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ALLOWED_FETCH_SITES
    return _same_origin_as_csrf_wants(request)


@csrf_exempt  # the OS share sheet cannot send a CSRF token; see the checks below
@post_only("claims:new")
def share(request: HttpRequest) -> HttpResponse:
    """Receive files shared from the phone and hold them for the claim form.

    CSRF-exempt, so it does nothing but hold validated files (encrypted, 30 minutes) for this
    browser session: no claim is created, no other state changes. Text fields are ignored.
    """
    if not share_allowed(request):
        return HttpResponseBadRequest(_("Partage refusé."), content_type="text/plain")
    files = request.FILES.getlist("files")
    kept, refused = sharing.hold_files(request.session, files, address=client_network(request))
    for item in refused:
        if item.reason == "too_many":
            messages.error(request, _("« %(name)s » n'a pas été repris: %(n)s fichiers au plus.")
                           % {"name": item.name, "n": sharing.MAX_SHARED_FILES})
        elif item.reason == "quota":
            messages.error(request, _("« %(name)s » n'a pas été repris: trop de fichiers ont été "
                                      "partagés depuis cette connexion. Réessayez dans une "
                                      "heure, ou ajoutez-le sur la page de la facture.")
                           % {"name": item.name})
        elif item.reason == "busy":
            messages.error(request, _("« %(name)s » n'a pas été repris: le partage est "
                                      "momentanément saturé. Réessayez plus tard, ou ajoutez-le "
                                      "sur la page de la facture.") % {"name": item.name})
        else:
            messages.error(request, _("« %(name)s » n'a pas été repris: %(reason)s")
                           % {"name": item.name, "reason": item.reason})
    if not files:
        messages.error(request, _("Aucun fichier n'a été partagé. Choisissez une photo ou un "
                                  "PDF à envoyer."))
    target = claims_new_url() + "?shared=1"
    user = request.user
    if not (passed_both_factors(user) and customer_of(user) is not None):
        return redirect_to_login(target)
    return redirect(target)


@require_GET
def shared_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A small picture of a file this session holds from a share (404 for any other)."""
    from claims.previews import THUMBNAIL, preview_jpeg

    row = get_object_or_404(sharing.held_uploads(request), pk=pk)
    response = HttpResponse(preview_jpeg(row, size=THUMBNAIL), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


class PortalLogoutView(LogoutView):
    """Django's logout that also drops held shares and tells the browser to empty what it
    keeps for the portal (HTTP cache, the service worker and its caches, storage).

    Logging out stays a POST (a link or an image must not log anyone out); a GET, e.g. a
    bookmark, goes to the dashboard, which sends a logged-out visitor to the login."""

    http_method_names = ["get", "head", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseRedirect:
        return redirect("dashboard")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        sharing.discard(request, None)
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
