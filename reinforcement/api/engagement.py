"""GET /api/v1/engagement/: the rep's points, rank and team leaderboard."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reinforcement.api.permissions import rep_situation_or_error
from reinforcement.api.schema import AUTHENTICATED, error_responses
from reinforcement.selectors.engagement import rep_engagement_get


class LeaderboardEntryOutputSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    name = serializers.CharField()
    points = serializers.IntegerField()
    is_me = serializers.BooleanField()


class EngagementOutputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(
        help_text=_(
            "Whether the organization has engagement on; if not, all else is empty."
        )
    )
    opted_out = serializers.BooleanField(
        help_text=_("The rep opted out (PATCH /api/v1/me/ engagement_opt_out).")
    )
    points = serializers.IntegerField()
    answered_on_time = serializers.IntegerField()
    streak_bonus_days = serializers.IntegerField()
    window_days = serializers.IntegerField()
    rank = serializers.IntegerField(
        allow_null=True, help_text=_("1 is the top; ties share a rank.")
    )
    ranked = serializers.IntegerField(help_text=_("Reps on the team's board."))
    team_name = serializers.CharField()
    names_shown = serializers.BooleanField()
    top = LeaderboardEntryOutputSerializer(
        many=True, help_text=_("The top of the board; empty unless names are shown.")
    )


class EngagementGetApi(APIView):
    @extend_schema(
        tags=["rep"],
        responses={200: EngagementOutputSerializer, **error_responses(*AUTHENTICATED)},
        summary="My points and rank (when my organization has engagement on)",
    )
    def get(self, request: Request) -> Response:
        situation = rep_situation_or_error(request)
        engagement = rep_engagement_get(
            rep_id=request.user.pk, today=situation.local_date
        )
        return Response(EngagementOutputSerializer(engagement).data)
