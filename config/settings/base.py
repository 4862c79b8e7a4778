"""Settings shared by every profile; everything from outside comes through env."""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# GENERAL
# https://docs.djangoproject.com/en/5.2/ref/settings/
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")


def database_settings(config: dict) -> dict:
    """Settings shared by every profile's database.

    On PostgreSQL, parameters are bound on the server and psycopg prepares a
    statement once a connection has run it DATABASE_PREPARE_THRESHOLD times,
    so the hot queries (the answer path's, the JWT user lookup) are planned
    once per connection rather than per request: planning was most of the
    answer path's database time (docs/benchmarks.md). Behind a
    transaction-pooling PgBouncer older than 1.21, set the threshold to -1
    (never prepare).
    """
    config["ATOMIC_REQUESTS"] = False
    if config["ENGINE"] == "django.db.backends.postgresql":
        threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
        config.setdefault("OPTIONS", {}).update(
            server_side_binding=True,
            prepare_threshold=None if threshold < 0 else threshold,
        )
    return config


# DATABASES
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {
    "default": database_settings(
        env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# APPS
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    # Revocation of mobile refresh tokens (its own tables; not a local app).
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    # Swagger UI and Redoc assets served from our static files, not a CDN.
    "drf_spectacular_sidecar",
]
LOCAL_APPS = [
    "enablement",
    "reinforcement",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "rep:login"
LOGIN_REDIRECT_URL = "rep:today"
LOGOUT_REDIRECT_URL = "rep:login"

# STATIC
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# EMAIL
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Reinforcement <noreply@localhost>"
)

# CELERY
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# The embedded default is the Redis that scripts/embedded_redis.py starts.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6390/0")


def redis_cache(redis_url: str) -> dict:
    """A cache in Redis database 1 of the broker's server (or CACHE_URL).

    Throttle counts (login attempts) must be shared by every web worker; a
    per-process cache would let each worker allow the full rate.
    """
    default = f"{redis_url.rsplit('/', 1)[0]}/1"
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default=default),
        }
    }


# One process (the run command's web server): a local-memory cache is enough.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
# Acknowledge after the task body ran, so a worker crash re-delivers the task;
# every task is idempotent by database constraints, so a re-run is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up after about half a second when Redis is down, instead of
# kombu's default of several seconds, so a web request that enqueues work is
# not held; the periodic tasks catch up.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE = {
    # Every five minutes: wake the dispatcher that plans reps whose local
    # delivery hour has come (the database says who; beat only wakes it).
    "dispatch-daily-plans": {
        "task": "reinforcement.tasks.plans_dispatch_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every hour at :10: expire prompts left unanswered past their window
    # (hourly, because each rep's window ends at their own local hour).
    "expire-stale-prompts": {
        "task": "reinforcement.tasks.prompts_expire_task",
        "schedule": crontab(minute=10),
    },
    # Every night at 03:20 UTC: refit memory-model parameters per organization.
    "refit-memory-models": {
        "task": "reinforcement.tasks.memory_models_refit_task",
        "schedule": crontab(hour=3, minute=20),
    },
    # Every hour at :25: recompute participation rollups of the last 8 days
    # (prompts expire hourly, after the answer path last saw them).
    "refresh-kpi-participation": {
        "task": "reinforcement.tasks.kpi_participation_refresh_task",
        "schedule": crontab(minute=25),
    },
    # Every night at 02:40 UTC: rewrite this week's retention and mastery
    # snapshot of every rep (predicted recall decays without answers).
    "refresh-kpi-snapshots": {
        "task": "reinforcement.tasks.kpi_snapshots_refresh_task",
        "schedule": crontab(hour=2, minute=40),
    },
    # Every minute: recompute participation, retention snapshots and ramp of
    # the reps who answered since the last run (the answer request only bumps
    # counters; see REINFORCEMENT_ROLLUP_REFRESH_INLINE).
    "refresh-recent-answers": {
        "task": "reinforcement.tasks.recent_answers_refresh_task",
        "schedule": crontab(minute="*"),
    },
    # Every minute: record that the worker is alive (a cheap liveness signal).
    "worker-heartbeat": {
        "task": "reinforcement.tasks.heartbeat_record_task",
        "schedule": crontab(minute="*"),
    },
}

# REINFORCEMENT
# How a multiple-choice answer maps to an FSRS rating (1 Again .. 4 Easy),
# as JSON with the keys "wrong", "guess", "fairly_sure" and "certain".
# Unset: the simulator-tuned default in reinforcement/memory/scheduling.py
# (docs/memory.md).
REINFORCEMENT_RATING_MAP = env.json("REINFORCEMENT_RATING_MAP", default=None)

# After an answer, the participation, snapshot and ramp rows are recomputed by
# the minutely recent_answers_refresh task, so the request neither waits nor
# talks to the broker; True does it right after the answer's write instead
# (for a deployment without Celery beat).
REINFORCEMENT_ROLLUP_REFRESH_INLINE = env.bool(
    "REINFORCEMENT_ROLLUP_REFRESH_INLINE", default=False
)

# DJANGO REST FRAMEWORK
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        # Mobile clients: short-lived bearer access tokens (docs/api.md).
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        # The rep web pages and the browsable docs: the Django session.
        "rest_framework.authentication.SessionAuthentication",
    ),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    # JSON in, JSON out, and the schema says so: with DRF's default form and
    # multipart parsers documented too, generated clients send multipart.
    "DEFAULT_PARSER_CLASSES": ("reinforcement.api.parsers.JsonParser",),
    "DEFAULT_RENDERER_CLASSES": ("rest_framework.renderers.JSONRenderer",),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # ?page= as the schema states it: an integer from 1 (400 otherwise).
    "DEFAULT_PAGINATION_CLASS": "reinforcement.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "reinforcement.api.errors.api_exception_handler",
    # Proxies in front whose X-Forwarded-For the throttles trust: 0 takes the
    # client address from the connection, so a client cannot rotate the
    # header to dodge the login throttle. Behind one load balancer, set 1.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    # Throttles keep their counts in the default cache.
    "DEFAULT_THROTTLE_RATES": {
        # Password guessing: per client address, on the token endpoint.
        "login": env("API_LOGIN_THROTTLE", default="10/minute"),
    },
}
# https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": dt.timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": dt.timedelta(days=30),
    # A refresh hands out a new refresh token and revokes the old one.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Sales reinforcement API",
    "DESCRIPTION": (
        "The rep API for web and mobile clients: today's prompts, answering, "
        "progress and the just-in-time refresher. Every error has the shape "
        '`{"error": {"code": ..., "message": ..., "fields": {...}}}`, where '
        "`fields` maps a field's path (`choice_ids.0`, `non_field_errors`) to a "
        "list of messages."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # A POST's JSON body is never optional (generated clients rely on it).
        "reinforcement.api.schema.request_bodies_required",
    ],
}

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(levelname)s %(asctime)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"level": env("DJANGO_LOG_LEVEL", default="INFO"), "handlers": ["console"]},
}
