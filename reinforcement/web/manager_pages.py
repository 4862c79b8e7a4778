"""The manager's pages beside the dashboard: one rep, the whole coaching list,
the KPI definitions. Thin views over the KPI selectors."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from reinforcement.kpi_rules import MIN_ANSWERS, MISCONCEPTION_MIN_PICKS
from reinforcement.memory.rep_memory import MIN_ANSWERS as MEMORY_MIN_ANSWERS
from reinforcement.selectors.kpi_participation import kpi_participation_summary
from reinforcement.selectors.kpi_rep import (
    kpi_rep_forgetting,
    kpi_rep_misconception_list,
    kpi_rep_recent_answers,
    kpi_rep_scope_get,
)
from reinforcement.selectors.kpi_retention import (
    kpi_coaching_list,
    kpi_retention_heatmap,
    kpi_trend_list,
)
from reinforcement.web import manager_charts as charts
from reinforcement.web.manager_definitions import kpi_definition_html, kpi_definitions
from reinforcement.web.manager_views import scope_for_request

TEMPLATES = "reinforcement/manager/"
COACHING_PAGE_SIZE = 100


@login_required
def manager_rep_view(request: HttpRequest, rep_id: int) -> HttpResponse:
    """One rep: topics, repeated wrong choices, recent answers, trend, participation.

    A manager sees the reps of the teams they manage, an enablement admin the
    reps of their organization; anyone else gets 404, as for a rep who is
    not there.
    """
    scope = kpi_rep_scope_get(user=request.user, rep_id=rep_id)
    if scope is None:
        raise Http404("no such rep")
    now = timezone.now()
    heatmap = kpi_retention_heatmap(scope=scope, now=now)
    if not heatmap.reps:
        raise Http404("no such rep")
    participation = kpi_participation_summary(scope=scope, now=now, reps=heatmap.reps)
    topics = [(t, heatmap.cells.get((rep_id, t.pk))) for t in heatmap.topics]
    context = {
        "scope": scope,
        "rep": heatmap.reps[0],
        "target": scope.organization.target_retention,
        "total": heatmap.by_rep.get(rep_id),
        "topics": topics,
        "as_of": heatmap.as_of,
        "participation": participation.rows[0] if participation.rows else None,
        "trend_svg": charts.trend_svg(kpi_trend_list(scope=scope, now=now)),
        "misconceptions": kpi_rep_misconception_list(scope=scope),
        "misconception_min_picks": MISCONCEPTION_MIN_PICKS,
        "recent": kpi_rep_recent_answers(scope=scope),
        "min_answers": MIN_ANSWERS,
        "forgetting": kpi_rep_forgetting(scope=scope),
        "memory_min_answers": MEMORY_MIN_ANSWERS,
        "definitions": kpi_definition_html(),
    }
    return render(request, TEMPLATES + "rep.html", context)


@login_required
def manager_coaching_view(request: HttpRequest) -> HttpResponse:
    """The whole coaching list of the dashboard's scope, a page at a time."""
    scope = scope_for_request(request)
    heatmap = kpi_retention_heatmap(scope=scope, now=timezone.now())
    items = kpi_coaching_list(
        heatmap=heatmap, target=scope.organization.target_retention, limit=None
    )
    page = Paginator(items, COACHING_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "scope": scope,
        "target": scope.organization.target_retention,
        "page": page,
        "total": len(items),
        "query": query.urlencode(),
        "min_answers": MIN_ANSWERS,
        "definitions": kpi_definition_html(),
    }
    return render(request, TEMPLATES + "coaching.html", context)


@login_required
def manager_definitions_view(request: HttpRequest) -> HttpResponse:
    """Every definition of docs/kpis.md, for whoever may see a dashboard."""
    scope_for_request(request)
    context = {"sections": list(kpi_definitions().items())}
    return render(request, TEMPLATES + "definitions.html", context)
