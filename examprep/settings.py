"""examprep settings: one file, every value from the environment with a sane default.

Zero variables work (SQLite in the project folder, DEBUG on, Redis on 127.0.0.1:6379).
See README.md for the full list.
"""

import hashlib
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from examprep.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEFAULT_SECRET_KEY = "dev-only-insecure-key-change-me"
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
# Production (DEBUG=0) refuses to start on development values: a real key and the host names are required.
if not DEBUG and (SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "DEBUG is off: set SECRET_KEY to a long random value (50 characters or more), e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
if not DEBUG and not env_list("ALLOWED_HOSTS", []):
    raise ImproperlyConfigured("DEBUG is off: set ALLOWED_HOSTS to the host names the site is served under.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "template_partials",
    "examprep",
    "lessons",
    "quizzes",
    "sandbox",
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
    "axes.middleware.AxesMiddleware",
    "examprep.middleware.TimeZoneMiddleware",
]

ROOT_URLCONF = "examprep.urls"
WSGI_APPLICATION = "examprep.wsgi.application"

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
            ],
        },
    },
]

# Several checkouts may share one machine: their Redis keys, test databases and gunicorn control sockets are
# told apart by this id, derived from the project folder.
CHECKOUT_ID = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:10]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DB_NAME", f"test_examprep_{CHECKOUT_ID}")}
else:
    DB_PATH = Path(env_str("DB_PATH", str(BASE_DIR / "db.sqlite3"))).expanduser()
    if not DB_PATH.parent.is_dir():
        raise ImproperlyConfigured(
            f"DB_PATH is {DB_PATH}, but the folder {DB_PATH.parent} does not exist: create it or choose another path."
        )
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DB_PATH),
            # A file, not memory, so test threads (live server, Celery worker) share it without table locks;
            # one per test process, so two test runs in one checkout do not drop each other's tables.
            "TEST": {
                "NAME": env_str(
                    "TEST_DB_PATH", str(Path(tempfile.gettempdir()) / f"examprep-test-{os.getpid()}.sqlite3")
                )
            },
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["examprep.accounts.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]

# Log-in and sign-up limits (examprep/accounts.py). Per account: failed log-ins before a pause, and its length.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Addresses are limited by LOGIN_RATE_PER_IP below, not by axes: a whole class may share one address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "examprep.accounts.locked_out"
AXES_CLIENT_IP_CALLABLE = "examprep.accounts.client_ip"
AXES_VERBOSE = False
# Per client address (a whole class may share one school address, so these are generous): attempts per window.
LOGIN_RATE_PER_IP = env_str("LOGIN_RATE_PER_IP", "300/10m")
SIGNUP_RATE_PER_IP = env_str("SIGNUP_RATE_PER_IP", "100/h")
# The request header (as in request.META) that the reverse proxy fills with the client address, e.g.
# HTTP_X_REAL_IP; empty means REMOTE_ADDR. Set it only behind a proxy that overwrites the header.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Sessions outlive the longest timed test (130 min × 2 with extra time), WCAG 2.2.1.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)
SESSION_SAVE_EVERY_REQUEST = False
# Sessions are read from Redis (shared by every web process and host, so a log-out ends the session
# everywhere at once) and written through to the database, which keeps them when Redis restarts.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers, in every mode. Pages carry no inline scripts or styles (htmx's own indicator style is off,
# see the htmx-config meta tag in templates/base.html), so the policy allows files from this origin only, plus
# the one <style> element the code editor generates, which carries the per-response nonce (csp-nonce meta tag).
# htmx settles class, width and height only, never "style": a text box the student resized carries its size as a
# style attribute, and copying that onto the swapped-in element would be an inline style the policy blocks.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

if not DEBUG:
    # Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (docs/deploy.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/"]  # probes from the host itself speak plain HTTP
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining browsers' preload list is the operator's decision (HSTS_PRELOAD=1), not a default.
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# Redis serves as Celery broker, result backend and the lock store. Every key this checkout writes starts
# with REDIS_KEY_PREFIX (by default derived from the project folder), so two checkouts sharing one Redis never
# take each other's tasks or locks.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", f"examprep-{CHECKOUT_ID}:")

# The rate-limit counters live in Redis, shared by every web process.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX + "ratelimit",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
    "sessions": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX + "sessions",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
}
RATELIMIT_USE_CACHE = "ratelimit"

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"sandbox.*": {"queue": "sandbox"}}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_throttle": 1,  # look for a dead worker's messages every 10 s (kombu's default: 100 s)
    "global_keyprefix": REDIS_KEY_PREFIX,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": REDIS_KEY_PREFIX}
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Sandbox: how many runs one student may start per minute (other limits: sandbox/limits.py).
SANDBOX_RUNS_PER_MINUTE = env_int("SANDBOX_RUNS_PER_MINUTE", 20)
SANDBOX_QUEUED_RUNS_PER_USER = env_int("SANDBOX_QUEUED_RUNS_PER_USER", 10)
SANDBOX_QUEUED_RUNS = env_int("SANDBOX_QUEUED_RUNS", 200)
SANDBOX_WAITING_REQUESTS_PER_WORKSPACE = env_int("SANDBOX_WAITING_REQUESTS_PER_WORKSPACE", 3)
SANDBOX_WAITING_REQUESTS = env_int("SANDBOX_WAITING_REQUESTS", 8)
