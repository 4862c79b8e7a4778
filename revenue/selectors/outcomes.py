"""Outcome KPIs of a scope (docs/kpis.md, "Outcomes"): win rate, sales cycle,
stage conversion and time in stage, lead conversion; per rep, team, the
scope's total and month, read from the outcome rollup cells only."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from reinforcement.selectors.scoping import KpiScope
from revenue.models import (
    CycleDayCell,
    OutcomeRepMonth,
    SalesStage,
    StageDayCell,
    TeamCycleDayCell,
    TeamStageDayCell,
)
from revenue.outcome_stats import histogram_median, ratio

DEFAULT_MONTHS = 12
MAX_MONTHS = 36


def window_months(*, now: dt.datetime, months: int) -> list[dt.date]:
    """The last ``months`` UTC calendar months up to and including now's."""
    utc = now.astimezone(dt.UTC)
    index = utc.year * 12 + utc.month - 1
    return [
        dt.date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)
    ]


@dataclass
class OutcomeFigures:
    created: int = 0
    won: int = 0
    lost: int = 0
    leads: int = 0
    leads_converted: int = 0
    cycle_days: Counter = field(default_factory=Counter)

    def add(self, row: dict) -> None:
        for name in ("created", "won", "lost", "leads", "leads_converted"):
            setattr(self, name, getattr(self, name) + (row.get(name) or 0))

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.closed)

    @property
    def cycle_median_days(self) -> float | None:
        return histogram_median(self.cycle_days)

    @property
    def lead_conversion(self) -> float | None:
        """None when no lead data reached the service: "not available"."""
        return ratio(self.leads_converted, self.leads)


@dataclass
class RepOutcome:
    rep_id: int
    name: str
    team: str
    figures: OutcomeFigures


@dataclass
class StageOutcome:
    stage_id: int
    name: str
    order: int
    entries: int
    resolved: int
    converted: int
    days: Counter

    @property
    def still_in(self) -> int:
        return self.entries - self.resolved

    @property
    def conversion(self) -> float | None:
        return ratio(self.converted, self.resolved)

    @property
    def median_days(self) -> float | None:
        return histogram_median(self.days)


@dataclass
class OutcomeSummary:
    months: list[dt.date]
    total: OutcomeFigures
    teams: list[tuple[str, OutcomeFigures]]
    reps: list[RepOutcome]
    stages: list[StageOutcome]
    trend: list[tuple[dt.date, OutcomeFigures]]

    @property
    def has_lead_data(self) -> bool:
        return self.total.leads > 0

    @property
    def has_deals(self) -> bool:
        return bool(self.total.created or self.total.closed or self.stages)


def _rep_directory(scope: KpiScope) -> dict[int, tuple[str, str]]:
    rows = scope.reps().values_list(
        "user_id", "user__first_name", "user__last_name", "user__username",
        "team__name",
    )  # fmt: skip
    return {
        uid: ((f"{first} {last}".strip() or username), team)
        for uid, first, last, username, team in rows
    }


COUNTS = ("created", "won", "lost", "leads", "leads_converted")
TEAM = "rep__rep_profile__team_id"


def _grouped(months, cycles, key: str, cycle_key: str | None = None) -> dict:
    """key value -> OutcomeFigures, counts and cycle histogram summed in SQL."""
    figures: dict = {}
    for row in months.values(key).annotate(**{c: Sum(c) for c in COUNTS}):
        figures.setdefault(row[key], OutcomeFigures()).add(row)
    by = cycle_key or key
    for value, days, n in cycles.values_list(by, "days").annotate(n=Sum("won")):
        figures.setdefault(value, OutcomeFigures()).cycle_days[days] += n
    return figures


def kpi_outcome_summary(
    *,
    scope: KpiScope,
    now: dt.datetime | None = None,
    months: int = DEFAULT_MONTHS,
    with_reps: bool = True,
) -> OutcomeSummary:
    """Every outcome figure of the scope over the last ``months`` months.

    Sums and histograms are grouped in SQL; team and organization scopes read
    the team cells, so a read touches a few thousand rows at most (per rep
    only ``with_reps``).
    """
    window = window_months(now=now or timezone.now(), months=months)
    org = scope.organization.pk
    by_rep = {
        "organization_id": org,
        "month__gte": window[0],
        "rep_id__in": scope.rep_ids(),
    }
    by_team = {"organization_id": org, "month__gte": window[0], "team__in": scope.teams}
    month_rows = OutcomeRepMonth.objects.filter(**by_rep)
    rep_cycles = CycleDayCell.objects.filter(**by_rep)
    if scope.rep_id is None:
        cycles, stage_cells = (
            TeamCycleDayCell.objects.filter(**by_team),
            TeamStageDayCell.objects.filter(**by_team),
        )
        per_team = _grouped(month_rows, cycles, TEAM, "team_id")
    else:  # a rep alone: their own cells, never their team's
        cycles, stage_cells = rep_cycles, StageDayCell.objects.filter(**by_rep)
        per_team = _grouped(month_rows, cycles, TEAM)
    names = dict(scope.teams.values_list("pk", "name"))
    per_month = _grouped(month_rows, cycles, "month")
    return OutcomeSummary(
        months=window,
        total=_pooled(per_team.values()),
        teams=sorted(
            ((names.get(t, "?"), f) for t, f in per_team.items()), key=lambda x: x[0]
        ),
        reps=_reps(scope, month_rows, rep_cycles) if with_reps else [],
        stages=_stages(stage_cells, org),
        trend=[(m, per_month.get(m, OutcomeFigures())) for m in window],
    )


def _reps(scope, month_rows, rep_cycles) -> list[RepOutcome]:
    directory = _rep_directory(scope)
    return sorted(
        (
            RepOutcome(rep_id, *directory[rep_id], figures)
            for rep_id, figures in _grouped(month_rows, rep_cycles, "rep_id").items()
            if rep_id in directory
        ),
        key=lambda r: (r.team, r.name),
    )


def _pooled(figures) -> OutcomeFigures:
    total = OutcomeFigures()
    for f in figures:
        total.add(vars(f))
        total.cycle_days.update(f.cycle_days)
    return total


def _stages(stage_cells, organization_id: int) -> list[StageOutcome]:
    cells = stage_cells.values_list("stage_id", "days").annotate(
        n=Sum("entries"), k=Sum("converted")
    )
    stages = {
        s.pk: StageOutcome(s.pk, s.name, s.order, 0, 0, 0, Counter())
        for s in SalesStage.objects.filter(
            organization_id=organization_id, kind=SalesStage.Kind.OPEN
        )
    }
    for stage_id, days, n, k in cells:
        stage = stages.get(stage_id)
        if stage is None:
            continue
        stage.entries += n
        stage.converted += k
        if days is not None:
            stage.resolved += n
            stage.days[days] += n
    return sorted(stages.values(), key=lambda s: (s.order, s.name))
