"""What `make run` relies on: the development defaults create their own folders, and the
broker that needs no server carries tasks to a real worker process."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from celery import Celery
from celery.result import allow_join_result

ROOT = Path(__file__).resolve().parents[2]


def development_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "FILE_ENC", "DATABASE_URL", "REDIS", "CELERY_",
                                "STORAGE_"))}
    env["PORTAL_VAR_DIR"] = str(var_dir)
    return env


def test_a_fresh_checkout_needs_no_folder_made_by_hand(tmp_path):
    var_dir = tmp_path / "fresh" / "var"
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                            cwd=ROOT, env=development_env(var_dir), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (var_dir / "db.sqlite3").is_file()
    assert (var_dir / "private").is_dir()
    assert (var_dir / "broker" / "queue").is_dir()


def test_the_development_broker_needs_no_server(tmp_path):
    """Read from the settings as `make run` loads them: CI's service stage points this very
    suite at Redis, so the settings of the test process say nothing about the quick start."""
    probe = ("import json, django; django.setup(); from django.conf import settings; "
             "print(json.dumps([settings.CELERY_BROKER_URL, "
             "settings.CELERY_BROKER_TRANSPORT_OPTIONS.get('data_folder_in')]))")
    env = development_env(tmp_path / "var")
    env["DJANGO_SETTINGS_MODULE"] = "kptportal.settings"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    broker_url, queue_folder = json.loads(result.stdout.strip().splitlines()[-1])
    assert broker_url == "filesystem://"
    assert Path(queue_folder).is_dir()
    assert Path(queue_folder).is_relative_to(tmp_path / "var")


def test_a_real_worker_runs_tasks_sent_through_the_development_broker(tmp_path):
    """The quick start's path: a task published to the filesystem broker, run by a worker
    process started the way Procfile.dev starts it, its result read back."""
    var_dir = tmp_path / "var"
    env = development_env(var_dir)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "kptportal", "worker",
         "-Q", "default,sms,ocr", "--pool", "solo", "--without-gossip", "--without-mingle",
         "--loglevel", "INFO"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        broker = var_dir / "broker"
        deadline = time.monotonic() + 60
        while not (broker / "queue").is_dir() and time.monotonic() < deadline:
            time.sleep(0.2)
        # Not the current app: the shared tasks of the rest of the suite stay on the portal's.
        sender = Celery(broker="filesystem://", backend=f"file://{broker / 'results'}",
                        set_as_current=False)
        sender.conf.broker_transport_options = {
            "data_folder_in": str(broker / "queue"), "data_folder_out": str(broker / "queue"),
            "control_folder": str(broker / "control")}
        result = sender.send_task("core.tasks.database_roundtrip", queue="default")
        # This thread is no task; the flag that forbids waiting is process-wide, and an eager
        # task still running in an earlier test's server thread may have set it.
        with allow_join_result():
            assert result.get(timeout=90) == 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
