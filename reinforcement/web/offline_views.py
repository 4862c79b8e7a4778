"""The installed app's service worker and its offline page (docs/channels.md).

Both are public: they carry no one's data. The offline page is filled in the
browser from the questions the signed-in rep's phone saved while online.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

TEMPLATES = "reinforcement/rep/"


@require_GET
def rep_offline(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATES + "offline.html")


@require_GET
@cache_control(no_cache=True)
def rep_service_worker(request: HttpRequest) -> HttpResponse:
    # Served from the root so its scope is the whole site; revalidated on
    # every check, so a deployment's new worker replaces the old one.
    response = render(
        request,
        TEMPLATES + "sw.js",
        {"version": settings.SERVICE_WORKER_VERSION},
        content_type="text/javascript",
    )
    response["Service-Worker-Allowed"] = "/"
    return response
