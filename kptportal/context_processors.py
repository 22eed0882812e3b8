from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from accounts.models import User

# The customer's sections, in menu order. Apps that are not wired yet simply don't show.
NAV_ITEMS = [
    ("dashboard", _("Accueil"), "home"),
    ("documents:list", _("Documents"), "doc"),
    ("claims:list", _("Remboursements"), "camera"),
    ("messaging:inbox", _("Messages"), "chat"),
    ("policies:overview", _("Assurances"), "shield"),
    ("policies:cards", _("Carte"), "card"),
    ("accounts:profile", _("Profil"), "person"),
]

# The phone's tab bar has a fifth of 390 px per section: words that fit, with a soft hyphen
# (U+00AD) where a long one may break onto a second line. The full name stays the link's name.
TAB_LABELS = {
    "dashboard": pgettext_lazy("tab bar", "Accueil"),
    "documents:list": pgettext_lazy("tab bar", "Documents"),
    "claims:list": pgettext_lazy("tab bar", "Rembourse­ments"),
    "messaging:inbox": pgettext_lazy("tab bar", "Messages"),
    "policies:overview": pgettext_lazy("tab bar", "Assurances"),
}


def _badges(user: User) -> dict[str, int]:
    """Counts shown on menu items: one cheap query per app that has one."""
    from messaging.conversations import unread_count

    return {"messaging:inbox": unread_count(user.customer.pk)}


@functools.lru_cache(maxsize=8)
def _menu_urls(urlconf: str, script_prefix: str) -> tuple[tuple[str, str, Any, str], ...]:
    """The menu's wired sections and their URLs: reversed once per URLconf and prefix, not
    six times on every page."""
    urls = []
    for url_name, label, icon in NAV_ITEMS:
        try:
            urls.append((url_name, reverse(url_name, urlconf=urlconf), label, icon))
        except NoReverseMatch:
            continue
    return tuple(urls)


# The links of the layout around every page (header, account menu, language forms).
LAYOUT_URL_NAMES = ("dashboard", "pwa:manifest", "policies:cards", "accounts:profile",
                    "customer_requests:list", "accounts:second_factors", "accounts:activity",
                    "logout", "set_language")


@functools.lru_cache(maxsize=8)
def _layout_urls(urlconf: str, script_prefix: str) -> dict[str, str]:
    """The layout's URLs, reversed once per URLconf and prefix rather than on every page."""
    return {name.replace(":", "_"): reverse(name, urlconf=urlconf) for name in LAYOUT_URL_NAMES}


def _nav_items(request: HttpRequest, badges: dict[str, int]) -> list[dict[str, Any]]:
    items = []
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    for url_name, url, label, icon in _menu_urls(urlconf, get_script_prefix()):
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"url": url, "label": label, "icon": icon, "current": current,
                      "tab_label": TAB_LABELS.get(url_name, label),
                      "name": url_name, "badge": badges.get(url_name, 0)})
    # /insurance/card/ is under /insurance/: only the closest section is the current one.
    closest = max((str(item["url"]) for item in items if item["current"]), key=len, default=None)
    for item in items:
        item["current"] = item["url"] == closest
    return items


def portal(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page."""
    user = getattr(request, "user", None)
    is_customer = bool(user and user.is_authenticated and hasattr(user, "customer")
                       and user.is_verified())
    badges = _badges(user) if is_customer and user is not None else {}
    return {
        "layout_urls": _layout_urls(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()),
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT,
        "nav_items": _nav_items(request, badges) if is_customer else [],
        "unread_messages": badges.get("messaging:inbox", 0),
        "is_customer": is_customer,
    }
