"""Login throttling (django-axes) for /login/ and /admin/login/: who is counted,
and what a locked-out sign-in is told.

Failures count per account and per client address. The address follows the
API's trusted-proxy rule (API_NUM_PROXIES, DRF's NUM_PROXIES): with 0 it is
the connection's, so a client cannot rotate X-Forwarded-For to dodge the
count; behind N proxies it is the N-th address from the right of that header,
so one client's failures do not lock out everyone behind the load balancer.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

# A lockout is "too many requests": the right password is refused until it ends.
LOCKED_OUT_STATUS = 429


def client_address(request: HttpRequest) -> str:
    """The client's address by the API throttles' rule (AXES_CLIENT_IP_CALLABLE)."""
    return BaseThrottle().get_ident(request)


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a sign-in names, case-folded: "Alice" and "alice" count as one."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get(field) or request.POST.get(field)
    return value.strip().lower() if isinstance(value, str) else value


def login_paused(*, request: HttpRequest, username: object) -> bool:
    """Whether sign-in is paused for this account or this request's address."""
    name = username if isinstance(username, str) else None
    field = settings.AXES_USERNAME_FORM_FIELD
    return not AxesProxyHandler.is_allowed(request, {field: name})


def _minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_message() -> str:
    """Why a sign-in with the right password is refused, and for how long."""
    return _(
        "Too many attempts. Sign-in for this account or from this address is "
        "paused for %(minutes)d minutes, even with the right password; try "
        "again after that."
    ) % {"minutes": _minutes()}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What a locked-out sign-in sees: why, and for how long (AXES_LOCKOUT_CALLABLE)."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "throttled", "message": message, "fields": {}}},
            status=LOCKED_OUT_STATUS,
        )
    if request.path == reverse("admin:login"):
        context = {**admin.site.each_context(request), "message": message}
        return render(
            request, "admin/locked_out.html", context, status=LOCKED_OUT_STATUS
        )
    context = {
        "form": AuthenticationForm(request),
        "throttled": True,
        "throttle_message": message,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=LOCKED_OUT_STATUS)
