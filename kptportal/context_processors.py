from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# The customer's sections, in menu order. Apps that are not wired yet simply don't show.
NAV_ITEMS = [
    ("dashboard", _("Accueil"), "home"),
    ("documents:list", _("Documents"), "doc"),
    ("claims:list", _("Factures"), "camera"),
    ("messaging:inbox", _("Messages"), "chat"),
    ("policies:overview", _("Assurances"), "shield"),
    ("accounts:profile", _("Profil"), "person"),
]


def _badges(user) -> dict[str, int]:
    """Counts shown on menu items: one cheap query per app that has one."""
    from messaging.conversations import unread_count

    return {"messaging:inbox": unread_count(user.customer.pk)}


def _nav_items(request, badges):
    items = []
    for url_name, label, icon in NAV_ITEMS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"url": url, "label": label, "icon": icon, "current": current,
                      "name": url_name, "badge": badges.get(url_name, 0)})
    return items


def portal(request):
    """What the base template needs on every page."""
    user = getattr(request, "user", None)
    is_customer = bool(user and user.is_authenticated and hasattr(user, "customer")
                       and user.is_verified())
    badges = _badges(user) if is_customer else {}
    return {
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT,
        "nav_items": _nav_items(request, badges) if is_customer else [],
        "unread_messages": badges.get("messaging:inbox", 0),
        "is_customer": is_customer,
    }
