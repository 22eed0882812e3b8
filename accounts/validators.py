import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTRACT_NUMBER_RE = re.compile(r"^KPT\d{8}$")


def normalise_contract_number(raw: str) -> str:
    """What people type (``kpt 1234 5678``) → ``KPT12345678``; ValidationError otherwise."""
    compact = re.sub(r"[\s.\-]", "", raw or "").upper()
    if not CONTRACT_NUMBER_RE.match(compact):
        raise ValidationError(
            _("Le numéro de contrat online se compose de KPT suivi de 8 chiffres, "
              "par exemple KPT12345678."),
            code="contract_format",
        )
    return compact
