#!/usr/bin/env bash
# The README's quick start as a newcomer meets it: `make run` in the background, exactly as
# written, then the tour in Chromium (scripts/quickstart_smoke.py), then the server is stopped.
# Run it on a fresh clone: nothing may be prepared by hand first.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${QUICKSTART_PORT:-8000}"
base="http://127.0.0.1:${port}"
log="$(mktemp -d)/make-run.log"

if curl -s -o /dev/null "${base}/"; then
  echo "Port ${port} is already taken: stop what runs there or set QUICKSTART_PORT." >&2
  exit 1
fi

started=$(date +%s)
setsid make run PORT="${port}" >"${log}" 2>&1 &
group=$!
stop() {
  kill -TERM -- "-${group}" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 -- "-${group}" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL -- "-${group}" 2>/dev/null || true
}
trap stop EXIT

# `make run` installs first: on a fresh machine that takes minutes.
until curl -sf -o /dev/null "${base}/healthz"; do
  if ! kill -0 "${group}" 2>/dev/null; then
    echo "make run stopped before serving; its last lines:" >&2
    tail -40 "${log}" >&2
    exit 1
  fi
  if (( $(date +%s) - started > 1800 )); then
    echo "make run did not serve ${base}/healthz within 30 minutes" >&2
    tail -40 "${log}" >&2
    exit 1
  fi
  sleep 2
done
echo "make run served /healthz after $(( $(date +%s) - started )) s"

if ! .venv/bin/python scripts/quickstart_smoke.py --base "${base}" --log "${log}"; then
  echo "The console of make run, last lines:" >&2
  tail -60 "${log}" >&2
  exit 1
fi
