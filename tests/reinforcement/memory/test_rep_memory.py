"""Memory per rep: a forgetting multiplier fitted to one rep's answers, shrunk to 1."""

import numpy as np
import pytest

from reinforcement.memory.answer_fit import answer_data
from reinforcement.memory.rep_memory import (
    MIN_ANSWERS,
    answer_reps,
    rep_forgetting_fit,
)
from reinforcement.memory.scheduling import DEFAULT_PARAMETERS, MemoryModel
from tests.reinforcement.memory.answer_sim import answers_simulate


def _team(sizes_and_forgetting, seed=0):
    """Histories of several reps (histories, true multiplier each), and their reps."""
    histories, reps = [], []
    for i, (size, forgetting) in enumerate(sizes_and_forgetting):
        rep = answers_simulate(
            DEFAULT_PARAMETERS, histories=size, seed=seed + i, forgetting=forgetting
        )
        histories += rep
        reps += [i] * len(rep)
    data = answer_data(histories)
    return data, answer_reps(data, reps)


def test_no_answers_or_too_few_give_the_organization_model_exactly():
    """Below MIN_ANSWERS a rep has no fit, and a multiplier of 1 is the org's model."""
    data, reps = _team([(2, 1.6), (200, 1.0)])
    assert np.bincount(reps[data.observed])[0] < MIN_ANSWERS
    fits = rep_forgetting_fit(
        data=data, rep_of_answer=reps, parameters=DEFAULT_PARAMETERS, reps=3
    )
    assert fits[0] is None and fits[2] is None  # rep 2 has no answers at all
    model = MemoryModel(DEFAULT_PARAMETERS)
    same = model.with_forgetting(1.0)
    assert same is model
    s, t = np.array([0.5, 3.0, 40.0]), np.array([1.0, 10.0, 90.0])
    assert np.array_equal(same.recall(s, t), model.recall(s, t))
    assert same.interval(12.0, 0.85) == model.interval(12.0, 0.85)


def test_multiplier_scales_time_in_recall_averages_and_intervals():
    """Forgetting 2x as fast is the org's curve at twice the elapsed time."""
    model = MemoryModel(DEFAULT_PARAMETERS)
    fast = model.with_forgetting(2.0)
    assert fast.recall(10.0, 5.0) == pytest.approx(model.recall(10.0, 10.0))
    assert fast.mean_recall(10.0, 0.0, 60.0) == pytest.approx(
        model.mean_recall(5.0, 0.0, 60.0)
    )
    assert fast.interval(20.0, 0.9) == model.interval(10.0, 0.9)
    assert fast.next_memory(model.taught_memory(), 3, 4) == model.next_memory(
        model.taught_memory(), 3, 4
    )


def test_a_faster_forgetting_rep_is_recovered_and_a_small_one_shrunk():
    """A rep simulated at 1.6x comes out well above 1; with few answers, nearer 1.

    Same true multiplier for both; the typical rep (1.0) stays near 1 and its
    interval covers it. The rep with 8 histories (about 35 answers) is pulled
    toward the organization's model by the prior.
    """
    data, reps = _team([(400, 1.6), (8, 1.6), (400, 1.0), (400, 0.6)])
    fast, small, typical, slow = rep_forgetting_fit(
        data=data, rep_of_answer=reps, parameters=DEFAULT_PARAMETERS, reps=4
    )
    assert 1.3 < fast.forgetting < 2.0
    assert fast.low > 1.0
    assert small is not None and small.answers < 60
    assert 1.0 <= small.forgetting < fast.forgetting
    assert small.high - small.low > fast.high - fast.low
    assert 0.85 < typical.forgetting < 1.15
    assert typical.low < 1.0 < typical.high
    assert 0.4 < slow.forgetting < 0.8
