"""What policies write to the audit log."""

from django.utils.translation import gettext_lazy

from audit.kinds import Topic, register

CERTIFICATE_DOWNLOADED = register("policies", "certificate_downloaded",
                                  gettext_lazy("Attestation de protection juridique téléchargée"),
                                  topic=Topic.ACCESS)
CARD_SAVED_OFFLINE = register("policies", "card_saved_offline",
                              gettext_lazy("Cartes d'assuré enregistrées hors ligne sur un "
                                           "appareil"), topic=Topic.ACCESS)
