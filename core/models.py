"""The core's own rows: tasks kept while the broker was down, and files shared to the portal
from the phone's share sheet, held until they are attached to a claim."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage


class DeferredTask(models.Model):
    """One task of the outbox (``core.outbox``): written in the transaction of the change that
    needs it, published after commit, kept until the task has run to its end (success or
    final failure), so a broker that loses its data or a publish that never happened is
    repaired by the relay."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    # Not published before (a planned follow-up); null: at once.
    not_before = models.DateTimeField(null=True, blank=True)
    # Last handed to the broker; null: never yet.
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a run of it last started (task_prerun); null: none yet since it was written.
    started_at = models.DateTimeField(null=True, blank=True)
    # The request that queued it (the logs of the task carry it too).
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        # Tables keep their names from before the core got these models: nothing copied.
        db_table = "kptportal_deferredtask"
        verbose_name = _("tâche en attente")
        verbose_name_plural = _("tâches en attente")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


class SharedUpload(models.Model):
    """One file the phone's share sheet sent to /share/, held briefly (encrypted) until the
    customer attaches it to a claim. Never shown to anyone but the session that sent it;
    purged after ``core.sharing.HOLD_FOR`` by ``core.tasks.purge_shared_uploads``."""

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
        db_table = "kptportal_sharedupload"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"shared upload {self.pk} ({self.content_type}, {self.size} bytes)"


class TokenBucket(models.Model):
    """What is left of one limit's budget (``core.buckets``), in the database so that it holds
    across processes and through a cache outage. ``key`` is a keyed hash: no contract number,
    address or phone number is stored."""

    key = models.CharField(max_length=64, unique=True)
    tokens = models.FloatField()
    # When ``tokens`` was last worked out, in seconds since the epoch: a number, so that the
    # database can refill the bucket in the statement that spends from it.
    refilled_at = models.FloatField()

    def __str__(self) -> str:
        return f"token bucket {self.key[:8]}… ({self.tokens:.1f})"
