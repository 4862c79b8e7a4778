import datetime as dt

import pytest

from enablement.models import Question
from reinforcement.kpi_rules import week_start
from reinforcement.memory.scheduling import MemoryModel
from reinforcement.models import MemoryState, RepTopicSnapshot
from reinforcement.selectors.kpi_retention import (
    kpi_coaching_list,
    kpi_retention_heatmap,
    kpi_trend_list,
)
from reinforcement.selectors.kpi_summary import kpi_scope_summary
from reinforcement.selectors.scoping import kpi_scope_get
from reinforcement.services.answers import answer_submit
from reinforcement.services.rollups.snapshots import snapshots_refresh
from tests.factories.enablement import QuestionFactory, RepProfileFactory
from tests.factories.reinforcement import make_prompt
from tests.reinforcement.kpi_data import NOW, kpi_world

pytestmark = pytest.mark.django_db


def test_heatmap_cells_rows_and_total_are_known_by_hand():
    """Predicted is the mean over introduced questions; observed is corrected."""
    world = kpi_world()
    scope = kpi_scope_get(user=world.manager_a)
    heatmap = kpi_retention_heatmap(scope=scope, now=NOW)
    a1 = heatmap.cells[(world.rep_a1.pk, world.topic.pk)]
    assert a1.predicted == pytest.approx(0.9)
    assert a1.mastery == pytest.approx(0.5)
    assert a1.observed == pytest.approx(0.75) and a1.reviews == 8
    assert a1.raw_accuracy == pytest.approx(0.75)
    assert a1.predicted_at_review == pytest.approx(0.9)
    a2 = heatmap.cells[(world.rep_a2.pk, world.topic.pk)]
    assert a2.predicted == pytest.approx(0.6) and a2.mastery == 0
    assert a2.observed is None
    # Rep row: (3.6 + 1.4) / 6 introduced; topic column: (3.6 + 1.2) / 6.
    assert heatmap.by_rep[world.rep_a1.pk].predicted == pytest.approx(5.0 / 6)
    assert heatmap.by_topic[world.topic.pk].predicted == pytest.approx(4.8 / 6)
    assert heatmap.by_topic[world.topic.pk].mastery == pytest.approx(2 / 7)
    assert heatmap.total.predicted == pytest.approx(6.2 / 8)
    assert [r.username for r in heatmap.reps] == ["alice_a1", "arthur_a2"]
    assert [t.name for t in heatmap.topics] == ["Economic buyer", "Metrics"]


def test_coaching_list_ranks_by_gap_under_target():
    """Target 85%: arthur's 60% cell and rep row lead; alice's 70% Metrics next."""
    world = kpi_world()
    heatmap = kpi_retention_heatmap(scope=kpi_scope_get(user=world.manager_a), now=NOW)
    items = kpi_coaching_list(heatmap=heatmap, target=0.85)
    listed = [
        (i.rep.username, i.topic.name if i.topic else None, round(i.gap, 4))
        for i in items
    ]
    assert listed == [
        ("arthur_a2", None, 0.25),
        ("arthur_a2", "Economic buyer", 0.25),
        ("alice_a1", "Metrics", 0.15),
        ("alice_a1", None, round(0.85 - 5 / 6, 4)),
    ]


def test_summary_per_team_and_for_the_organization(django_assert_max_num_queries):
    """The admin's summary has both teams; observed counts only the window."""
    world = kpi_world()
    scope = kpi_scope_get(user=world.admin)
    with django_assert_max_num_queries(8):
        summary = kpi_scope_summary(scope=scope, now=NOW)
    teams = {t.name: t for t in summary.teams}
    assert teams["Team A"].retention.predicted == pytest.approx(6.2 / 8)
    assert teams["Team B"].retention.predicted == pytest.approx(0.5)
    assert teams["Team A"].retention.observed == pytest.approx(0.75)
    assert summary.total.retention.predicted == pytest.approx(7.2 / 10)
    assert summary.total.retention.observed == pytest.approx(10 / 12)
    assert summary.total.reps == 3


def test_heatmap_other_window_sums_the_daily_rollups():
    """A 200-day window adds the 5 older reviews (corrected sum -1.5)."""
    world = kpi_world()
    scope = kpi_scope_get(user=world.manager_a)
    heatmap = kpi_retention_heatmap(scope=scope, now=NOW, window_days=200)
    cell = heatmap.cells[(world.rep_a1.pk, world.topic.pk)]
    assert cell.reviews == 13 and cell.observed == pytest.approx(4.5 / 13)
    assert cell.predicted == pytest.approx(0.9)


def test_trend_weeks_from_snapshots():
    world = kpi_world()
    points = kpi_trend_list(scope=kpi_scope_get(user=world.manager_a), now=NOW)
    assert len(points) == 26 and points[-1].week == week_start(NOW.date())
    assert points[-1].predicted == pytest.approx(6.2 / 8)
    assert points[-2].predicted == pytest.approx(0.8)
    # The reviews were on Sunday 7 June, in the week before NOW's.
    assert points[-2].observed == pytest.approx(0.75) and points[-2].reviews == 8
    assert points[-1].observed is None
    assert points[0].predicted is None


def test_snapshot_predicts_ninety_percent_at_stability_days(rep_profile):
    """FSRS recall is 0.9 once as many days as the stability have passed."""
    # given: S=10 reviewed 10 days ago; S=30 reviewed now; one not introduced
    rep = rep_profile.user
    org = rep_profile.team.organization
    q1, q2, q3 = (
        QuestionFactory(module__methodology__organization=org) for _ in range(3)
    )
    Question.objects.filter(pk__in=[q2.pk, q3.pk]).update(topic=q1.topic)
    MemoryState.objects.create(
        rep=rep,
        question=q1,
        state="review",
        stability=10.0,
        difficulty=5,
        last_review=NOW - dt.timedelta(days=10),
    )
    MemoryState.objects.create(
        rep=rep,
        question=q2,
        state="review",
        stability=30.0,
        difficulty=5,
        last_review=NOW,
    )
    MemoryState.objects.create(rep=rep, question=q3)  # fmt: skip
    # when
    snapshots_refresh(rep_ids=[rep.pk], now=NOW, model=MemoryModel())
    # then
    cell = RepTopicSnapshot.objects.get(rep=rep, topic=q1.topic)
    assert (cell.enrolled, cell.introduced, cell.mastered) == (3, 2, 1)
    assert cell.predicted_sum == pytest.approx(0.9 + 1.0)


@pytest.mark.parametrize(
    ("kind", "choices", "pattern", "expected"),
    [
        # 4 options: 2 of 4 right is (0.5 - 1/4) / (3/4) = 1/3.
        (Question.Kind.SINGLE_CHOICE, None, [1, 0, 1, 0], 1 / 3),
        # True/false, k=2: 3 of 4 right is (0.75 - 1/2) / (1/2) = 1/2.
        (Question.Kind.TRUE_FALSE, [("True", True), ("False", False)], [1, 1, 1, 0], 0.5),
        # Select-all with 4 options: chance 1/15; 2 of 4 is (0.5 - 1/15)/(14/15).
        (Question.Kind.MULTIPLE_CHOICE,
         [("A", True), ("B", True), ("C", False), ("D", False)], [1, 0, 0, 1], 6.5 / 14),
    ],
)  # fmt: skip
def test_observed_retention_is_corrected_for_guessing(
    rep_profile, kind, choices, pattern, expected
):
    """Spaced reviews through the answer service give the hand-computed figure."""
    # given: a first answer (not a review), then eight reviews two days apart
    # (the pattern twice: a figure needs MIN_ANSWERS spaced reviews)
    rep = rep_profile.user
    team = rep_profile.team
    question = QuestionFactory(module__methodology__organization=team.organization,
                               kind=kind, choices=choices)  # fmt: skip
    right = list(question.choices.filter(is_correct=True))
    wrong = list(question.choices.filter(is_correct=False))[:1]
    at = NOW - dt.timedelta(days=20)
    for i, ok in enumerate([1, *pattern, *pattern]):
        prompt = make_prompt(rep=rep, question=question, local_date=at.date())
        answer_submit(rep_id=rep.pk, prompt_id=prompt.pk,
                      choice_ids=[c.pk for c in (right if ok else wrong)],
                      confidence="fairly_sure", idempotency_key=f"k{i}", now=at)  # fmt: skip
        at += dt.timedelta(days=2)
    manager = RepProfileFactory().user
    team.managers.add(manager)
    # when: the nightly refresh has run
    snapshots_refresh(rep_ids=[rep.pk], now=NOW)
    heatmap = kpi_retention_heatmap(scope=kpi_scope_get(user=manager), now=NOW)
    # then
    cell = heatmap.cells[(rep.pk, question.topic_id)]
    assert cell.reviews == 8
    assert cell.observed == pytest.approx(expected)
