"""Settings of the KPT customer portal.

Everything that differs between a laptop and production comes from environment
variables (see README). The defaults work with nothing installed: SQLite and files
under ``var/``, Celery tasks run eagerly, SMS printed to standard output. With
``DJANGO_DEBUG=0`` the portal refuses to start on any development default.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.broker import redis_transport_options
from core.env import env_bool, env_float, env_int, env_list, env_str
from core.relying_party import mismatches, origin_for, rp_id_for

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))


def _folder(path: Path) -> Path:
    """A folder the development defaults write to (SQLite, files, the embedded broker):
    created here, so a fresh clone needs nothing done by hand."""
    path.mkdir(parents=True, exist_ok=True)
    return path


# Development-only values: production refuses to start while any of them is in use.
DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
DEV_FILE_ENCRYPTION_KEY = "ZGV2LW9ubHkta2V5LW5ldmVyLWluLXByb2R1Y3Rpb24="  # dev only

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
DEV_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", DEV_HOSTS if DEBUG else [])
FILE_ENCRYPTION_KEYS = env_list("FILE_ENCRYPTION_KEYS", [DEV_FILE_ENCRYPTION_KEY] if DEBUG else [])
# The reader of the first file format ("KPTE"); switched off once no file needs it.
FILE_ENCRYPTION_READ_LEGACY = env_bool("FILE_ENCRYPTION_READ_LEGACY", True)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])


def _refuse_development_defaults() -> None:
    """Stop a production start that would run on a development value."""
    problems = []
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        problems.append("DJANGO_SECRET_KEY must be set to a random value of 40+ characters")
    if not ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS must list the portal's host names")
    if not FILE_ENCRYPTION_KEYS or DEV_FILE_ENCRYPTION_KEY in FILE_ENCRYPTION_KEYS:
        problems.append("FILE_ENCRYPTION_KEYS must hold at least one production key")
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start with DJANGO_DEBUG=0: " + "; ".join(problems) + "."
        )


if not DEBUG:
    _refuse_development_defaults()

INSTALLED_APPS = [
    "core.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    # Passkeys (WebAuthn credentials as django-otp devices); the portal serves its own views.
    "django_otp_webauthn",
    "two_factor",
    "axes",
    "csp",
    # The house, bottom to top (design.md; the import contract in .importlinter holds it).
    "core",
    "audit",
    "accounts",
    "notifications",
    "policies",
    "documents",
    "messaging",
    "claims",
    "exports",
    "pwa",
    "customer_requests",
    "kptportal",
]

MIDDLEWARE = [
    # First: every later log line of the request carries its id.
    "core.observability.RequestIdMiddleware",
    "core.metrics.RequestMetricsMiddleware",
    # The probes and the scraper are answered whatever Host they send (the container's
    # address): PROBE_PATHS below.
    "core.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    # Cache-Control: private, no-store on everything personal; outside the session middleware.
    "core.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    # The password asked again too often wrong: the session ends (accounts.password_recheck).
    "accounts.middleware.RecheckLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Lists the logged-in browsers on the profile.
    "accounts.session_tracking.SessionTrackingMiddleware",
    # A file under a key this process does not hold yet: a clear 503, not a 500.
    "core.middleware.FileKeyUnavailableMiddleware",
]

ROOT_URLCONF = "kptportal.urls"
WSGI_APPLICATION = "kptportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Parsed once per process, in development too (Django's autoreloader empties
            # the cache when a template changes): a page never re-reads its templates.
            "loaders": [("django.template.loaders.cached.Loader", [
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ])],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kptportal.context_processors.portal",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
_SERVER_DATABASE = bool(DATABASE_URL) and not DATABASE_URL.startswith("sqlite")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{_folder(VAR_DIR) / 'db.sqlite3'}",
        # A server database keeps each process' connection between requests: opening one
        # (TCP, authentication, backend start) costs more than a whole page's queries.
        # SQLite (the quick start) opens a file: nothing to keep. A kept connection is checked
        # (one `SELECT 1`) before a request's first query: after a database restart or
        # failover a dropped connection would otherwise fail one request per process, a
        # customer's upload among them. Keep the age below any proxy's idle timeout.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 300 if _SERVER_DATABASE else 0),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", _SERVER_DATABASE),
    )
}
if _SERVER_DATABASE and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # TCP keepalives: a connection silently dropped by a NAT or load balancer is noticed in
    # about 90 s instead of hanging a request until the worker's timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10,
        "keepalives_count": 3})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The quick start's web server, worker and beat write to one file: a transaction takes
    # the write lock when it begins (and waits for it up to 20 s) instead of failing with
    # "database is locked" when a read inside it turns into a write; readers never wait (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE", "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
# The cache (sessions, rate limits) may live in its own Redis database.
REDIS_CACHE_URL = env_str("REDIS_CACHE_URL", REDIS_URL)
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, falling back to process memory while Redis is down.
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "kpt",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if not DEBUG and not REDIS_CACHE_URL:
    # Each gunicorn worker would keep its own sessions and login steps: a login's code step
    # landing on another worker would start over.
    raise ImproperlyConfigured(
        "Refusing to start with DJANGO_DEBUG=0: REDIS_CACHE_URL (or REDIS_URL) must point at "
        "the cache all workers share (sessions, login steps)."
    )

# --- Files -------------------------------------------------------------------------
# "private" holds customer files (documents, claim pages, attachments): never served
# directly, only through views that check the household and write the audit log.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local")  # local | s3
STORAGE_LOCAL_ROOT = Path(env_str("STORAGE_LOCAL_ROOT", str(VAR_DIR / "private")))
if STORAGE_BACKEND == "s3":
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("STORAGE_S3_BUCKET", ""),
            "endpoint_url": env_str("STORAGE_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("STORAGE_S3_REGION", "eu-central-2"),
            "access_key": env_str("STORAGE_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("STORAGE_S3_SECRET_ACCESS_KEY", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            # Downloads spool to disk beyond this size instead of living in memory.
            "max_memory_size": 2_621_440,
        },
    }
elif STORAGE_BACKEND == "local":
    _folder(STORAGE_LOCAL_ROOT)
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": STORAGE_LOCAL_ROOT, "base_url": None},
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'.")

# Customer files are encrypted at rest (Tink streaming AEAD, FILE_ENCRYPTION_KEYS) around it.
_encrypted_private_storage = {
    "BACKEND": "core.encrypted_storage.EncryptedStorage",
    "OPTIONS": {"backend": _private_storage["BACKEND"], "options": _private_storage["OPTIONS"]},
}

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": _private_storage,
    "private": _encrypted_private_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "core.static_storage.RememberingManifestStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880

# --- Celery ------------------------------------------------------------------------
# Production: Redis. Development: kombu's filesystem transport under var/broker, a broker that
# needs no server, with the worker `make run` starts beside the web server, so slow work (the
# invoice intake) never runs inside a request there either. The test suite runs tasks eagerly
# (conftest.py); CELERY_TASK_ALWAYS_EAGER=1 does the same anywhere.
# A broker that does not answer must cost a request about a second, never a minute: every
# socket operation and connection has a short timeout and a publish is tried once (the outbox,
# core.outbox, keeps the task and its relay sends it later). The worker's long BRPOP is
# watched by kombu's health check instead of the socket timeout.
BROKER_TIMEOUT_SECONDS = env_float("CELERY_BROKER_TIMEOUT_SECONDS", 0.5)
# Unacknowledged messages (a worker killed mid-task) go back to the queue after this long.
# Longer than the longest task (the intake's hard limit) plus a retry's countdown (≤ 10 min):
# nothing waits in Redis with a longer countdown (follow-ups are planned in the outbox).
BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 15 * 60)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = redis_transport_options(
        BROKER_TIMEOUT_SECONDS, BROKER_VISIBILITY_TIMEOUT)
    CELERY_REDIS_SOCKET_TIMEOUT = BROKER_TIMEOUT_SECONDS
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_TIMEOUT_SECONDS
    CELERY_REDIS_RETRY_ON_TIMEOUT = False
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 0}}
else:
    _broker = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_folder(_broker / "queue")),
        "data_folder_out": str(_broker / "queue"),
        "control_folder": str(_folder(_broker / "control")),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_folder(_broker / 'results')}"
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Zurich"
# Every task has a time limit: a stuck one is interrupted (soft: an exception it can clean
# up after) and then killed (hard), its worker replaced. The intake gets more (OCR of a
# multi-page PDF); docs/operations.md gives the measured times.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 150)
INTAKE_SOFT_TIME_LIMIT = env_int("INTAKE_SOFT_TIME_LIMIT", 240)
INTAKE_TIME_LIMIT = env_int("INTAKE_TIME_LIMIT", 300)
# A worker child that grew past this (KiB) is replaced after its task (PDF rendering, OCR).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 200)
# Queue per kind of work: SMS must not wait behind a burst of OCR; ``ocr`` has its own worker.
CELERY_TASK_ROUTES = {
    "core.tasks.deliver_sms": {"queue": "sms"},
    "claims.tasks.run_intake": {"queue": "ocr"},
}
# The outbox (core.outbox) presumes a published task lost (and publishes it again) when it
# has not started after this many seconds in its queue: an hour for quick jobs and SMS (a
# worker outage longer than that is an incident: portal_outbox_tasks alerts first); six hours
# for the intake, whose single OCR process may have a morning's backlog ahead of it (1,800
# photographed pages at ~12 s). Once started, a task is never sent again while its retries
# go on (core.outbox.SILENT_AFTER). docs/operations.md, "Queued work".
OUTBOX_NEVER_STARTED_AFTER = {
    "*": env_int("OUTBOX_NEVER_STARTED_AFTER", 60 * 60),
    "claims.tasks.run_intake": env_int("OUTBOX_INTAKE_NEVER_STARTED_AFTER", 6 * 60 * 60),
}
CELERY_TASK_ANNOTATIONS = {
    "claims.tasks.run_intake": {"soft_time_limit": INTAKE_SOFT_TIME_LIMIT,
                                "time_limit": INTAKE_TIME_LIMIT},
}

# --- SMS ---------------------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "console")  # console | locmem | twilio
# Every valid password-reset request answers after this long, matched or not (equal timing).
PASSWORD_RESET_ANSWER_SECONDS = env_int("PASSWORD_RESET_ANSWER_MS", 400) / 1000
# A new password chosen with the SMS code alone (no authenticator, backup code or passkey)
# takes effect after this many hours, announced on every channel: the owner of a swapped SIM
# has that long to cancel it (accounts.delayed_reset, docs/security.md).
PASSWORD_RESET_DELAY_HOURS = env_int("PASSWORD_RESET_DELAY_HOURS", 48)
# Every SMS sent in 24 hours, all purposes together (core.sms.send_sms refuses beyond).
SMS_DAILY_LIMIT = env_int("SMS_DAILY_LIMIT", 5000)
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = env_str("TWILIO_FROM", "")
if not DEBUG and SMS_BACKEND in {"console", "locmem"}:
    # A console backend prints login codes into the logs: never in production.
    raise ImproperlyConfigured(
        f"Refusing to start with DJANGO_DEBUG=0: SMS_BACKEND={SMS_BACKEND} is a development "
        "backend (login codes would be printed); set SMS_BACKEND=twilio and TWILIO_*."
    )
if SMS_BACKEND == "twilio" and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM):
    raise ImproperlyConfigured(
        "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM."
    )

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@kpt.example")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# --- Authentication ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the household with the user (sessions name it: a session
    # opened under another backend's name is logged out once).
    "accounts.backends.PortalModelBackend",
]
LOGIN_URL = "accounts:login"
TWO_FACTOR_LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id at OWASP's minimum (core/hashers.py); stored PBKDF2 hashes and Argon2 hashes with
# other parameters still verify and are re-hashed at the next login.
PASSWORD_HASHERS = env_list(
    "DJANGO_PASSWORD_HASHERS",
    [
        "core.hashers.PortalArgon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ],
)

TWO_FACTOR_PATCH_ADMIN = False
PHONENUMBER_DEFAULT_REGION = "CH"
OTP_TOTP_ISSUER = "KPT portal"

AXES_FAILURE_LIMIT = 5
# Lock a contract from one address after 5 wrong passwords or codes there: nobody elsewhere can
# lock its owner out. The contract-wide and address-wide limits, far above typing mistakes,
# are accounts.lockout's (docs/security.md, "Lockout and limits").
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out_response"  # the page says when it ends
AXES_USERNAME_FORM_FIELD = "auth-username"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from_request"
AXES_COOLOFF_TIME = "accounts.lockout.cooloff_for"  # 15 min, doubling per pair's lock in 7 d
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ONLY_ADMIN_SITE = False
# Behind a load balancer, the client's address is the last entry it adds to X-Forwarded-For:
# set the number of trusted proxies so rate limits, lockouts and the audit log see visitors,
# not the balancer.
# One function decides the address for all three (axes included).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "core.net.client_network"
TWO_FACTOR_LOGIN_TIMEOUT = 600

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute limit; the idle limit is enforced per request
SESSION_IDLE_TIMEOUT = 15 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("de", "Deutsch"), ("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "Europe/Zurich"
USE_I18N = True
USE_TZ = True

# --- Production hardening -----------------------------------------------------------
# Reached by the container's address, in plain HTTP: no host check, no redirect to HTTPS.
PROBE_PATHS = ["/healthz", "/healthz/live", "/healthz/ready", "/metrics"]
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The probes come from inside (load balancer, orchestrator) in plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$", r"^metrics$"]
    SECURE_HSTS_SECONDS = 63_072_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_CONTENT_TYPE_NOSNIFF = True
# A strict Content-Security-Policy: no inline script or style anywhere, no third party.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def parse_admins(raw: str) -> list[tuple[str, str]]:
    """``"Ops <ops@kpt.ch>, b@kpt.ch"`` → ``[("Ops", "ops@kpt.ch"), ("", "b@kpt.ch")]``."""
    from email.utils import getaddresses

    admins = [(name, address) for name, address in getaddresses([raw]) if address]
    invalid = [address for _name, address in admins if "@" not in address]
    if invalid:
        raise ImproperlyConfigured(f"DJANGO_ADMINS: not an e-mail address: {invalid[0]!r}")
    return admins


# Who gets a mail for each server error (a 500) when DEBUG is off: the traceback, the method,
# path and user id, never the request's data (core.error_reports). Unset: errors are
# only logged.
ADMINS = parse_admins(env_str("DJANGO_ADMINS", ""))
SERVER_EMAIL = env_str("DJANGO_SERVER_EMAIL", DEFAULT_FROM_EMAIL)


def logging_config(admins: list[tuple[str, str]], level: str,
                   json_lines: bool = False) -> dict[str, Any]:
    """The root console (JSON lines with the request id in production, plain text on a
    laptop); with ``admins``, also a mail per server error when DEBUG is off."""
    operators = ["mail_admins"] if admins else []
    handlers: dict[str, dict[str, Any]] = {
        "console": {"class": "logging.StreamHandler",
                    "formatter": "json" if json_lines else "plain",
                    "filters": ["context"]}}
    if admins:
        handlers["mail_admins"] = {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false"],
            "reporter_class": "core.error_reports.OperatorErrorReporter",
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
                    "context": {"()": "core.observability.ContextFilter"}},
        "handlers": handlers,
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Replaces Django's own "django" logger setup: records go to the root console,
            # and by mail to the operators only when there are some.
            "django": {"handlers": operators, "level": "INFO", "propagate": True},
            "django.request": {"level": "ERROR"},
            # Bad Host headers come from scanners: logged, not mailed.
            "django.security.DisallowedHost": {"handlers": ["console"], "propagate": False},
            # The Twilio client logs every request at INFO; failures reach us as exceptions.
            "twilio.http_client": {"level": "WARNING"},
        },
    }


LOGGING = logging_config(ADMINS, env_str("LOG_LEVEL", "INFO"),
                         json_lines=env_str("LOG_FORMAT", "plain" if DEBUG else "json") == "json")
# The worker logs through the same configuration (JSON, with task names and request ids).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error reports (Sentry) when a DSN is configured; nothing is sent otherwise.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from core.observability import init_error_reports

    init_error_reports(SENTRY_DSN, env_str("SENTRY_ENVIRONMENT", "production"),
                       env_str("PORTAL_RELEASE", ""))
# Prometheus: /metrics for the scraper only (a bearer token), per-process counters merged
# through PROMETHEUS_MULTIPROC_DIR under gunicorn (docs/operations.md).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# A Celery worker serves its own counters (SMS, task outcomes) on this port; 0: not at all.
WORKER_METRICS_PORT = env_int("PORTAL_WORKER_METRICS_PORT", 0)
# The local host unless the scraper reaches the worker over a network (a container's port).
WORKER_METRICS_ADDRESS = env_str("PORTAL_WORKER_METRICS_ADDRESS", "127.0.0.1")

PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# --- Passkeys (WebAuthn, accounts/passkeys.py) ------------------------------------------
# The relying party ID (the domain passkeys are bound to) and the origins pages are served
# from, both derived from PORTAL_BASE_URL: https://portal.kpt.example gives the ID
# portal.kpt.example and that origin. In development (http://127.0.0.1:8000) the ID is
# "localhost" (browsers refuse IP addresses): open the portal at http://localhost:8000; any
# port of localhost is accepted then (the test servers pick their own).
PASSKEY_RP_ID = env_str("PASSKEY_RP_ID", rp_id_for(PORTAL_BASE_URL))
PASSKEY_ORIGINS = env_list("PASSKEY_ORIGINS", [origin_for(PORTAL_BASE_URL)])
# Production refuses origins the browser would never sign for; a development relying party
# (localhost) is a warning of `manage.py check --deploy` (kptportal.W005).
if not DEBUG and (_passkey_problems := mismatches(PASSKEY_RP_ID, PASSKEY_ORIGINS)):
    raise ImproperlyConfigured(
        "Refusing to start with DJANGO_DEBUG=0: " + "; ".join(_passkey_problems) + "."
    )
OTP_WEBAUTHN_RP_ID = PASSKEY_RP_ID
OTP_WEBAUTHN_RP_NAME = "KPT"
OTP_WEBAUTHN_ALLOWED_ORIGINS = PASSKEY_ORIGINS
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.PortalWebAuthnHelper"
# How long the browser may take, and how long a started registration or login stays valid.
OTP_WEBAUTHN_TIMEOUT_SECONDS = 300
PORTAL_HEALTHZ_DEEP = env_bool("PORTAL_HEALTHZ_DEEP", not DEBUG)
PORTAL_NAME = _("KPT portail clients")

# The insurance card and the emergency numbers shown with it (and on the offline page).
INSURANCE_CARD_INSURER_NAME = env_str("INSURANCE_CARD_INSURER_NAME", "KPT Krankenkasse AG")
INSURANCE_CARD_INSURER_NUMBER = env_str("INSURANCE_CARD_INSURER_NUMBER", "00376")
# Placeholders for development: production sets the insurer's real 24-hour lines.
ASSISTANCE_PHONE = env_str("ASSISTANCE_PHONE", "+41 58 310 00 00")
MEDICAL_ADVICE_PHONE = env_str("MEDICAL_ADVICE_PHONE", "+41 58 310 00 01")
# How long a device that the customer allowed keeps the card offline before it is wiped.
INSURANCE_CARD_OFFLINE_DAYS = env_int("INSURANCE_CARD_OFFLINE_DAYS", 30)
