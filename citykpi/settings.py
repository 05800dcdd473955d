"""The one settings file. Everything that differs between machines comes from the environment.

DATABASE_URL  sqlite:///path or postgres://user@host:port/name (default: SQLite under var/)
DATABASE_REPLICA_URL  postgres://... of a streaming replica: public reads go there (docs/deployment.md,
              "Reads on a replica"); DATABASE_REPLICA_PIN_SECONDS (10) keeps a client that has
              just written on the primary, DATABASE_REPLICA_MAX_LAG_SECONDS (30) and
              DATABASE_REPLICA_CHECK_SECONDS (5) send reads back to the primary while it lags
SECRET_KEY    required when DEBUG is off in production (`citykpi check --deploy` says so)
DEBUG         "1"/"true" for development; off by default (production-safe)
ALLOWED_HOSTS comma-separated; default localhost names
CACHE_URL     redis://127.0.0.1:6379/0 to use Redis; local memory otherwise
QUEUE_URL     redis://127.0.0.1:6379/3 (or CELERY_BROKER_URL) sends background jobs to Celery
              workers (docs/deployment.md "Background jobs"); unset: jobs run in-process
DEMO          "1" shows the demo accounts' password on the login page
CITYKPI_BENCHMARKS  "0" leaves the benchmarks app out of a repository checkout, "1" requires it;
              unset: installed when the repository's benchmarks/ folder is there (never in the
              wheel, so never in a `pip install .` production)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CITYKPI_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
DEMO = env_bool("DEMO", False)
INSECURE_DEV_KEY = "citykpi-insecure-development-key-change-me-in-production-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY") or INSECURE_DEV_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # failed sign-ins counted in the database, per (username, address): see "Sign-in lockout"
    "axes",
    # the Content-Security-Policy header on every response: see "Content-Security-Policy"
    "csp",
    # django-ninja as an app: /api/v1/docs then serves its own Swagger files, no CDN, no inline script
    "ninja",
    # shared helpers (template tags, i18n, fiscal calendar)
    "citykpi.lib",
    # domain apps: each owns its models and actions.py
    "citykpi.audit",
    "citykpi.agencies",
    "citykpi.accounts",
    "citykpi.strategy",
    "citykpi.indicators",
    "citykpi.reporting",
    "citykpi.evaluation",
    "citykpi.discussion",
    "citykpi.projects",
    "citykpi.cityindicators",
    "citykpi.planning",
    "citykpi.quality",
    "citykpi.exchange",
    # background jobs: the queue, progress and kept results (docs/deployment.md "Background jobs")
    "citykpi.jobs",
    # shared read models: the public data versions and the public page cache
    "citykpi.publicdata",
    # surface apps: they read the domain
    "citykpi.portal",
    "citykpi.workspace",
    "citykpi.dashboards",
    "citykpi.printing",
    "citykpi.api",
    # backup and restore, /health/ and /ready/, request ids in the logs: docs/deployment.md
    "citykpi.operations",
    "citykpi.demo",
]

# The benchmarks and the import timer (`citykpi bench`, `citykpi time-import`) are the
# `benchmarks` app in the repository, beside the package: the wheel does not ship it
# (pyproject's packages are `citykpi*`), so a production install never has it. In a
# checkout it is installed unless CITYKPI_BENCHMARKS=0; the editable install maps only the
# `citykpi` package, so the repository's folder is put on the import path here.
BENCHMARKS_DIR = BASE_DIR / "benchmarks"
BENCHMARKS = env_bool("CITYKPI_BENCHMARKS", (BENCHMARKS_DIR / "__init__.py").is_file())
if BENCHMARKS:
    if not (BENCHMARKS_DIR / "__init__.py").is_file():
        raise RuntimeError(
            f"CITYKPI_BENCHMARKS=1 but {BENCHMARKS_DIR} is missing: the benchmarks run from a checkout"
        )
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    INSTALLED_APPS.append("benchmarks")

MIDDLEWARE = [
    "citykpi.operations.logging.RequestIdMiddleware",  # first: every log line of the request has its id
    "django.middleware.security.SecurityMiddleware",
    # Early, so that answers made by the middleware below (a bad-bytes 400, a cached API
    # read, a 304) carry the policy too: CONTENT_SECURITY_POLICY below.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "citykpi.lib.badbytes.BadBytesMiddleware",  # NUL / lone surrogates: a clear 400, not a 500
    # Before anything reads: public reads on the replica, writers pinned to the primary.
    "citykpi.lib.dbrouting.ReplicaReadMiddleware",
    # Anonymous open-data reads from the cache, before any session work; every write invalidates.
    "citykpi.api.cache.OpenDataCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "citykpi.portal.middleware.ThaiFirstMiddleware",  # Thai unless the user chose English
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in into its 429 answer (accounts.lockout.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "citykpi.urls"
WSGI_APPLICATION = "citykpi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "citykpi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "citykpi.accounts.context_processors.site",
            ],
            "builtins": ["citykpi.lib.templatetags.citykpi"],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'citykpi.sqlite3'}"
# Persistent connections in production; the test runner sets CONN_MAX_AGE=0 so that no
# connection outlives a test (live-server threads would keep the test database busy).
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", 60)))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",  # writers queue instead of failing with "database is locked"
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A PostgreSQL streaming replica of the primary: citykpi.lib.dbrouting sends the reads of
# public pages, dashboards and open data there, everything else to the primary. Tests and
# commands never use it on their own; under the test runner it mirrors the test database
# (a physical replica carries the primary's test database, so nothing is created on it).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", 60)),
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 3, **DATABASES["replica"].get("OPTIONS", {})}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_REPLICA_PIN_SECONDS = int(os.environ.get("DATABASE_REPLICA_PIN_SECONDS", 10))
DATABASE_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", 30))
DATABASE_REPLICA_CHECK_SECONDS = float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", 5))
# Without a replica the router sends everything to the primary, as before.
DATABASE_ROUTERS = ["citykpi.lib.dbrouting.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# QualitySettings allows one default row (fiscal_year NULL) through a NULLS NOT DISTINCT
# unique constraint. PostgreSQL enforces it; SQLite cannot (a second default row there would
# go unnoticed). Django warns about this on every command: known, silenced.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith("redis://") or CACHE_URL.startswith("rediss://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "citykpi",
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "citykpi",
            "TIMEOUT": 300,
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:inbox"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "th"
LANGUAGES = [("th", "ไทย"), ("en", "English")]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "evidence"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Evidence files live here, outside static files; they are served only through a view
# that checks who may see them.
EVIDENCE_ROOT = VAR_DIR / "evidence"
# Background jobs (citykpi.jobs): with a broker URL they go to Celery workers, without one
# (`make run`, the suite on SQLite) each runs in-process when started. Their result files are
# kept under JOBS_ROOT and served only through the job's download view.
QUEUE_URL = (os.environ.get("QUEUE_URL") or os.environ.get("CELERY_BROKER_URL") or "").strip()
QUEUE_NAME = os.environ.get("QUEUE_NAME", "citykpi")
JOBS_ROOT = Path(os.environ.get("JOBS_ROOT", VAR_DIR / "jobs"))
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "citykpi@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")

# Production-safe defaults when DEBUG is off. Cookies are sent over HTTPS only unless
# SECURE_COOKIES=0 (an intranet without TLS, or the test suite's browser tests).
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 0 if DEBUG else 3600))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sign-in lockout (django-axes, docs/security.md section 7): after LOGIN_FAILURE_LIMIT failed
# sign-ins for one username from one address, that pair (and only that pair) is refused until
# LOGIN_FAILURE_WINDOW_SECONDS have passed since its latest failure, or an administrator lifts it.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", 900))
AUTHENTICATION_BACKENDS = [
    "citykpi.accounts.lockout.LockoutBackend",  # first: refuses a locked pair before any password check
    "django.contrib.auth.backends.ModelBackend",
]
# The database handler: every worker reads and writes the same table, each failure counted
# in one transaction (row lock, F() + 1). `citykpi check --deploy` refuses a per-process store.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the pair, never each alone
AXES_FAILURE_LIMIT = "citykpi.accounts.lockout.failure_limit"  # LOGIN_FAILURE_LIMIT, read at each attempt
AXES_COOLOFF_TIME = "citykpi.accounts.lockout.cool_off"  # LOGIN_FAILURE_WINDOW_SECONDS
AXES_USERNAME_CALLABLE = "citykpi.accounts.lockout.normal_username"
AXES_CLIENT_IP_CALLABLE = "citykpi.accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "citykpi.accounts.lockout.lockout_response"  # Thai then English, 429
AXES_RESET_ON_SUCCESS = True  # a good password clears the pair's count
AXES_DISABLE_ACCESS_LOG = True  # failures only; successful sign-ins are not logged by axes
AXES_HTTP_RESPONSE_CODE = 429

# Sign-in with the organisation's directory (LDAP / Active Directory, django-auth-ldap;
# docs/setup.md "Sign-in with the directory"): on only when LDAP_SERVER_URI is set. Then
# LDAP_USER_DN_TEMPLATE or LDAP_USER_SEARCH_BASE (+ LDAP_USER_FILTER), LDAP_GROUP_SEARCH_BASE,
# LDAP_GROUP_TYPE, LDAP_BIND_DN / LDAP_BIND_PASSWORD, LDAP_START_TLS, LDAP_CA_FILE,
# LDAP_TIMEOUT_SECONDS; LDAP_LOCAL_ACCOUNTS=0 turns local passwords off but superusers'
# (LDAP_LOCAL_SUPERUSERS=0: theirs too). Groups give roles through the admin's mapping table.
AUTH_LDAP_SERVER_URI = os.environ.get("LDAP_SERVER_URI", "").strip()
if AUTH_LDAP_SERVER_URI:
    from citykpi.accounts.directory import settings_from

    globals().update(settings_from(os.environ, backends=AUTHENTICATION_BACKENDS))

# Content-Security-Policy (django-csp 4, docs/security.md section 11): nothing inline, nothing
# from another origin. Templates carry no <script> or style="" of their own; charts are SVG
# with presentation attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# The licence shown on /open-data/; the page has a default wording.
if os.environ.get("OPEN_DATA_LICENCE"):
    OPEN_DATA_LICENCE = os.environ["OPEN_DATA_LICENCE"]

# The address of the site in e-mails (reminders link to the quarter forms).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Public pages and API reads are cached on the server (0 turns that off) and browsers are
# told to keep them this long (max-age, seconds); writes invalidate the server's copies.
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", 300))
# How long a server-side cache entry lives from its build. Entries carry the data versions
# they show, so this bounds memory, never correctness (docs/caching.md).
PAGE_CACHE_LIFETIME_SECONDS = int(os.environ.get("PAGE_CACHE_LIFETIME_SECONDS", 3600))

# Logs go to stderr (the process manager collects them), each record stamped with the id of
# its request (citykpi.operations.logging). LOG_FORMAT=json writes one JSON object per line for
# a log collector; plain text otherwise (`make run`). LOG_LEVEL=INFO adds one line per request.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "citykpi.operations.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "citykpi.operations.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# API tokens expire this many days after they are issued (and die with a password change).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", 90))
