"""Real processes for the tests that need them: a Redis server of the test's own (killed,
frozen with SIGSTOP, restarted empty) and Celery workers on it (killed with SIGKILL)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def skip_or_fail(reason: str) -> None:
    """A missing service skips locally; in the services pass (``PORTAL_REQUIRE_SERVICES=1``,
    CI) it fails, so a test that must run cannot pass by being skipped."""
    if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"Required service unavailable: {reason}")
    pytest.skip(f"needs the real services (run by .ci/run / make test-services): {reason}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """``redis-server`` on a free port, without persistence: a restart comes back empty."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            skip_or_fail("redis-server is not installed")
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.ping():
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.3).ping())
        except redis.RedisError:
            return False

    def freeze(self) -> None:
        """Accepts connections (the kernel does) but answers nothing: SIGSTOP."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart_empty(self) -> None:
        self.kill()
        self.start()

    def queue_length(self, queue: str) -> int:
        import redis

        return int(redis.Redis(port=self.port, socket_timeout=1).llen(queue))


@contextmanager
def app_publishing_to(app, broker_url: str):
    """The portal's Celery app publishing to ``broker_url`` (and reading results there) with
    the production transport options, then back to what it was."""
    from django.conf import settings

    from core.broker import redis_transport_options

    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options",
                                            "task_always_eager", "result_backend")}
    _forget_connections(app)
    app.conf.broker_url = broker_url
    app.conf.result_backend = broker_url
    app.conf.broker_transport_options = redis_transport_options(
        settings.BROKER_TIMEOUT_SECONDS, settings.BROKER_VISIBILITY_TIMEOUT)
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        _forget_connections(app)
        app.conf.update(saved)


def _forget_connections(app) -> None:
    """Everything the app caches about its broker and result store was built for the previous
    URL (often an earlier test's Redis, killed): the connection and producer pools, kombu's
    process-wide pools keyed by connection, and the result backend (per thread, or app-wide
    when thread safe)."""
    from kombu import pools as kombu_pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    kombu_pools.reset()
    backend = app._backend_cache or getattr(app._local, "backend", None)
    consumer = getattr(backend, "result_consumer", None)
    if consumer is not None and hasattr(consumer, "subscribed_to"):
        # Results a test waited for would unsubscribe when collected, from a Redis that is
        # gone by then: 20 reconnection attempts, a second apart.
        consumer.subscribed_to.clear()
        with contextlib.suppress(Exception):
            consumer.stop()
        consumer._pubsub = None
    app._backend_cache = None
    if getattr(app._local, "backend", None) is not None:
        del app._local.backend


@contextmanager
def redis_server(tmp_path: Path):
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.kill()


def postgres_url() -> str | None:
    """The test database as a URL a worker process can use (None on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    db = connection.settings_dict
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


def database_url() -> str:
    """The test database as a URL another process can use: PostgreSQL's, or the SQLite file
    of this test run (conftest.py makes it a file)."""
    from django.db import connection

    url = postgres_url()
    if url is not None:
        return url
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name == ":memory:" or "mode=memory" in name:
        skip_or_fail("another process needs a database it can open")
    return f"sqlite:///{name}"


class Worker:
    """A real ``celery worker`` (prefork) on the given broker and database."""

    def __init__(self, broker: str, database_url: str, log: Path, queues: str = "default,sms,ocr",
                 extra_env: dict[str, str] | None = None) -> None:
        self.name = f"fault-{os.getpid()}-{time.monotonic_ns()}@{socket.gethostname()}"
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": broker,
               "REDIS_CACHE_URL": "", "CELERY_TASK_ALWAYS_EAGER": "0", "SMS_BACKEND": "console",
               **(extra_env or {})}
        self.log = log
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "kptportal", "worker",
             "-Q", queues, "--concurrency", "1", "--without-gossip", "--without-mingle",
             "-n", self.name, "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, app, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not app.control.ping(destination=[self.name], timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("worker did not start:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and children), as the OOM killer would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Beat:
    """A real ``celery beat`` on the given broker."""

    def __init__(self, broker: str, folder: Path, name: str, ttl: int = 3) -> None:
        self.log = folder / f"{name}.log"
        env = {**os.environ, "REDIS_URL": broker, "REDIS_CACHE_URL": "",
               "CELERY_TASK_ALWAYS_EAGER": "0", "BEAT_LOCK_TTL": str(ttl)}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "kptportal", "beat",
             "--loglevel", "INFO", "--schedule", str(folder / f"{name}-schedule")],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True)

    def says(self, text: str) -> bool:
        return text in self.log.read_text()

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
