"""The planner's pure scoring core: the target retention sets a value floor."""

import numpy as np
import pytest

from reinforcement.memory.plan_scoring import (
    VALUE_FLOOR_SHARE,
    Candidates,
    PlanPolicy,
    plan_choose,
    review_gains,
)
from reinforcement.memory.scheduling import MemoryModel


def reviewed(elapsed_days, *, stability=5.0):
    n = len(elapsed_days)
    return Candidates(
        stability=np.full(n, stability),
        difficulty=np.full(n, 5.0),
        elapsed_days=np.asarray(elapsed_days, dtype=float),
        topic=np.arange(n),
        order=np.arange(n),
    )


def test_value_floor_follows_the_target_unless_set():
    assert PlanPolicy(budget=3, new_limit=1, target_retention=0.85).value_floor == (
        pytest.approx(VALUE_FLOOR_SHARE * 0.15)
    )
    assert PlanPolicy(budget=3, new_limit=1, min_gain=0.0).value_floor == 0.0


def test_a_lower_target_asks_only_the_reviews_that_buy_most():
    model = MemoryModel()
    candidates = reviewed([3, 8, 15, 30, 60])
    gains = review_gains(
        model, candidates, np.arange(5), PlanPolicy(budget=5, new_limit=0)
    )
    high = plan_choose(
        model, candidates, PlanPolicy(budget=5, new_limit=0, target_retention=0.95)
    )
    low = plan_choose(
        model, candidates, PlanPolicy(budget=5, new_limit=0, target_retention=0.75)
    )
    assert set(low) < set(high)
    floor = PlanPolicy(budget=5, new_limit=0, target_retention=0.75).value_floor
    assert set(low) == {i for i in range(5) if gains[i] > floor} & set(high)


def test_fresh_memories_are_not_worth_asking_at_any_target():
    model = MemoryModel()
    for target in (0.7, 0.85, 0.97):
        policy = PlanPolicy(budget=3, new_limit=0, target_retention=target)
        assert plan_choose(model, reviewed([1, 1, 1], stability=50.0), policy) == []


def test_new_questions_come_in_curriculum_order_whatever_the_target():
    model = MemoryModel()
    n = 4
    candidates = Candidates(
        stability=np.full(n, np.nan),
        difficulty=np.full(n, np.nan),
        elapsed_days=np.full(n, np.nan),
        topic=np.zeros(n, dtype=int),
        order=np.array([3, 1, 2, 0]),
    )
    policy = PlanPolicy(
        budget=3, new_limit=2, target_retention=0.7, fill_with_new=False
    )
    assert plan_choose(model, candidates, policy) == [3, 1]
    # Filling (the default): slots no review needs take the next new questions.
    filling = PlanPolicy(budget=3, new_limit=2, target_retention=0.7)
    assert plan_choose(model, candidates, filling) == [3, 1, 2]


def test_new_questions_fill_only_the_slots_reviews_leave():
    """Two reviews worth asking and a dose of 3: one new question, the rate's floor."""
    model = MemoryModel()
    candidates = Candidates(
        stability=np.array([2.0, 2.0, np.nan, np.nan, np.nan]),
        difficulty=np.array([5.0, 5.0, np.nan, np.nan, np.nan]),
        elapsed_days=np.array([20.0, 20.0, np.nan, np.nan, np.nan]),
        topic=np.array([0, 1, 0, 1, 2]),
        order=np.array([0, 0, 1, 2, 3]),
    )
    chosen = plan_choose(model, candidates, PlanPolicy(budget=3, new_limit=1))
    assert sorted(chosen) == [0, 1, 2]
    # With no review due, the whole dose is new material.
    assert sorted(
        plan_choose(model, candidates, PlanPolicy(budget=2, new_limit=0))
    ) == [
        0,
        1,
    ]


def test_a_campaign_weight_moves_the_dose_to_its_topics_within_the_budget():
    """Weights of 1 everywhere choose what no weight chooses; a boost on the
    less forgotten questions' topic brings them into the dose, which keeps
    its budget; boosted new questions come before the curriculum's others."""
    model = MemoryModel()
    policy = PlanPolicy(budget=2, new_limit=0)
    candidates = reviewed([30, 30, 12, 12])
    unboosted = plan_choose(model, candidates, policy)
    candidates.weight = np.ones(4)
    assert plan_choose(model, candidates, policy) == unboosted
    assert set(unboosted) == {0, 1}

    candidates.weight = np.array([1.0, 1.0, 5.0, 5.0])
    boosted = plan_choose(model, candidates, policy)
    assert set(boosted) == {2, 3} and len(boosted) == policy.budget

    new = Candidates(
        stability=np.full(3, np.nan),
        difficulty=np.full(3, np.nan),
        elapsed_days=np.zeros(3),
        topic=np.array([0, 0, 1]),
        order=np.arange(3),
        weight=np.array([1.0, 1.0, 2.0]),
    )
    assert plan_choose(model, new, PlanPolicy(budget=1, new_limit=1)) == [2]
