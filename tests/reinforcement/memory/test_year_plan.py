"""The year's value table and the capped assignment of review days (issue 14, item 3)."""

import numpy as np
import pytest

from reinforcement.memory import year_plan
from reinforcement.memory.scheduling import Memory, MemoryModel

HORIZON = 120


def working_days(horizon=HORIZON):
    return np.array([d % 7 < 5 and d != 0 for d in range(horizon + 1)])


@pytest.fixture(scope="module")
def table():
    return year_plan.year_table(
        MemoryModel(), price=10.0, end_weight=30.0, horizon=HORIZON,
        working=working_days(),
    )  # fmt: skip


def kickoff(n):
    taught = MemoryModel().taught_memory()
    return {
        "stability": np.full(n, taught.stability),
        "difficulty": np.full(n, taught.difficulty),
        "last_day": np.zeros(n),
    }


def test_memory_step_is_the_librarys_step():
    """The vectorized step gives the library's stability and difficulty after a
    success and a lapse, for several states and elapsed days."""
    model = MemoryModel()
    for s, d, e in [(2.3, 5.0, 3), (10.0, 7.5, 20), (40.0, 2.0, 90)]:
        for rating in (1, 3):
            got_s, got_d = year_plan.memory_step(model, s, d, float(rating), e)
            want = model.next_memory(Memory(s, d), rating, e)
            assert float(got_s) == pytest.approx(want.stability, rel=1e-5)
            assert float(got_d) == pytest.approx(want.difficulty, rel=1e-5)


def test_table_values_a_memory_more_the_cheaper_a_review_is(table):
    """J grows with stability (a stronger memory is worth more) and is higher
    when reviews cost less; on the horizon's last day it is the end weight
    times recall right after the review (1)."""
    cheap = year_plan.year_table(
        MemoryModel(), price=2.0, end_weight=30.0, horizon=HORIZON,
        working=working_days(),
    )  # fmt: skip
    assert np.all(np.diff(table.value[0]) > 0)
    assert np.all(cheap.value[0] >= table.value[0])
    assert table.value[HORIZON] == pytest.approx(np.full(year_plan.GRID_POINTS, 30.0))


def test_kickoff_wave_is_spread_within_the_daily_cap(table):
    """After a kickoff of 60 identical questions, planning day by day (every
    answer a success) asks at most the budget each working day, nothing on
    days off, and starts the first pass before the questions' common best day,
    so the wave is spread instead of queued behind it."""
    states = kickoff(60)
    model = MemoryModel()
    days, values, _ = year_plan.review_values(table, today=1, **states)
    best_day = int(days[np.argmax(values[0])])
    asked_on = {}
    for day in range(1, 60):
        chosen = year_plan.year_choose(table, today=day, budget=3, **states)
        assert len(chosen) <= 3
        assert len(set(chosen)) == len(chosen)
        if not working_days()[day]:
            assert chosen == []
        for q in chosen:
            s, d = states["stability"][q], states["difficulty"][q]
            after = model.next_memory(Memory(s, d), 3, day - states["last_day"][q])
            states["stability"][q], states["difficulty"][q] = (
                after.stability,
                after.difficulty,
            )
            states["last_day"][q] = day
            asked_on.setdefault(q, day)
    first = sorted(asked_on.values())
    assert first[0] < best_day
    assert len(asked_on) == 60


def test_nothing_is_asked_past_the_horizon_or_without_budget(table):
    """No budget, a day past the horizon or no questions: an empty dose."""
    assert year_plan.year_choose(table, today=5, budget=0, **kickoff(10)) == []
    assert (
        year_plan.year_choose(table, today=HORIZON + 1, budget=3, **kickoff(10)) == []
    )
    assert year_plan.year_choose(table, today=5, budget=3, **kickoff(0)) == []
