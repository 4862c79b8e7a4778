"""The not-enough-answers rule: kpi_rules.MIN_ANSWERS, applied by the selectors."""

import datetime as dt

import pytest
from django.utils import timezone

from reinforcement.kpi_rules import MIN_ANSWERS, has_enough_answers, week_start
from reinforcement.models import RepAnswerDay, RepQuestionStat
from reinforcement.selectors.kpi_common import Retention
from reinforcement.selectors.kpi_retention import (
    kpi_coaching_list,
    kpi_retention_heatmap,
    kpi_trend_list,
    kpi_unranked_reps,
)
from reinforcement.selectors.kpi_summary import kpi_scope_summary
from reinforcement.selectors.scoping import kpi_scope_get
from tests.reinforcement.kpi_data import kpi_world


def test_the_minimum_is_five_answers():
    assert MIN_ANSWERS == 5
    assert not has_enough_answers(None) and not has_enough_answers(4)
    assert has_enough_answers(5) and has_enough_answers(500)


def test_a_cell_with_too_few_answers_has_no_predicted_retention():
    """One answer just now predicts ~100%: that is not shown as a figure."""
    cell = Retention(answers=1, introduced=1, predicted_sum=0.99)
    assert cell.predicted is None and not cell.enough_answers
    cell.answers = MIN_ANSWERS
    assert cell.predicted == pytest.approx(0.99) and cell.enough_answers


def test_observed_and_its_calibration_pair_need_enough_spaced_reviews():
    cell = Retention(answers=50, reviews=4, reviews_correct=4, reviews_corrected=4.0,
                     reviews_predicted=3.6)  # fmt: skip
    assert cell.observed is None and cell.raw_accuracy is None
    assert cell.predicted_at_review is None and not cell.enough_reviews
    cell.reviews, cell.reviews_corrected, cell.reviews_predicted = 5, 4.0, 4.5
    assert cell.observed == pytest.approx(0.8)
    assert cell.predicted_at_review == pytest.approx(0.9)


def test_sums_pool_answers_so_a_team_can_have_enough_when_each_rep_has_not():
    total = Retention()
    for _ in range(3):
        total.add(Retention(answers=2, introduced=1, predicted_sum=0.8))
    assert total.answers == 6 and total.predicted == pytest.approx(0.8)


@pytest.mark.django_db
def test_heatmap_coaching_and_summary_read_the_answer_counts():
    now = timezone.now()
    world = kpi_world(now)
    scope = kpi_scope_get(user=world.manager_a)
    heatmap = kpi_retention_heatmap(scope=scope, now=now)
    assert heatmap.cells[(world.rep_a1.pk, world.topic.pk)].answers == 15
    assert heatmap.total.answers == 15 + 5 + 6
    # arthur_a2 drops below the minimum: unranked, not in the coaching list.
    RepQuestionStat.objects.filter(rep=world.rep_a2).update(answers=MIN_ANSWERS - 1)
    heatmap = kpi_retention_heatmap(scope=scope, now=now)
    items = kpi_coaching_list(heatmap=heatmap, target=0.85, limit=None)
    assert world.rep_a2.pk not in {i.rep.rep_id for i in items}
    assert [r.username for r in kpi_unranked_reps(heatmap=heatmap)] == ["arthur_a2"]
    summary = kpi_scope_summary(scope=scope, now=now)
    assert summary.teams[0].retention.answers == 15 + 5 + MIN_ANSWERS - 1


@pytest.mark.django_db
def test_a_trend_week_needs_enough_answers_up_to_it():
    now = timezone.now()
    world = kpi_world(now)
    RepAnswerDay.objects.all().delete()
    scope = kpi_scope_get(user=world.manager_a)
    this_week = week_start(now.date())
    points = {p.week: p for p in kpi_trend_list(scope=scope, now=now)}
    # Snapshots exist this week and last, but no answers at all: no values.
    assert points[this_week].predicted is None
    assert points[this_week - dt.timedelta(weeks=1)].predicted is None
    # Enough answers before the window count for every week after them.
    RepAnswerDay.objects.create(
        rep=world.rep_a1, day=now.date() - dt.timedelta(days=400), answers=MIN_ANSWERS
    )
    points = {p.week: p for p in kpi_trend_list(scope=scope, now=now)}
    assert points[this_week].predicted is not None
    assert points[this_week].answers == MIN_ANSWERS
