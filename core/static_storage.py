"""The static files' storage in production: whitenoise's compressed manifest, each URL worked
out once per process."""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class RememberingManifestStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's storage with ``url()`` remembered by name.

    The manifest is written by ``collectstatic`` before a server starts and does not change
    while it runs, yet every ``{% static %}`` looks the name up again, splits and quotes it:
    a page of 25 documents asks for the icons' sprite 27 times.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: Any, force: bool = False) -> str:
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
