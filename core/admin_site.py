"""The admin requires staff who passed their second factor (django-two-factor-auth).

Its home is the advisor's work of the day: the queues that the apps above register
(``register_queues``), each with how many wait, since when, and a link to the filtered list;
the technical models (logins, groups, second factors, lockouts, tasks) are listed for the
administrators only.

Every admin page speaks the staff member's own language (``User.language``, chosen in the
header), whatever the browser says; the customers' pages keep their own rule (their choice in
the language cookie, then the browser).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from two_factor.admin import AdminSiteOTPRequired

# Apps of the technical side: shown on the home and in the side menu only to administrators.
TECHNICAL_APPS = frozenset({"auth", "axes", "otp_static", "otp_totp", "django_otp_webauthn",
                            "two_factor", "core", "exports"})
ADMINISTRATORS_GROUP = "Administrateurs"

# The languages the advisors work in (the header's switch); a staff login set to another of
# the portal's languages still gets it.
ADMIN_LANGUAGES = ("fr", "de", "it")

# Third-party apps named in the staff's words (their own labels read "Otp_Static", "Axes").
THIRD_PARTY_APP_NAMES = {
    "axes": _("Blocages de connexion"),
    "otp_static": _("Codes de secours"),
    "otp_totp": _("Applications d'authentification"),
    "django_otp": _("Deuxième facteur"),
}


def name_third_party_apps() -> None:
    """Give the technical apps of third parties a translated name (called once, at start)."""
    from django.apps import apps

    for label, name in THIRD_PARTY_APP_NAMES.items():
        if label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name


@dataclass(frozen=True)
class Queue:
    """One line of the advisor's home: "Demandes à vérifier: 4, la plus ancienne depuis 3 j"."""

    label: str
    count: int
    oldest: datetime | None
    url: str


@dataclass(frozen=True)
class QueueGroup:
    title: str
    queues: list[Queue]


QueueProvider = Callable[[HttpRequest], list[QueueGroup]]
_providers: list[QueueProvider] = []


def register_queues(provider: QueueProvider) -> QueueProvider:
    """An app above the core adds its queues to the home (decorator; idempotent)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def staff_language(request: HttpRequest) -> str | None:
    """The language chosen by the staff member logged in, or None (not staff, none set)."""
    user = request.user
    language = getattr(user, "language", "") if user.is_authenticated and user.is_staff else ""
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else None


def in_staff_language(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Run an admin view, and render its page, in the staff member's language.

    ``activate`` (not ``override``): a TemplateResponse is rendered after the view returns, and
    the LocaleMiddleware activates the request's language again at the next request. The
    language cookie follows, so the staff login and logout pages speak it too."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        language = staff_language(request)
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = view(request, *args, **kwargs)
        language = staff_language(request)  # the header's switch may have changed it
        if language is not None and \
                request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                                max_age=settings.LANGUAGE_COOKIE_AGE,
                                path=settings.LANGUAGE_COOKIE_PATH,
                                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                                secure=settings.LANGUAGE_COOKIE_SECURE,
                                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                                samesite=settings.LANGUAGE_COOKIE_SAMESITE)
        return response

    return wrapper


def is_administrator(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_superuser or user.groups.filter(name=ADMINISTRATORS_GROUP).exists())


def _plain_list_titles() -> None:
    """Every list is titled by what it lists ("Conversations"), not Django's "Sélectionnez
    l'objet conversation à changer". A ModelAdmin's own title (extra_context) still wins."""
    from django.contrib.admin.options import ModelAdmin
    from django.utils.text import capfirst

    if getattr(ModelAdmin.changelist_view, "plain_title", False):
        return
    original = ModelAdmin.changelist_view

    def changelist_view(self: ModelAdmin[Any], request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> Any:
        context = {"title": capfirst(self.opts.verbose_name_plural), "subtitle": None,
                   **(extra_context or {})}
        return original(self, request, context)

    changelist_view.plain_title = True  # type: ignore[attr-defined]
    ModelAdmin.changelist_view = changelist_view  # type: ignore[method-assign]


class PortalAdminSite(AdminSiteOTPRequired):
    site_header = _("KPT · espace conseillers")
    site_title = _("KPT conseillers")
    index_title = _("Mon travail du jour")
    index_template = "admin/advisor_home.html"
    # The home lists every list; without the side menu the tables get the whole width.
    enable_nav_sidebar = False

    def login(self, request: HttpRequest,
              extra_context: dict[str, Any] | None = None) -> HttpResponseRedirect:
        redirect_to = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME))
        if not redirect_to or not url_has_allowed_host_and_scheme(
                redirect_to, allowed_hosts={request.get_host()}):
            redirect_to = reverse("admin:index")
        return redirect_to_login(redirect_to, reverse("accounts:staff_login"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_list_titles()

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Callable[..., Any]:
        """Every admin page (the apps' lists and forms, the custom views) in the staff
        member's language, once the admin has let them in."""
        return super().admin_view(in_staff_language(view), cacheable)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [
            path("language/", self.admin_view(require_POST(self.set_language)),
                 name="language"),
            *super().get_urls(),
        ]

    def set_language(self, request: HttpRequest) -> HttpResponseRedirect:
        """The header's switch: the staff member's language, kept on their login (POST)."""
        language = request.POST.get("language", "")
        user = request.user
        # The core knows the user model only as Django's: the portal's adds ``language``.
        if isinstance(user, AbstractBaseUser) and language in ADMIN_LANGUAGES \
                and getattr(user, "language", None) != language:
            setattr(user, "language", language)  # noqa: B010
            user.save(update_fields=["language"])
        following = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(following, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            following = reverse("admin:index")
        return HttpResponseRedirect(following)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        names = dict(settings.LANGUAGES)
        return {**super().each_context(request),
                "admin_languages": [(code, names[code]) for code in ADMIN_LANGUAGES]}

    def get_app_list(self, request: HttpRequest,
                     app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        if is_administrator(request):
            return apps
        return [app for app in apps if app["app_label"] not in TECHNICAL_APPS]

    def index(self, request: HttpRequest,
              extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        groups = [group for provider in _providers for group in provider(request)]
        context = {"queue_groups": groups, **(extra_context or {})}
        return super().index(request, context)
