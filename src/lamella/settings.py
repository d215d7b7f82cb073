"""Lamella's settings, read from ``LAMELLA_*`` environment variables with safe defaults.

A fresh clone runs with none of them set: SQLite and files in ``./data``, the database task
queue, a secret key generated once and kept in the data directory.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("LAMELLA_DATA_DIR") or Path.cwd() / "data").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("LAMELLA_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("LAMELLA_DEBUG", False)
ALLOWED_HOSTS = env_list("LAMELLA_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("LAMELLA_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "lamella.accounts",
    "lamella.images",
    "lamella.annotations",
    "lamella.jobs",
    "lamella.tiles",
    "lamella.legacy",
    "lamella.web",
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
]

ROOT_URLCONF = "lamella.urls"
WSGI_APPLICATION = "lamella.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

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
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("LAMELLA_DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "lamella.sqlite3"),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    # Pages read through a memory map, not a read() each: a viewport of ~420
                    # annotations scattered over a 1M-row table took 1.26 ms, mapped 0.91 ms.
                    " PRAGMA mmap_size=1073741824;"
                ),
            },
            "TEST": {"NAME": os.environ.get("LAMELLA_TEST_SQLITE_NAME")},
        }
    config: dict = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    elif "postgresql" in config["ENGINE"]:
        # No JIT: it compiles any query whose estimate passes jit_above_cost, and a viewport
        # (~60 index ranges OR-ed) passed it; compiling took most of its 11 ms.
        options = config.setdefault("OPTIONS", {})
        options.setdefault("options", "-c jit=off")
        # psycopg prepares nothing when this is None (Django's default), even a query run with
        # prepare=True. A threshold no query reaches: only those that ask are prepared (the
        # viewport statement, whose planning was ~0.3 ms of each ~2 ms viewport).
        options.setdefault("prepare_threshold", 2**31 - 1)
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("LAMELLA_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # `lamella serve` fills it; WhiteNoise warns if it is absent
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
FILE_UPLOAD_TEMP_DIR = None
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100_000

# Background work: Django's Tasks API. "database" needs nothing; "rq" needs Redis.
# Under pytest (which sets PYTEST_VERSION) tasks run inline unless the variable says otherwise,
# so tests of code that starts jobs see the outcome without a worker.
TASK_BACKEND = os.environ.get("LAMELLA_TASK_BACKEND") or (
    "immediate" if "PYTEST_VERSION" in os.environ else "database"
)
REDIS_URL = os.environ.get("LAMELLA_REDIS_URL", "redis://127.0.0.1:6379/0")
TASK_QUEUES = ["default", "ingest", "plugins"]
if TASK_BACKEND == "database":
    TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES},
    }
elif TASK_BACKEND == "rq":
    # django-tasks-rq wants its app installed beside django_rq, and workers started with
    # `rqworker --job-class django_tasks_rq.Job` (`lamella worker` does that).
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
    RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 24 * 3600} for name in TASK_QUEUES}
elif TASK_BACKEND == "immediate":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": TASK_QUEUES,
        }
    }
else:
    raise ImproperlyConfigured(
        f"LAMELLA_TASK_BACKEND must be database, rq or immediate, not {TASK_BACKEND!r}"
    )

REST_FRAMEWORK = {
    # Bearer first: its challenge makes missing credentials a 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lamella.api.authentication.PersonalAccessTokenAuthentication",
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["lamella.api.permissions.ReadAnyWriteAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "lamella.api.pagination.ExactPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        "lamella.api.parsers.LenientJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "lamella.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%f",  # EXACT's naive format; see lamella.api.fields
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lamella REST API v1",
    "DESCRIPTION": "EXACT-compatible annotation API.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# Imaging limits.
MAX_IMAGE_PIXELS = env_int("LAMELLA_MAX_IMAGE_PIXELS", 200_000 * 200_000)
SELF_REGISTRATION = env_bool("LAMELLA_SELF_REGISTRATION", False)
# Dry runs of larger uploads on the import page run as a background job (real imports always do).
IMPORT_BACKGROUND_BYTES = env_int("LAMELLA_IMPORT_BACKGROUND_BYTES", 5 * 2**20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LAMELLA_LOG_LEVEL", "INFO")},
}
