"""Test profile: reads DATABASE_URL and REDIS_URL of the servers the test command started."""

from .base import *  # noqa: F403
from .base import REDIS_URL, env, redis_cache

DEBUG = False
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="test-only-secret-key-long-enough-for-hs256-jwt"
)
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A real worker process in the tests writes mail to files the test reads.
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=None)
CELERY_TASK_EAGER_PROPAGATES = True
# As in production: participation, snapshot and ramp rows of answers come from
# the minutely recent_answers_refresh; tests that read them run it.
REINFORCEMENT_ROLLUP_REFRESH_INLINE = False
# Throttles count in the test Redis, as in production.
CACHES = redis_cache(REDIS_URL)
