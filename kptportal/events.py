"""What the advisors' overview of a customer writes to the audit log."""

from django.utils.translation import gettext_lazy

from audit.kinds import register

CUSTOMER_VIEWED = register("kptportal", "customer_viewed",
                           gettext_lazy("Vue d'ensemble du client consultée"),
                           shown_to_customer=False)
