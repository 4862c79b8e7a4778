"""/scim/v2/: one Django view hands every SCIM request to scim2-server.

The bearer token names the organization; the storage serves that
organization only. Every answer is SCIM JSON, errors included: an unexpected
exception is logged and answered as a SCIM 500 by scim2-server.
"""

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    PayloadTooLargeException,
    SCIMException,
    UnauthorizedException,
)
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.routing import Operation

from provisioning.idp_compat import IdentityProviderService
from provisioning.resources import PROVIDER
from provisioning.services import token_authenticate
from provisioning.storage import OrganizationStorage

SERVICE = IdentityProviderService(PROVIDER)
log = logging.getLogger(__name__)


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _serve(request: HttpRequest, scim_request: ScimRequest):
    target = SERVICE.match(scim_request)
    organization = token_authenticate(token=_bearer(request))
    if organization is None:
        if target.operation is Operation.service_provider_config:
            # RFC 7644 §4: the configuration is readable without credentials.
            return ScimHandler(SERVICE, OrganizationStorage(None)).handle(scim_request)
        raise UnauthorizedException(detail="A valid SCIM bearer token is required")
    scim_request.subject = organization
    with transaction.atomic():
        return ScimHandler(SERVICE, OrganizationStorage(organization)).handle(
            scim_request
        )


def _scim_request(request: HttpRequest, path: str) -> ScimRequest:
    try:
        body = request.body
    except RequestDataTooBig as error:
        raise PayloadTooLargeException(
            detail="The request body is too large"
        ) from error
    return ScimRequest(
        method=request.method or "GET",
        base_url=request.build_absolute_uri("/scim/v2").rstrip("/"),
        path="/" + path.removesuffix(".scim"),
        query=request.GET.dict(),
        headers=dict(request.headers),
        body=body,
    )


@csrf_exempt
def scim_endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    try:
        response = _serve(request, _scim_request(request, path))
    except SCIMException as exception:
        response = SERVICE.error_response(exception)
    except Exception as exception:  # a bug: answered as SCIM, not Django's page
        log.exception("SCIM %s %s failed", request.method, request.path)
        response = SERVICE.error_response(exception)
    body = b"" if response.body is None else json.dumps(response.body).encode()
    http = HttpResponse(body, status=response.status.value)
    for name, value in response.headers.items():
        http[name] = value
    if response.body is None:
        del http["Content-Type"]
    return http
