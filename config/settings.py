"""Storedesk settings.

This is the one module that reads the environment. Every variable is documented in
`.env.example` and in docs/configuration.md. Production secrets have no
default: a missing one stops the process at start-up instead of running insecurely.

Variables come from the process environment; a `.env` file (path in `ENV_FILE`,
default `.env` next to manage.py) fills in what the environment does not set. `make
demo` writes one with generated secrets; production normally has none.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    env.read_env(_env_file)  # never overrides variables already set

# --- Core ---------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#core-settings

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public origin of this deployment, used in links sent by e-mail and in the
# redirect and webhook URLs registered with stores (e.g. https://storedesk.example.com).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "template_partials",
    "csp",
    "accounts",
    "storeapi",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "storeapi.middleware.ReadFreshnessMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    # After a page showed the notice area: what it announced counts as seen (dashboard/middleware.py).
    "dashboard.middleware.NoticesSeenMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "storeapi.context_processors.operator_stores",
                "dashboard.context_processors.job_notices",
                "dashboard.context_processors.payment_notices",
                "dashboard.context_processors.saved_views_nav",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'storedesk.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker started by the tests sees the same
    # test database; WAL lets the web process read while the worker writes.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test_storedesk.sqlite3")}
    # IMMEDIATE: a transaction takes the write lock when it begins, so concurrent writers
    # (web and Celery workers) wait for each other instead of failing with "database is
    # locked" when a read lock cannot be upgraded.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker, shared rate limiter ---------------------------------
# https://docs.djangoproject.com/en/5.2/topics/cache/#redis

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# How long a call to Redis may wait: to connect, and for an answer. Redis answers in
# about a millisecond; a stopped Redis refuses at once, but a hung or unreachable one
# would hold a web thread for as long as the client lets it (redis-py's default is
# forever). With these, a page meets a Redis outage within a few seconds and says so
# (a 503, docs/chaos.md "When Redis or the database is down").
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=1.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "storedesk",
        "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT},
    }
}

# Who has a ticket open (dashboard/presence.py): a ticket's page asks every 5 seconds, so a
# mark lives a few asks long; typing in the reply box shows as typing for a while after.
TICKET_PRESENCE_SECONDS = env.float("TICKET_PRESENCE_SECONDS", default=18.0)
TICKET_TYPING_SECONDS = env.float("TICKET_TYPING_SECONDS", default=8.0)

# --- Operators and sign-in (django-allauth) ---------------------------------------------
# https://docs.allauth.org/en/latest/account/configuration.html

AUTH_USER_MODEL = "accounts.Operator"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Operators arrive by invitation, which proves the address; allauth sends no
# verification mail of its own.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Failed logins are counted in the shared Redis cache, so the limit holds across
# every web process. https://docs.allauth.org/en/latest/account/rate_limits.html
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
}
# Confirming who one is again (before the Django admin after a sign-in without a
# password, before MFA changes): the password, or a second factor. Not a code sent by
# e-mail, which proves the inbox, not the person (accounts/admin_access.py).
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Storedesk"
# When true, an operator without an authenticator can do nothing but set one up.
STOREDESK_REQUIRE_MFA = env.bool("STOREDESK_REQUIRE_MFA", default=False)
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)

# --- E-mail -----------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Storedesk <storedesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Stores (storeapi) ------------------------------------------------------------------

STOREAPI_CLIENT_ID = env.str("STOREAPI_CLIENT_ID", default="")
STOREAPI_CLIENT_SECRET = env.str("STOREAPI_CLIENT_SECRET", default="")
# Every URL to a store is built from this template; `{store}` is the subdomain.
STOREAPI_STORE_URL = env.str("STOREAPI_STORE_URL", default="https://{store}.29next.store")
STOREAPI_STORE_DOMAIN_SUFFIX = env.str("STOREAPI_STORE_DOMAIN_SUFFIX", default=".29next.store")
STOREAPI_API_VERSION = env.str("STOREAPI_API_VERSION", default="2024-04-01")
STOREAPI_SCOPES = env.str(
    "STOREAPI_SCOPES",
    default=(
        "store:read orders:read orders:write users:read users:write tickets:read tickets:write "
        "exports:read exports:write webhooks:read webhooks:write catalogue:read transactions:read"
    ),
)
STOREAPI_RATE_LIMIT_PER_SECOND = env.float("STOREAPI_RATE_LIMIT_PER_SECOND", default=4.0)
# Slots a page view may borrow ahead of a running export (see storeapi/ratelimit.py).
STOREAPI_INTERACTIVE_BURST = env.int("STOREAPI_INTERACTIVE_BURST", default=1)
STOREAPI_CONNECT_TIMEOUT = env.float("STOREAPI_CONNECT_TIMEOUT", default=5.0)
STOREAPI_READ_TIMEOUT = env.float("STOREAPI_READ_TIMEOUT", default=20.0)
# One team, one budget (docs/team.md): a page view waits at most STOREAPI_PAGE_WAIT_SECONDS
# for a slot, behind a 429 hold or for a colleague's identical read, and at most
# STOREAPI_PAGE_READ_TIMEOUT for the store's answer; at most STOREAPI_STORE_THREADS_PER_PROCESS
# of a process's threads wait on one store at once; a running bulk job keeps
# STOREAPI_BULK_SHARE of its store's slots however many pages are viewed.
STOREAPI_PAGE_WAIT_SECONDS = env.float("STOREAPI_PAGE_WAIT_SECONDS", default=3.0)
STOREAPI_PAGE_READ_TIMEOUT = env.float("STOREAPI_PAGE_READ_TIMEOUT", default=8.0)
STOREAPI_STORE_THREADS_PER_PROCESS = env.int("STOREAPI_STORE_THREADS_PER_PROCESS", default=2)
STOREAPI_BULK_SHARE = env.float("STOREAPI_BULK_SHARE", default=0.25)
# The shared read cache (storeapi/cache.py). What the store said is served to every
# operator while no webhook or write says it changed: for FRESH seconds as is (10 at most
# for a store that sends Storedesk no webhooks), then
# shown at once and refreshed in the background until MAX_AGE, after which a view asks
# the store. After a webhook, a copy younger than COALESCE seconds is still shown (and
# refreshed in the background), so a store that changes often costs one request per list
# per COALESCE seconds, not one per change. Copies are kept KEEP seconds, to show (saying
# how old they are) when the store is busy or down.
STOREAPI_CACHE_FRESH_SECONDS = env.float("STOREAPI_CACHE_FRESH_SECONDS", default=60.0)
STOREAPI_CACHE_MAX_AGE_SECONDS = env.float("STOREAPI_CACHE_MAX_AGE_SECONDS", default=600.0)
STOREAPI_CACHE_COALESCE_SECONDS = env.float("STOREAPI_CACHE_COALESCE_SECONDS", default=3.0)
STOREAPI_CACHE_KEEP_SECONDS = env.int("STOREAPI_CACHE_KEEP_SECONDS", default=1800)
# Fernet keys, comma separated: the first encrypts, all decrypt (so keys can rotate).
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS")
# Connecting stores: how long an OAuth `state` stays usable, how many seconds of clock
# skew a session token from the store dashboard may have (at most 10), how long a store
# that keeps failing is left alone by page views, the largest webhook body accepted,
# and how long received webhook event ids are kept for de-duplication.
STOREAPI_OAUTH_STATE_TTL = env.int("STOREAPI_OAUTH_STATE_TTL", default=600)
STOREAPI_SESSION_TOKEN_LEEWAY = min(env.int("STOREAPI_SESSION_TOKEN_LEEWAY", default=10), 10)
STOREAPI_CIRCUIT_OPEN_SECONDS = env.float("STOREAPI_CIRCUIT_OPEN_SECONDS", default=10.0)
STOREAPI_WEBHOOK_MAX_BYTES = env.int("STOREAPI_WEBHOOK_MAX_BYTES", default=10 * 1024 * 1024)
STOREAPI_WEBHOOK_EVENT_RETENTION_DAYS = env.int("STOREAPI_WEBHOOK_EVENT_RETENTION_DAYS", default=30)
if STOREAPI_STORE_URL.startswith("http://"):
    # Only the local sandbox store is plain HTTP; oauthlib refuses it unless told.
    # Every OAuth URL is built from STOREAPI_STORE_URL, never from a request.
    import os

    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")


def _store_origin_pattern(url_template: str) -> str:
    """The CSP source matching every store URL: https://{store}.x -> https://*.x."""
    scheme, _, rest = url_template.partition("://")
    host = rest.split("/", 1)[0].replace("{store}", "*")
    return f"{scheme}://{host}"


# --- Celery -------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60 * 6
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 60 * 6 - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60 * 7,
    # Sending a task (a view starting a job) fails within seconds when Redis is down,
    # instead of hanging the web thread. Not shorter: workers wait on the queue in
    # one-second polls on the same connections.
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": max(REDIS_SOCKET_TIMEOUT, 5.0),
}
CELERY_TASK_ALWAYS_EAGER = False
# The queue tasks are sent to and workers consume by default (tests use one per session).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BEAT_SCHEDULE = {
    "storeapi-webhook-events-prune": {"task": "storeapi.tasks.webhook_events_prune", "schedule": 60 * 60 * 6},
    # Bulk jobs (dashboard.tasks): delete export files past their retention, and find
    # jobs whose task message was lost (Redis restarted, a worker killed) again.
    "jobs-expire-files": {"task": "dashboard.tasks.jobs_expire_files", "schedule": 60 * 60},
    "jobs-sweep": {"task": "dashboard.tasks.jobs_sweep", "schedule": env.int("JOBS_SWEEP_SECONDS", default=60)},
    # Scheduled exports of saved views (dashboard.services.export_schedules): start the
    # due ones, e-mail the ended ones. A run starts at most this long after its hour.
    "export-schedules-tick": {
        "task": "dashboard.tasks.export_schedules_tick",
        "schedule": env.int("EXPORT_SCHEDULES_TICK_SECONDS", default=120),
    },
}

# --- Bulk jobs: exports and bulk actions (dashboard.jobs) ------------------------------

# Days an export file is kept before beat deletes it and marks the job expired.
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
# Where the per-store intermediate files of running jobs are written. Resuming after
# a worker died is fastest when every worker sees the same directory; a worker that
# cannot see the partial file restarts that store's part from its first page.
EXPORT_WORK_DIR = env.path("EXPORT_WORK_DIR", default=BASE_DIR / "var" / "exports-work")
# A running part renews its lease after every page; another worker takes the part
# over once the lease has run out (or at once when its holder's process is gone).
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=300)
# Runs of one part without any progress before the job fails (a poison job stops).
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=5)
# A part queued for longer than this without starting is enqueued again by the sweep.
JOB_REQUEUE_AFTER_SECONDS = env.int("JOB_REQUEUE_AFTER_SECONDS", default=300)
# Platform exports: how often to ask whether the platform has built the file, and the
# most objects one platform export holds (a longer range is split and merged).
PLATFORM_EXPORT_POLL_SECONDS = env.int("PLATFORM_EXPORT_POLL_SECONDS", default=60)
PLATFORM_EXPORT_MAX_OBJECTS = env.int("PLATFORM_EXPORT_MAX_OBJECTS", default=100_000)
# How long the platform may take to make one export's file before the job fails
# (waiting is not counted as a failed attempt, so this is what bounds it).
PLATFORM_EXPORT_DEADLINE_SECONDS = env.int("PLATFORM_EXPORT_DEADLINE_SECONDS", default=2 * 60 * 60)

# --- Files ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#storages

STATIC_URL = "static/"
# Where `collectstatic` puts the files whitenoise serves.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": env.str("FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Hashed, compressed file names need `collectstatic`; development and tests serve the
# files as they are.
if not env.bool("STATIC_MANIFEST", default=not DEBUG):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    WHITENOISE_USE_FINDERS = True
# For S3-compatible storage set FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage and
# the AWS_* variables django-storages reads (the credentials, AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, boto3 reads from the environment itself).
# https://django-storages.readthedocs.io/
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
AWS_S3_SIGNATURE_VERSION = "s3v4"  # signed download links; v2 is refused by newer regions
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True

# --- Time and language --------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security -----------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Sessions in the database, read through Redis (accounts/sessions.py): a query fewer a page.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A payment link's return URL is public (the store posts to it) and each post makes
# Storedesk read the order from the store: one link may do it this often per window.
PAYMENT_RETURN_MAX_READS = env.int("PAYMENT_RETURN_MAX_READS", default=10)
PAYMENT_RETURN_WINDOW_SECONDS = env.int("PAYMENT_RETURN_WINDOW_SECONDS", default=60)
SILENCED_SYSTEM_CHECKS = []

# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Connecting a store posts a form whose answer redirects to the store's consent
        # page; browsers apply form-action to that redirect too.
        "form-action": ["'self'", _store_origin_pattern(STOREAPI_STORE_URL)],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # These log request bodies and headers at DEBUG, credentials included.
        "requests_oauthlib": {"level": "WARNING"},
        "oauthlib": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
