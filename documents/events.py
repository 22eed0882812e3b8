"""What the archive writes to the audit log, and how the customer reads it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.describing import Description, describer
from audit.kinds import Topic, register
from audit.models import AuditEvent

VIEWED = register("documents", "viewed", gettext_lazy("Document consulté"), topic=Topic.ACCESS)
DOWNLOADED = register("documents", "downloaded", gettext_lazy("Document téléchargé"),
                      topic=Topic.ACCESS)
PURGED = register("documents", "purged", gettext_lazy("Document supprimé après rétention"))
TAX_CERTIFICATE_REQUESTED = register("documents", "tax_certificate_requested",
                                     gettext_lazy("Attestation fiscale demandée"))
TAX_CERTIFICATE_ISSUED = register("documents", "tax_certificate_issued",
                                  gettext_lazy("Attestation fiscale établie"))


@describer("documents")
def describe(event: AuditEvent) -> Description | None:
    if event.kind == VIEWED and (event.detail or {}).get("part") == "preview":
        return Description(_("Aperçu d'un document affiché"))
    year = (event.detail or {}).get("year")
    if event.kind == TAX_CERTIFICATE_REQUESTED and year:
        return Description(_("Attestation fiscale %(year)s demandée") % {"year": year})
    if event.kind == TAX_CERTIFICATE_ISSUED and year:
        return Description(_("Attestation fiscale %(year)s établie") % {"year": year})
    return None
