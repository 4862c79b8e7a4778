"""GET and PATCH /api/v1/me/: who the caller is, and a rep's own settings.

The writes go through ``enablement.services.rep_settings.rep_settings_update``
(validation, re-planning and the audit log are its business).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from enablement.models import RepProfile
from enablement.services.rep_settings import rep_settings_get, rep_settings_update
from reinforcement.api.errors import ApiError
from reinforcement.api.permissions import rep_situation_or_error
from reinforcement.api.schema import AUTHENTICATED, WITH_BODY, error_responses
from reinforcement.api.serializers import StrictCharField, StrictIntegerField

CHANNELS = ("web", "email", "slack", "teams")


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false only: DRF's BooleanField would take "yes" and 1."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class RepSettingsOutputSerializer(serializers.Serializer):
    time_zone = serializers.CharField(help_text=_("IANA time zone, e.g. Europe/Paris."))
    delivery_hour = serializers.IntegerField(help_text=_("Local hour, 0-23."))
    working_days = serializers.CharField(
        help_text=_("ISO weekday digits: 1 is Monday, 7 is Sunday.")
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(CHANNELS),
        help_text=_("Where the daily questions arrive; web (the app) is always on."),
    )
    paused_from = serializers.DateField(allow_null=True)
    paused_until = serializers.DateField(allow_null=True)
    engagement_opt_out = serializers.BooleanField()
    channels_offered = serializers.ListField(child=serializers.ChoiceField(CHANNELS))
    working_days_allowed = serializers.CharField(
        help_text=_("The organization's working days: the rep's are among them.")
    )
    engagement_enabled = serializers.BooleanField(
        help_text=_("Whether the organization has points and leaderboards on.")
    )


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_rep = serializers.BooleanField()
    settings = RepSettingsOutputSerializer(
        allow_null=True, help_text=_("A rep's own settings; null for other users.")
    )


class MeUpdateInputSerializer(serializers.Serializer):
    """Any subset of the rep's settings; what is left out stays as it is."""

    time_zone = StrictCharField(max_length=64, required=False)
    delivery_hour = StrictIntegerField(min_value=0, max_value=23, required=False)
    working_days = serializers.RegexField(
        r"^[1-7]{1,7}$",
        max_length=7,
        required=False,
        help_text=_("ISO weekday digits without repeats, e.g. 12345 for Mon-Fri."),
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(CHANNELS),
        max_length=len(CHANNELS),
        required=False,
        help_text=_(
            "The channels to deliver on, among channels_offered; web is always on."
        ),
    )
    paused_from = serializers.DateField(
        allow_null=True,
        required=False,
        help_text=_("A vacation's first day (null: from now, if paused_until is set)."),
    )
    paused_until = serializers.DateField(
        allow_null=True,
        required=False,
        help_text=_("A vacation's last day (null: no pause); nothing is asked in it."),
    )
    engagement_opt_out = StrictBooleanField(required=False)


def me_data(user) -> dict:
    profile = (
        RepProfile.objects.select_related("team__organization")
        .filter(user=user)
        .first()
    )
    return {
        "id": user.pk,
        "username": user.get_username(),
        "is_rep": profile is not None,
        "settings": rep_settings_get(profile=profile) if profile else None,
    }


class MeApi(APIView):
    @extend_schema(
        tags=["rep"],
        responses={200: MeOutputSerializer, **error_responses(*AUTHENTICATED)},
        summary="Who am I, and my settings",
    )
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer(me_data(request.user)).data)

    @extend_schema(
        tags=["rep"],
        request=MeUpdateInputSerializer,
        responses={
            200: MeOutputSerializer,
            **error_responses(*AUTHENTICATED, *WITH_BODY, 422),
        },
        summary="Change my settings (time zone, hour, days, channels, vacation)",
    )
    def patch(self, request: Request) -> Response:
        situation = rep_situation_or_error(request)
        if request.stream is None:  # no body at all; {} is a body that changes nothing
            raise ApiError("invalid", _("Send the settings to change as JSON."), 400)
        serializer = MeUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = RepProfile.objects.select_related("team__organization").get(
            user=request.user
        )
        try:
            rep_settings_update(
                profile=profile,
                changes=serializer.validated_data,
                today=situation.local_date,
            )
        except ValidationError as error:
            # Well-formed, but not settings this rep may have: 422 by field.
            raise ApiError(
                "invalid_settings",
                _("These settings cannot be saved; see fields."),
                fields=error.message_dict,
            ) from error
        return Response(MeOutputSerializer(me_data(request.user)).data)
