"""Web Push subscriptions of the rep's browsers: ``/api/v1/me/push-subscriptions/``.

The body is what a browser's ``PushSubscription.toJSON()`` gives, so the page
posts it as is (docs/channels.md, "Web Push").
"""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reinforcement.api.permissions import rep_situation_or_error
from reinforcement.api.schema import AUTHENTICATED, WITH_BODY, error_responses
from reinforcement.api.serializers import QueryParamsSerializer, StrictCharField
from reinforcement.services.web_push import (
    PushRejected,
    push_subscription_delete,
    push_subscription_save,
    web_push_enabled,
)


class PushKeysSerializer(serializers.Serializer):
    p256dh = StrictCharField(max_length=200)
    auth = StrictCharField(max_length=100)


class PushSubscriptionInputSerializer(serializers.Serializer):
    endpoint = StrictCharField(max_length=1000)
    keys = PushKeysSerializer()
    expirationTime = serializers.IntegerField(  # noqa: N815 (the browser's name)
        required=False, allow_null=True
    )


class PushEndpointSerializer(serializers.Serializer):
    endpoint = StrictCharField(max_length=1000)


class PushEndpointQuerySerializer(QueryParamsSerializer):
    endpoint = serializers.CharField(
        max_length=1000, help_text="The subscription's endpoint URL."
    )


class PushConfigSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    public_key = serializers.CharField(
        help_text="The VAPID application server key (URL-safe base64) to subscribe with."
    )


class PushSubscriptionApi(APIView):
    @extend_schema(
        tags=["rep"],
        responses={200: PushConfigSerializer, **error_responses(*AUTHENTICATED)},
        summary="Web Push: the key to subscribe with",
    )
    def get(self, request: Request) -> Response:
        rep_situation_or_error(request)
        data = {
            "enabled": web_push_enabled(),
            "public_key": settings.WEB_PUSH_VAPID_PUBLIC_KEY
            if web_push_enabled()
            else "",
        }
        return Response(PushConfigSerializer(data).data)

    @extend_schema(
        tags=["rep"],
        request=PushSubscriptionInputSerializer,
        responses={
            201: PushEndpointSerializer,
            **error_responses(*AUTHENTICATED, *WITH_BODY, 404),
        },
        summary="Web Push: subscribe this browser",
    )
    def post(self, request: Request) -> Response:
        rep_situation_or_error(request)
        serializer = PushSubscriptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription = push_subscription_save(
            rep_id=request.user.pk,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
        )
        return Response(
            {"endpoint": subscription.endpoint}, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        tags=["rep"],
        parameters=[PushEndpointQuerySerializer],
        responses={204: None, **error_responses(*AUTHENTICATED, 400, 404)},
        summary="Web Push: unsubscribe this browser",
    )
    def delete(self, request: Request) -> Response:
        rep_situation_or_error(request)
        query = PushEndpointQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if not push_subscription_delete(
            rep_id=request.user.pk, endpoint=query.validated_data["endpoint"]
        ):
            raise PushRejected("not_found", _("No such subscription."))
        return Response(status=status.HTTP_204_NO_CONTENT)
