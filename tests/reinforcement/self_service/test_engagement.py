"""Engagement, opt-in per organization: points for on-time answers and streaks
from the RepDay rollup, a team leaderboard that names names only if the
organization says so, a rep's opt-out, and a planner that never looks at any of it."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reinforcement.kpi_rules import (
    competition_ranks,
    engagement_points,
    plan_day_streaks,
)
from reinforcement.models import DailyPlan, Prompt, RepDay
from reinforcement.selectors.engagement import rep_engagement_get
from reinforcement.services.planning import plans_create
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 24)


def day(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def test_points_count_on_time_answers_and_streak_days():
    """4 plan days answered on time in a row: 4 x 10, plus 5 for days 3 and 4;
    a missed day resets the run; a day with nothing delivered does not."""
    days = [
        (day(9), 1, 1, 1, 0),
        (day(8), 0, 0, 0, 0),  # nothing delivered: skipped
        (day(7), 1, 1, 1, 0),
        (day(6), 2, 2, 1, 0),
        (day(5), 1, 1, 1, 0),  # run of 4: bonus on days 3 and 4
        (day(4), 1, 0, 0, 1),  # missed: the run ends
        (day(3), 1, 1, 1, 0),
    ]
    points = engagement_points(days)
    assert points.answered_on_time == 5
    assert points.streak_bonus_days == 2
    assert points.points == 5 * 10 + 2 * 5
    # The same streak rule as the participation KPI's.
    assert plan_day_streaks(days) == (1, 4)
    assert competition_ranks([90, 50, 50, 10]) == [1, 2, 2, 4]


@pytest.fixture
def board():
    """A team of four reps with 3, 2, 2 and 0 days answered on time this window,
    and a rep of another team with more than all of them."""
    team = TeamFactory(
        name="East",
        organization__engagement_enabled=True,
        organization__leaderboard_names=False,
    )
    reps = [
        RepProfileFactory(team=team, user=UserFactory(first_name=name)).user
        for name in ("Ana", "Bo", "Cy", "Di")
    ]
    for rep, count in zip(reps, [3, 2, 2, 0], strict=True):
        for n in range(count):
            RepDay.objects.create(
                rep=rep, day=day(n), delivered=1, answered=1, answered_on_time=1
            )
    RepDay.objects.create(rep=reps[3], day=day(40), delivered=1, answered=1,
                          answered_on_time=1)  # fmt: skip
    stranger = RepProfileFactory(team__organization=team.organization).user
    for n in range(10):
        RepDay.objects.create(rep=stranger, day=day(n), delivered=1, answered=1,
                              answered_on_time=1)  # fmt: skip
    return team, reps


def test_a_rep_sees_their_rank_but_no_names_unless_the_organization_allows(board):
    """Names off: own points and rank only. Names on: the top, ties sharing a rank;
    the answer older than the window and the other team's rep do not count."""
    team, (ana, bo, cy, di) = board
    mine = rep_engagement_get(rep_id=cy.pk, today=TODAY)
    assert (mine.points, mine.rank, mine.ranked) == (20, 2, 4)
    assert mine.top == []
    assert rep_engagement_get(rep_id=ana.pk, today=TODAY).points == 35  # 30 + 1 bonus
    assert rep_engagement_get(rep_id=di.pk, today=TODAY).rank == 4

    team.organization.leaderboard_names = True
    team.organization.save()
    top = rep_engagement_get(rep_id=cy.pk, today=TODAY).top
    assert [(e.rank, e.name, e.points, e.is_me) for e in top] == [
        (1, "Ana", 35, False),
        (2, "Bo", 20, False),
        (2, "Cy", 20, True),
        (4, "Di", 0, False),
    ]


def test_an_opted_out_rep_is_neither_ranked_nor_shown(board):
    """Bo opts out: Bo sees opted_out and nothing else; the others' board skips Bo."""
    team, (ana, bo, cy, _di) = board
    team.organization.leaderboard_names = True
    team.organization.save()
    profile = bo.rep_profile
    profile.engagement_opt_out = True
    profile.save()
    theirs = rep_engagement_get(rep_id=bo.pk, today=TODAY)
    assert theirs.opted_out and theirs.rank is None and theirs.points == 0
    cys = rep_engagement_get(rep_id=cy.pk, today=TODAY)
    assert "Bo" not in [e.name for e in cys.top]
    assert (cys.rank, cys.ranked) == (2, 3)


def test_off_by_default_nothing_is_computed_or_shown(client):
    """An organization that never turned engagement on: enabled false, no section."""
    rep = RepProfileFactory().user
    assert rep_engagement_get(rep_id=rep.pk, today=TODAY).enabled is False
    client.force_login(rep)
    page = client.get(reverse("rep:progress")).content.decode()
    assert 'id="engagement"' not in page


def test_api_and_progress_page_show_points_rank_and_the_board(board, client):
    """GET /api/v1/engagement/ and the Progress page's Points section agree."""
    team, (ana, _bo, cy, _di) = board
    team.organization.leaderboard_names = True
    team.organization.save()
    api = APIClient()
    api.force_authenticate(cy)
    body = api.get("/api/v1/engagement/").json()
    assert body["enabled"] is True
    assert body["team_name"] == "East"
    assert [e["name"] for e in body["top"]] == ["Ana", "Bo", "Cy", "Di"]
    client.force_login(cy)
    page = client.get(reverse("rep:progress")).content.decode()
    assert 'id="leaderboard"' in page and "Ana" in page
    assert 'aria-current="true"' in page


def test_engagement_never_changes_what_the_planner_asks():
    """The same rep planned the same day with engagement off, then on with names
    and a high score, then opted out: the same questions each time."""
    team = TeamFactory(
        organization__default_daily_dose=3, organization__new_questions_per_day=1
    )
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(8, module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    profile = RepProfileFactory(team=team, working_days="1234567")
    rep_id = profile.user_id
    now = dt.datetime.combine(TODAY, dt.time(15), tzinfo=dt.UTC)
    for n in range(1, 10):
        RepDay.objects.create(rep_id=rep_id, day=day(n), delivered=3, answered=3,
                              answered_on_time=3)  # fmt: skip

    def planned() -> list[str]:
        [outcome] = plans_create(rep_ids=[rep_id], now=now)
        keys = outcome.question_keys
        Prompt.objects.filter(rep_id=rep_id).delete()
        DailyPlan.objects.filter(rep_id=rep_id).delete()
        return keys

    off = planned()
    organization = team.organization
    organization.engagement_enabled = organization.leaderboard_names = True
    organization.save()
    assert rep_engagement_get(rep_id=rep_id, today=TODAY).points > 0
    on = planned()
    profile.engagement_opt_out = True
    profile.save()
    opted_out = planned()
    assert len(off) == 3
    assert off == on == opted_out
