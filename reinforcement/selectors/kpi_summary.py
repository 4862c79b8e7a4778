"""The scope summary: retention, mastery and participation per team and in total."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, Sum

from reinforcement.kpi_rules import (
    ACTIVE_MONTH_DAYS,
    ACTIVE_WEEK_DAYS,
    OBSERVED_WINDOW_DAYS,
    PARTICIPATION_WINDOW_DAYS,
    week_start,
)
from reinforcement.models import (
    RepAnswerDay,
    RepDay,
    RepQuestionStat,
    RepTopicSnapshot,
)
from reinforcement.selectors.kpi_common import Retention, ratio
from reinforcement.selectors.scoping import KpiScope

# Rollup rows carry the rep; the rep's profile carries the team.
_TEAM_KEY = "rep__rep_profile__team_id"


@dataclass
class TeamSummary:
    team_id: int
    name: str
    reps: int
    retention: Retention
    delivered: int
    answered_on_time: int
    active_7: int
    active_30: int

    @property
    def participation(self) -> float | None:
        return ratio(self.answered_on_time, self.delivered)

    def add(self, other: "TeamSummary") -> None:
        self.reps += other.reps
        self.retention.add(other.retention)
        self.delivered += other.delivered
        self.answered_on_time += other.answered_on_time
        self.active_7 += other.active_7
        self.active_30 += other.active_30


@dataclass
class ScopeSummary:
    label: str
    target: float
    teams: list[TeamSummary]
    total: TeamSummary


def _snapshot_sums_add(
    summaries: dict[int, TeamSummary], *, rep_ids, now: dt.datetime
) -> None:
    """Predicted retention and mastery of each team's latest snapshot week."""
    latest = RepTopicSnapshot.objects.filter(
        rep_id__in=rep_ids, week__lte=week_start(now.date())
    ).aggregate(w=Max("week"))["w"]
    for r in (
        RepTopicSnapshot.objects.filter(rep_id__in=rep_ids, week=latest)
        .values(_TEAM_KEY)
        .annotate(
            e=Sum("enrolled"), i=Sum("introduced"), p=Sum("predicted_sum"),
            m=Sum("mastered"),
        )
        .order_by()
    ):  # fmt: skip
        ret = summaries[r[_TEAM_KEY]].retention
        ret.enrolled, ret.introduced = r["e"], r["i"]
        ret.predicted_sum, ret.mastered = r["p"], r["m"]


def _review_sums_add(
    summaries: dict[int, TeamSummary], *, rep_ids, since: dt.date
) -> None:
    """Each team's spaced reviews answered after ``since``."""
    for r in (
        RepAnswerDay.objects.filter(rep_id__in=rep_ids, day__gt=since)
        .values(_TEAM_KEY)
        .annotate(
            n=Sum("reviews"), c=Sum("reviews_correct"), k=Sum("reviews_corrected"),
            p=Sum("reviews_predicted"), w=Sum("certain_wrong"),
        )
        .order_by()
    ):  # fmt: skip
        ret = summaries[r[_TEAM_KEY]].retention
        ret.reviews, ret.reviews_correct = r["n"], r["c"]
        ret.reviews_corrected, ret.reviews_predicted = r["k"], r["p"]
        ret.certain_wrong = r["w"]


def _answer_counts_add(summaries: dict[int, TeamSummary], *, rep_ids) -> None:
    """Each team's answers of all time (predicted retention needs enough)."""
    for team_id, n in (
        RepQuestionStat.objects.filter(rep_id__in=rep_ids)
        .values_list(_TEAM_KEY)
        .annotate(n=Sum("answers"))
        .order_by()
    ):
        summaries[team_id].retention.answers = n or 0


def _participation_sums_add(
    summaries: dict[int, TeamSummary], *, rep_ids, today: dt.date
) -> None:
    """Each team's prompts delivered and answered on time, and active reps."""

    def after(days: int) -> Q:
        return Q(day__gt=today - dt.timedelta(days=days))

    in_window = after(PARTICIPATION_WINDOW_DAYS)
    for r in (
        RepDay.objects.filter(
            after(max(PARTICIPATION_WINDOW_DAYS, ACTIVE_MONTH_DAYS)),
            rep_id__in=rep_ids,
        )
        .values(_TEAM_KEY)
        .annotate(
            d=Sum("delivered", filter=in_window),
            a=Sum("answered_on_time", filter=in_window),
            a7=Count("rep_id", filter=Q(answered__gt=0) & after(ACTIVE_WEEK_DAYS), distinct=True),
            a30=Count("rep_id", filter=Q(answered__gt=0) & after(ACTIVE_MONTH_DAYS), distinct=True),
        )
        .order_by()
    ):  # fmt: skip
        s = summaries[r[_TEAM_KEY]]
        s.delivered, s.answered_on_time = r["d"] or 0, r["a"] or 0
        s.active_7, s.active_30 = r["a7"], r["a30"]


def kpi_scope_summary(
    *, scope: KpiScope, now: dt.datetime, window_days: int = OBSERVED_WINDOW_DAYS
) -> ScopeSummary:
    """Retention, mastery and participation per team and for the whole scope.

    Aggregated in the database by team: six queries whatever the size, for
    an organization-wide summary from the rollups.
    """
    teams = list(scope.teams.order_by("name").values_list("pk", "name"))
    # Current figures: the reps still with the organization.
    rep_ids = scope.current_rep_ids()
    summaries = {
        pk: TeamSummary(pk, name, 0, Retention(), 0, 0, 0, 0) for pk, name in teams
    }
    for team_id, n in (
        scope.current_reps()
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    ):
        if team_id in summaries:
            summaries[team_id].reps = n
    _snapshot_sums_add(summaries, rep_ids=rep_ids, now=now)
    since = now.date() - dt.timedelta(days=window_days)
    _review_sums_add(summaries, rep_ids=rep_ids, since=since)
    _answer_counts_add(summaries, rep_ids=rep_ids)
    _participation_sums_add(summaries, rep_ids=rep_ids, today=now.date())
    total = TeamSummary(0, scope.label, 0, Retention(), 0, 0, 0, 0)
    for s in summaries.values():
        total.add(s)
    return ScopeSummary(
        label=scope.label,
        target=scope.organization.target_retention,
        teams=list(summaries.values()),
        total=total,
    )
