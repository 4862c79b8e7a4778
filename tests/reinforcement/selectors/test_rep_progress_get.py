import datetime as dt

import pytest
from django.utils import timezone

from reinforcement.kpi_rules import MASTERY_STABILITY_DAYS
from reinforcement.memory.scheduling import MemoryModel
from reinforcement.models import MemoryState
from reinforcement.selectors.kpi_retention import kpi_retention_heatmap
from reinforcement.selectors.progress import rep_progress_get
from reinforcement.selectors.reps import rep_situation_get
from reinforcement.selectors.scoping import kpi_scope_get
from reinforcement.services.answers import answer_submit
from reinforcement.services.rollups.refresh import snapshots_refresh
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db

# A Wednesday noon, UTC.
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def enrolled(rep_profile):
    module = ModuleFactory(methodology__organization=rep_profile.team.organization)
    EnrollmentFactory(module=module, team=rep_profile.team, starts_on=NOW.date())
    return [QuestionFactory(module=module) for _ in range(4)]


def answer(rep, question, at, *, right=True, key=None):
    prompt = make_prompt(rep=rep, question=question, local_date=at.date())
    choice = question.choices.filter(is_correct=right).first()
    answer_submit(
        rep_id=rep.id,
        prompt_id=prompt.id,
        choice_ids=[choice.id],
        confidence="certain",
        idempotency_key=key or f"{question.id}-{at.isoformat()}",
        now=at,
    )


def progress(rep, now=NOW):
    situation = rep_situation_get(rep_id=rep.id, now=now)
    return rep_progress_get(situation=situation, now=now)


def test_nothing_answered_has_no_retention_and_no_mastery(rep, enrolled):
    result = progress(rep)
    assert result.retention is None and result.mastery == 0.0
    assert result.enrolled == 4 and result.introduced == 0
    assert result.streak_days == 0 and result.answers_this_week == 0
    assert all(p.predicted is None for p in result.trend)


def test_retention_is_mean_predicted_recall_over_introduced_questions(rep, enrolled):
    # given two questions answered on five days, the last ten days ago (five
    # answers per topic: the minimum a retention figure needs)
    for q in enrolled[:2]:
        for days in range(14, 9, -1):
            answer(rep, q, NOW - dt.timedelta(days=days))
    # when
    result = progress(rep)
    # then recall has decayed below 1, and only the two introduced count
    assert result.introduced == 2
    assert 0.5 < result.retention < 1.0
    # each factory question has its own topic: overall is the mean of the two
    started = [t.retention for t in result.topics if t.introduced]
    assert len(started) == 2
    assert result.retention == pytest.approx(sum(started) / 2)
    assert [t.retention for t in result.topics if not t.introduced] == [None, None]


def test_mastery_counts_stability_of_three_weeks_or_more(rep, enrolled):
    answer(rep, enrolled[0], NOW - dt.timedelta(days=1))
    MemoryState.objects.filter(rep=rep, question=enrolled[0]).update(stability=30.0)
    result = progress(rep)
    assert result.mastery == pytest.approx(1 / 4)
    assert sum(t.mastered for t in result.topics) == 1


@pytest.mark.parametrize(
    ("stability", "mastered"),
    [(MASTERY_STABILITY_DAYS - 0.1, 0), (MASTERY_STABILITY_DAYS, 1), (30.0, 1)],
)
def test_progress_page_and_manager_heatmap_agree_on_mastery(
    rep_profile, enrolled, stability, mastered
):
    """The rep's page and the manager's heat map count the same cell mastered.

    Stability of exactly 21 days is mastered on both (the progress page once
    required more than 21).
    """
    # given: one question answered, its memory then at the stability asked for
    rep = rep_profile.user
    question = enrolled[0]
    answer(rep, question, NOW - dt.timedelta(days=1))
    MemoryState.objects.filter(rep=rep, question=question).update(stability=stability)
    manager = UserFactory()
    rep_profile.team.managers.add(manager)
    # when: the rep opens their page; the nightly snapshot runs, the manager looks
    topic = next(t for t in progress(rep).topics if t.topic_id == question.topic_id)
    snapshots_refresh(rep_ids=[rep.pk], now=NOW, model=MemoryModel())
    heatmap = kpi_retention_heatmap(scope=kpi_scope_get(user=manager), now=NOW)
    cell = heatmap.cells[(rep.pk, question.topic_id)]
    # then
    assert topic.mastered == cell.mastered == mastered
    assert topic.mastery == cell.mastery == mastered


def test_streak_counts_consecutive_working_days_and_skips_weekends(rep, enrolled):
    # Mon 23, Tue 24 answered, Wed 25 (today) not yet: streak 2.
    answer(rep, enrolled[0], dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC))
    answer(rep, enrolled[1], dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC))
    assert progress(rep).streak_days == 2
    # Fri 20 answered too: the weekend does not break it.
    answer(rep, enrolled[2], dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC))
    result = progress(rep)
    assert result.streak_days == 3
    # Answers this week: Monday onwards, in the rep's zone.
    assert result.answers_this_week == 2 and result.answers_total == 3


def test_a_missed_working_day_breaks_the_streak(rep, enrolled):
    answer(rep, enrolled[0], dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC))
    assert progress(rep).streak_days == 0


def test_trend_replays_the_answer_log(rep, enrolled):
    answer(rep, enrolled[0], NOW - dt.timedelta(days=20))
    trend = progress(rep).trend
    assert len(trend) == 8
    assert trend[0].predicted is None  # before the first answer
    known = [p.predicted for p in trend if p.predicted is not None]
    assert known == sorted(known, reverse=True)  # forgetting since then


def test_query_count_is_flat(rep, enrolled, django_assert_max_num_queries):
    for q in enrolled:
        answer(rep, q, timezone.now() - dt.timedelta(days=2))
    situation = rep_situation_get(rep_id=rep.id, now=timezone.now())
    with django_assert_max_num_queries(5):
        rep_progress_get(situation=situation, now=timezone.now())
