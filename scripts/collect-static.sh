#!/usr/bin/env bash
# The static files as production serves them (WhiteNoise's hashed manifest), built with the
# production settings. The Dockerfile and CI both run this, so CI proves what the image ships.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}
# Collecting needs DEBUG off but none of the production secrets: throwaway values stand in
# for them during the build only (they are never stored in the image or used to serve).
export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-$($python -c 'import secrets; print(secrets.token_urlsafe(50))')}"
export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-build.invalid}"
export REDIS_CACHE_URL="${REDIS_CACHE_URL:-redis://build.invalid:6379/0}"
export FILE_ENCRYPTION_KEYS="${FILE_ENCRYPTION_KEYS:-$($python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')}"
$python manage.py compilemessages --ignore=.venv -v 0
$python manage.py collectstatic --noinput -v 0
