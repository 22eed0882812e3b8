#!/usr/bin/env bash
# The production shape, built the way the Dockerfile builds it (scripts/collect-static.sh),
# served by gunicorn with DJANGO_DEBUG=0: the login page and its static files must answer.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PRODUCTION_SHAPE_PORT:-8766}"
base="http://127.0.0.1:${port}"
scratch="$(mktemp -d)"
export PATH="$PWD/.venv/bin:$PATH"

export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export FILE_ENCRYPTION_KEYS="$(python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
export PORTAL_VAR_DIR="${scratch}/var"
export DATABASE_URL="sqlite:///${scratch}/db.sqlite3"
export PORTAL_BASE_URL="https://portal.example"
# Production refuses to start without the cache its workers share (Redis database 9 here).
export REDIS_URL="" REDIS_CACHE_URL="${PRODUCTION_SHAPE_CACHE:-redis://127.0.0.1:6379/9}"
# Production refuses the development SMS backends; nothing is sent here (no login).
export SMS_BACKEND=twilio TWILIO_ACCOUNT_SID=AC-ci TWILIO_AUTH_TOKEN=ci TWILIO_FROM=+41440000000

PYTHON=python scripts/collect-static.sh
python manage.py migrate --noinput -v 0
gunicorn kptportal.wsgi --bind "127.0.0.1:${port}" --workers 2 >"${scratch}/gunicorn.log" 2>&1 &
server=$!
trap 'kill ${server} 2>/dev/null || true' EXIT

# The load balancer terminates TLS and says so in X-Forwarded-Proto.
https=(-H "X-Forwarded-Proto: https")
for _ in $(seq 1 60); do
  curl -s -o /dev/null "${https[@]}" "${base}/healthz" && break
  sleep 0.5
done
# The probes answer plain HTTP (no redirect to HTTPS), liveness and readiness.
for probe in /healthz/live /healthz/ready; do
  status=$(curl -s -o /dev/null -w '%{http_code}' "${base}${probe}")
  if [ "${status}" != "200" ]; then
    echo "${probe} answered ${status} to a plain-HTTP probe" >&2
    exit 1
  fi
done
status=$(curl -s -o "${scratch}/login.html" -w '%{http_code}' "${https[@]}" "${base}/login/")
if [ "${status}" != "200" ]; then
  echo "/login/ answered ${status} with DJANGO_DEBUG=0 under gunicorn" >&2
  tail -40 "${scratch}/gunicorn.log" >&2
  exit 1
fi
# The page must reference the hashed files of the manifest, and they must be served.
css=$(grep -o '/static/css/portal\.[0-9a-f]\{12\}\.css' "${scratch}/login.html" | head -1)
if [ -z "${css}" ]; then
  echo "/login/ does not reference the manifest's hashed stylesheet" >&2
  exit 1
fi
status=$(curl -s -o /dev/null -w '%{http_code}' "${https[@]}" "${base}${css}")
if [ "${status}" != "200" ]; then
  echo "${css} answered ${status}" >&2
  exit 1
fi
echo "production shape: /login/ 200, ${css} 200 (DJANGO_DEBUG=0, gunicorn)"
