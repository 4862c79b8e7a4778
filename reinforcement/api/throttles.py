"""Throttles of the login and token endpoints, and the cache they count in.

The counts live in the shared (Redis) cache so every web worker sees them. When
that cache is unreachable, the counts move to this process's memory until it is
back, rather than failing open or failing the request: a Redis outage must not
log every mobile client out (login and refresh answering 500), and failing open
would hand a password guesser unlimited attempts for as long as Redis is down
(which an attacker may be able to provoke). In memory, each web worker allows
the full rate, so an outage multiplies the limit by the number of workers: still
bounded, and no cost while Redis is up.
"""

import logging
import threading
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import UntypedToken

logger = logging.getLogger(__name__)

# While the shared cache is down, it is tried again after this many seconds, so
# requests do not each wait for a connection or socket timeout.
SHARED_CACHE_RETRY_SECONDS = 2.0
UNREACHABLE = (RedisError, OSError)


class FallbackCache:
    """The default cache, or this process's memory while it is unreachable.

    Only the operations the throttles use. The outage is logged once when it
    starts and once when the shared cache answers again (per process).
    """

    def __init__(self, alias: str = "default") -> None:
        self._alias = alias
        self._local = LocMemCache("throttle-fallback", {})
        self._lock = threading.Lock()
        self._down_until: float | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        self._call("set", key, value, timeout)

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        return self._call("add", key, value, timeout)

    def incr(self, key: str, delta: int = 1) -> int:
        return self._call("incr", key, delta)

    def clear(self) -> None:
        """Empty both caches and try the shared one on the next call."""
        self._local.clear()
        with self._lock:
            self._down_until = None
        self._call("clear")

    def _call(self, name: str, *args: Any) -> Any:
        down_until = self._down_until
        if down_until is None or time.monotonic() >= down_until:
            try:
                result = getattr(caches[self._alias], name)(*args)
            except UNREACHABLE as exc:
                self._mark_down(exc)
            else:
                if down_until is not None:
                    self._mark_up()
                return result
        return getattr(self._local, name)(*args)

    def _mark_down(self, exc: Exception) -> None:
        with self._lock:
            first = self._down_until is None
            self._down_until = time.monotonic() + SHARED_CACHE_RETRY_SECONDS
        if first:
            logger.error(
                "Cache %r unreachable (%s: %s); throttle counts are kept in this "
                "process's memory until it answers again.",
                self._alias, type(exc).__name__, exc,
            )  # fmt: skip

    def _mark_up(self) -> None:
        with self._lock:
            was_down = self._down_until is not None
            self._down_until = None
        if was_down:
            logger.warning("Cache %r reachable again; throttles share it.", self._alias)


throttle_cache = FallbackCache()


class LoginRateThrottle(ScopedRateThrottle):
    """Password guessing: per client address (scope ``login``)."""

    cache = throttle_cache


class RefreshRateThrottle(SimpleRateThrottle):
    """Token refresh: per account (the refresh token's user), not per address.

    A sales floor behind one NAT address refreshes many accounts at once; only
    one account refreshing too often is refused. A token whose signature does
    not verify names no account, so it is counted per address instead (no one
    guesses a signed token, but garbage should not cost unlimited work).
    """

    cache = throttle_cache
    scope = "refresh"

    def get_cache_key(self, request: Request, view) -> str:
        raw = request.data.get("refresh") if hasattr(request.data, "get") else None
        account = None
        if isinstance(raw, str):
            try:
                account = UntypedToken(raw).get(jwt_settings.USER_ID_CLAIM)
            except TokenError:
                account = None
        ident = f"user-{account}" if account is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
