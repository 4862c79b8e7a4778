"""Two organizations with hand-known KPI rollups, shared by the KPI tests."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User

from enablement.models import Organization, Team, Topic
from reinforcement.kpi_rules import week_start
from reinforcement.models import (
    RepAnswerDay,
    RepQuestionStat,
    RepTopicDay,
    RepTopicSnapshot,
)
from tests.factories.enablement import (
    ModuleFactory,
    OrganizationFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)

NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


@dataclass
class KpiWorld:
    organization: Organization
    team_a: Team
    team_b: Team
    manager_a: User
    admin: User
    outsider: User  # manager in another organization
    rep_a1: User
    rep_a2: User
    rep_b1: User
    rep_x1: User  # in the other organization
    topic: Topic
    topic_2: Topic


def _cell(rep, topic, *, week, now, **sums):
    RepTopicSnapshot.objects.create(
        rep=rep, topic=topic, week=week, computed_at=now, **sums
    )


def _answered(rep, topic, answers: int, correct: int) -> None:
    """A question of the topic the rep answered ``answers`` times (all time)."""
    module = ModuleFactory(methodology__organization=topic.organization)
    question = QuestionFactory(module=module, topic=topic)
    RepQuestionStat.objects.create(
        rep=rep, question=question, topic=topic, answers=answers, correct=correct,
        first_correct=True,
    )  # fmt: skip


def _day(**fields) -> None:
    """An answer rollup on a topic, and the same sums in the all-topics row."""
    RepTopicDay.objects.create(**fields)
    fields.pop("topic")
    RepAnswerDay.objects.create(**fields)


def kpi_world(now: dt.datetime = NOW) -> KpiWorld:
    """Reps with snapshot and answer rollups whose KPIs are known by hand.

    rep_a1, topic: 4 introduced questions summing to 3.6 predicted (90%),
      2 of 4 mastered; 8 spaced reviews with corrected sum 6.0 (75%), in the
      snapshot's 90-day window and in the daily rollups (plus 5 older ones).
    rep_a2, topic: 2 introduced summing to 1.2 (60%), 0 mastered.
    rep_a1, topic_2: 2 introduced summing to 1.4 (70%), 1 of 2 mastered.
    rep_b1 (team B) and rep_x1 (other organization): 50%, never visible to
    manager_a.
    Answers of all time (RepQuestionStat, one question per cell): alice_a1 15
    on topic and 5 on topic_2, arthur_a2 6, bella_b1 6, xavier_x1 6: each
    cell has the MIN_ANSWERS its predicted retention needs.
    """
    organization = OrganizationFactory(name="Hand Org", target_retention=0.85)
    other = OrganizationFactory(name="Other Org")
    team_a = TeamFactory(organization=organization, name="Team A")
    team_b = TeamFactory(organization=organization, name="Team B")
    team_x = TeamFactory(organization=other, name="Team X")
    manager_a = UserFactory(username="manager_a", is_staff=True)
    admin = UserFactory(username="org_admin", is_staff=True)
    outsider = UserFactory(username="outsider", is_staff=True)
    team_a.managers.add(manager_a)
    team_x.managers.add(outsider)
    organization.admins.add(admin)
    reps = {}
    for name, team in [("alice_a1", team_a), ("arthur_a2", team_a),
                       ("bella_b1", team_b), ("xavier_x1", team_x)]:  # fmt: skip
        reps[name] = RepProfileFactory(
            team=team, user__username=name, hired_on=dt.date(2024, 1, 1)
        ).user
    topic = TopicFactory(organization=organization, name="Economic buyer")
    topic_2 = TopicFactory(organization=organization, name="Metrics")
    topic_x = TopicFactory(organization=other, name="Other topic")
    week = week_start(now.date())
    _cell(reps["alice_a1"], topic, enrolled=4, introduced=4, predicted_sum=3.6,
          mastered=2, week=week, now=now, reviews=8, reviews_correct=6,
          reviews_corrected=6.0, reviews_predicted=7.2, certain_wrong=1)  # fmt: skip
    _cell(reps["arthur_a2"], topic, enrolled=3, introduced=2, predicted_sum=1.2,
          mastered=0, week=week, now=now)  # fmt: skip
    _cell(reps["alice_a1"], topic_2, enrolled=2, introduced=2, predicted_sum=1.4,
          mastered=1, week=week, now=now)  # fmt: skip
    _cell(reps["bella_b1"], topic, enrolled=2, introduced=2, predicted_sum=1.0,
          mastered=0, week=week, now=now, reviews=4, reviews_correct=4,
          reviews_corrected=4.0)  # fmt: skip
    _cell(reps["xavier_x1"], topic_x, enrolled=2, introduced=2, predicted_sum=1.0,
          mastered=0, week=week, now=now)  # fmt: skip
    # An older week, for the trend.
    _cell(reps["alice_a1"], topic, enrolled=4, introduced=2, predicted_sum=1.6,
          mastered=0, week=week - dt.timedelta(weeks=1), now=now)  # fmt: skip
    _day(
        rep=reps["alice_a1"], topic=topic, day=now.date() - dt.timedelta(days=3),
        answers=10, correct=7, reviews=8, reviews_correct=6, reviews_corrected=6.0,
        reviews_predicted=7.2, certain_wrong=1,
    )  # fmt: skip
    # Outside the 90-day window: not counted.
    _day(
        rep=reps["alice_a1"], topic=topic, day=now.date() - dt.timedelta(days=120),
        answers=5, reviews=5, reviews_correct=0, reviews_corrected=-1.5,
    )  # fmt: skip
    _day(
        rep=reps["bella_b1"], topic=topic, day=now.date() - dt.timedelta(days=3),
        answers=4, reviews=4, reviews_correct=4, reviews_corrected=4.0,
    )  # fmt: skip
    for rep, cell_topic, answers, correct in [
        (reps["alice_a1"], topic, 15, 7), (reps["alice_a1"], topic_2, 5, 3),
        (reps["arthur_a2"], topic, 6, 3), (reps["bella_b1"], topic, 6, 4),
        (reps["xavier_x1"], topic_x, 6, 3),
    ]:  # fmt: skip
        _answered(rep, cell_topic, answers, correct)
    return KpiWorld(
        organization, team_a, team_b, manager_a, admin, outsider,
        reps["alice_a1"], reps["arthur_a2"], reps["bella_b1"], reps["xavier_x1"],
        topic, topic_2,
    )  # fmt: skip


def new_team(now: dt.datetime, *, reps: int = 3):
    """A team taught a module today: memory states predict ~99%, nobody answered."""
    organization = OrganizationFactory(name="Day One Org", target_retention=0.85)
    team = TeamFactory(organization=organization, name="New Team")
    manager = UserFactory(username="new_manager")
    team.managers.add(manager)
    topic = TopicFactory(organization=organization, name="Discovery")
    members = []
    for i in range(reps):
        rep = RepProfileFactory(team=team, user__username=f"new_rep{i}").user
        RepTopicSnapshot.objects.create(
            rep=rep, topic=topic, week=week_start(now.date()), computed_at=now,
            enrolled=3, introduced=3, predicted_sum=2.97, mastered=0,
        )  # fmt: skip
        members.append(rep)
    return organization, team, manager, members
