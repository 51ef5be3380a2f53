"""Settings of the sandbox store: a local stand-in for the 29 Next platform.

A separate Django project in this repository (`python manage.py runsandbox`), with its
own database and port. Nothing in Storedesk imports it. Every variable it reads starts
with `SANDBOX_` and is listed in `.env.example` ("Sandbox") and in docs/sandbox.md
("Settings"). The sandbox is never deployed, so the defaults are for a laptop.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    env.read_env(_env_file)  # never overrides variables already set

# --- Core ---------------------------------------------------------------------------

DEBUG = env.bool("SANDBOX_DEBUG", default=False)
# A fixed development key: the sandbox holds only fake data and is never deployed.
SECRET_KEY = (
    env.str("SANDBOX_SECRET_KEY", default="") or "sandbox-store-dev-only-secret-key-not-for-production-0123456789"
)
ALLOWED_HOSTS = env.list("SANDBOX_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "rest_framework",
    "oauth2_provider",
    "sandbox.core",
]

MIDDLEWARE = [
    "sandbox.core.middleware.SandboxMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url_config(
        env.str("SANDBOX_DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'var' / 'sandbox.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets API requests read while the delivery thread writes; IMMEDIATE avoids
    # "database is locked" when two threads upgrade a read transaction to a write.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Store users (the staff of a store, who sign in to the store dashboard). Tokens and
# grants belong to a store user, which ties every token to exactly one store.
AUTH_USER_MODEL = "sandbox.StaffUser"
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_NAME = "sandbox_session"
CSRF_COOKIE_NAME = "sandbox_csrftoken"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
X_FRAME_OPTIONS = "DENY"

# --- The platform's behaviour ----------------------------------------------------------

# Suffix of a store's network domain: `acme` -> `acme.29next.store`.
SANDBOX_NETWORK_DOMAIN_SUFFIX = env.str("SANDBOX_NETWORK_DOMAIN_SUFFIX", default=".29next.store")
# Requests per second per access token, unless a store carries its own limit (the
# control endpoint and `seed_sandbox --rate-limit` set one). Never off by default.
SANDBOX_RATE_LIMIT_PER_SECOND = env.float("SANDBOX_RATE_LIMIT_PER_SECOND", default=4.0)
# Page size of list endpoints, unless a store carries its own (`seed_sandbox --page-size`).
SANDBOX_PAGE_SIZE = env.int("SANDBOX_PAGE_SIZE", default=50)
# Lifetime of access tokens: the platform hands out long-lived tokens (years).
SANDBOX_ACCESS_TOKEN_EXPIRE_SECONDS = env.int("SANDBOX_ACCESS_TOKEN_EXPIRE_SECONDS", default=10 * 365 * 24 * 3600)
# The control endpoint (/_control/): fault injection, tokens and ground truth for
# tests. Off unless asked for; never on in the demo.
SANDBOX_CONTROL_ENABLED = env.bool("SANDBOX_CONTROL_ENABLED", default=False)
# Webhook deliveries: timeout per attempt, attempts in all, and the exponential
# backoff between them (base * 2**(attempt-1), capped).
SANDBOX_WEBHOOK_TIMEOUT_SECONDS = env.float("SANDBOX_WEBHOOK_TIMEOUT_SECONDS", default=20.0)
SANDBOX_WEBHOOK_MAX_ATTEMPTS = env.int("SANDBOX_WEBHOOK_MAX_ATTEMPTS", default=10)
SANDBOX_WEBHOOK_RETRY_BASE_SECONDS = env.float("SANDBOX_WEBHOOK_RETRY_BASE_SECONDS", default=60.0)
SANDBOX_WEBHOOK_RETRY_MAX_SECONDS = env.float("SANDBOX_WEBHOOK_RETRY_MAX_SECONDS", default=12 * 3600.0)
# Native exports: how long an export stays `pending`, and how long a download URL works.
SANDBOX_EXPORT_DELAY_SECONDS = env.float("SANDBOX_EXPORT_DELAY_SECONDS", default=5.0)
SANDBOX_EXPORT_URL_TTL_SECONDS = env.int("SANDBOX_EXPORT_URL_TTL_SECONDS", default=300)
# How often the background thread looks for due deliveries and exports.
SANDBOX_WORKER_POLL_SECONDS = env.float("SANDBOX_WORKER_POLL_SECONDS", default=0.5)
# How long a "hang" fault holds a request before answering.
SANDBOX_HANG_SECONDS = env.float("SANDBOX_HANG_SECONDS", default=120.0)
# Requests kept per store in the in-memory request log (the control endpoint reads it).
SANDBOX_REQUEST_LOG_SIZE = env.int("SANDBOX_REQUEST_LOG_SIZE", default=20000)

# --- Django REST framework ---------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["sandbox.core.api.auth.StoreTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["sandbox.core.api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["sandbox.core.api.throttling.TokenBucketThrottle"],
    "DEFAULT_PAGINATION_CLASS": "sandbox.core.api.pagination.StoreCursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "sandbox.core.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}

# --- django-oauth-toolkit ------------------------------------------------------------------
# https://django-oauth-toolkit.readthedocs.io/en/latest/settings.html

SCOPES = {
    "admin:read": "Access to list and view all data",
    "admin:write": "Access to create and update all data",
    "orders:read": "Access to list and view all orders",
    "orders:write": "Access to create and update orders",
    "users:read": "Access to list and view all users",
    "users:write": "Access to create and update users",
    "tickets:read": "Access to list and view all tickets",
    "tickets:write": "Access to create and update tickets",
    "exports:read": "Access to list and view all exports",
    "exports:write": "Access to create and update exports",
    "webhooks:read": "Access to list and view all webhooks",
    "webhooks:write": "Access to create and update webhooks",
    "store:read": "Access to list and view store",
    "transactions:read": "Access to list and view all transactions",
    "transactions:write": "Access to create and update transactions",
    "subscriptions:read": "Access to list and view all subscriptions",
    "subscriptions:write": "Access to create and update subscriptions",
    "disputes:read": "Access to list and view disputes",
    "disputes:write": "Access to create and update disputes",
    "catalogue:read": "Access to list and view catalogue related objects",
    "catalogue:write": "Access to create and update catalogue related objects",
    "fulfillment_orders:read": "Access to list fulfillment order fulfillment requests",
    "fulfillment_orders:write": "Access to update fulfillment order fulfillment requests",
}
# Not swapped; named so that migrations can refer to them.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER = {
    "SCOPES": SCOPES,
    "DEFAULT_SCOPES": ["store:read"],
    "OAUTH2_VALIDATOR_CLASS": "sandbox.core.oauth.StoreOAuth2Validator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": SANDBOX_ACCESS_TOKEN_EXPIRE_SECONDS,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 300,
    "ROTATE_REFRESH_TOKEN": True,
    # The platform's flow has no PKCE: a confidential client sends its secret.
    "PKCE_REQUIRED": False,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "REQUEST_APPROVAL_PROMPT": "force",
}

# --- Time and language ------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("SANDBOX_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
