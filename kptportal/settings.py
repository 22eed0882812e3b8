"""Settings of the KPT customer portal.

Everything that differs between a laptop and production comes from environment
variables (see README). The defaults work with nothing installed: SQLite and files
under ``var/``, Celery tasks run eagerly, SMS printed to standard output. With
``DJANGO_DEBUG=0`` the portal refuses to start on any development default.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kptportal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

# Development-only values: production refuses to start while any of them is in use.
DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
DEV_FILE_ENCRYPTION_KEY = "ZGV2LW9ubHkta2V5LW5ldmVyLWluLXByb2R1Y3Rpb24="  # dev only

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
DEV_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", DEV_HOSTS if DEBUG else [])
FILE_ENCRYPTION_KEYS = env_list("FILE_ENCRYPTION_KEYS", [DEV_FILE_ENCRYPTION_KEY] if DEBUG else [])
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
    "kptportal.apps.PortalAdminConfig",
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
    "two_factor",
    "axes",
    "csp",
    "kptportal",
    "accounts",
    "policies",
    "documents",
    "claims",
    "messaging",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "kptportal.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Lists the logged-in browsers on the profile (issue 6).
    "accounts.session_tracking.SessionTrackingMiddleware",
]

ROOT_URLCONF = "kptportal.urls"
WSGI_APPLICATION = "kptportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
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
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
# The cache (sessions, rate limits) may live in its own Redis database.
REDIS_CACHE_URL = env_str("REDIS_CACHE_URL", REDIS_URL)
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, falling back to process memory while Redis is down.
            "BACKEND": "kptportal.cache.ResilientRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "kpt",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": STORAGE_LOCAL_ROOT, "base_url": None},
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'.")

# Customer files are encrypted at rest (AES-GCM, FILE_ENCRYPTION_KEYS) around that backend.
_encrypted_private_storage = {
    "BACKEND": "kptportal.encrypted_storage.EncryptedStorage",
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
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880

# --- Celery ------------------------------------------------------------------------
# Without a broker, tasks run eagerly inside the request so development needs nothing.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
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
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "Europe/Zurich"
# Queue per kind of work: SMS must not wait behind a burst of OCR.
CELERY_TASK_ROUTES = {
    "kptportal.tasks.deliver_sms": {"queue": "sms"},
    "claims.tasks.run_intake": {"queue": "ocr"},
}

# --- SMS ---------------------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "console")  # console | locmem | twilio
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = env_str("TWILIO_FROM", "")
if SMS_BACKEND == "twilio" and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM):
    raise ImproperlyConfigured(
        "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM."
    )

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@kpt.example")

# --- Authentication ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
PASSWORD_HASHERS = env_list(
    "DJANGO_PASSWORD_HASHERS",
    [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ],
)

TWO_FACTOR_SMS_GATEWAY = "accounts.gateways.PortalSMSGateway"
TWO_FACTOR_PATCH_ADMIN = False
PHONENUMBER_DEFAULT_REGION = "CH"
OTP_TOTP_ISSUER = "KPT portal"

AXES_FAILURE_LIMIT = 5
# Lock a contract after 5 wrong passwords from anywhere (a botnet cannot spread its guesses),
# and an address after 5 failures on any contracts (credential stuffing from one place).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "auth-username"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from_request"
AXES_COOLOFF_TIME = "accounts.lockout.cooloff_for"  # 15 min, doubling per lock in 7 days
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ONLY_ADMIN_SITE = False
# Behind a load balancer, the client's address is the last entry it adds to X-Forwarded-For:
# set the number of trusted proxies so rate limits, lockouts and the audit log see visitors,
# not the balancer.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
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
FORMAT_MODULE_PATH = ["kptportal.formats"]
TIME_ZONE = "Europe/Zurich"
USE_I18N = True
USE_TZ = True

# --- Production hardening -----------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # The Twilio client logs every request at INFO; failures reach us as exceptions.
        "twilio.http_client": {"level": "WARNING"},
    },
}

PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
PORTAL_HEALTHZ_DEEP = env_bool("PORTAL_HEALTHZ_DEEP", not DEBUG)
PORTAL_NAME = _("KPT portail clients")
