"""The manager dashboard and its CSV exports: thin views over the KPI selectors."""

from collections.abc import Callable, Iterable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.csv_safe import csv_safe_writer
from core.errors import ApplicationError
from enablement.models import Topic
from reinforcement.kpi_rules import MIN_ANSWERS
from reinforcement.models import Answer
from reinforcement.selectors.kpi_content import (
    kpi_content_performance,
    kpi_misconception_list,
)
from reinforcement.selectors.kpi_participation import kpi_participation_summary
from reinforcement.selectors.kpi_ramp import kpi_ramp_summary
from reinforcement.selectors.kpi_retention import (
    HeatMap,
    kpi_coaching_list,
    kpi_forgetting_curve,
    kpi_retention_heatmap,
    kpi_trend_list,
    kpi_unranked_reps,
    kpi_weakest_topic,
)
from reinforcement.selectors.kpi_summary import kpi_scope_summary
from reinforcement.selectors.scoping import (
    KpiScope,
    ScopeDenied,
    kpi_scope_get,
    scope_id_parse,
    visible_teams,
)
from reinforcement.web import manager_charts as charts
from reinforcement.web.manager_definitions import kpi_definition_html

# Coaching rows on the dashboard; the rest are one click away (manager:coaching).
COACHING_ON_DASHBOARD = 25
# Sections the apps above reinforcement add at the end of the dashboard
# (revenue's Outcomes), registered from their app config: each takes the
# request and the scope and returns HTML.
DASHBOARD_SECTIONS: list[Callable[[HttpRequest, KpiScope], str]] = []


def _int_param(request: HttpRequest, name: str) -> int | None:
    try:
        return scope_id_parse(value=request.GET.get(name), name=name)
    except ApplicationError as exc:
        raise BadRequest(exc.message) from exc


def scope_for_request(request: HttpRequest) -> KpiScope:
    try:
        return kpi_scope_get(
            user=request.user,
            organization_id=_int_param(request, "organization"),
            team_id=_int_param(request, "team"),
        )
    except ScopeDenied as exc:
        raise PermissionDenied(str(exc)) from exc


def _topic(request: HttpRequest, scope: KpiScope, heatmap: HeatMap | None = None):
    """The topic of the forgetting curve: the one asked for, else the weakest."""
    topic_id = _int_param(request, "topic")
    if topic_id is not None:
        topic = Topic.objects.filter(
            pk=topic_id, organization=scope.organization
        ).first()
        if topic is None:
            raise Http404("no such topic")
        return topic
    weakest = kpi_weakest_topic(heatmap=heatmap) if heatmap is not None else None
    return weakest or (
        Topic.objects.filter(organization=scope.organization).order_by("name").first()
    )


def _rep_url(rep_id: int) -> str:
    return reverse("manager:rep", args=[rep_id])


@login_required
def manager_dashboard_view(request: HttpRequest) -> HttpResponse:
    """Heat map, coaching list, participation, trends, forgetting curve, content."""
    scope = scope_for_request(request)
    now = timezone.now()
    heatmap = kpi_retention_heatmap(scope=scope, now=now)
    participation = kpi_participation_summary(scope=scope, now=now, reps=heatmap.reps)
    trend = kpi_trend_list(scope=scope, now=now)
    topic = _topic(request, scope, heatmap)
    curve = kpi_forgetting_curve(scope=scope, topic_id=topic.pk) if topic else []
    content = kpi_content_performance(scope=scope)
    ramp = kpi_ramp_summary(scope=scope, now=now, reps=heatmap.reps)
    coaching = kpi_coaching_list(
        heatmap=heatmap, target=scope.organization.target_retention, limit=None
    )
    unranked = kpi_unranked_reps(heatmap=heatmap)
    context = {
        "scope": scope,
        "now": now,
        "target": scope.organization.target_retention,
        "teams": list(
            visible_teams(user=request.user).filter(organization=scope.organization)
        ),
        "query": request.GET.urlencode(),
        "heatmap": heatmap,
        "heatmap_svg": charts.heatmap_svg(heatmap, rep_url=_rep_url),
        "heatmap_legend": charts.heatmap_legend(),
        "coaching": coaching[:COACHING_ON_DASHBOARD],
        "coaching_total": len(coaching),
        "unranked": unranked,
        # "Nobody is under target" only when somebody had enough answers to rank.
        "ranked_any": len(unranked) < len(heatmap.reps),
        "min_answers": MIN_ANSWERS,
        "definitions": kpi_definition_html(),
        "participation": participation,
        "participation_svg": charts.participation_svg(participation),
        "trend_svg": charts.trend_svg(trend),
        "topic": topic,
        "curve_svg": charts.forgetting_curve_svg(curve, topic.name) if topic else "",
        "content": content,
        "flagged": [q for q in content if q.flags],
        "misconceptions": kpi_misconception_list(scope=scope, limit=10),
        "ramp": ramp,
        "extra_sections": [section(request, scope) for section in DASHBOARD_SECTIONS],
    }
    return render(request, "reinforcement/manager/dashboard.html", context)


# CSV exports -------------------------------------------------------------------

Table = tuple[list[str], Iterable[list]]


def _num(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _heatmap_table(request, scope, now) -> Table:
    heatmap = kpi_retention_heatmap(scope=scope, now=now)
    header = [
        "rep", "username", "team", "topic", "answers", "predicted_retention",
        "observed_retention", "raw_review_accuracy", "model_predicted_at_review",
        "reviews", "mastery", "enrolled", "introduced", "certain_wrong",
    ]  # fmt: skip
    return header, (
        [
            rep.name,
            rep.username,
            rep.team,
            topic.name,
            cell.answers,
            _num(cell.predicted),
            _num(cell.observed),
            _num(cell.raw_accuracy),
            _num(cell.predicted_at_review),
            cell.reviews,
            _num(cell.mastery),
            cell.enrolled,
            cell.introduced,
            cell.certain_wrong,
        ]  # fmt: skip
        for rep in heatmap.reps
        for topic in heatmap.topics
        if (cell := heatmap.cells.get((rep.rep_id, topic.pk))) is not None
    )


def _coaching_table(request, scope, now) -> Table:
    heatmap = kpi_retention_heatmap(scope=scope, now=now)
    items = kpi_coaching_list(
        heatmap=heatmap, target=scope.organization.target_retention, limit=10_000
    )
    header = ["rank", "rep", "username", "team", "topic", "predicted_retention", "gap_to_target",
              "observed_retention", "reviews", "certain_wrong"]  # fmt: skip
    return header, (
        [
            rank,
            i.rep.name,
            i.rep.username,
            i.rep.team,
            i.topic.name if i.topic else "(all topics)",
            _num(i.retention.predicted),
            _num(i.gap),
            _num(i.retention.observed),
            i.retention.reviews,
            i.retention.certain_wrong,
        ]  # fmt: skip
        for rank, i in enumerate(items, start=1)
    )


def _participation_table(request, scope, now) -> Table:
    p = kpi_participation_summary(scope=scope, now=now)
    channels = Answer.Channel.values
    header = ["rep", "username", "team", "delivered_30d", "answered_on_time_30d", "participation",
              "active_7d", "active_30d", "current_streak", "longest_streak",
              *(f"answers_{c}_30d" for c in channels)]  # fmt: skip
    return header, (
        [
            r.rep.name,
            r.rep.username,
            r.rep.team,
            r.delivered,
            r.answered_on_time,
            _num(r.rate),
            int(r.active_7),
            int(r.active_30),
            r.current_streak,
            r.longest_streak,
            *(r.by_channel.get(c, 0) for c in channels),
        ]  # fmt: skip
        for r in p.rows
    )


def _trends_table(request, scope, now) -> Table:
    header = ["week", "predicted_retention", "observed_retention", "reviews",
              "participation", "delivered", "mastery"]  # fmt: skip
    return header, (
        [
            t.week.isoformat(),
            _num(t.predicted),
            _num(t.observed),
            t.reviews,
            _num(t.participation),
            t.delivered,
            _num(t.mastery),
        ]  # fmt: skip
        for t in kpi_trend_list(scope=scope, now=now)
    )


def _forgetting_curve_table(request, scope, now) -> Table:
    topic = _topic(request, scope)
    points = kpi_forgetting_curve(scope=scope, topic_id=topic.pk) if topic else []
    header = ["topic", "days_from", "days_to", "reviews", "observed_recall",
              "model_predicted_recall"]  # fmt: skip
    return header, (
        [
            topic.name,
            p.bin_start,
            p.bin_end or "",
            p.reviews,
            _num(p.observed),
            _num(p.predicted),
        ]  # fmt: skip
        for p in points
    )


def _content_table(request, scope, now) -> Table:
    header = ["question", "topic", "answers", "accuracy", "first_try_accuracy", "reps",
              "discrimination", "certain_wrong", "wrong_choice_picks", "flags"]  # fmt: skip
    return header, (
        [
            q.key,
            q.topic,
            q.answers,
            _num(q.accuracy),
            _num(q.first_try_accuracy),
            q.reps,
            _num(q.discrimination),
            q.certain_wrong,
            "; ".join(f"{c.text} ({c.picks})" for c in q.wrong_choices),
            "; ".join(q.flags),
        ]  # fmt: skip
        for q in kpi_content_performance(scope=scope)
    )


def _misconceptions_table(request, scope, now) -> Table:
    header = ["question", "topic", "wrong_choice", "certain_picks", "reps"]
    return header, (
        [m.question_key, m.topic, m.choice_text, m.certain_picks, m.reps]
        for m in kpi_misconception_list(scope=scope, limit=10_000)
    )


def _ramp_table(request, scope, now) -> Table:
    ramp = kpi_ramp_summary(scope=scope, now=now)
    header = ["rep", "username", "team", "module", "new_hire", "started_on", "mastered_on",
              "days", "team_median_days", "new_hire_median_days"]  # fmt: skip
    return header, (
        [
            r.rep.name,
            r.rep.username,
            r.rep.team,
            r.module,
            int(r.new_hire),
            r.started_on,
            r.reached_on or "",
            r.days if r.reached_on else "",
            _num(ramp.team_median_days.get(r.module_id), 1),
            _num(ramp.new_hire_median_days.get(r.module_id), 1),
        ]  # fmt: skip
        for r in ramp.rows
    )


def _summary_table(request, scope, now) -> Table:
    summary = kpi_scope_summary(scope=scope, now=now)
    header = ["team", "reps", "answers", "predicted_retention", "observed_retention",
              "model_predicted_at_review", "reviews",
              "mastery", "participation", "active_7d", "active_30d"]  # fmt: skip
    return header, (
        [
            s.name,
            s.reps,
            s.retention.answers,
            _num(s.retention.predicted),
            _num(s.retention.observed),
            _num(s.retention.predicted_at_review),
            s.retention.reviews,
            _num(s.retention.mastery),
            _num(s.participation),
            s.active_7,
            s.active_30,
        ]  # fmt: skip
        for s in _summary_rows(summary)
    )


def _summary_rows(summary) -> list:
    # One team is its own total: its row is not repeated as the scope's.
    return summary.teams if len(summary.teams) == 1 else [*summary.teams, summary.total]


CSV_TABLES: dict[str, Callable[..., Table]] = {
    "heatmap": _heatmap_table,
    "coaching": _coaching_table,
    "participation": _participation_table,
    "trends": _trends_table,
    "forgetting-curve": _forgetting_curve_table,
    "content": _content_table,
    "misconceptions": _misconceptions_table,
    "ramp": _ramp_table,
    "summary": _summary_table,
}


@login_required
def manager_export_view(request: HttpRequest, table: str) -> HttpResponse:
    """One dashboard table as CSV, with the dashboard's scope."""
    builder = CSV_TABLES.get(table)
    if builder is None:
        raise Http404("no such table")
    scope = scope_for_request(request)
    header, rows = builder(request, scope, timezone.now())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="kpi-{table}-{stamp}.csv"'
    writer = csv_safe_writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
