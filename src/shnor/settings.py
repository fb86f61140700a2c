"""Django settings: every value is read here, once, from the environment (see .env.example)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
import plotly

from shnor.env import (
    SettingError,
    data_dir,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_networks,
    env_str,
    env_time,
)
from shnor.lib.journal import under_systemd

# Django's generic classes (ModelForm[School], ModelAdmin[Region]) subscriptable at run time, as
# their type stubs declare them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("SHNOR_DEBUG", False)


def _secret_key() -> str:
    """The key from $SHNOR_SECRET_KEY, else one generated once and kept in the data folder.

    The file fallback keeps `make demo` and an embedded install working after a clone;
    production sets the variable (docs/guide/install.md).
    """
    key = env_str("SHNOR_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise SettingError("SHNOR_SECRET_KEY", "…", "at least 32 characters")
        return key
    path = DATA_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("SHNOR_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("SHNOR_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "shnor.accounts",
    "shnor.registry",
    "shnor.audit",
    "shnor.datasets",
    "shnor.staff",
    "shnor.records",
    "shnor.identification",
    "shnor.cycle",
    "shnor.risks",
    "shnor.programmes",
    "shnor.support",
    "shnor.web",
]

# Times to the microsecond in the backup (shnor.exactjson).
SERIALIZATION_MODULES = {"json-exact": "shnor.exactjson"}

MIDDLEWARE = [
    "shnor.web.metrics.Middleware",  # outermost: counts and times every answer (when SHNOR_METRICS_TOKEN is set)
    "django.middleware.security.SecurityMiddleware",
    "shnor.web.security.SecurityHeadersMiddleware",
    "shnor.web.security.UploadLimitMiddleware",  # before anything reads the body
    "shnor.web.security.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shnor.audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "shnor.urls"
WSGI_APPLICATION = "shnor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shnor.web.context.navigation",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL")
    if url:
        if not url.startswith(("postgres://", "postgresql://", "sqlite://")):
            raise SettingError("DATABASE_URL", url, "a postgresql:// or sqlite:// URL")
        return dict(dj_database_url.parse(url, conn_max_age=env_int("SHNOR_DB_CONN_MAX_AGE", 60)))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "shnor.sqlite3"),
        "OPTIONS": {
            # WAL lets the web server read while an import or a worker writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (shnor.accounts.throttle): wrong passwords allowed for a login name within the
# window before it is refused for the rest of the window.
SHNOR_LOGIN_ATTEMPTS = env_int("SHNOR_LOGIN_ATTEMPTS", 5, minimum=1)
SHNOR_LOGIN_LOCK_MINUTES = env_int("SHNOR_LOGIN_LOCK_MINUTES", 15, minimum=1)
# The largest attachment (evidence, materials) and data file for import, in MB: a larger request is
# refused before its body is read. nginx's client_max_body_size should be the larger of the two.
SHNOR_MAX_UPLOAD_MB = env_int("SHNOR_MAX_UPLOAD_MB", 25, minimum=1)
SHNOR_MAX_IMPORT_MB = env_int("SHNOR_MAX_IMPORT_MB", 1024, minimum=1)
# Answers to one anonymous questionnaire accepted from one address in an hour (a class answering
# from one school network counts as one address)
SHNOR_ANSWERS_PER_ADDRESS_HOUR = env_int("SHNOR_ANSWERS_PER_ADDRESS_HOUR", 40, minimum=1)
# When the task worker sends the day's reminders (local time); empty: only `shnor remind` sends them.
SHNOR_REMIND_AT = env_time("SHNOR_REMIND_AT", "07:00")
# /healthz fails when the task worker has not shown itself alive for this many seconds (it does
# each minute) or the last complete backup is older than this many hours; 0: not checked (a
# desktop or a demo runs no worker of its own and takes no nightly backup; a server sets 300 and
# 26, docs/guide/settings.md).
# The key a Prometheus server shows to read /metrics (at least 32 characters); empty: no /metrics.
SHNOR_METRICS_TOKEN = env_str("SHNOR_METRICS_TOKEN").strip()
if SHNOR_METRICS_TOKEN and len(SHNOR_METRICS_TOKEN) < 32:
    raise SettingError("SHNOR_METRICS_TOKEN", "•" * len(SHNOR_METRICS_TOKEN), "at least 32 characters")
SHNOR_WORKER_SILENCE_SECONDS = env_int("SHNOR_WORKER_SILENCE_SECONDS", 0, minimum=0)
# How often the worker's clock ticks (its heartbeat, the reminders' check); tests shorten it.
SHNOR_WORKER_TICK_SECONDS = env_int("SHNOR_WORKER_TICK_SECONDS", 60, minimum=1)
# `shnor backup --dir` without --keep (the nightly timer): how many archives the folder keeps.
SHNOR_BACKUP_KEEP = env_int("SHNOR_BACKUP_KEEP", 14, minimum=1)
SHNOR_BACKUP_MAX_AGE_HOURS = env_int("SHNOR_BACKUP_MAX_AGE_HOURS", 0, minimum=0)
# Proxies whose X-Forwarded-For is believed (addresses or networks: «127.0.0.1,10.0.0.0/24»).
SHNOR_TRUSTED_PROXIES = env_networks("SHNOR_TRUSTED_PROXIES")
SESSION_COOKIE_AGE = env_int("SHNOR_SESSION_HOURS", 8, minimum=1) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SHNOR_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Served over HTTPS (behind nginx, which terminates TLS and says so in X-Forwarded-Proto): plain
# HTTP is redirected, and browsers are told to use HTTPS only for a year (HSTS). /healthz stays
# reachable over plain HTTP for local probes. Preloading into browsers' lists is a separate decision
# of the region (SHNOR_HSTS_PRELOAD), so its check is silenced when it is off.
SECURE_SSL_REDIRECT = SECURE_COOKIES
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_COOKIES else None
SECURE_REDIRECT_EXEMPT = [r"^healthz(/serving)?$"]
SECURE_HSTS_SECONDS = env_int("SHNOR_HSTS_SECONDS", 31_536_000, minimum=0) if SECURE_COOKIES else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_COOKIES
SECURE_HSTS_PRELOAD = env_bool("SHNOR_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = env_str("SHNOR_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["shnor.formats"]

STATIC_URL = "/static/"
# Collected static files: in the data folder, or where the package's nginx serves them from.
STATIC_ROOT = Path(env_str("SHNOR_STATIC_DIR") or DATA_DIR / "static")
# Plotly's offline bundle ships inside the plotly package: served from there, never from a CDN.
STATICFILES_DIRS = [("plotly", str(Path(plotly.__file__).parent / "package_data"))]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "shnor.web.storage.StaticStorage"},
}
# Serve from the app folders too, so `shnor serve` works before collectstatic has run.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "files"

# Student- and task-level results live in the columnar store (shnor.engine), not in this database.
SHNOR_STORE_DIR = DATA_DIR / "store"
SHNOR_ENGINE = env_choice("SHNOR_ENGINE", "duckdb", ("duckdb", "spark"))
SHNOR_PAGE_SIZE = env_int("SHNOR_PAGE_SIZE", 50, minimum=10)
# After the data change, how long (seconds) a dashboard waits for its figures to be computed again
# before it shows the earlier ones, saying when they were computed, while the computation goes on in
# the background (shnor.lib.memo). Documents and exports always wait for the current figures.
SHNOR_FRESH_WAIT_SECONDS = env_int("SHNOR_FRESH_WAIT_SECONDS", 3, minimum=0)
# Each server process computes what the region's pages keep as it starts (shnor.web.warmup).
SHNOR_WARM_UP = env_bool("SHNOR_WARM_UP", True)
SHNOR_REGION_NAME = env_str("SHNOR_REGION_NAME", "")

# E-mail copies of in-system notifications; without SHNOR_EMAIL_HOST notifications stay in the system.
EMAIL_HOST = env_str("SHNOR_EMAIL_HOST", "")
EMAIL_PORT = env_int("SHNOR_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("SHNOR_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("SHNOR_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SHNOR_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("SHNOR_EMAIL_FROM", "shnor@localhost")
SHNOR_BASE_URL = env_str("SHNOR_BASE_URL", "")

TASKS = {
    "default": {
        "BACKEND": env_str("SHNOR_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SHNOR_LOG_LEVEL = env_choice("SHNOR_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Under systemd the journal keeps the time and reads each line's priority (shnor.lib.journal).
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "journal": {"()": "shnor.lib.journal.Formatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "journal" if under_systemd() else "plain"}},
    "root": {
        "handlers": ["console"],
        "level": SHNOR_LOG_LEVEL,
    },
}
