"""Demo data seeded once per test run, then loaded again for each test that asks for it
(``seeded_demo``: the browser tests, and the tests about the demo itself).

Seeding renders and encrypts some 360 PDFs (40 s of CPU); loading the very same rows from a
fixture and copying the already encrypted files takes a fraction of that. The first test that
asks seeds for real and keeps what the seeding created: the new rows (with their primary keys,
foreign keys to users and permissions by natural key, as ``dumpdata --natural-foreign``) and the
new files of the private storage. Every later test, in any of the run's test processes (each
with its own database), gets them back in its own empty database and file folder. A new day
seeds again: the demo's dates are relative to today.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.utils import timezone

from core.storage import private_storage


def _local_folder() -> Path | None:
    """The folder behind the private storage (inside its encryption), if it is local."""
    storage = private_storage()
    inner = getattr(storage, "inner", storage)
    return Path(inner.location) if isinstance(inner, FileSystemStorage) else None


def _files(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*") if path.is_file()}


def _models():
    """Concrete models, in an order where natural-key targets come first."""
    app_list = {config: None for config in apps.get_app_configs()}
    return [model for model in serializers.sort_dependencies(app_list.items(), allow_cycles=True)
            if not model._meta.proxy and model._meta.managed]


class DemoSnapshot:
    def __init__(self, folder: Path, seed: Callable[[], None]):
        self.fixture = folder / "rows.json"
        self.files = folder / "files"
        self.seed = seed
        self.day_file = folder / "day"
        self.lock = folder / "lock"

    def restore(self) -> None:
        """Give this test's database and private folder the demo data."""
        folder = _local_folder()
        if folder is None:  # files in a remote bucket: nothing to copy, seed each time
            self.seed()
            return
        # The test processes of one run share the snapshot: the first seeds, the others wait
        # for it instead of seeding at the same time on the same cores.
        with self.lock.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._day() == timezone.localdate().isoformat():
                call_command("loaddata", str(self.fixture), verbosity=0)
                shutil.copytree(self.files, folder, dirs_exist_ok=True)
            else:
                self._seed_and_keep(folder)

    def _day(self) -> str:
        return self.day_file.read_text() if self.day_file.exists() else ""

    def _seed_and_keep(self, folder: Path) -> None:
        models = _models()
        rows_before = {model: set(model._base_manager.values_list("pk", flat=True))
                       for model in models}
        files_before = _files(folder) if folder.exists() else set()
        day = timezone.localdate()
        self.seed()
        created = [obj for model in models
                   for obj in model._base_manager.exclude(pk__in=rows_before[model])
                   .order_by("pk")]
        self.fixture.write_text(
            serializers.serialize("json", created, use_natural_foreign_keys=True),
            encoding="utf-8")
        shutil.rmtree(self.files, ignore_errors=True)
        self.files.mkdir(parents=True)
        for name in _files(folder) - files_before:
            (self.files / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / name, self.files / name)
        self.day_file.write_text(day.isoformat())


def seed_demo_data() -> None:
    """The fictitious demo: households, products, ten years of documents, a conversation, and
    the advisor with the advisors' group's permissions only (as ``make run`` seeds it)."""
    from kptportal.demo import seed_all

    seed_all(stdout=None)
