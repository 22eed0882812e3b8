import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_django(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FILE_ENC"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )


@pytest.fixture(autouse=True)
def _empty_file_storage(tmp_path, monkeypatch):
    """The deploy check reads the file keys' record in the storage: an empty one here, not
    whatever a portal run locally left in var/private."""
    monkeypatch.setenv("STORAGE_LOCAL_ROOT", str(tmp_path / "files"))


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "t3st-Only_" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
    "DJANGO_ALLOWED_HOSTS": "portal.kpt.example",
    "FILE_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1rZXktZm9yLXRlc3RzLW9ubHktMzI=",
    "SMS_BACKEND": "twilio",
    "TWILIO_ACCOUNT_SID": "AC-test", "TWILIO_AUTH_TOKEN": "test", "TWILIO_FROM": "+41440000000",
    "PORTAL_BASE_URL": "https://portal.kpt.example",
    "DJANGO_ADMINS": "Ops <ops@kpt.example>",
    "REDIS_CACHE_URL": "redis://127.0.0.1:6379/1",
}


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS"),
        ("FILE_ENCRYPTION_KEYS", "FILE_ENCRYPTION_KEYS"),
    ],
)
def test_production_refuses_to_start_without_each_required_variable(missing, named):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_django(env, "check")
    assert result.returncode != 0
    assert named in result.stderr
    assert "Refusing to start with DJANGO_DEBUG=0" in result.stderr


def test_production_refuses_to_start_without_a_shared_cache():
    # Per-process memory: two workers would each keep their own login steps.
    # Empty, not absent: the services pass has both variables in its own environment.
    result = run_django({**PRODUCTION, "REDIS_CACHE_URL": "", "REDIS_URL": ""}, "check")
    assert result.returncode != 0
    assert "REDIS_CACHE_URL" in result.stderr and "Refusing to start" in result.stderr


def test_production_refuses_the_development_secret_key():
    result = run_django({**PRODUCTION, "DJANGO_SECRET_KEY":
                         "dev-only-insecure-key-never-use-in-production"}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_env_bool_rejects_nonsense(monkeypatch):
    from core.env import env_bool

    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ValueError, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    from core.env import env_str

    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    monkeypatch.setenv("MY_SECRET_FILE", str(secret))
    assert env_str("MY_SECRET", "default") == "from-file"


@pytest.mark.parametrize("backend", ["console", "locmem"])
def test_production_refuses_to_start_with_a_development_sms_backend(backend):
    """Before: only a deploy-check warning, and login codes went into the logs."""
    result = run_django({**PRODUCTION, "SMS_BACKEND": backend}, "check")
    assert result.returncode != 0
    assert f"SMS_BACKEND={backend} is a development backend" in result.stderr


def test_the_deploy_check_warns_about_links_that_are_not_https():
    env = {**PRODUCTION, "PORTAL_BASE_URL": "http://127.0.0.1:8000"}
    result = run_django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "kptportal.W002" in result.stderr + result.stdout


@pytest.mark.parametrize("name", ["kptportal", "portal", "postgres", "kpt_benchmark-x"])
def test_bench_loaddata_refuses_a_database_that_is_not_a_benchmark_one(name):
    from django.core.management import CommandError

    from kptportal.management.commands.bench_loaddata import refuse_real_database

    with pytest.raises(CommandError, match="benchmark"):
        refuse_real_database(name, debug=True)
    refuse_real_database("kpt_bench_2000", debug=True)
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        refuse_real_database("kpt_bench_2000", debug=False)


def test_the_deploy_check_warns_when_nobody_is_mailed_server_errors():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_ADMINS"}
    result = run_django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "kptportal.W003" in result.stderr + result.stdout


def test_production_refuses_passkey_origins_outside_the_relying_party():
    result = run_django({**PRODUCTION, "PASSKEY_ORIGINS": "https://other.example"}, "check")
    assert result.returncode != 0
    assert "PASSKEY_ORIGINS" in result.stderr and "Refusing to start" in result.stderr


def test_production_keeps_its_database_connection_between_requests_and_checks_it():
    # Opening a PostgreSQL connection costs more than a page's queries; a kept one is checked
    # before a request uses it, so a database restart costs no customer a failed request.
    code = ("from django.conf import settings; d = settings.DATABASES['default']; "
            "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], d['OPTIONS']['keepalives'])")
    result = run_django({**PRODUCTION, "DATABASE_URL": "postgres://u:p@db.example:5432/kpt"},
                        "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["300", "True", "1"]
