"""The Outcomes section of the manager dashboard and its CSV tables,
registered into reinforcement's dashboard (which never imports revenue)."""

from django.core.exceptions import BadRequest
from django.template.loader import render_to_string
from django.utils import timezone

from core.errors import ApplicationError
from reinforcement.web import manager_views
from reinforcement.web.manager_definitions import kpi_definition_html
from revenue.selectors.outcomes import kpi_outcome_summary
from revenue.selectors.retention_outcomes import kpi_retention_outcomes
from revenue.web.params import months_parse


def request_months(request) -> int:
    try:
        return months_parse(request.GET.get("months"))
    except ApplicationError as exc:
        raise BadRequest(exc.message) from exc


def outcomes_section(request, scope) -> str:
    """The dashboard's Outcomes section: figures of the scope and the window."""
    months = request_months(request)
    # The whole organization's reps are a CSV, not a table on the page.
    with_reps = not (scope.is_admin and scope.team is None)
    summary = kpi_outcome_summary(
        scope=scope, now=timezone.now(), months=months, with_reps=with_reps
    )
    return render_to_string(
        "revenue/outcomes_section.html",
        {
            "summary": summary,
            "months": months,
            "scope": scope,
            "query": request.GET.urlencode(),
            "definitions": kpi_definition_html(),
        },
        request=request,
    )


def _num(value, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


FIGURE_HEADER = ["created", "won", "lost", "win_rate", "median_sales_cycle_days",
                 "leads", "leads_converted", "lead_to_opportunity"]  # fmt: skip


def _figures(f) -> list:
    return [
        f.created, f.won, f.lost, _num(f.win_rate), _num(f.cycle_median_days, 1),
        f.leads, f.leads_converted, _num(f.lead_conversion),
    ]  # fmt: skip


def _summary(request, scope, now):
    return kpi_outcome_summary(scope=scope, now=now, months=request_months(request))


def _reps_table(request, scope, now):
    summary = _summary(request, scope, now)
    return ["rep", "team", *FIGURE_HEADER], (
        [r.name, r.team, *_figures(r.figures)] for r in summary.reps
    )


def _teams_table(request, scope, now):
    summary = _summary(request, scope, now)
    rows = [[name, *_figures(f)] for name, f in summary.teams]
    if len(summary.teams) != 1:
        rows.append([f"Total: {scope.label}", *_figures(summary.total)])
    return ["team", *FIGURE_HEADER], rows


def _months_table(request, scope, now):
    summary = _summary(request, scope, now)
    return ["month", *FIGURE_HEADER], (
        [month.isoformat(), *_figures(f)] for month, f in summary.trend
    )


def _stages_table(request, scope, now):
    summary = _summary(request, scope, now)
    header = ["stage", "entries", "left", "still_in", "converted", "conversion",
              "median_days_in_stage"]  # fmt: skip
    return header, (
        [
            s.name,
            s.entries,
            s.resolved,
            s.still_in,
            s.converted,
            _num(s.conversion),
            _num(s.median_days, 1),
        ]  # fmt: skip
        for s in summary.stages
    )


def _retention_table(request, scope, now):
    reports = kpi_retention_outcomes(
        scope=scope, now=now, months=request_months(request)
    )
    header = ["stage", "topics", "target", "enough_data", "above_left", "above_converted",
              "above_conversion", "below_left", "below_converted", "below_conversion",
              "difference", "difference_low", "difference_high", "reps",
              "odds_ratio_per_10_points", "odds_ratio_low", "odds_ratio_high"]  # fmt: skip
    rows = []
    for r in reports:
        c, fit = r.comparison, r.logistic
        d, odds = c.difference, fit.odds_ratio
        rows.append([
            r.stage, "; ".join(r.topics), _num(r.target, 2), int(c.enough),
            c.above_resolved, c.above_converted, _num(c.above_rate),
            c.below_resolved, c.below_converted, _num(c.below_rate),
            _num(d and d.estimate), _num(d and d.low), _num(d and d.high), c.reps,
            _num(odds and odds.estimate), _num(odds and odds.low),
            _num(odds and odds.high),
        ])  # fmt: skip
    return header, rows


OUTCOME_TABLES = {
    "outcomes-reps": _reps_table,
    "outcomes-teams": _teams_table,
    "outcomes-months": _months_table,
    "outcomes-stages": _stages_table,
    "outcomes-retention": _retention_table,
}


def outcomes_dashboard_register() -> None:
    """Add the Outcomes section and its CSV tables to the manager dashboard."""
    if outcomes_section not in manager_views.DASHBOARD_SECTIONS:
        manager_views.DASHBOARD_SECTIONS.append(outcomes_section)
    manager_views.CSV_TABLES.update(OUTCOME_TABLES)
