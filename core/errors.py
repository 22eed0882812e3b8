"""Domain errors: a rule of the portal said no, and the error says why in the asker's words.

A service raises a ``PortalError`` subclass whose ``message`` is a lazy translation (with
``%(name)s`` parameters filled from the keyword arguments); the view or admin action that
called it shows ``error.message`` as it is. No flow compares or parses a message: callers
catch the class.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class PortalError(Exception):
    """Base of the errors a customer or an advisor is shown."""

    message_template: str | Promise = ""

    def __init__(self, message: str | Promise | None = None, **params: Any) -> None:
        super().__init__()
        self.params = params
        if message is not None:
            self.message_template = message

    @property
    def message(self) -> str:
        """The message in the active language, its parameters filled in."""
        text = str(self.message_template)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.message
