"""Settings, read from the environment (see kitsufiles/env.py and the README's table).

With no variable set this is a working development setup: SQLite and local storage under
`data/` in the checkout, Django Q on its ORM broker. Production sets DATABASE_URL, SECRET_KEY,
DEBUG=false, ALLOWED_HOSTS, and optionally REDIS_URL and the FS_* storage variables.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from kitsufiles import __version__, env
from kitsufiles.stores import config as stores_config

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env.get_str("DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file and local storage live here

DEBUG = env.get_bool("DEBUG", True)
SECRET_KEY = env.get_str("SECRET_KEY", None)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-kitsufiles"
ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS", [])

API_VERSION = __version__

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "production",
    "resumable",
    "file_trees",
    "working_files",
    "output_files",
    "previews",
    "thumbnails",
    "kitsufiles.apps.KitsufilesConfig",
]

MIDDLEWARE = [
    # Outermost: every log line of a request carries its id, and the latency counts it all.
    "kitsufiles.api.middleware.RequestIdMiddleware",
    "kitsufiles.api.middleware.RequestMetricsMiddleware",
    "kitsufiles.api.middleware.ZouPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kitsufiles.api.middleware.ZouSecurityHeadersMiddleware",
]
APPEND_SLASH = False  # the API accepts a trailing slash on every route (ZouPathMiddleware)

ROOT_URLCONF = "kitsufiles.urls"
WSGI_APPLICATION = "kitsufiles.wsgi.application"

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

_database_url = env.get_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kitsufiles.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        # Opening a PostgreSQL connection costs ~9 ms a request here: keep them for a minute.
        conn_max_age=env.get_int(
            "DATABASE_CONN_MAX_AGE", 0 if _database_url.startswith("sqlite") else 60, minimum=0
        ),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check of kept connections that costs no round trip.
    DATABASES["default"]["ENGINE"] = "kitsufiles.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web + qcluster) share the file: wait for the lock instead of failing.
    # Transactions take the write lock when they begin: a deferred one that reads, then writes
    # while another process writes gets "database is locked" at once, without waiting.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")

AUTH_USER_MODEL = "production.Person"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
# The browsable pages: a visitor who is not logged in goes to the log-in page.
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# Zou does not enforce a password policy; studios use SSO or LDAP.
AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request until collectstatic ran
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "staticfiles": {
        # Compressed + hashed files, served by WhiteNoise: the admin works with DEBUG=false
        # under gunicorn and nothing is loaded from another host.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# The backend of the two content aliases, `files` and `previews` (kitsufiles/stores/config.py):
# local folders (FS_ROOT, PREVIEW_FOLDER), or Zou's buckets on S3 or Swift, with Zou's variable
# names (FS_BUCKET_PREFIX, FS_S3_*, FS_SWIFT_*). Object stores' buckets are checked (or created)
# at start by kitsufiles.apps.
FS_BACKEND = env.get_choice("FS_BACKEND", "local", stores_config.BACKENDS)
FS_ROOT = Path(env.get_str("FS_ROOT", str(DATA_DIR / "files"))).resolve()
PREVIEW_FOLDER = Path(env.get_str("PREVIEW_FOLDER", str(DATA_DIR / "previews"))).resolve()
# Largest upload accepted (Zou's MAX_CONTENT_LENGTH, 10 GiB by default); above it: 413.
MAX_UPLOAD_SIZE = env.get_int("MAX_UPLOAD_SIZE", 10 * 1024**3, "MAX_CONTENT_LENGTH", minimum=1)
# Resumable (tus) uploads (docs/resumable-uploads.md): an upload with no byte received for
# this long expires, and the storage sweep (prune_storage) removes its bytes.
RESUMABLE_UPLOAD_EXPIRY = env.get_duration("RESUMABLE_UPLOAD_EXPIRY", timedelta(hours=24))
# How long a request sending an upload's bytes holds it without receiving any: past it another
# request (the client resuming after a dropped connection) may take the upload over.
RESUMABLE_UPLOAD_LEASE = env.get_duration("RESUMABLE_UPLOAD_LEASE", timedelta(seconds=30))
# Largest JSON body accepted (uploads keep MAX_UPLOAD_SIZE); above it: 413, before it is read.
MAX_JSON_BODY_SIZE = env.get_int("MAX_JSON_BODY_SIZE", 4 * 1024**2, minimum=1)
STORAGES.update(
    stores_config.content_storages(FS_BACKEND, fs_root=FS_ROOT, preview_folder=PREVIEW_FOLDER)
)

# The shipped file tree new projects get (file_trees/trees/<name>.json); empty for none.
DEFAULT_FILE_TREE = env.get_str("DEFAULT_FILE_TREE", "default")
_shipped_trees = sorted(p.stem for p in (BASE_DIR / "file_trees" / "trees").glob("*.json"))
if DEFAULT_FILE_TREE and DEFAULT_FILE_TREE not in _shipped_trees:
    raise ImproperlyConfigured(
        f"DEFAULT_FILE_TREE={DEFAULT_FILE_TREE!r} is not a shipped tree: use one of "
        f"{', '.join(_shipped_trees)}, or leave it empty for none."
    )

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["kitsufiles.api.authentication.ZouJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["kitsufiles.api.renderers.ZouJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "kitsufiles.api.parsers.ZouJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "kitsufiles.api.errors.zou_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "kitsufiles.api.schema.ZouAutoSchema",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "kitsufiles API",
    "DESCRIPTION": "Zou-compatible file service: production data, working and output files, "
    "file trees and previews, for Kitsu, gazu and pipeline tools. The same data can be browsed "
    "in the [pages](/) (log in with the same e-mail and password) and managed in the "
    "[admin](/admin/).",
    "VERSION": API_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    # The viewer's assets come from drf-spectacular-sidecar: nothing is loaded from another host.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: Swagger UI would otherwise send the document to validator.swagger.io
    # and show its answer as a picture from that host.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # The routes grouped by domain, in this order (each operation's tag: the app it belongs
    # to, kitsufiles/api/schema.py DOMAINS).
    "TAGS": [
        {
            "name": "auth",
            "description": "Log in with an e-mail and password, refresh and revoke the JWT the "
            "other routes take, and ask who is logged in.",
        },
        {
            "name": "production data",
            "description": "Projects, people, assets, shots, tasks, comments and reference data "
            "(Zou's generic data routes and its entity routes), and their pictures: avatars, "
            "project and organisation pictures, attachment thumbnails.",
        },
        {
            "name": "working files",
            "description": "Artists' working files of a task, revision after revision: new "
            "revisions, their stored content (upload, download, size and sha256), history.",
        },
        {
            "name": "output files",
            "description": "Files published from a task for others (caches, textures, renders) "
            "on an entity or an asset instance, by output type and representation.",
        },
        {
            "name": "previews",
            "description": "Pictures and movies sent for review on a task's comments: slots, "
            "uploads, processing, delivery of every rendition, annotations, backgrounds.",
        },
        {
            "name": "file trees",
            "description": "Where files go: the project's path templates, rendered for a task "
            "or an entity, and a path read back into the production data it names.",
        },
        {
            "name": "operations",
            "description": "For deployments: the API's version, liveness and readiness checks "
            "(no credentials).",
        },
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default
        "kitsufiles.api.schema.add_links",
    ],
}

# Token lifetimes: Zou's JWT_ACCESS_TOKEN_EXPIRES / JWT_REFRESH_TOKEN_EXPIRES (seconds) accepted.
SIMPLE_JWT: dict[str, Any] = {
    "ACCESS_TOKEN_LIFETIME": env.get_duration(
        "JWT_ACCESS_TOKEN_LIFETIME", timedelta(days=7), "JWT_ACCESS_TOKEN_EXPIRES"
    ),
    "REFRESH_TOKEN_LIFETIME": env.get_duration(
        "JWT_REFRESH_TOKEN_LIFETIME", timedelta(days=15), "JWT_REFRESH_TOKEN_EXPIRES"
    ),
    "SIGNING_KEY": SECRET_KEY,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
}
JWT_COOKIE_NAME = "access_token_cookie"  # what Kitsu's <img>/<video> tags send

# Failed log-ins: after this many failures within LOGIN_FAILURE_WINDOW seconds, further
# attempts for the same e-mail, or from the same client address, get 429 until the window
# ends (0 turns a limit off). The counters live in the "default" cache (see CACHES).
LOGIN_FAILURES_PER_ACCOUNT = env.get_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=0)
LOGIN_FAILURES_PER_ADDRESS = env.get_int("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=0)
LOGIN_FAILURE_WINDOW = env.get_int("LOGIN_FAILURE_WINDOW", 900, minimum=1)
# How many reverse proxies stand in front and append the client's address to
# X-Forwarded-For: the per-address counter then counts clients, not the proxy
# (kitsufiles/api/client_address.py). 0: none, REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.get_int("TRUSTED_PROXIES", 0, minimum=0)

# Previews. Processing runs in Django Q jobs; ffmpeg is killed after
# PREVIEW_PROCESSING_TIMEOUT seconds and the preview marked broken. A job that fails for
# another reason is retried until PREVIEW_MAX_ATTEMPTS jobs have started.
PREVIEW_PROCESSING_TIMEOUT = env.get_int(
    "PREVIEW_PROCESSING_TIMEOUT", 1800, "JOB_QUEUE_TIMEOUT", minimum=1
)
PREVIEW_MAX_ATTEMPTS = env.get_int("PREVIEW_MAX_ATTEMPTS", 3, minimum=1)
# Where processing writes its intermediate files: inside PREVIEW_FOLDER by default, so that
# finished media move into storage with a rename.
PREVIEW_WORK_DIR = Path(
    env.get_str("PREVIEW_WORK_DIR", str(PREVIEW_FOLDER / ".work"), "TMP_DIR")
).resolve()
# x264 presets of the two renditions, and x264 options added to the low-def's
# (docs/decisions/movie-pipeline.md): ultrafast with CABAC, the deblocking filter and 8x8
# transforms back costs 40 % of veryfast's encoding for 0.8 dB less.
MOVIE_HIGHDEF_PRESET = env.get_str("MOVIE_HIGHDEF_PRESET", "veryfast")
MOVIE_LOWDEF_PRESET = env.get_str("MOVIE_LOWDEF_PRESET", "ultrafast")
MOVIE_LOWDEF_X264_PARAMS = env.get_str("MOVIE_LOWDEF_X264_PARAMS", "cabac=1:deblock=0,0:8x8dct=1")
# Longest keyframe interval (frames) of our encodes, and of a source that is remuxed as is.
MOVIE_KEYFRAME_INTERVAL = env.get_int("MOVIE_KEYFRAME_INTERVAL", 12, minimum=1)
MAX_IMAGE_PIXELS = env.get_int("MAX_IMAGE_PIXELS", 400_000_000, minimum=1)
# Colour of the VFX picture previews (EXR, DPX, TIFF...: docs/decisions/vfx-pictures.md): the
# OpenColorIO config (a file, or an ocio:// URI; OCIO, the variable every OCIO tool reads, is
# honoured; empty: the built-in ACES studio config, previews.media.DEFAULT_CONFIG), and its
# display and view (empty: the config's defaults).
PREVIEW_OCIO_CONFIG = env.get_str("PREVIEW_OCIO_CONFIG", "", "OCIO")
PREVIEW_OCIO_DISPLAY = env.get_str("PREVIEW_OCIO_DISPLAY", "")
PREVIEW_OCIO_VIEW = env.get_str("PREVIEW_OCIO_VIEW", "")
# Delete a preview's media with its row (always when the client passes force=true).
REMOVE_FILES = env.get_bool("REMOVE_FILES", False)
CLIENT_CACHE_MAX_AGE = env.get_int("CLIENT_CACHE_MAX_AGE", 604800, minimum=0)
# On an object store, answer downloads of large media (movies, originals, attachments,
# background files, working-file content) with a 302 to a signed URL of the object lasting
# this many seconds, once access is checked, so the bytes bypass the web server; 0: off
# (docs/decisions/object-storage.md). No effect on local storage.
FS_SIGNED_URL_SECONDS = env.get_int("FS_SIGNED_URL_SECONDS", 0, minimum=0)

# Django Q: the ORM broker by default (nothing else to run), Redis when REDIS_URL is set.
# A job may run as long as ffmpeg is allowed to, plus the time to store its results; the
# broker hands an unacknowledged job out again only after that (a dead worker's job).
REDIS_URL = env.get_str("REDIS_URL", None)
_job_timeout = env.get_int("Q_TIMEOUT", PREVIEW_PROCESSING_TIMEOUT + 300, minimum=1)
Q_CLUSTER: dict[str, Any] = {
    # Clusters sharing a broker (one Redis) must have distinct names, or they take each
    # other's jobs.
    "name": env.get_str("Q_CLUSTER_NAME", "kitsufiles"),
    "workers": env.get_int("Q_WORKERS", 2, minimum=1),
    "timeout": _job_timeout,
    "retry": env.get_int("Q_RETRY", _job_timeout + 60, minimum=_job_timeout + 1),
    "max_attempts": env.get_int("Q_MAX_ATTEMPTS", 3, minimum=1),
    # Failed jobs are not handed out again by the broker: previews.jobs retries them itself,
    # counting attempts on the preview row.
    "ack_failures": True,
    "catch_up": False,
    "label": "Jobs",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# The cache holds the failed log-in counters. Django's default local-memory cache belongs to
# one process: with several web processes each counts on its own, so the limits are
# multiplied by their number. A production with several processes sets REDIS_URL, which
# makes the counters shared.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kitsufiles",
        }
    }

# Every line says which request (its X-Request-ID) or which preview job it comes from
# (kitsufiles/log_context.py; "-" outside both).
_log_level = env.get_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kitsufiles.log_context.RequestIdFilter"}},
    "formatters": {
        "default": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "default",
        }
    },
    "root": {"handlers": ["console"], "level": _log_level},
    # Django's own loggers go through the root's handler only: its default configuration
    # adds a second console handler with DEBUG (every line twice, once without the id).
    "loggers": {"django": {"handlers": [], "level": _log_level, "propagate": True}},
}

# Operations (docs/operations.md). /api/health/ready gives each of its checks (database,
# content stores, job queue) this many seconds before calling it failed.
HEALTH_CHECK_TIMEOUT = env.get_int("HEALTH_CHECK_TIMEOUT", 3, minimum=1)
# Prometheus metrics at /metrics: off unless METRICS_ENABLED; with METRICS_TOKEN set, a scrape
# must send `Authorization: Bearer <token>`. Without a token, keep /metrics off the public
# proxy (docs/operations.md#metrics). PROMETHEUS_MULTIPROC_DIR (read by prometheus-client
# itself) shares the figures of several processes of one machine.
METRICS_ENABLED = env.get_bool("METRICS_ENABLED", False)
METRICS_TOKEN = env.get_str("METRICS_TOKEN", None) or None

# Constraints with nulls_distinct=False are enforced by PostgreSQL (15+); on SQLite the
# services check them before writing (production.services.check_unique_constraints).
SILENCED_SYSTEM_CHECKS = ["models.W047"]

# The response headers Zou sends on every answer; the CSP one is added by ZouSecurityHeaders.
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
