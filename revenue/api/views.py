"""The CRM webhook: POST /api/v1/crm/events/ (docs/revenue.md, "Webhook")."""

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError
from reinforcement.api.schema import WITH_BODY, error_responses
from revenue.adapters import PayloadInvalid, generic, hubspot, salesforce
from revenue.api.auth import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CrmSignatureAuthentication,
    SignedByOrganization,
)
from revenue.api.serializers import CrmBatchInputSerializer, CrmBatchOutputSerializer
from revenue.services.ingest import DUPLICATE, crm_batch_ingest

ADAPTERS = {
    "generic": generic.parse,
    "salesforce": salesforce.parse,
    "hubspot": hubspot.parse,
}
# What Salesforce's outbound messaging waits for: anything else is retried.
SOAP_ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soapenv:Body>"
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


def _header(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, str, OpenApiParameter.HEADER, required=True, description=description
    )


class CrmEventsIngestApi(APIView):
    authentication_classes = [CrmSignatureAuthentication]
    permission_classes = [SignedByOrganization]
    throttle_classes: list = []

    @extend_schema(
        tags=["crm"],
        summary="Receive CRM events (signed webhook)",
        parameters=[
            OpenApiParameter(
                "source",
                str,
                enum=list(ADAPTERS),
                default="generic",
                description="The payload's shape: generic JSON, Salesforce (Flow "
                "JSON or outbound message XML), HubSpot (webhook batch or "
                "workflow deal).",
            ),
            _header(KEY_HEADER, "The public key id of the signing secret."),
            _header(TIMESTAMP_HEADER, "Unix seconds when signed; at most 5 min old."),
            _header(SIGNATURE_HEADER, "sha256=<hex HMAC>, see the security scheme."),
        ],
        request={
            "application/json": CrmBatchInputSerializer,
            "text/xml": OpenApiTypes.STR,
        },
        responses={
            202: CrmBatchOutputSerializer,
            **error_responses(*WITH_BODY, 401, 422),
        },
    )
    def post(self, request: Request) -> Response:
        source = request.query_params.get("source", "generic")
        parse = ADAPTERS.get(source)
        if parse is None:
            raise ApplicationError(
                "invalid", _("source must be one of: %s.") % ", ".join(ADAPTERS)
            )
        body = request.body
        try:
            batch = parse(body)
        except PayloadInvalid as error:
            raise ApplicationError("parse_error", str(error)) from None
        if len(batch.events) + len(batch.errors) > settings.CRM_WEBHOOK_MAX_EVENTS:
            raise ApplicationError(
                "request_too_large",
                _("At most %d events per request.") % settings.CRM_WEBHOOK_MAX_EVENTS,
            )
        if batch.errors:
            raise ApplicationError(
                "crm_batch_invalid",
                _("%d events cannot be read; none was applied.") % len(batch.errors),
                {
                    f"events.{e.index}": [f"{e.event_id}: {e.message}"]
                    for e in batch.errors
                },
            )
        result = crm_batch_ingest(
            organization=request.auth,
            events=batch.events,
            source=source,
            now=timezone.now(),
        )
        if source == "salesforce" and salesforce.is_outbound_message(body):
            return HttpResponse(SOAP_ACK, content_type="text/xml; charset=utf-8")
        data = {
            "applied": result.count("applied"),
            "duplicates": result.count(DUPLICATE),
            "results": [r.__dict__ for r in result.results],
            "stages_created": result.stages_created,
            "unknown_owners": result.unknown_owners,
        }
        return Response(CrmBatchOutputSerializer(data).data, status.HTTP_202_ACCEPTED)
