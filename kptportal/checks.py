"""Deployment checks of the portal's own settings (shown by `manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def portal_deploy_checks(app_configs, **kwargs):
    problems = []
    if settings.SMS_BACKEND in {"console", "locmem"}:
        problems.append(Warning(
            f"SMS_BACKEND={settings.SMS_BACKEND}: login codes would be printed or kept in "
            "memory instead of being sent.", hint="Set SMS_BACKEND=twilio and TWILIO_*.",
            id="kptportal.W001"))
    if not settings.PORTAL_BASE_URL.startswith("https://"):
        problems.append(Warning(
            f"PORTAL_BASE_URL={settings.PORTAL_BASE_URL}: links sent by SMS would not point "
            "to the public HTTPS portal.", hint="Set PORTAL_BASE_URL=https://…",
            id="kptportal.W002"))
    return problems
