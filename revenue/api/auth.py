"""The CRM webhook's authentication: the request's HMAC signature names the
organization (revenue/services/webhook_secrets.py), not a user."""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from enablement.models import Organization
from revenue.services.webhook_secrets import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_request_verify,
)


class CrmSignatureAuthentication(BaseAuthentication):
    """``request.auth``: the organization whose current secret signed the body."""

    def authenticate(self, request):
        headers = request.headers
        organization = webhook_request_verify(
            key_id=headers.get(KEY_HEADER, ""),
            timestamp=headers.get(TIMESTAMP_HEADER, ""),
            signature=headers.get(SIGNATURE_HEADER, ""),
            body=request.body,
            now=timezone.now(),
        )
        return AnonymousUser(), organization

    def authenticate_header(self, request) -> str:
        return "HMAC-SHA256"


class SignedByOrganization(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Organization)


class CrmSignatureScheme(OpenApiAuthenticationExtension):
    target_class = CrmSignatureAuthentication
    name = "crmSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": (
                f"`sha256=` + hex HMAC-SHA256 of `{TIMESTAMP_HEADER}` + `.` + the "
                f"raw body, keyed with the secret whose key id is in `{KEY_HEADER}` "
                "(docs/revenue.md, Webhook)."
            ),
        }
