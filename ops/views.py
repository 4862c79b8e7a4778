"""Liveness, readiness and the Prometheus exposition of the web processes."""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.views import HealthCheckView
from prometheus_client import CONTENT_TYPE_LATEST
from redis.asyncio import Redis

from ops import metrics


@never_cache
@require_GET
def liveness(request):
    """The process answers HTTP; touches neither the database nor the broker."""
    return JsonResponse({"status": "ok"})


def _broker_client() -> Redis:
    return Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )


class ReadinessView(HealthCheckView):
    """Ready when the database and the broker answer; 503 (not 500) when not."""

    checks = (
        "health_check.checks.Database",
        ("health_check.contrib.redis.Redis", {"client_factory": _broker_client}),
    )

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response


@never_cache
@require_GET
def metrics_exposition(request):
    """Prometheus text format; a bearer token when METRICS_TOKEN is set."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return JsonResponse(
                {"error": {"code": "not_authenticated", "message": "Bad token."}},
                status=401,
            )
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
