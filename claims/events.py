"""What claims write to the audit log, and how the customer reads it."""

from django.utils.translation import gettext_lazy

from audit.describing import Description, describer
from audit.kinds import Topic, register
from audit.models import AuditEvent

CHANGED = register("claims", "changed", gettext_lazy("Demande de remboursement modifiée"))
PAGE_VIEWED = register("claims", "page_viewed",
                       gettext_lazy("Page d'une demande de remboursement consultée"),
                       topic=Topic.ACCESS)
# An advisor opened a claim's review page (its fields, the customer's remark): the advisors'
# own record, like the customer overview; the page images are PAGE_VIEWED.
REVIEW_OPENED = register("claims", "review_opened",
                         gettext_lazy("Demande de remboursement ouverte par un conseiller"),
                         shown_to_customer=False, topic=Topic.ACCESS)

# Cost guarantees (claims.cost_guarantees): every state change, and each time an advisor
# opens a file the customer attached.
GUARANTEE_CHANGED = register("claims", "guarantee_changed",
                             gettext_lazy("Demande de garantie de prise en charge modifiée"))
GUARANTEE_FILE_VIEWED = register("claims", "guarantee_file_viewed",
                                 gettext_lazy("Document d'une demande de garantie consulté"),
                                 topic=Topic.ACCESS)

GUARANTEE_CHANGES = {
    "submitted": gettext_lazy("Demande de garantie de prise en charge envoyée"),
    "documents_added": gettext_lazy("Documents ajoutés à une demande de garantie"),
    "info_requested": gettext_lazy("Informations demandées pour une garantie"),
    "granted": gettext_lazy("Garantie de prise en charge accordée"),
    "refused": gettext_lazy("Garantie de prise en charge refusée"),
}

CHANGES = {
    "created": gettext_lazy("Demande de remboursement envoyée"),
    "field": gettext_lazy("Montant ou prestataire d'une demande corrigé"),
    "status": gettext_lazy("Statut d'une demande de remboursement modifié"),
    "settled": gettext_lazy("Demande de remboursement réglée par un décompte de prestations"),
}


@describer("claims")
def describe(event: AuditEvent) -> Description | None:
    change = (event.detail or {}).get("change")
    if event.kind == CHANGED and change in CHANGES:
        return Description(str(CHANGES[change]))
    if event.kind == GUARANTEE_CHANGED and change in GUARANTEE_CHANGES:
        return Description(str(GUARANTEE_CHANGES[change]))
    return None


