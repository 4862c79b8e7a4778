"""/slack/: Slack's requests (through bolt), and the OAuth install and redirect."""

import json
import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from slack_app.bolt import slack_request_handler
from slack_app.client import slack_app_configured
from slack_app.services.install import (
    slack_authorize_url,
    slack_installation_complete,
    slack_oauth_state_check,
    slack_oauth_state_issue,
)

logger = logging.getLogger(__name__)

SESSION_NONCE = "slack_oauth_nonce"
CHANGELIST = "admin:slack_app_slackinstallation_changelist"


def _configured() -> None:
    if not slack_app_configured():
        raise Http404(_("The Slack app is not set up on this service."))


def _error(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "slack_app/error.html", {"message": message}, status=status)


@csrf_exempt  # Slack signs its requests instead (checked by bolt)
@require_POST
def slack_events(request: HttpRequest) -> HttpResponse:
    """Events, interactivity and slash commands: verified and dispatched by bolt."""
    _configured()
    try:
        return slack_request_handler().handle(request)
    except json.JSONDecodeError:
        # Bolt parses the body before checking its signature: a payload that
        # is not JSON is refused here, signed or not.
        return HttpResponseBadRequest(_("The request body is not valid JSON."))


def _redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("slack:oauth_redirect"))


@require_GET
def slack_install(request: HttpRequest) -> HttpResponse:
    """An enablement admin starts the installation for their organization."""
    _configured()
    if not request.user.is_authenticated:
        return redirect(f"{reverse('admin:login')}?next={request.path}")
    organizations = request.user.administered_organizations.order_by("pk")
    wanted = request.GET.get("organization")
    if wanted is not None:
        organizations = organizations.filter(pk=int(wanted) if wanted.isdigit() else 0)
    organization = organizations.first()
    if organization is None:
        return _error(
            request,
            _(
                "Only an enablement admin of the organization can install the Slack app."
            ),
            status=403,
        )
    state, nonce = slack_oauth_state_issue(user=request.user, organization=organization)
    request.session[SESSION_NONCE] = nonce
    return redirect(
        slack_authorize_url(state=state, redirect_uri=_redirect_uri(request))
    )


@require_GET
def slack_oauth_redirect(request: HttpRequest) -> HttpResponse:
    """Slack sends the admin back here with a code and the state it was given."""
    _configured()
    if not request.user.is_authenticated:
        return _error(
            request, _("Sign in to admin and start the installation again."), status=403
        )
    if request.GET.get("error"):
        # The admin pressed Cancel at Slack (error=access_denied).
        return _error(
            request,
            _("The Slack app was not installed: %(error)s.")
            % {"error": request.GET["error"][:100]},
            status=400,
        )
    try:
        organization = slack_oauth_state_check(
            state=request.GET.get("state", ""),
            user=request.user,
            session_nonce=request.session.pop(SESSION_NONCE, None),
        )
        installation = slack_installation_complete(
            organization=organization,
            user=request.user,
            code=request.GET.get("code", ""),
            redirect_uri=_redirect_uri(request),
            now=timezone.now(),
        )
    except ApplicationError as exc:
        return _error(request, exc.message, status=exc.status)
    messages.success(
        request,
        _(
            "The Slack app is installed in %(team)s for %(organization)s. Reps are "
            "being matched to their Slack users by email."
        )
        % {"team": installation.team_name, "organization": organization},
    )
    return redirect(CHANGELIST)
