"""The production layout (docker-compose.yml, Dockerfile, Procfile) as an operator runs it.

Before: customer files inside the web container (the worker could not read them, a
recreated container lost them), the database password hard-coded over the .env, migrations
at web start-up, one worker for OCR and SMS, nothing restarting a dead worker.
"""

import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
PORTAL = ("web", "worker", "worker-ocr", "beat", "migrate")


def test_customer_files_live_in_storage_shared_by_web_and_workers():
    for name in ("web", "worker", "worker-ocr"):
        env = SERVICES[name]["environment"]
        assert env["STORAGE_BACKEND"] == "s3" and env["STORAGE_S3_ENDPOINT_URL"].startswith(
            "http://minio:")
    assert "files:/data" in SERVICES["minio"]["volumes"] and "files" in COMPOSE["volumes"]


def test_no_secret_is_written_in_the_compose_file():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "portal:portal@" not in text and "POSTGRES_PASSWORD: portal" not in text
    for name in PORTAL:
        env = SERVICES[name].get("environment", {})
        assert "DATABASE_URL" not in env and not any("PASSWORD" in key or "SECRET" in key
                                                     for key in env)
        assert SERVICES[name]["env_file"] == ".env"
    assert SERVICES["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_migrations_are_a_one_off_job_before_web_and_workers():
    assert "migrate" in SERVICES["migrate"]["command"]
    assert "check --deploy" in SERVICES["migrate"]["command"]
    assert SERVICES["migrate"]["restart"] == "no"
    for name in ("web", "worker", "worker-ocr", "beat"):
        assert "migrate" not in SERVICES[name]["command"]
        assert SERVICES[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}
    assert "migrate" not in (ROOT / "Dockerfile").read_text().split("CMD")[-1]


def test_every_long_running_service_restarts_and_has_a_healthcheck():
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            continue
        assert service["restart"] == "unless-stopped", name
        assert "healthcheck" in service, name  # beat's says: no probe (not the image's)


def test_a_healthcheck_that_names_a_variable_runs_in_a_shell():
    """Before: ["CMD", …, "default@$$HOSTNAME"] pinged a worker named "default@$HOSTNAME"
    (no shell expands it): the workers were never healthy."""
    for name, service in SERVICES.items():
        test = service.get("healthcheck", {}).get("test", [])
        if any("$" in part for part in test):
            assert test[0] == "CMD-SHELL" and len(test) == 2, name
        # A single $ would be filled in by Compose from the operator's shell, not in the
        # container.
        assert "$" not in " ".join(test).replace("$$", ""), name


def test_each_worker_pings_its_own_node_name():
    for name in ("worker", "worker-ocr"):
        node = re.search(r"-n (\w+)@%h", SERVICES[name]["command"])[1]
        assert f"inspect ping -d {node}@$$HOSTNAME " in SERVICES[name]["healthcheck"]["test"][1]


def test_beat_does_not_inherit_the_images_http_probe():
    """Before: beat inherited the image's HEALTHCHECK (GET :8000/healthz/live), which it
    never serves: always unhealthy."""
    assert "HEALTHCHECK" in (ROOT / "Dockerfile").read_text()
    assert SERVICES["beat"]["healthcheck"] == {"disable": True}


def test_nothing_that_uses_the_bucket_starts_before_it_exists():
    """Before: web, workers and the deploy check could start before ``minio-bucket`` had
    created the bucket."""
    for name in PORTAL:
        assert SERVICES[name]["depends_on"]["minio-bucket"] == {
            "condition": "service_completed_successfully"}, name
    assert SERVICES["minio-bucket"]["restart"] == "no"


def test_workers_serve_their_metrics_on_a_port_of_their_own():
    for name in ("worker", "worker-ocr"):
        service = SERVICES[name]
        assert service["environment"]["PORTAL_WORKER_METRICS_PORT"] == "9808"
        assert service["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/metrics"
        assert any(port.startswith("127.0.0.1:") and port.endswith(":9808")
                   for port in service["ports"])


def test_ocr_has_its_own_worker_and_workers_are_memory_bounded():
    assert "-Q default,sms " in SERVICES["worker"]["command"]
    assert "-Q ocr " in SERVICES["worker-ocr"]["command"]
    for name in ("worker", "worker-ocr"):
        assert "--max-memory-per-child" in SERVICES[name]["command"]
    procfile = (ROOT / "Procfile").read_text()
    assert "-Q ocr " in procfile and "-Q default,sms " in procfile


def test_the_image_leaves_secrets_and_local_data_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "var/", ".venv/", ".git/"} <= set(ignored)


def test_the_deploy_check_runs_once_the_bucket_it_reads_exists():
    """It reads the file keys' record in the bucket and refuses (E004) when it cannot."""
    assert SERVICES["migrate"]["depends_on"]["minio-bucket"] == {
        "condition": "service_completed_successfully"}


# --- The healthchecks, run as the containers run them -----------------------------------------
# No Docker engine here: the services are started from their compose commands, with the
# documented .env (docs/operations.md, its "…" filled in) and the compose environment, and
# each healthcheck's command is run as Docker runs it. What only the compose network gives
# is replaced: the database (a SQLite file; the probes only ask it SELECT 1), Redis (one of
# the test's own), MinIO (a local folder) and the ports (free ones).

def documented_env() -> dict[str, str]:
    text = (ROOT / "docs" / "operations.md").read_text()
    block = text.split("Every secret comes from `.env`", 1)[1].split("```", 2)[1]
    env = {}
    for line in block.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        assert equals and " " not in key, f"not a line Compose reads: {line!r}"
        env[key] = value[1:-1] if value[:1] == value[-1:] == '"' and len(value) > 1 else value
    return env


def operator_values() -> dict[str, str]:
    """What an operator writes in place of each "…"."""
    import base64
    import secrets

    return {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "FILE_ENCRYPTION_KEYS": base64.b64encode(secrets.token_bytes(32)).decode(),
            "METRICS_TOKEN": secrets.token_urlsafe(24)}


def container_env(service: str, tmp_path: Path, redis_url: str,
                  database_url: str) -> dict[str, str]:
    import os
    import socket
    import sys

    filled = operator_values()
    env = {key: filled.get(key) or value.replace("…", "0123456789")
           for key, value in documented_env().items()}
    env.update({key: str(value) for key, value in SERVICES[service]["environment"].items()})
    metrics = tmp_path / "metrics"
    metrics.mkdir(exist_ok=True)
    env.update({
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": str(tmp_path), "HOSTNAME": socket.gethostname(),  # as Docker sets it
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url, "REDIS_CACHE_URL": redis_url[:-1] + "1",
        "STORAGE_BACKEND": "local", "STORAGE_LOCAL_ROOT": str(tmp_path / "files"),
        "PORTAL_VAR_DIR": str(tmp_path / "var"), "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    })
    return env


def stale_count(env: dict[str, str]) -> None:
    """A count left in the metrics folder by a process of an earlier run."""
    import subprocess

    subprocess.run(["python", "-c", "from prometheus_client import Counter; Counter("
                    "'portal_logins_total', 'x', ['outcome']).labels('stale').inc(7)"],
                   env=env, check=True, timeout=30)
    assert list(Path(env["PROMETHEUS_MULTIPROC_DIR"]).glob("counter_*.db"))


def run_healthcheck(test: list[str], env: dict[str, str], port_of_8000: int | None = None):
    """As Docker does: CMD runs the words, CMD-SHELL runs the string in ``sh -c``; Compose
    has turned every "$$" into "$" first."""
    import subprocess

    words = [word.replace("$$", "$") for word in test[1:]]
    if port_of_8000 is not None:
        words = [word.replace("127.0.0.1:8000", f"127.0.0.1:{port_of_8000}") for word in words]
    command = ["sh", "-c", words[0]] if test[0] == "CMD-SHELL" else words
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def scrape(port: int, token: str | None) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:  # nothing listens yet, or it does not answer in time
        return 0, ""


def wait_for(condition, timeout: float) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def web(tmp_path_factory, django_db_setup, django_db_blocker):
    """``web`` from its compose command (one worker process is enough to answer probes), on
    the test database (/metrics reads it)."""
    import shlex
    import subprocess

    from tests.services import RedisServer, database_url, free_port

    with django_db_blocker.unblock():
        database = database_url()
    tmp_path = tmp_path_factory.mktemp("web")
    redis = RedisServer(tmp_path).start()
    env = container_env("web", tmp_path, redis.url, database)
    stale_count(env)
    port = free_port()
    words = shlex.split(SERVICES["web"]["command"])
    words[words.index("--bind") + 1] = f"127.0.0.1:{port}"
    words[words.index("--workers") + 1] = "1"
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(words, env=env, cwd=ROOT, stdout=log.open("w"),
                              stderr=subprocess.STDOUT, start_new_session=True)

    def answers() -> bool:  # the master listens at once; its worker is ready later
        return scrape(port, None)[0] != 0 or server.poll() is not None

    try:
        assert wait_for(answers, 90) and server.poll() is None, log.read_text()[-3000:]
        yield {"port": port, "env": env, "log": log}
    finally:
        server.terminate()
        server.wait(timeout=30)
        redis.kill()


@pytest.mark.services
@pytest.mark.django_db  # the server reads the test database
def test_the_web_healthcheck_passes_with_the_documented_env(web):
    """Before: 400 (DJANGO_ALLOWED_HOSTS=portal.kpt.ch, probe sent to 127.0.0.1)."""
    assert web["env"]["DJANGO_ALLOWED_HOSTS"] == "portal.kpt.ch"
    ran = run_healthcheck(SERVICES["web"]["healthcheck"]["test"], web["env"], web["port"])
    assert ran.returncode == 0, ran.stderr + web["log"].read_text()[-2000:]


@pytest.mark.services
@pytest.mark.django_db  # the server reads the test database
def test_the_images_healthcheck_passes_too(web):
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = dockerfile.split("HEALTHCHECK", 1)[1].split(" CMD ", 1)[1].split("\n", 1)[0]
    ran = run_healthcheck(["CMD-SHELL", command], web["env"], web["port"])  # shell form
    assert ran.returncode == 0, ran.stderr


@pytest.mark.services
@pytest.mark.django_db  # the server reads the test database
def test_gunicorn_empties_the_metrics_folder_at_start_and_adds_up_its_workers(web):
    run_healthcheck(SERVICES["web"]["healthcheck"]["test"], web["env"], web["port"])
    token = web["env"]["METRICS_TOKEN"]
    assert scrape(web["port"], None)[0] == 404
    status, body = scrape(web["port"], token)
    assert status == 200
    assert 'portal_http_requests_total{method="GET",status="2xx",view="healthz_ready"}' in body
    assert 'outcome="stale"' not in body  # the earlier run's count is gone


@pytest.mark.services
def test_a_worker_started_as_compose_starts_it_passes_its_healthcheck_and_serves_metrics(
        tmp_path):
    """Before: the ping named the node "default@$HOSTNAME", literally, and failed."""
    import os
    import shlex
    import signal
    import subprocess

    from tests.services import RedisServer, free_port

    redis = RedisServer(tmp_path).start()
    env = container_env("worker", tmp_path, redis.url, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    stale_count(env)
    env["PORTAL_WORKER_METRICS_PORT"] = str(free_port())
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(shlex.split(SERVICES["worker"]["command"]), env=env, cwd=ROOT,
                              stdout=log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        assert wait_for(lambda: " ready." in log.read_text() or worker.poll() is not None,
                        90), log.read_text()[-3000:]
        ran = run_healthcheck(SERVICES["worker"]["healthcheck"]["test"], env)
        assert ran.returncode == 0, ran.stdout + ran.stderr + log.read_text()[-3000:]
        assert f"default@{env['HOSTNAME']}: OK" in ran.stdout
        port = int(env["PORTAL_WORKER_METRICS_PORT"])
        assert scrape(port, None)[0] == 404
        status, body = scrape(port, env["METRICS_TOKEN"])
        assert status == 200 and 'outcome="stale"' not in body
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        redis.kill()
