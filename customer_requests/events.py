"""What the customer requests write to the audit log."""

from django.utils.translation import gettext_lazy

from audit.kinds import register

CONTRACT_CHANGE_REQUESTED = register(
    "customer_requests", "contract_change_requested",
    gettext_lazy("Changement de franchise ou de modèle demandé"))
CONTRACT_CHANGE_ACCEPTED = register(
    "customer_requests", "contract_change_accepted",
    gettext_lazy("Changement de franchise ou de modèle accepté"))
CONTRACT_CHANGE_CANCELLED = register(
    "customer_requests", "contract_change_cancelled",
    gettext_lazy("Demande de changement de franchise ou de modèle annulée"))
CONTRACT_CHANGE_REFUSED = register(
    "customer_requests", "contract_change_refused",
    gettext_lazy("Changement de franchise ou de modèle refusé"))
