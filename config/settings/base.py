"""Settings shared by every profile; everything from outside comes through env."""

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


# SQLite, the embedded default, has web, worker and beat writing one file at
# once (docs/reliability.md, "SQLite"). WAL lets readers run beside the one
# writer; a writer waits up to 20 s for the lock instead of failing at once;
# IMMEDIATE takes the write lock when a transaction begins, because a
# deferred transaction that reads and then writes fails with "database is
# locked" without waiting when another writer got in between (Django 5.1+).
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL;",
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
}


def database_settings(config: dict) -> dict:
    """Settings shared by every profile's database.

    On SQLite, SQLITE_OPTIONS.

    On PostgreSQL, parameters are bound on the server and psycopg prepares a
    statement once a connection has run it DATABASE_PREPARE_THRESHOLD times,
    so the hot queries (the answer path's, the JWT user lookup) are planned
    once per connection rather than per request: planning was most of the
    answer path's database time (docs/benchmarks.md). Behind a
    transaction-pooling PgBouncer older than 1.21, set the threshold to -1
    (never prepare).
    """
    config["ATOMIC_REQUESTS"] = False
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
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
    # Readiness checks of the database and the broker (ops/views.py).
    "health_check",
    "auditlog",  # the audit log, enablement/audit.py (docs/people.md)
]
LOCAL_APPS = [
    "enablement",
    "reinforcement",
    "ops",
    "sso",
    "provisioning",  # SCIM 2.0 at /scim/v2/ (docs/people.md)
    "revenue",  # CRM deals and outcome KPIs (docs/revenue.md)
    "slack_app",  # the Slack app at /slack/ (docs/slack.md)
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "enablement.audit.AuditMiddleware",  # who acts, for the audit log
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
# Routes by role: reps to Today, managers and enablement admins to /manager/.
LOGIN_REDIRECT_URL = "rep:home"
LOGOUT_REDIRECT_URL = "rep:login"

# STATIC
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# EMAIL
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
# A send holds its Delivery row's lock; an SMTP server that never answers
# must not hold it past the delivery lease (Django's default is no timeout).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Reinforcement <noreply@localhost>"
)
from .people import *  # noqa: E402, F403, I001 (invitations, password reset: docs/people.md)
from .channels import *  # noqa: E402, F403, I001 (one-tap email, reminders: docs/channels.md)
from .slack import *  # noqa: E402, F403, I001 (the Slack app: docs/slack.md)
from .revenue_refreshers import *  # noqa: E402, F403, I001 (docs/revenue.md, "Refreshers")
from .refresher_delivery import *  # noqa: E402, F403, I001 (refresher delivery batches)

from .outcomes import *  # noqa: E402, F403, I001 (outcome rollups: docs/kpis.md)

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
            # A stopped (not dead) Redis accepts connections and never answers:
            # without a timeout a request would hang on it (throttles.py).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
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
# Acknowledge after the task body ran, so a task whose worker died is
# delivered again: at once when the worker process is killed under a live
# worker (REJECT_ON_WORKER_LOST), and after the broker's visibility timeout
# when the whole worker host is gone. Every task is idempotent by database
# constraints, so a re-run is harmless. One message reserved per process:
# a long task does not hold others unacknowledged behind it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Time limits of a task without its own (reinforcement/tasks.py sets them
# per task): the soft limit raises in the task, the hard one kills it.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# The longest a task may run or wait: the refit and snapshot tasks' hard
# limit (600 s) and the delivery task's longest retry countdown (600 s). A
# message unacknowledged longer than the visibility timeout goes back to the
# queue, so it must exceed both, or a running or waiting task would be run a
# second time; tests/test_production_settings.py checks it.
LONGEST_TASK_SECONDS = 600
# Publishing gives up after about half a second when Redis is down, instead of
# kombu's default of several seconds, so a web request that enqueues work is
# not held; the periodic tasks catch up. A task whose worker host died goes
# back to the queue after visibility_timeout: 15 minutes, not kombu's hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "visibility_timeout": LONGEST_TASK_SECONDS + 300,
}
DELIVERY_SWEEP_SECONDS = env.float("REINFORCEMENT_DELIVERY_SWEEP_SECONDS", default=60.0)
# Every beat entry expires before its next run, so a worker outage does not
# pile up copies of the same run; a periodic task takes a Redis lease until
# its message expires, so a second beat's copy does nothing
# (reinforcement/services/periodic_lock.py, docs/reliability.md "Two beats").
CELERY_BEAT_SCHEDULE = {
    # Every five minutes: wake the dispatcher that plans reps whose local
    # delivery hour has come (the database says who; beat only wakes it).
    "dispatch-daily-plans": {
        "task": "reinforcement.tasks.plans_dispatch_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    # Every hour at :10: expire prompts left unanswered past their window
    # (hourly, because each rep's window ends at their own local hour).
    "expire-stale-prompts": {
        "task": "reinforcement.tasks.prompts_expire_task",
        "schedule": crontab(minute=10),
        "options": {"expires": 3000},
    },
    # Every night at 03:20 UTC: refit memory-model parameters per organization.
    "refit-memory-models": {
        "task": "reinforcement.tasks.memory_models_refit_task",
        "schedule": crontab(hour=3, minute=20),
        "options": {"expires": 21600},
    },
    # Every hour at :25: recompute participation rollups of the last 8 days
    # (prompts expire hourly, after the answer path last saw them).
    "refresh-kpi-participation": {
        "task": "reinforcement.tasks.kpi_participation_refresh_task",
        "schedule": crontab(minute=25),
        "options": {"expires": 3000},
    },
    # Every night at 02:40 UTC: rewrite this week's retention and mastery
    # snapshot of every rep (predicted recall decays without answers).
    "refresh-kpi-snapshots": {
        "task": "reinforcement.tasks.kpi_snapshots_refresh_task",
        "schedule": crontab(hour=2, minute=40),
        "options": {"expires": 21600},
    },
    # Every minute: recompute participation, retention snapshots and ramp of
    # the reps who answered since the last run (the answer request only bumps
    # counters; see REINFORCEMENT_ROLLUP_REFRESH_INLINE).
    "refresh-recent-answers": {
        "task": "reinforcement.tasks.recent_answers_refresh_task",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    # Every minute: record that the worker is alive (a cheap liveness signal).
    "worker-heartbeat": {
        "task": "reinforcement.tasks.heartbeat_record_task",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    # Every minute (REINFORCEMENT_DELIVERY_SWEEP_SECONDS): re-enqueue the
    # deliveries a lost enqueue, a dead task or a failed send left pending
    # (docs/reliability.md). A copy that waited past the next run is dropped.
    "sweep-deliveries": {
        "task": "reinforcement.tasks.deliveries_sweep_task",
        "schedule": DELIVERY_SWEEP_SECONDS,
        "options": {"expires": 0.8 * DELIVERY_SWEEP_SECONDS},
    },
} | (
    PEOPLE_BEAT_SCHEDULE
    | REPLAN_BEAT_SCHEDULE
    | CHANNELS_BEAT_SCHEDULE
    | SLACK_BEAT_SCHEDULE
    | OUTCOMES_BEAT_SCHEDULE
)
CELERY_BEAT_SCHEDULE |= REVENUE_REFRESHER_BEAT_SCHEDULE

# REINFORCEMENT
# How a multiple-choice answer maps to an FSRS rating (1 Again .. 4 Easy),
# as JSON with the keys "wrong", "guess", "fairly_sure" and "certain".
# Unset: the simulator-tuned default in memory/scheduling.py (docs/memory.md).
REINFORCEMENT_RATING_MAP = env.json("REINFORCEMENT_RATING_MAP", default=None)

# Delivery outbox (docs/reliability.md). A plan's Delivery rows wait GRACE
# seconds for the task enqueued at commit before the sweeper re-drives them
# (more than a normal queue wait, so a busy queue is not doubled); a task that
# starts a send holds it for LEASE seconds (well above a send: Slack times out
# at 5 s, SMTP at EMAIL_TIMEOUT, 30 s); a failed send waits BACKOFF * 2**(n-1)
# seconds (at most an hour) and, after MAX_ATTEMPTS sends, stays failed.
# 60 s doubling over 8 attempts rides out about two hours of channel outage.
REINFORCEMENT_DELIVERY_GRACE_SECONDS = env.float(
    "REINFORCEMENT_DELIVERY_GRACE_SECONDS", default=180.0
)
REINFORCEMENT_DELIVERY_LEASE_SECONDS = env.float(
    "REINFORCEMENT_DELIVERY_LEASE_SECONDS", default=300.0
)
REINFORCEMENT_DELIVERY_BACKOFF_SECONDS = env.float(
    "REINFORCEMENT_DELIVERY_BACKOFF_SECONDS", default=60.0
)
REINFORCEMENT_DELIVERY_MAX_ATTEMPTS = env.int(
    "REINFORCEMENT_DELIVERY_MAX_ATTEMPTS", default=8
)

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
    # Throttles keep their counts in the default cache, or in each process's
    # memory while it is unreachable (reinforcement/api/throttles.py).
    "DEFAULT_THROTTLE_RATES": {
        # Password guessing: per client address, on the token endpoint.
        "login": env("API_LOGIN_THROTTLE", default="10/minute"),
        # Token refresh: per account (a client refreshes every 15 minutes).
        "refresh": env("API_REFRESH_THROTTLE", default="30/minute"),
    },
}

# AUTHENTICATION: API tokens (SIMPLE_JWT) and the sign-in throttle of /login/
# and /admin/login/ (django-axes), in config/settings/auth.py.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
from .auth import *  # noqa: E402, F403, I001

# The OpenAPI schema (drf-spectacular), in config/settings/api.py.
from .api import *  # noqa: E402, F403, I001
from .web_push import *  # noqa: E402, F403, I001 (VAPID keys: docs/channels.md)
from .crm_ingest import *  # noqa: E402, F403, I001 (CRM webhook: docs/revenue.md)

# OPS
# /metrics (Prometheus text format) asks for `Authorization: Bearer <token>`
# when this is set; unset, it is open, for a scraper on a private network
# (docs/deploy.md). Worker hosts serve theirs on WORKER_METRICS_PORT.
METRICS_TOKEN = env("METRICS_TOKEN", default="")

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
