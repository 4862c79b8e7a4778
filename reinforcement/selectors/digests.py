"""What a frontline manager's weekly digest says, from the KPI selectors.

For each organization where the user manages teams, over those teams only
(an enablement admin's whole organization is on the dashboard, not here):
each team's predicted retention at the end of the week and its change from
the week before, with the week's participation (`kpi_trend_list`); the top
of the coaching list (`kpi_coaching_list`); and the misconceptions new this
week: wrong choices picked with certainty since the week began that nobody
in those teams had picked with certainty before.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Sum
from django.urls import reverse

from enablement.models import Choice, Organization, Team
from reinforcement.models import Answer, RepChoiceStat
from reinforcement.selectors.kpi_retention import (
    CoachingItem,
    kpi_coaching_list,
    kpi_retention_heatmap,
    kpi_trend_list,
)
from reinforcement.selectors.scoping import KpiScope

# Rows of the coaching list and of new misconceptions a digest shows; the
# dashboard has the rest, one tap away.
DIGEST_COACHING_ROWS = 5
DIGEST_MISCONCEPTION_ROWS = 5


def percent(value: float | None) -> str:
    """A share as "83%", or an en dash when there is none yet."""
    return "–" if value is None else f"{round(value * 100)}%"


@dataclass
class DigestTeam:
    name: str
    reps: int
    predicted: float | None  # at the end of the week
    predicted_before: float | None  # at the end of the week before
    participation: float | None  # answered on time / delivered, that week
    delivered: int

    @property
    def change(self) -> float | None:
        if self.predicted is None or self.predicted_before is None:
            return None
        return self.predicted - self.predicted_before

    @property
    def change_label(self) -> str:
        """The change in percentage points, signed: "+3 pts", "-2 pts", "no change"."""
        if self.change is None:
            return "–"
        points = round(self.change * 100)
        return f"{points:+d} pts" if points else "no change"

    @property
    def predicted_label(self) -> str:
        return percent(self.predicted)

    @property
    def participation_label(self) -> str:
        return percent(self.participation)


@dataclass
class NewMisconception:
    question_key: str
    topic: str
    choice_text: str
    certain_picks: int
    reps: int


@dataclass
class DigestSection:
    organization: str
    target: float
    dashboard_url: str
    teams: list[DigestTeam]
    coaching: list[CoachingItem]
    coaching_total: int
    misconceptions: list[NewMisconception] = field(default_factory=list)


@dataclass
class ManagerDigestContent:
    week: dt.date  # the Monday of the week reported
    sections: list[DigestSection]


def digest_managers() -> QuerySet:
    """Frontline managers: active users who manage a team and have not left."""
    return (
        get_user_model()
        .objects.filter(is_active=True, managed_teams__isnull=False)
        .exclude(membership__deactivated_at__isnull=False)
        .exclude(email="")
        .distinct()
    )


def _week_end(week: dt.date) -> dt.datetime:
    """The last instant of a Monday-to-Sunday week, in UTC (trend weeks are UTC)."""
    return dt.datetime.combine(week + dt.timedelta(days=7), dt.time(), dt.UTC) - (
        dt.timedelta(microseconds=1)
    )


def _team_row(organization: Organization, team: Team, week: dt.date) -> DigestTeam:
    scope = KpiScope(
        organization=organization,
        teams=Team.objects.filter(pk=team.pk),
        is_admin=False,
        team=team,
    )
    before, this = kpi_trend_list(scope=scope, now=_week_end(week), weeks=2)
    return DigestTeam(
        name=team.name,
        reps=scope.current_reps().count(),
        predicted=this.predicted,
        predicted_before=before.predicted,
        participation=this.participation,
        delivered=this.delivered,
    )


def misconceptions_new_since(
    *, scope: KpiScope, since: dt.datetime, limit: int = DIGEST_MISCONCEPTION_ROWS
) -> list[NewMisconception]:
    """Wrong choices first picked with certainty (by anyone in scope) since ``since``.

    Reads the certain, wrong answers since then (the Answer log's rep and
    time index: a week of a team's answers) and compares each wrong choice's
    picks with its all-time certain picks (`RepChoiceStat`): a choice is new
    when all its certain picks came in that time.
    """
    picks: dict[int, int] = defaultdict(int)
    reps: dict[int, set[int]] = defaultdict(set)
    chosen = Answer.objects.filter(
        rep_id__in=scope.current_rep_ids(),
        answered_at__gte=since,
        correct=False,
        confidence=Answer.Confidence.CERTAIN,
    ).values_list("rep_id", "chosen_choice_ids")
    for rep_id, choice_ids in chosen:
        for choice_id in choice_ids:
            picks[int(choice_id)] += 1
            reps[int(choice_id)].add(rep_id)
    wrong = {
        c["pk"]: c
        for c in Choice.objects.filter(pk__in=list(picks), is_correct=False).values(
            "pk", "text", "question__key", "question__topic__name"
        )
    }
    totals = dict(
        RepChoiceStat.objects.filter(
            rep_id__in=scope.current_rep_ids(), choice_id__in=list(wrong)
        )
        .values("choice_id")
        .annotate(n=Sum("certain_picks"))
        .values_list("choice_id", "n")
    )
    new = [
        NewMisconception(
            question_key=c["question__key"],
            topic=c["question__topic__name"],
            choice_text=c["text"],
            certain_picks=picks[pk],
            reps=len(reps[pk]),
        )
        for pk, c in wrong.items()
        if (totals.get(pk) or 0) <= picks[pk]
    ]
    new.sort(key=lambda m: (-m.certain_picks, m.question_key, m.choice_text))
    return new[:limit]


def _dashboard_url(organization: Organization) -> str:
    path = reverse("manager:dashboard")
    return f"{settings.SITE_URL.rstrip('/')}{path}?organization={organization.pk}"


def manager_digest_content(
    *, manager, week: dt.date, now: dt.datetime
) -> ManagerDigestContent | None:
    """The digest of the week starting ``week`` for a manager; None if they manage none.

    Cost per organization: two trend reads per team (four grouped queries
    each), one heat map (four), and three for the new misconceptions.
    """
    teams = list(
        Team.objects.filter(managers=manager)
        .select_related("organization")
        .order_by("organization__name", "name")
    )
    by_organization: dict[int, list[Team]] = defaultdict(list)
    for team in teams:
        by_organization[team.organization_id].append(team)
    sections = []
    for org_teams in by_organization.values():
        organization = org_teams[0].organization
        scope = KpiScope(
            organization=organization,
            teams=Team.objects.filter(pk__in=[t.pk for t in org_teams]),
            is_admin=False,
        )
        coaching = kpi_coaching_list(
            heatmap=kpi_retention_heatmap(scope=scope, now=now),
            target=organization.target_retention,
            limit=None,
        )
        sections.append(
            DigestSection(
                organization=organization.name,
                target=organization.target_retention,
                dashboard_url=_dashboard_url(organization),
                teams=[_team_row(organization, t, week) for t in org_teams],
                coaching=coaching[:DIGEST_COACHING_ROWS],
                coaching_total=len(coaching),
                misconceptions=misconceptions_new_since(
                    scope=scope,
                    since=dt.datetime.combine(week, dt.time(), dt.UTC),
                ),
            )
        )
    return ManagerDigestContent(week=week, sections=sections) if sections else None
