"""Sign in with SSO: a work email picks the organization's provider, which
sends the person back to the callback with an authorization code.

Every failure (no provider for the domain, a provider error or refusal, a
tampered or stale state, an ID token that does not validate, a person this
service refuses) is the sign-in error page with a clear message, never a 500.
"""

import logging

import requests
from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from joserfc.errors import JoseError

from sso.client import id_token_claims_options, oidc_client
from sso.forms import WorkEmailForm
from sso.selectors import identity_provider_for_email, identity_provider_get
from sso.services import SsoRefused, sso_sign_in

logger = logging.getLogger(__name__)

SESSION_PROVIDER = "sso_provider_id"
SESSION_NEXT = "sso_next"
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
# What can go wrong talking to the provider or validating its token.
PROVIDER_ERRORS = (
    OAuthError,
    JoseError,
    requests.RequestException,
    ValueError,
    KeyError,
    RuntimeError,
)


def _error(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "sso/error.html", {"message": message}, status=status)


@require_http_methods(["GET", "POST"])
def sso_start(request: HttpRequest) -> HttpResponse:
    """Ask for the work email; its domain picks the provider to redirect to."""
    form = WorkEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        provider = identity_provider_for_email(email=email)
        if provider is None:
            form.add_error(
                "email", _("Single sign-on is not set up for this email domain.")
            )
        else:
            request.session[SESSION_PROVIDER] = provider.pk
            request.session[SESSION_NEXT] = _safe_next(request)
            client = oidc_client(provider=provider)
            callback = request.build_absolute_uri(reverse("sso:callback"))
            try:
                return client.authorize_redirect(request, callback, login_hint=email)
            except PROVIDER_ERRORS:
                logger.warning("sso discovery failed", extra={"provider": provider.pk})
                return _error(
                    request,
                    _("%(name)s cannot be reached right now. Try again later.")
                    % {"name": provider.display_name},
                    status=502,
                )
    status = 400 if form.errors else 200
    context = {"form": form, "next": _safe_next(request)}
    return render(request, "sso/start.html", context, status=status)


def _safe_next(request: HttpRequest) -> str:
    """Where the login was asked from (a link in an email), if it is this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    """Validate the provider's answer and sign the person in."""
    provider = identity_provider_get(provider_id=request.session.get(SESSION_PROVIDER))
    if provider is None:
        return _error(
            request,
            _("This sign-in has expired or was not started here. Start again."),
            status=400,
        )
    client = oidc_client(provider=provider)
    try:
        options = id_token_claims_options(client=client, provider=provider)
        token = client.authorize_access_token(request, claims_options=options)
    except OAuthError as error:
        return _error(request, _provider_message(error, provider), status=400)
    except PROVIDER_ERRORS as error:
        logger.warning("sso token validation failed: %s", error)
        return _error(
            request,
            _("The answer of %(name)s could not be verified. Start again.")
            % {"name": provider.display_name},
            status=400,
        )
    claims = token.get("userinfo")
    if not claims:
        return _error(request, _("The provider sent no ID token."), status=400)
    try:
        user = sso_sign_in(provider=provider, claims=claims)
    except SsoRefused as refusal:
        return _error(request, refusal.message, status=refusal.status)
    request.session.pop(SESSION_PROVIDER, None)
    target = request.session.pop(SESSION_NEXT, "")
    login(request, user, backend=LOGIN_BACKEND)
    return redirect(target or resolve_url(settings.LOGIN_REDIRECT_URL))


def _provider_message(error: OAuthError, provider) -> str:
    if error.error == "mismatching_state":
        return _("This sign-in has expired or was tampered with. Start again.")
    if error.error == "access_denied":
        return _("%(name)s did not let you sign in.") % {"name": provider.display_name}
    return _("%(name)s refused the sign-in (%(error)s). Start again.") % {
        "name": provider.display_name,
        "error": error.error or "error",
    }
