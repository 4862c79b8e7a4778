"""Engagement: a rep's points and their team's leaderboard (docs/kpis.md).

Opt-in per organization (``Organization.engagement_enabled``); a rep may opt
out (``RepProfile.engagement_opt_out``) and is then neither ranked nor shown.
Names on the board only if the organization turns them on; otherwise a rep
sees their own rank and points alone. Read from the RepDay rollup (one query
for the team's window), never from the answer log; nothing here feeds the
planner.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from enablement.models import RepProfile
from reinforcement.kpi_rules import (
    ENGAGEMENT_WINDOW_DAYS,
    competition_ranks,
    engagement_points,
)
from reinforcement.models import RepDay
from reinforcement.selectors.planning import reps_active

# The top of the board a rep sees when names are on.
LEADERBOARD_TOP = 5


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int
    name: str
    points: int
    is_me: bool


@dataclass
class RepEngagement:
    enabled: bool
    opted_out: bool = False
    points: int = 0
    answered_on_time: int = 0
    streak_bonus_days: int = 0
    rank: int | None = None
    ranked: int = 0
    team_name: str = ""
    names_shown: bool = False
    top: list[LeaderboardEntry] = field(default_factory=list)
    window_days: int = ENGAGEMENT_WINDOW_DAYS


def _display_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def rep_engagement_get(*, rep_id: int, today: dt.date) -> RepEngagement | None:
    """The rep's points, rank and (names on) the top of their team's board.

    None for a user who is no rep. ``today``: the rep's local date; the
    window is the ENGAGEMENT_WINDOW_DAYS plan days up to it.
    """
    profile = (
        RepProfile.objects.filter(user_id=rep_id)
        .select_related("team__organization")
        .first()
    )
    if profile is None:
        return None
    organization = profile.team.organization
    result = RepEngagement(
        enabled=organization.engagement_enabled,
        opted_out=profile.engagement_opt_out,
        team_name=profile.team.name,
        names_shown=organization.leaderboard_names,
    )
    if not result.enabled or result.opted_out:
        return result
    players = dict(
        (row[0], _display_name(*row[1:]))
        for row in reps_active()
        .filter(team_id=profile.team_id, engagement_opt_out=False)
        .values_list("user_id", "user__first_name", "user__last_name", "user__username")
    )
    since = today - dt.timedelta(days=ENGAGEMENT_WINDOW_DAYS)
    days: dict[int, list] = defaultdict(list)
    rows = (
        RepDay.objects.filter(rep_id__in=list(players), day__gt=since, day__lte=today)
        .order_by("rep_id", "day")
        .values_list("rep_id", "day", "delivered", "answered", "answered_on_time", "expired")
    )  # fmt: skip
    for rep, *rest in rows:
        days[rep].append(tuple(rest))
    scores = {rep: engagement_points(days[rep]) for rep in players}
    board = sorted(players, key=lambda rep: (-scores[rep].points, players[rep], rep))
    ranks = competition_ranks([scores[rep].points for rep in board])
    mine = scores.get(rep_id)
    if mine is not None:  # an inactive rep is not on the board
        result.points = mine.points
        result.answered_on_time = mine.answered_on_time
        result.streak_bonus_days = mine.streak_bonus_days
        result.rank = ranks[board.index(rep_id)]
    result.ranked = len(board)
    if result.names_shown:
        result.top = [
            LeaderboardEntry(rank, players[rep], scores[rep].points, rep == rep_id)
            for rep, rank in zip(board, ranks, strict=True)
            if rank <= LEADERBOARD_TOP
        ]
    return result
