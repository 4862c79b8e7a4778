"""The simulator's fast paths compute exactly what the slow ones did.

Each speed-up (docs/benchmarks.md, "Speed") must leave every figure of a run
unchanged, so each is checked bit for bit against the straightforward
computation on random inputs, not against recorded numbers.
"""

import numpy as np
import pytest

from reinforcement.memory import fsrs_forward, plan_scoring
from reinforcement.memory.scheduling import DEFAULT_PARAMETERS, Memory, MemoryModel
from reinforcement.simulation.parallel import jobs_order, team_draws
from reinforcement.simulation.runner import SimulationConfig, simulate
from tests.reinforcement.simulation.conftest import LEARNER_PARAMETERS


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("columns", [1, 2, 9, 300])
def test_split_step_equals_every_branch_everywhere(dtype, columns):
    """Each branch on its own histories gives the all-branches step's bits.

    Same-day, lapse and success reviews mixed (or, for one column, alone),
    22 parameter vectors as the fit's gradient uses, both precisions.
    """
    rng = np.random.default_rng(columns)
    w = fsrs_forward.parameters_clip(
        np.array(DEFAULT_PARAMETERS) * rng.uniform(0.5, 1.5, (22, 21))
    ).astype(dtype)
    s = np.exp(rng.uniform(-4, 7, (22, columns))).astype(dtype)
    d = rng.uniform(0, 11, (22, columns)).astype(dtype)
    for _ in range(4):
        rating = rng.integers(1, 5, columns).astype(dtype)
        delta = (rng.integers(0, 90, columns) * (rng.random(columns) < 0.8)).astype(
            dtype
        )
        fast = fsrs_forward.memory_update(w, s, d, rating, delta)
        slow = fsrs_forward.memory_update(w, s, d, rating, delta, split=False)
        for a, b in zip(fast, slow, strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
        s, d = fast[0], fast[1]


def test_next_state_is_next_memory_on_plain_numbers():
    """Random memories, ratings and gaps: the same state as next_memory's."""
    rng = np.random.default_rng(11)
    for w in LEARNER_PARAMETERS:
        model = MemoryModel(w)
        for _ in range(60):
            new = rng.random() < 0.2
            s = float(np.float32(np.exp(rng.uniform(-3, 6))))
            d = float(np.float32(rng.uniform(1, 10)))
            rating, days = int(rng.integers(1, 5)), float(rng.integers(0, 200))
            memory = Memory() if new else Memory(s, d)
            expected = model.next_memory(memory, rating, days)
            got = model.next_state(
                float("nan") if new else s, float("nan") if new else d, rating, days
            )
            assert got == (expected.stability, expected.difficulty)


def test_outcomes_many_is_outcomes_one_by_one():
    """The planner's batched outcomes equal outcomes() of each memory."""
    rng = np.random.default_rng(12)
    model = MemoryModel(LEARNER_PARAMETERS[2])
    s = np.exp(rng.uniform(-3, 6, 50))
    d = rng.uniform(1, 10, 50)
    t = rng.uniform(-1, 120, 50)
    got = model.outcomes_many(s, d, t)
    expected = [model.outcomes(Memory(*m[:2]), m[2]) for m in zip(s, d, t, strict=True)]
    np.testing.assert_array_equal(got, np.array(expected))
    assert model.outcomes_many(s[:0], d[:0], t[:0]).shape == (0, 2)


def test_review_gains_with_the_callers_recall_equal_its_own():
    """Passing the recall plan_choose already has changes no gain."""
    rng = np.random.default_rng(13)
    model = MemoryModel(LEARNER_PARAMETERS[0])
    candidates = plan_scoring.Candidates(
        stability=np.exp(rng.uniform(-1, 5, 40)),
        difficulty=rng.uniform(1, 10, 40),
        elapsed_days=rng.integers(0, 90, 40).astype(float),
        topic=np.arange(40) % 6,
        order=np.arange(40),
    )
    policy = plan_scoring.PlanPolicy(budget=3, new_limit=0)
    indices = rng.permutation(40)[:12]
    recall = model.recall(candidates.stability, candidates.elapsed_days)
    np.testing.assert_array_equal(
        plan_scoring.review_gains(
            model, candidates, indices, policy, recall=recall[indices]
        ),
        plan_scoring.review_gains(model, candidates, indices, policy),
    )


def test_jobs_run_costliest_first_keeping_each_policys_order():
    """The refit's jobs first, then the planners', the baselines', none last."""
    runs = [("none", None), ("sm2", None), ("planner", 0.8), ("planner_refit", 0.8)]
    jobs = [run for _ in range(3) for run in runs]
    order = jobs_order(jobs)
    assert [jobs[i][0] for i in order] == [
        *["planner_refit"] * 3, *["planner"] * 3, *["sm2"] * 3, *["none"] * 3
    ]  # fmt: skip
    assert order[:3] == [3, 7, 11]


def test_team_draws_are_the_reps_own_streams_and_read_only():
    """Rep i's draws are its own generator's, whichever team asks first."""
    draws = team_draws(5, 40, 3, 10, 4)
    expected = np.random.default_rng([5, 1, 41]).random((10, 4, 2))
    np.testing.assert_array_equal(draws[1], expected)
    with pytest.raises(ValueError):
        draws[0, 0, 0, 0] = 0.5


def test_two_processes_give_one_processs_figures(learners_file):
    """Jobs spread over two processes, in cost order, pool to the same figures.

    Two teams, a baseline, the planner and the refit (onboarding, so new
    questions are met too): every figure equal to the single-process run.
    """
    config = dict(
        reps=25,
        questions=8,
        days=70,
        scenario="onboarding",
        policies=("sm2", "planner", "planner_refit"),
        settings={"planner": (0.8,), "planner_refit": (0.85,)},
        learners=learners_file,
    )
    one = simulate(SimulationConfig(**config, workers=1))
    two = simulate(SimulationConfig(**config, workers=2))
    assert [(p.name, p.target) for p in two.policies] == [
        ("sm2", None), ("planner", 0.8), ("planner_refit", 0.85)
    ]  # fmt: skip
    for a, b in zip(one.policies, two.policies, strict=True):
        np.testing.assert_array_equal(a.daily_true_retention, b.daily_true_retention)
        for key, value in vars(a).items():
            if key != "daily_true_retention":
                assert _same(value, getattr(b, key)), (a.name, key)


def _same(x, y) -> bool:
    """Equal, NaN included (a figure with no answers to judge is NaN)."""
    if isinstance(x, float) and isinstance(y, float) and np.isnan(x):
        return bool(np.isnan(y))
    return x == y
