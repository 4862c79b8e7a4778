"""Read-only outcome KPI endpoints: validate the scope, call one selector."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reinforcement.api.schema import AUTHENTICATED, error_responses
from reinforcement.selectors.scoping import ScopeDenied, kpi_scope_get
from revenue.api import outcome_serializers as s
from revenue.selectors.outcomes import kpi_outcome_summary
from revenue.selectors.retention_outcomes import kpi_retention_outcomes

TAG = "KPIs"


def _scope(request: Request):
    params = s.OutcomeScopeInputSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    try:
        scope = kpi_scope_get(
            user=request.user,
            organization_id=params.validated_data.get("organization"),
            team_id=params.validated_data.get("team"),
        )
    except ScopeDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    return scope, params.validated_data["months"]


def _docs(summary: str, response):
    return extend_schema(
        tags=[TAG],
        summary=summary,
        parameters=[s.OutcomeScopeInputSerializer],
        responses={200: response, **error_responses(*AUTHENTICATED, 400)},
    )


class OutcomeSummaryGetApi(APIView):
    @_docs(
        "Win rate, sales cycle, lead conversion per team, total and month; "
        "conversion and time per stage",
        s.OutcomeSummarySerializer,
    )
    def get(self, request: Request) -> Response:
        scope, months = _scope(request)
        summary = kpi_outcome_summary(scope=scope, now=timezone.now(), months=months)
        data = {
            "months": summary.months,
            "total": summary.total,
            "teams": [{"team": name, "figures": f} for name, f in summary.teams],
            "stages": summary.stages,
            "trend": [{"month": m, "figures": f} for m, f in summary.trend],
        }
        return Response(s.OutcomeSummarySerializer(data).data)


class OutcomeRepListApi(APIView):
    @_docs("Outcome figures per rep", s.RepOutcomeSerializer(many=True))
    def get(self, request: Request) -> Response:
        scope, months = _scope(request)
        summary = kpi_outcome_summary(scope=scope, now=timezone.now(), months=months)
        return Response(s.RepOutcomeSerializer(summary.reps, many=True).data)


class RetentionOutcomeListApi(APIView):
    @_docs(
        "Conversion out of each mapped stage by retention at entry (an "
        "association, not proof of cause)",
        s.StageRetentionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        scope, months = _scope(request)
        reports = kpi_retention_outcomes(scope=scope, now=timezone.now(), months=months)
        return Response(s.StageRetentionSerializer(reports, many=True).data)
