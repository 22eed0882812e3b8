"""The project's own rows: files shared to the portal from the phone's share sheet."""

from django.db import models

from kptportal.storage import private_storage


class SharedUpload(models.Model):
    """One file the phone's share sheet sent to /share/, held briefly (encrypted) until the
    customer attaches it to a claim. Never shown to anyone but the session that sent it;
    purged after ``kptportal.sharing.HOLD_FOR`` by ``kptportal.tasks.purge_shared_uploads``."""

    # The session that received the share; the ids also live IN that session's data, which
    # survives the key change at login (``cycle_key`` keeps the data).
    session_key = models.CharField(max_length=40, db_index=True)
    file = models.FileField(storage=private_storage, upload_to="shared/%Y/%m/%d/")
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    page_count = models.PositiveSmallIntegerField(default=1)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"shared upload {self.pk} ({self.content_type}, {self.size} bytes)"
