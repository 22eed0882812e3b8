"""What the data export writes to the audit log."""

from django.utils.translation import gettext_lazy

from audit.kinds import Topic, register

DOWNLOADED = register("exports", "downloaded", gettext_lazy("Données exportées"),
                      topic=Topic.ACCESS)
