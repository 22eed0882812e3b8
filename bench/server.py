"""Run the portal under gunicorn on 127.0.0.1 with production-like settings, for a benchmark.

``with portal_server(workers=2) as base_url: ...`` collects the static files into a temporary
folder, starts gunicorn on a free port with ``bench.environment.portal_env()`` (DEBUG off,
PostgreSQL, Redis cache and cached_db sessions, cached templates, no SSL redirect), waits for
``/healthz`` and stops it afterwards. gunicorn's standard output (the console SMS backend's
lines) goes to ``stdout_path`` when given.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.environment import ROOT, portal_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup_django(**overrides) -> None:
    """Configure this process like the server (same database, cache, keys) and set Django up."""
    os.environ.update(portal_env(**overrides))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kptportal.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@contextlib.contextmanager
def portal_server(*, workers: int = 2, threads: int = 1, stdout_path: Path | None = None,
                  timeout: float = 60.0, **env_overrides):
    with tempfile.TemporaryDirectory(prefix="kpt-bench-") as var_dir:
        env = portal_env(PORTAL_VAR_DIR=var_dir, **env_overrides)
        python = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                       cwd=ROOT, env=env, check=True)
        port = free_port()
        out = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(
            [python, "-m", "gunicorn", "kptportal.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), "--timeout", "60"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT if stdout_path else None,
            start_new_session=True)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(base_url, process, timeout)
            yield base_url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            if not isinstance(out, int):  # a file of our own, not DEVNULL
                out.close()


def _wait_until_healthy(base_url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def verified_session_cookie(user) -> tuple[str, str]:
    """A session that passed both factors, created directly in the session store."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import SMSDevice

    device = SMSDevice.objects.filter(user=user).first()
    if device is None:
        raise RuntimeError(f"{user.get_username()} has no SMS device: load the bench data first")
    session = SessionStore()
    now = int(time.time())
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.PortalModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session["last_activity"] = now
    session["login_at"] = now
    session.create()
    assert session.session_key is not None  # create() gives it one
    return settings.SESSION_COOKIE_NAME, session.session_key
