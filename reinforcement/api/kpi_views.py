"""Read-only KPI endpoints for BI tools: validate the scope, call one selector."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from enablement.models import Topic
from reinforcement.api import kpi_serializers as s
from reinforcement.api.schema import AUTHENTICATED, error_responses
from reinforcement.selectors.kpi_common import Retention
from reinforcement.selectors.kpi_content import (
    kpi_content_performance,
    kpi_misconception_list,
)
from reinforcement.selectors.kpi_participation import kpi_participation_summary
from reinforcement.selectors.kpi_ramp import RampRow, kpi_ramp_summary
from reinforcement.selectors.kpi_retention import (
    kpi_coaching_list,
    kpi_forgetting_curve,
    kpi_retention_heatmap,
    kpi_trend_list,
    kpi_weakest_topic,
)
from reinforcement.selectors.kpi_summary import kpi_scope_summary
from reinforcement.selectors.memory_models import memory_model_report
from reinforcement.selectors.scoping import KpiScope, ScopeDenied, kpi_scope_get

TAG = "KPIs"


def _scope(request: Request, serializer_class=s.KpiScopeInputSerializer):
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    try:
        scope = kpi_scope_get(
            user=request.user,
            organization_id=params.validated_data.get("organization"),
            team_id=params.validated_data.get("team"),
        )
    except ScopeDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    return scope, params.validated_data


def _docs(summary: str, response, parameters=s.KpiScopeInputSerializer):
    # 400 for a malformed parameter, 403 for a scope the caller may not see,
    # 404 for a topic that is not there.
    statuses = (*AUTHENTICATED, 400)
    if parameters is s.KpiTopicInputSerializer:
        statuses = (*statuses, 404)
    return extend_schema(
        tags=[TAG],
        summary=summary,
        parameters=[parameters],
        responses={200: response, **error_responses(*statuses)},
    )


class KpiSummaryGetApi(APIView):
    @_docs(
        "Retention, mastery and participation per team and in total",
        s.ScopeSummaryOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope, _ = _scope(request)
        summary = kpi_scope_summary(scope=scope, now=timezone.now())
        return Response(s.ScopeSummaryOutputSerializer(summary).data)


@dataclass
class _Cell:
    rep_id: int
    topic_id: int
    retention: Retention


class RetentionHeatmapGetApi(APIView):
    @_docs(
        "Predicted and observed retention and mastery per rep x topic",
        s.HeatmapOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope, _ = _scope(request)
        heatmap = kpi_retention_heatmap(scope=scope, now=timezone.now())
        reps = {r.rep_id for r in heatmap.reps}
        data = {
            "as_of": heatmap.as_of,
            "reps": heatmap.reps,
            "topics": heatmap.topics,
            "cells": [
                _Cell(rep_id, topic_id, cell)
                for (rep_id, topic_id), cell in sorted(heatmap.cells.items())
                if rep_id in reps
            ],
            "total": heatmap.total,
        }
        return Response(s.HeatmapOutputSerializer(data).data)


class CoachingListApi(APIView):
    @_docs(
        "Reps and rep x topic cells under the target retention, ranked",
        s.CoachingItemOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        scope, _ = _scope(request)
        heatmap = kpi_retention_heatmap(scope=scope, now=timezone.now())
        items = kpi_coaching_list(
            heatmap=heatmap, target=scope.organization.target_retention, limit=500
        )
        return Response(s.CoachingItemOutputSerializer(items, many=True).data)


class ParticipationGetApi(APIView):
    @_docs(
        "Prompts answered on time, active reps and streaks (30 days)",
        s.ParticipationOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope, _ = _scope(request)
        participation = kpi_participation_summary(scope=scope, now=timezone.now())
        return Response(s.ParticipationOutputSerializer(participation).data)


class TrendListApi(APIView):
    @_docs(
        "Weekly retention, participation and mastery, last 26 weeks",
        s.TrendPointOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        scope, _ = _scope(request)
        points = kpi_trend_list(scope=scope, now=timezone.now())
        return Response(s.TrendPointOutputSerializer(points, many=True).data)


class ForgettingCurveGetApi(APIView):
    @_docs(
        "Observed recall of a topic by days since the last review, beside the model",
        s.ForgettingCurveOutputSerializer,
        s.KpiTopicInputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope, params = _scope(request, s.KpiTopicInputSerializer)
        topic = _topic(scope, params.get("topic"))
        points = kpi_forgetting_curve(scope=scope, topic_id=topic.pk)
        data = {"topic": topic, "points": points}
        return Response(s.ForgettingCurveOutputSerializer(data).data)


def _topic(scope: KpiScope, topic_id: int | None) -> Topic:
    topics = Topic.objects.filter(organization=scope.organization)
    if topic_id is not None:
        return get_object_or_404(topics, pk=topic_id)
    heatmap = kpi_retention_heatmap(scope=scope, now=timezone.now())
    weakest = kpi_weakest_topic(heatmap=heatmap)
    return weakest or get_object_or_404(topics.order_by("name")[:1])


class ContentPerformanceListApi(APIView):
    @_docs(
        "Per question: accuracy, discrimination, wrong-choice picks, flags",
        s.QuestionPerformanceOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        scope, _ = _scope(request)
        rows = kpi_content_performance(scope=scope)
        return Response(s.QuestionPerformanceOutputSerializer(rows, many=True).data)


class MisconceptionListApi(APIView):
    @_docs(
        "Wrong choices picked with certainty, most often first",
        s.MisconceptionOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        scope, _ = _scope(request)
        rows = kpi_misconception_list(scope=scope, limit=500)
        return Response(s.MisconceptionOutputSerializer(rows, many=True).data)


@dataclass
class _RampRow:
    row: RampRow
    team_median_days: float | None
    new_hire_median_days: float | None

    def __getattr__(self, name):
        return getattr(self.row, name)


class RampListApi(APIView):
    @_docs(
        "Days from each enrollment's start to 80% mastery of the module",
        s.RampRowOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        scope, _ = _scope(request)
        ramp = kpi_ramp_summary(scope=scope, now=timezone.now())
        rows = [
            _RampRow(
                r,
                ramp.team_median_days.get(r.module_id),
                ramp.new_hire_median_days.get(r.module_id),
            )
            for r in ramp.rows
        ]
        return Response(s.RampRowOutputSerializer(rows, many=True).data)


class MemoryModelGetApi(APIView):
    """The organization's memory model report, for its admins and managers.

    The model is the organization's: ``?team=`` is checked like every KPI's
    (a team the caller may not see is refused) but narrows nothing.
    """

    @_docs(
        "Memory model: reliability of predicted right answers, and the refit history",
        s.MemoryModelReportOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope, _ = _scope(request)
        if scope.rep_id is not None:
            raise PermissionDenied("the memory model is for admins and managers")
        report = memory_model_report(organization_id=scope.organization.pk)
        return Response(s.MemoryModelReportOutputSerializer(report).data)
