"""One run per beat firing, however many beats are running.

Two `celery beat` processes (a second one started by mistake, or two hosts
during a rolling deploy) each send every due entry, so each periodic task
would run twice. Every beat entry expires before its next firing
(CELERY_BEAT_SCHEDULE), so the copies of one firing all expire at about the
same moment; the first copy a worker runs takes a Redis lease named after
the task until its message expires, and a copy that finds the lease taken by
another message does nothing. The next firing's messages are sent after that
expiry and find the lease free. A redelivered message (its worker died) has
the same task id, so it finds its own lease and runs again.

The lease is redis-py's `Lock` with a timeout, never released: it is a
record that this firing ran, not a mutex around the run. When Redis cannot be
reached the run goes ahead (fails open, with a warning): every periodic task
is idempotent by database constraints, so a double run costs only time, while
a skipped one would leave a firing's work to the next.

A message without an expiry is not a beat firing (a test, a shell, a
management command calling `.delay()`) and always runs.
"""

import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "reinforcement:periodic:"
# The shortest lease worth taking: a message about to expire needs none.
MIN_LEASE_SECONDS = 0.05
_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
    return _client


def periodic_run_claim(
    *, name: str, token: str, expires: dt.datetime, now: dt.datetime
) -> bool:
    """Whether the message `token` of periodic task `name` should do its work.

    True for the first message of a firing (it takes the lease until
    `expires`) and for that message redelivered; False for another beat's
    copy of the same firing. True when Redis is unreachable (fails open).
    """
    lease = (expires - now).total_seconds()
    if lease < MIN_LEASE_SECONDS:
        return True
    key = KEY_PREFIX + name
    client = _redis()
    try:
        lock = client.lock(key, timeout=lease, blocking=False)
        if lock.acquire(token=token):
            return True
        holder = client.get(key)
    except redis.RedisError as exc:
        logger.warning("periodic lease of %s not checked, running: %s", name, exc)
        return True
    return holder is not None and holder.decode() == token


def _expires_at(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def periodic_once(func: Callable) -> Callable:
    """Decorate a periodic task's body: a second beat's copy of a firing returns None.

    Put it under `@shared_task`; the body runs as usual for a message that
    does not expire or when called directly.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from celery import current_task

        request = getattr(current_task, "request", None)
        expires = _expires_at(getattr(request, "expires", None))
        if (
            expires is not None
            and request.id
            and not request.is_eager
            and not periodic_run_claim(
                name=current_task.name,
                token=request.id,
                expires=expires,
                now=dt.datetime.now(dt.UTC),
            )
        ):
            logger.info(
                "%s %s skipped: this firing already ran", current_task.name, request.id
            )
            return None
        return func(*args, **kwargs)

    return wrapper
