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


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "t3st-Only_" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
    "DJANGO_ALLOWED_HOSTS": "portal.kpt.example",
    "FILE_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1rZXktZm9yLXRlc3RzLW9ubHktMzI=",
    "SMS_BACKEND": "twilio",
    "TWILIO_ACCOUNT_SID": "AC-test", "TWILIO_AUTH_TOKEN": "test", "TWILIO_FROM": "+41440000000",
    "PORTAL_BASE_URL": "https://portal.kpt.example",
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


def test_production_refuses_the_development_secret_key():
    result = run_django({**PRODUCTION, "DJANGO_SECRET_KEY":
                         "dev-only-insecure-key-never-use-in-production"}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_env_bool_rejects_nonsense(monkeypatch):
    from kptportal.env import env_bool

    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ValueError, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    from kptportal.env import env_str

    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    monkeypatch.setenv("MY_SECRET_FILE", str(secret))
    assert env_str("MY_SECRET", "default") == "from-file"


def test_the_deploy_check_warns_about_development_sms_and_links():
    env = {**PRODUCTION, "SMS_BACKEND": "console", "PORTAL_BASE_URL": "http://127.0.0.1:8000"}
    result = run_django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "kptportal.W001" in result.stderr + result.stdout
    assert "kptportal.W002" in result.stderr + result.stdout
