"""The one settings module of CRM Master.

Every knob comes from the environment (or a `.env` file) through django-environ, so the same
code runs embedded (SQLite, a filesystem Celery broker, the sandbox, the offline AI) and in
production (PostgreSQL, Redis, Meta's Graph API, OpenAI) by setting variables only.
`.env.example` lists and explains every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue
from pythonjsonlogger.core import RESERVED_ATTRS as RESERVED_LOG_ATTRS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="" if not DEBUG else "dev-insecure-secret-key-change-me")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PORT = env.int("PORT", default=8000)
# Address `make run` (runserver) listens on: this machine only, unless set (the Dockerfile sets 0.0.0.0).
BIND_ADDRESS = env("BIND_ADDRESS", default="127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "tenants.third_party.KnoxConfig",  # knox: people's API tokens, hashed and expiring (tenants/tokens.py)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from our static files: /api/docs/ works offline
    "django_celery_beat",
    "django_htmx",
    "tenants.third_party.AxesConfig",  # axes: login lockout (tenants/lockout.py)
    "csp",  # Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    "core",
    "crm",
    "audit",
    "tenants",
    "whatsapp",
    "ai",
    "billing",
    "integrations",
    "privacy",
    "onboarding",
    "portal",
    "sandbox",
]

MIDDLEWARE = [
    "core.logcontext.RequestIdMiddleware",  # first: every later line and the answer carry the id
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.ApiPathMiddleware",
    "audit.context.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out page login into the lockout page
]
# Meta's webhook (crm/wsgi.py): a signed machine POST needs its id, the security headers, the body limit and
# the API's JSON errors; nothing a page needs.
WEBHOOK_MIDDLEWARE = [
    "core.logcontext.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "core.middleware.ApiPathMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.navigation.nav_tabs",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'crm.sqlite3'}")}
DATABASE_PREPARE_HOT_STATEMENTS = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for locks instead of failing at once.
    # IMMEDIATE takes the write lock when a transaction starts, so concurrent writers wait (up to
    # `timeout`) instead of failing on a lock upgrade; WAL lets readers run beside the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # Off by default: the check is a `SELECT 1` before the first query of every request and task, which
    # would make the webhook's one write two round trips. A connection lost to a database restart fails
    # its request or task once (Meta retries the delivery; the beat sweeps pick up the task) and is replaced.
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=False))
    # The few statements the pipeline runs for every message are prepared (core.prepared): psycopg prepares
    # only when asked, and Django's own queries never ask. Turn it off behind a pooler that cannot keep them
    # (PgBouncer before 1.21, or without max_prepared_statements).
    DATABASE_PREPARE_HOT_STATEMENTS = env.bool("DATABASE_PREPARE_HOT_STATEMENTS", default=True)
    if DATABASE_PREPARE_HOT_STATEMENTS:  # None (Django's default) would disable even the asked-for ones
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Broker and cache -----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Redis redelivers a task a dead worker had taken (acks_late) after this many seconds. Longer than any
# task runs; a task scheduled further ahead than this (a retry's countdown) may be delivered twice,
# which the pipeline's claims make harmless.
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    # No server needed: kombu's filesystem transport and a file cache shared by all processes.
    CELERY_BROKER_URL = "filesystem://"
    (VAR_DIR / "broker").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        data_folder_in=str(VAR_DIR / "broker"),
        data_folder_out=str(VAR_DIR / "broker"),
        control_folder=str(VAR_DIR / "broker-control"),
        store_processed=False,
    )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
if env("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}

# Two queues, webhooks first. Applying stored deliveries is what turns a customer's message into a reply task,
# so it must not wait behind the reply tasks already queued (with one FIFO queue, each apply task waited for
# the whole backlog of replies and then queued its own behind it). A worker consumes every queue below; on
# Redis it always takes from `webhooks` first (kombu's "priority" order); the filesystem broker of `make run`
# has no order to give and takes both in turn.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("webhooks", routing_key="webhooks"), Queue("celery", routing_key="celery"))
CELERY_TASK_ROUTES = {
    "whatsapp.apply_webhook_events": {"queue": "webhooks"},
    "whatsapp.recheck_webhook_events": {"queue": "webhooks"},
    "whatsapp.apply_stale_webhook_events": {"queue": "webhooks"},
}
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] = "priority"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Celery's Django fixup closes every database connection before and after every task unless this is set,
# so each task paid a new PostgreSQL connection (a backend forked per task). With it, the fixup recycles
# them only every this many tasks; crm.celery drops a broken or expired one around each task instead, as
# Django does around each request (CONN_MAX_AGE).
CELERY_DB_REUSE_MAX = 10_000
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=100)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env("TIME_ZONE", default="America/Bogota")

# --- Auth, i18n, static -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# axes first: a locked-out caller is refused before any password is checked (docs/security.md).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "tenants.auth.EmailOrUsernameBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/app/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = env("LANGUAGE_CODE", default="es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="America/Bogota")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Customers' photos, voice notes and documents (whatsapp.services.media) when the default storage is the
# local disk; set STORAGES["default"] to any storage backend (S3, GCS…) in production.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"  # never served as is: the portal serves each file to its own client only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CRM Master <no-reply@localhost>")
# SMTP (production's default backend): password resets, hand-off and usage e-mails.
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
OPERATOR_EMAILS = env.list("OPERATOR_EMAILS", default=[])

# --- REST API ---------------------------------------------------------------------------------
# Proxies we run in front of the web process (docs/security.md). 0: X-Forwarded-For is ignored and the
# client is REMOTE_ADDR; N: the Nth address from the right of X-Forwarded-For. Read by core/client_ip.py
# for every throttle, lockout and audit entry, and by DRF, so they all agree on who is calling.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK = {
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.UserTokenAuthentication",
        "tenants.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Unparseable or too-deep JSON is a 400, never a RecursionError (core/jsonbody.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# People's API tokens (POST /api/auth/token, tenants/tokens.py) expire after this many hours; 168 = a week.
# Unattended integrations use per-client API keys instead, which do not expire but can be revoked.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=168)
if API_TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_HOURS must be at least 1.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",  # the contract: Authorization: Token <token>
    "AUTO_REFRESH": False,  # a token ends when it says, however much it is used
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM Master API",
    "DESCRIPTION": "AI-answered WhatsApp for many businesses on one set of Cloud API credentials.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- WhatsApp Cloud API -----------------------------------------------------------------------
WHATSAPP_SANDBOX = env.bool("WHATSAPP_SANDBOX", default=False)
WHATSAPP_MASTER_TOKEN = env("WHATSAPP_MASTER_TOKEN", default="sandbox-master-token" if WHATSAPP_SANDBOX else "")
WHATSAPP_APP_ID = env("WHATSAPP_APP_ID", default="sandbox-app" if WHATSAPP_SANDBOX else "")
WHATSAPP_APP_SECRET = env("WHATSAPP_APP_SECRET", default="sandbox-app-secret" if WHATSAPP_SANDBOX else "")
WHATSAPP_VERIFY_TOKEN = env("WHATSAPP_VERIFY_TOKEN", default="sandbox-verify-token" if WHATSAPP_SANDBOX else "")
WHATSAPP_BUSINESS_ACCOUNT_ID = env(
    "WHATSAPP_BUSINESS_ACCOUNT_ID", default="100000000000001" if WHATSAPP_SANDBOX else ""
)
# With the sandbox on, the Graph client talks HTTP to our own /sandbox/graph unless told otherwise.
_default_graph_url = f"http://127.0.0.1:{PORT}/sandbox/graph" if WHATSAPP_SANDBOX else "https://graph.facebook.com"
WHATSAPP_GRAPH_URL = env("WHATSAPP_GRAPH_URL", default=_default_graph_url).rstrip("/")
WHATSAPP_GRAPH_VERSION = env("WHATSAPP_GRAPH_VERSION", default="v26.0")
WHATSAPP_GRAPH_TIMEOUT = env.float("WHATSAPP_GRAPH_TIMEOUT", default=10.0)
WHATSAPP_EMBEDDED_SIGNUP_CONFIG_ID = env("WHATSAPP_EMBEDDED_SIGNUP_CONFIG_ID", default="")
# The sandbox posts sent/delivered/read webhooks after each accepted send.
SANDBOX_STATUS_WEBHOOKS = env.bool("SANDBOX_STATUS_WEBHOOKS", default=True)
# The sandbox's operator portfolio counts as business-verified (20 numbers instead of 2).
SANDBOX_OPERATOR_VERIFIED = env.bool("SANDBOX_OPERATOR_VERIFIED", default=True)
WEBHOOK_URL = env("WEBHOOK_URL", default=f"http://127.0.0.1:{PORT}/webhook/whatsapp")
# Sends through /api/v1 (DRF rate syntax): per API key or user, and per client (all its keys and users together).
API_SEND_CALLER_RATE = env("API_SEND_CALLER_RATE", default="120/min")
API_SEND_CLIENT_RATE = env("API_SEND_CLIENT_RATE", default="300/min")
# Transient Graph errors are retried this many times with exponential backoff and jitter.
WHATSAPP_SEND_MAX_RETRIES = env.int("WHATSAPP_SEND_MAX_RETRIES", default=6)
WHATSAPP_RETRY_BACKOFF_MAX = env.int("WHATSAPP_RETRY_BACKOFF_MAX", default=300)
# Sends per second per number (Meta's limit is 80, inbound included); the rest wait for the next second.
WHATSAPP_SENDS_PER_SECOND = env.int("WHATSAPP_SENDS_PER_SECOND", default=70)
# A send still `sending` after this many minutes is marked failed (delivery unknown) by the sweeper.
WHATSAPP_STALE_SEND_MINUTES = env.int("WHATSAPP_STALE_SEND_MINUTES", default=15)
# A send still `pending` this many seconds after it was due (its task or retry was lost with the broker)
# is queued again by the same sweeper.
WHATSAPP_PENDING_SEND_GRACE_SECONDS = env.int("WHATSAPP_PENDING_SEND_GRACE_SECONDS", default=60)

# --- AI -------------------------------------------------------------------------------------
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env("OPENAI_BASE_URL", default="") or None
OPENAI_MODEL = env("OPENAI_MODEL", default="gpt-4o-mini")
OPENAI_TIMEOUT = env.float("OPENAI_TIMEOUT", default=20.0)
# SDK-level retries stay small: a failed reply falls back to the offline answer instead.
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=1)
OPENAI_MAX_TOKENS = env.int("OPENAI_MAX_TOKENS", default=400)
# USD per million tokens for the cost estimate in AiReplyLog; 0 uses ai/costs.py's table for known models.
OPENAI_PRICE_INPUT_PER_MTOK = env.float("OPENAI_PRICE_INPUT_PER_MTOK", default=0.0)
OPENAI_PRICE_OUTPUT_PER_MTOK = env.float("OPENAI_PRICE_OUTPUT_PER_MTOK", default=0.0)
# The operator's monthly budget of the paid model over every client together (docs/ai.md#cost-control):
# tokens and/or estimated USD (0 = no limit), and what happens past it: pause_ai (hand off) or allow_overage.
AI_OPERATOR_MONTHLY_TOKENS = env.int("AI_OPERATOR_MONTHLY_TOKENS", default=0)
AI_OPERATOR_MONTHLY_COST_USD = env.float("AI_OPERATOR_MONTHLY_COST_USD", default=0.0)
AI_OPERATOR_BUDGET_POLICY = env("AI_OPERATOR_BUDGET_POLICY", default="pause_ai")
if AI_OPERATOR_BUDGET_POLICY not in ("pause_ai", "allow_overage"):
    raise ImproperlyConfigured("AI_OPERATOR_BUDGET_POLICY must be pause_ai or allow_overage.")
# Seconds the operator-wide spend (a sum over the month's reply logs) is cached between replies.
AI_OPERATOR_SPEND_CACHE_SECONDS = env.int("AI_OPERATOR_SPEND_CACHE_SECONDS", default=60)
# Seconds of quiet after a customer's last message before the AI answers the whole burst.
AI_REPLY_QUIET_SECONDS = env.float("AI_REPLY_QUIET_SECONDS", default=3.0)
# "Try your assistant" (portal and POST /api/v1/assistant/preview) may call the paid model: previews per
# user or API key, and per client (all its users and keys together), in DRF rate syntax.
AI_PREVIEW_USER_RATE = env("AI_PREVIEW_USER_RATE", default="20/min")
AI_PREVIEW_CLIENT_RATE = env("AI_PREVIEW_CLIENT_RATE", default="200/hour")
# Offline matcher: the share of a question (0..1) an entry or fact must cover to be sent; below it, a person.
AI_MATCH_MIN_CONFIDENCE = env.float("AI_MATCH_MIN_CONFIDENCE", default=0.44)
# A stored webhook delivery not applied after this long had its hand-off lost: the beat sweep applies it.
WEBHOOK_APPLY_GRACE_SECONDS = env.int("WEBHOOK_APPLY_GRACE_SECONDS", default=10)
# How long a woken apply task lets deliveries gather before it claims them (whatsapp.services.webhooks): under
# load a batch of many instead of a task per delivery, each of which costs a worker a few milliseconds. For as
# long, a web process that found the apply task armed skips asking Redis again (ArmedFlagSeen).
WEBHOOK_APPLY_WINDOW_SECONDS = env.float("WEBHOOK_APPLY_WINDOW_SECONDS", default=0.05)
WEBHOOK_SWEEP_SECONDS = 50  # one sweep run stops before the next minute's run starts
# A customer message still unanswered this long after its quiet period had its reply task lost (a broker
# restart): the beat sweep (every minute, for the last hour's messages) queues it again.
WHATSAPP_ANSWER_GRACE_SECONDS = env.int("WHATSAPP_ANSWER_GRACE_SECONDS", default=60)

# --- Tenancy, onboarding and usage ------------------------------------------------------------
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])
if not FIELD_ENCRYPTION_KEY and not DEBUG:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
DEFAULT_MONTHLY_FREE_MESSAGES = env.int("DEFAULT_MONTHLY_FREE_MESSAGES", default=1000)
SETUP_CODE_TTL_DAYS = env.int("SETUP_CODE_TTL_DAYS", default=7)
# Days a team invitation's link works (docs/portal.md).
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
# Onboarding (docs/onboarding.md): verification-code attempts per code, seconds between code requests,
# per-IP rates of the public signup and of the setup-code endpoints (DRF rate syntax).
ONBOARDING_OTP_MAX_ATTEMPTS = env.int("ONBOARDING_OTP_MAX_ATTEMPTS", default=5)
ONBOARDING_RESEND_COOLDOWN_SECONDS = env.int("ONBOARDING_RESEND_COOLDOWN_SECONDS", default=60)
# Demos and test runs with the sandbox sign up many clients from one address; production stays strict.
ONBOARDING_SIGNUP_RATE = env("ONBOARDING_SIGNUP_RATE", default="1000/hour" if WHATSAPP_SANDBOX else "20/hour")
ONBOARDING_SETUP_CODE_RATE = env("ONBOARDING_SETUP_CODE_RATE", default="60/minute")
# Password-reset requests (docs/security.md): per e-mail address and per caller IP (DRF rate syntax).
PASSWORD_RESET_EMAIL_RATE = env("PASSWORD_RESET_EMAIL_RATE", default="5/hour")
PASSWORD_RESET_IP_RATE = env("PASSWORD_RESET_IP_RATE", default="20/hour")
# Hosted numbers (docs/onboarding.md, "Onboarding abuse" in docs/security.md): distinct numbers one client may
# try by itself over its lifetime, and hours a hosted number may stay not live before it is removed from the
# operator's WhatsApp Business Account (its place in the portfolio is given back).
ONBOARDING_MAX_NUMBER_ATTEMPTS = env.int("ONBOARDING_MAX_NUMBER_ATTEMPTS", default=3)
ONBOARDING_NUMBER_TTL_HOURS = env.int("ONBOARDING_NUMBER_TTL_HOURS", default=24)
# Numbers the operator's portfolio may hold in hosted mode: 2 until Meta verifies the business, then 20.
# With the sandbox it follows the sandbox's own portfolio (verified by default), so the demo can onboard.
WHATSAPP_PORTFOLIO_NUMBER_CAP = env.int(
    "WHATSAPP_PORTFOLIO_NUMBER_CAP", default=20 if WHATSAPP_SANDBOX and SANDBOX_OPERATOR_VERIFIED else 2
)

# --- Outgoing webhooks (integrations/, docs/api.md#outgoing-webhooks) -------------------------------
# Seconds one delivery attempt may take; retries back off from BASE doubling up to MAX_DELAY (with jitter)
# for up to RETRY_FOR seconds after the event, then the delivery fails; an endpoint failing that long is disabled.
OUTGOING_WEBHOOK_TIMEOUT_SECONDS = env.float("OUTGOING_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
OUTGOING_WEBHOOK_RETRY_BASE_SECONDS = env.float("OUTGOING_WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
OUTGOING_WEBHOOK_RETRY_MAX_DELAY_SECONDS = env.float("OUTGOING_WEBHOOK_RETRY_MAX_DELAY_SECONDS", default=4 * 3600.0)
OUTGOING_WEBHOOK_RETRY_FOR_SECONDS = env.int("OUTGOING_WEBHOOK_RETRY_FOR_SECONDS", default=24 * 3600)
# Finished deliveries (and their attempts) older than this many days are deleted nightly (0 keeps them).
OUTGOING_WEBHOOK_KEEP_DAYS = env.int("OUTGOING_WEBHOOK_KEEP_DAYS", default=30)

# --- Audit ------------------------------------------------------------------------------------
# Audit entries older than this many days are deleted by the daily beat job (0 keeps them forever).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)

# --- Security -------------------------------------------------------------------------------
# Login lockout (django-axes, tenants/lockout.py, docs/security.md): failed logins counted per account
# and address, per account and per address, each with its own limit; a lock lasts AXES_COOLOFF_MINUTES
# and a successful login clears the account's failures. The caller's address is core/client_ip.py's.
AXES_HANDLER = "tenants.lockout.TieredLockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ACCOUNT_FAILURE_LIMIT = env.int("AXES_ACCOUNT_FAILURE_LIMIT", default=20)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "tenants.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit trail already
# Content-Security-Policy on every response (django-csp, docs/security.md): our own scripts, styles and
# frames only, no inline script or style, images also as data: URIs (QR codes). The Embedded Signup page
# adds Meta's SDK (onboarding/views.py, `csp_update`). CSP_REPORT_URI sends violation reports somewhere.
csp_report_uri = env("CSP_REPORT_URI", default="")  # lower case: django-csp refuses CSP_* settings
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [csp_report_uri]} if csp_report_uri else {}),
    }
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if WHATSAPP_SANDBOX:
        raise ImproperlyConfigured("WHATSAPP_SANDBOX must be off in production (DEBUG off).")

# LOG_FORMAT=json: one JSON object per line (python-json-logger) with the request id, client, number, wamid
# and task id of the work it belongs to (core/logcontext.py); plain text otherwise (`make run`'s default).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "reserved_attrs": [*RESERVED_LOG_ATTRS, "taskName", "request", "server_time"],  # objects, not facts
            "timestamp": False,
        },
    },
    "filters": {
        "refusals_without_traceback": {"()": "core.logging.RefusalsWithoutTraceback"},
        "log_context": {"()": "core.logcontext.LogContextFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["refusals_without_traceback", "log_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler would print its lines a second time, unformatted; the root prints them.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}
# Optional error reporting to Sentry (or any server speaking its protocol): on only when SENTRY_DSN is set.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,  # customers' phones and messages stay out of error reports
    )
# GET /metrics (Prometheus) answers only with `Authorization: Bearer <METRICS_TOKEN>`; unset: 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Each process adds its counts to Redis this often (seconds), not once per observation.
METRICS_FLUSH_SECONDS = env.float("METRICS_FLUSH_SECONDS", default=1.0)
# In JSON mode the worker logs through the handler above instead of Celery's own (plain) one.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
