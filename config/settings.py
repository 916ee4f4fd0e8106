"""Matchday settings: one file, driven by environment variables (see README, "Configuration").

Development defaults need nothing installed: SQLite under var/, tasks run in-process,
mail printed to the console. Production is switched on by variables, never by a fork
of this file.
"""

import base64
import hashlib
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")
    SECRET_KEY = "matchday-insecure-development-key-not-for-production"  # noqa: S105

# Secrets at rest (webhook signing secrets; core/crypto.py): Fernet keys, comma-separated. The first
# encrypts, all decrypt: rotate by putting a new key first, running `manage.py rotate_encryption_keys`,
# then dropping the old key (deploy/BACKUP.md). Development derives one from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DJANGO_DEBUG is false.")
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]
for _key in FIELD_ENCRYPTION_KEYS:  # Fernet keys: 32 bytes, url-safe base64; a typo fails here, not at first use
    try:
        _valid = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except ValueError:
        _valid = False
    if not _valid:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "core.admin_site.MatchdayAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "audit",
    "startups",
    "matching",
    "notifications",
    "api",
    "jobs",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.PreferredLanguageMiddleware",
    # Refuses a body over its limit before anything reads it (413, in the person's language).
    "core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.StaffSecondFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.roles",
            ],
        },
    },
]

# Database: SQLite file under var/ unless DATABASE_URL points elsewhere.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'matchday.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer rather than failing at once; WAL lets readers work beside it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The API's fixed queries are prepared on the PostgreSQL server (api.queries: `prepare=True`, which
    # psycopg honours only when the connection has a threshold). Django's own cursors bind on the client
    # and never prepare, so the threshold changes nothing else. Off behind a connection pooler in
    # transaction mode that cannot keep prepared statements.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 1_000_000)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Applicants sign in through allauth at /accounts/; the admin keeps its own login page for staff.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth 65): the e-mail address is the login and must be confirmed by link.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Matchday] "
# Counted in the cache (LocMemCache by default, Redis-backed in production when configured).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # A second net above accounts/lockout.py (which locks first, for a fixed period it can name).
    "login_failed": "30/m/ip,10/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "confirm_email": "1/180s/key",
}

# Lockout (accounts/lockout.py), on every sign-in path (the admin signs in through allauth too): after
# LOGIN_FAILURES_PER_ACCOUNT failed sign-ins for one e-mail address, or LOGIN_FAILURES_PER_ADDRESS from one
# client address, within LOGIN_FAILURE_WINDOW_SECONDS, sign-in is refused for LOGIN_LOCK_SECONDS, even with
# the right password. Counted in the cache (CACHE_URL: Redis with several web processes).
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
LOGIN_LOCK_SECONDS = env.int("LOGIN_LOCK_SECONDS", default=15 * 60)

# Second factor (allauth.mfa): TOTP with recovery codes, and passkeys where the browser offers them.
# Staff must enrol before any admin page (core.middleware.StaffSecondFactorMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Matchday"
# WebAuthn needs HTTPS, except on localhost during development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Korean first, English second; times in Korea.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Seoul")
USE_I18N = True
USE_TZ = True
# The house date-time format (config/formats): `2027년 1월 2일 (토) 18:00 KST`, `Sat 2 Jan 2027, 18:00 KST`.
FORMAT_MODULE_PATH = ["config.formats"]

# Static files are served by the app itself (whitenoise): no CDN anywhere.
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    # A fresh clone has no var/: the SQLite file and collected assets live there.
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    # Uploads are private: no MEDIA_URL, served only through permission-checked views.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
MATCHDAY_UPLOAD_MAX_BYTES = env.int("MATCHDAY_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Request size limits, enforced before the body is read (core.middleware.RequestSizeLimitMiddleware): a
# request whose declared Content-Length passes its limit is answered 413 at once, and the upload handler
# (core.uploads) stops a body once the bytes received pass it. An upload form's request (UPLOAD_URL_NAMES)
# may carry UPLOAD_MAX_REQUEST_BYTES — the largest file plus the form's fields; any other request
# DATA_UPLOAD_MAX_MEMORY_SIZE. The reverse proxy's own limit (nginx `client_max_body_size`) is written
# from UPLOAD_MAX_REQUEST_BYTES, the largest body the application accepts.
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_BYTES", default=MATCHDAY_UPLOAD_MAX_BYTES + 1024 * 1024)
UPLOAD_URL_NAMES = ["applications:edit", "applications:attachment_remove"]
FILE_UPLOAD_HANDLERS = [
    "core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# E-mail.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # seconds; a hung SMTP server must not hold a worker
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Matchday <noreply@matchday.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in e-mails are absolute: messages are rendered by workers, away from any request. `make run`
# sets it from its HOST and PORT; behind a proxy it is the public address.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must be a web address such as https://matchday.example.org: {SITE_URL!r}")

# Notifications (the outbox). A temporary SMTP error is retried after 1, 2, 4 … minutes
# (at most NOTIFICATION_RETRY_MAX_SECONDS apart) until NOTIFICATION_MAX_ATTEMPTS, then the row is failed.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=60)
NOTIFICATION_RETRY_MAX_SECONDS = env.int("NOTIFICATION_RETRY_MAX_SECONDS", default=3600)
# Celery rate limit per worker process for sending, e.g. "20/s" or "600/m"; empty for none.
NOTIFICATION_RATE_LIMIT = env.str("NOTIFICATION_RATE_LIMIT", default="20/s") or None
# The sweep: a row "sending" for longer than this is taken to be lost with its worker and queued again
# (keep it above CELERY_TASK_TIME_LIMIT); a queued row whose job has not run within
# NOTIFICATION_REQUEUE_SECONDS is handed to the queue again.
NOTIFICATION_SENDING_TIMEOUT_SECONDS = env.int("NOTIFICATION_SENDING_TIMEOUT_SECONDS", default=900)
NOTIFICATION_REQUEUE_SECONDS = env.int("NOTIFICATION_REQUEUE_SECONDS", default=900)
# A delivery job takes up to this many messages: claimed together, sent over one connection, recorded
# together. NOTIFICATION_RATE_LIMIT paces them.
NOTIFICATION_BATCH_SIZE = env.int("NOTIFICATION_BATCH_SIZE", default=100)
# A batch still sending this long after its last record records what it has sent so far (a worker killed
# mid-batch then sends again at most what it sent in the last interval).
NOTIFICATION_RECORD_SECONDS = env.float("NOTIFICATION_RECORD_SECONDS", default=1.0)
# Webhooks: a delivery the receiver does not answer with 2xx is tried again after 30 s, 1, 2, 4 … minutes
# (at most WEBHOOK_RETRY_MAX_SECONDS apart) until WEBHOOK_MAX_ATTEMPTS, then it is failed. A receiver
# gets WEBHOOK_TIMEOUT_SECONDS to answer. Lost and stuck deliveries are swept with the notifications.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Receivers on this machine or a private network (a 10.x address, a name resolving to one) are refused
# unless allowed: a subscription must not turn the server into a probe of its own network.
WEBHOOK_ALLOW_INTERNAL_ADDRESSES = env.bool("WEBHOOK_ALLOW_INTERNAL_ADDRESSES", default=DEBUG)

# Cache: per process by default; with several web processes point CACHE_URL at a Redis database
# of its own (not the broker's), so that rate limits count across them.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Celery: Redis when REDIS_URL is set, otherwise tasks run in-process (eager).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "notifications.tasks.*": {"queue": "notifications"},
    "jobs.tasks.run_job": {"queue": "scoring"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged job to another worker after this many seconds. It must exceed the
# longest countdown (a notification retry waits up to NOTIFICATION_RETRY_MAX_SECONDS), or delayed jobs
# are delivered twice; a job held by a killed worker is recovered sooner by the notification sweep.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * NOTIFICATION_RETRY_MAX_SECONDS + 600}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Hands lost or stuck messages back to the queue.
    "notifications-sweep": {"task": "notifications.tasks.sweep_notifications", "schedule": 60.0},
    # D-3 and D-1 reminders to drafts; 48 h and 24 h reminders to evaluators. Each message is queued once.
    "deadline-reminders": {"task": "notifications.tasks.remind_draft_deadlines", "schedule": 15 * 60.0},
    "review-reminders": {"task": "notifications.tasks.remind_reviews", "schedule": 15 * 60.0},
    # Seats offered after the final selection and not answered by their deadline go to the next reserve.
    "acceptances-lapse": {"task": "matching.tasks.lapse_acceptances", "schedule": 15 * 60.0},
    "purge-expired": {"task": "api.tasks.purge_expired", "schedule": 24 * 3600.0},
    # Destroys the personal data of programs past their retention period (a job; see privacy.services).
    "privacy-retention-purge": {"task": "privacy.tasks.start_retention_purge", "schedule": 24 * 3600.0},
}

REST_FRAMEWORK = {
    # JSON by orjson (the same bytes as DRF's, several times faster), and DRF's pages for a browser.
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.CallerRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"caller": env.str("API_THROTTLE_RATE", default="3000/min")},
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# A GET export of more rows than this is refused with 409: POST /api/v1/exports/ builds it as a job.
EXPORT_SYNC_MAX_ROWS = env.int("EXPORT_SYNC_MAX_ROWS", default=5000)
# Kept this long, then purged every night: export files built by jobs, and Idempotency-Key answers.
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
IDEMPOTENCY_KEEP_HOURS = env.int("IDEMPOTENCY_KEEP_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "Matchday API",
    "DESCRIPTION": (
        "Programs, applications, reviews, results and selections of Matchday, for integrations. "
        "Authenticate with `Authorization: Api-Key <key>` (keys are created by staff in the admin, "
        "with scopes) or, from the browser, with the signed-in session. Errors have one shape: "
        '`{"code", "detail", "fields"}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.drop_database_bounds",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProgramStatusEnum": "matching.models.Program.Status",
        "RoundStatusEnum": "matching.models.EvaluationRound.Status",
        "ApplicationStatusEnum": "startups.models.Application.Status",
        "AssignmentStatusEnum": "matching.models.Assignment.Status",
        "JobStatusEnum": "jobs.models.Job.Status",
    },
}

# Security: production hardening follows DEBUG being off.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS: on behind a TLS proxy (BEHIND_TLS_PROXY) or when HTTPS=true. Browsers are then told to use
# HTTPS only (HSTS) for SECURE_HSTS_SECONDS; plain-HTTP requests are redirected, except the health check
# that the proxy or a load balancer makes on the local network.
_https = env.bool("BEHIND_TLS_PROXY", default=False) or env.bool("HTTPS", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_https)
# `preload` in the header only permits a submission to the browsers' preload list (done by hand);
# set it false if a subdomain must stay reachable over plain HTTP.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_https)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4, csp.middleware.CSPMiddleware): scripts, styles, fonts and images
# come from our own static files only — no inline <script>, <style> or style="…" anywhere (the few that
# cannot move carry `request.csp_nonce`). CSP_REPORT_ONLY=true sends the same policy as
# Content-Security-Policy-Report-Only (to try a change without breaking pages). Either way browsers
# report violations to CSP_REPORT_URI (our /csp-report/ logs them, rate-limited).
CSP_REPORT_URI = env.str("CSP_REPORT_URI", default="/csp-report/")
_csp_policy = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # the admin's icons are data: SVGs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "report-uri": [CSP_REPORT_URI] if CSP_REPORT_URI else None,  # None: no reports
    }
}
_csp_report_only = env.bool("CSP_REPORT_ONLY", default=False)
CONTENT_SECURITY_POLICY = None if _csp_report_only else _csp_policy
CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy if _csp_report_only else None
# Reports accepted from one address per minute; the rest are dropped (answered 429).
CSP_REPORTS_PER_MINUTE = env.int("CSP_REPORTS_PER_MINUTE", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

MATCHDAY_DEMO_PASSWORD = env.str("MATCHDAY_DEMO_PASSWORD", default="matchday-demo-2024")
