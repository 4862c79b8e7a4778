"""Manager pages of the revenue link: retention against outcomes and the
campaign reports. Thin views over revenue's selectors, with the dashboard's scope."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from enablement.models import Campaign
from reinforcement.web.manager_definitions import kpi_definition_html
from reinforcement.web.manager_views import scope_for_request
from revenue.outcome_stats import MIN_REPS, MIN_RESOLVED_PER_GROUP, ODDS_STEP
from revenue.selectors.campaign_report import campaign_list, campaign_report_get
from revenue.selectors.retention_outcomes import kpi_retention_outcomes
from revenue.web.charts import conversion_bands_svg
from revenue.web.dashboard import request_months


def _manager_scope(request: HttpRequest):
    scope = scope_for_request(request)
    if scope.rep_id is not None:  # a rep sees their own pages, not these
        raise PermissionDenied("managers and enablement admins only")
    return scope


@login_required
def retention_outcomes_view(request: HttpRequest) -> HttpResponse:
    """Per mapped stage: conversion by the owner's retention at entry."""
    scope = _manager_scope(request)
    months = request_months(request)
    reports = kpi_retention_outcomes(scope=scope, now=timezone.now(), months=months)
    return render(
        request,
        "revenue/retention.html",
        {
            "scope": scope,
            "months": months,
            "query": request.GET.urlencode(),
            "reports": [
                (r, conversion_bands_svg(r.bands, stage=r.stage)) for r in reports
            ],
            "min_resolved": MIN_RESOLVED_PER_GROUP,
            "min_reps": MIN_REPS,
            "odds_step_points": round(ODDS_STEP * 100),
            "definitions": kpi_definition_html(),
        },
    )


@login_required
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    scope = _manager_scope(request)
    return render(
        request,
        "revenue/campaigns.html",
        {
            "scope": scope,
            "query": request.GET.urlencode(),
            "campaigns": campaign_list(scope=scope),
        },
    )


@login_required
def campaign_report_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Before and after a campaign's start, its teams against the others."""
    scope = _manager_scope(request)
    campaign = Campaign.objects.filter(
        pk=campaign_id, organization=scope.organization
    ).first()
    if campaign is None:
        raise Http404("no such campaign")
    report = campaign_report_get(
        scope=scope, campaign=campaign, today=timezone.localdate()
    )
    return render(
        request,
        "revenue/campaign.html",
        {
            "scope": scope,
            "query": request.GET.urlencode(),
            "report": report,
            "min_reps": MIN_REPS,
            "definitions": kpi_definition_html(),
        },
    )
