"""What the advisors' side of messaging writes to the audit log (never a message's content).

These are the advisors' own bookkeeping: the customer's activity page does not list them.
"""

from django.utils.translation import gettext_lazy

from audit.kinds import Topic, register

THREAD_ASSIGNED = register("messaging", "thread_assigned",
                           gettext_lazy("Conversation attribuée"), shown_to_customer=False)
THREAD_CLOSED = register("messaging", "thread_closed", gettext_lazy("Conversation close"),
                         shown_to_customer=False)
THREAD_REOPENED = register("messaging", "thread_reopened",
                           gettext_lazy("Conversation rouverte"), shown_to_customer=False)
THREAD_VIEWED = register("messaging", "thread_viewed",
                         gettext_lazy("Conversation consultée par un conseiller"),
                         shown_to_customer=False)
THREAD_READ = register("messaging", "thread_read",
                       gettext_lazy("Messages du client marqués comme lus"),
                       shown_to_customer=False)
ADVISOR_REPLIED = register("messaging", "advisor_replied",
                           gettext_lazy("Réponse du conseiller envoyée"),
                           shown_to_customer=False)
ATTACHMENT_DOWNLOADED = register("messaging", "attachment_downloaded",
                                 gettext_lazy("Pièce jointe ouverte par un conseiller"),
                                 shown_to_customer=False, topic=Topic.ACCESS)
LOGIN_HELP_CHANGED = register("messaging", "login_help_changed",
                              gettext_lazy("Demande d'aide à la connexion traitée"),
                              shown_to_customer=False)
