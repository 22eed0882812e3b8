FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OMP_THREAD_LIMIT=1
RUN apt-get update && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-fra tesseract-ocr-deu tesseract-ocr-ita gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# The production manifest of static files (the same script CI runs on every change).
RUN scripts/collect-static.sh
RUN useradd --system --uid 1000 portal && mkdir -p /app/var /tmp/metrics \
    && chown portal /app/var /tmp/metrics
USER portal
EXPOSE 8000
# Liveness only: readiness (database, storage) is the orchestrator's business (/healthz/ready).
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz/live', timeout=2).status != 200)"
# Migrations never run here: they are a one-off job before the new release starts
# (docker-compose.yml's `migrate`, docs/operations.md).
CMD ["gunicorn", "kptportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30", "--access-logfile", "-"]
