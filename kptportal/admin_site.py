"""The admin requires staff who passed their second factor (django-two-factor-auth)."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from two_factor.admin import AdminSiteOTPRequired


class PortalAdminSite(AdminSiteOTPRequired):
    site_header = _("KPT · espace conseillers")
    site_title = _("KPT conseillers")
    index_title = _("Clients, documents et demandes")

    def login(self, request, extra_context=None):
        redirect_to = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME))
        if not redirect_to or not url_has_allowed_host_and_scheme(
                redirect_to, allowed_hosts={request.get_host()}):
            redirect_to = reverse("admin:index")
        return redirect_to_login(redirect_to, reverse("accounts:staff_login"))
