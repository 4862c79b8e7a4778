"""Memory per rep in two numbers: a multiplier and a decay, shrunk to the org's."""

import numpy as np
import pytest

from reinforcement.memory.answer_fit import answer_data
from reinforcement.memory.rep_curve import rep_curve_fit, rep_curve_holdout
from reinforcement.memory.rep_memory import MIN_ANSWERS, answer_reps
from reinforcement.memory.scheduling import DEFAULT_PARAMETERS, MemoryModel
from tests.reinforcement.memory.answer_sim import answers_simulate

W20 = DEFAULT_PARAMETERS[20]


def _team(reps, seed=0):
    """Histories of several reps, each (histories, multiplier, decay)."""
    histories, owner = [], []
    for i, (size, forgetting, decay) in enumerate(reps):
        rep = answers_simulate(
            DEFAULT_PARAMETERS,
            histories=size,
            seed=seed + i,
            forgetting=forgetting,
            decay=decay,
            max_gap=60,
        )
        histories += rep
        owner += [i] * len(rep)
    data = answer_data(histories)
    return data, answer_reps(data, owner)


def test_the_organizations_own_curve_is_the_model_itself():
    """A multiplier of 1 at the parameters' decay is the organization's model,
    and a rep's curve keeps the states the library advances."""
    model = MemoryModel(DEFAULT_PARAMETERS)
    assert model.with_curve(1.0) is model and model.with_curve(1.0, W20) is model
    rep = model.with_curve(1.5, 0.4)
    memory = model.taught_memory()
    assert rep.next_memory(memory, 3, 5) == model.next_memory(memory, 3, 5)
    assert rep.recall(10.0, 10.0 / 1.5) == pytest.approx(0.9)
    assert rep.recall(10.0, rep.interval(10.0, 0.7)) == pytest.approx(0.7)
    assert rep.mean_recall(10.0, 0.0, 1e-6) == pytest.approx(1.0)
    # Steeper than the organization's curve: better early, worse late.
    same_start = model.with_forgetting(1.5)
    assert rep.recall(10.0, 2.0) > same_start.recall(10.0, 2.0)
    assert rep.recall(10.0, 60.0) < same_start.recall(10.0, 60.0)


def test_too_few_answers_give_no_curve():
    """Below MIN_ANSWERS (and with no answers) a rep keeps the org's model."""
    data, reps = _team([(2, 1.6, 0.4), (200, 1.0, None)])
    assert np.bincount(reps[data.observed])[0] < MIN_ANSWERS
    fits = rep_curve_fit(
        data=data, rep_of_answer=reps, parameters=DEFAULT_PARAMETERS, reps=3
    )
    assert fits[0] is None and fits[2] is None and fits[1] is not None


def test_a_planted_multiplier_and_decay_are_recovered_and_a_small_rep_shrunk():
    """Reps simulated at (1.8x, decay 0.45) and (0.6x, the org's decay) with
    about 2,000 answers come out near both numbers; a typical rep stays near
    the organization's; a rep at (1.8x, 0.45) with about 60 answers is pulled
    toward the organization's model by the priors and is less certain."""
    data, reps = _team(
        [(400, 1.8, 0.45), (400, 0.6, None), (400, 1.0, None), (12, 1.8, 0.45)],
        seed=11,
    )
    fast, slow, typical, small = rep_curve_fit(
        data=data, rep_of_answer=reps, parameters=DEFAULT_PARAMETERS, reps=4
    )
    assert 1.4 < fast.forgetting < 2.3 and fast.low > 1.0
    assert 0.3 < fast.decay < 0.7
    assert 0.45 < slow.forgetting < 0.8 and slow.high < 1.0
    assert 0.09 < slow.decay < 0.25
    assert 0.85 < typical.forgetting < 1.15 and typical.low < 1.0 < typical.high
    assert 0.1 <= typical.decay < 0.25
    assert small is not None and small.answers < 90
    assert abs(np.log(small.forgetting)) < abs(np.log(fast.forgetting))
    assert abs(np.log(small.decay / W20)) < abs(np.log(fast.decay / W20))
    assert small.high - small.low > fast.high - fast.low


def test_noise_is_never_clear():
    """Ten reps who forget exactly as the model says (about 300 answers each)
    each get a curve of their own, shrunk toward the model's, and none is
    clear (what a manager would be shown as faster or slower)."""
    data, reps = _team([(60, 1.0, None)] * 10, seed=40)
    fits = rep_curve_holdout(
        data=data, rep_of_answer=reps, parameters=DEFAULT_PARAMETERS, reps=10
    )
    assert all(f is not None and f.fitted.answers > 250 for f in fits)
    assert [f.clear for f in fits] == [False] * 10
    assert all(f.fitted.low < 1.0 < f.fitted.high for f in fits)
    assert all(f.fitted.forgetting != 1.0 for f in fits)


def test_a_genuine_faster_forgetter_is_clear():
    """A 2x rep with about 2,000 answers: the candidate fitted on the earlier
    answers beats the organization's model on the later fifth, and the fit's
    interval lies above 1."""
    data, reps = _team([(60, 1.0, None), (400, 2.0, None)], seed=40)
    _, quick = rep_curve_holdout(
        data=data, rep_of_answer=reps, parameters=DEFAULT_PARAMETERS, reps=2
    )
    assert quick.clear and 1.5 < quick.fitted.forgetting < 2.8
    assert quick.holdout_log_loss < quick.organization_log_loss
    assert quick.holdout_answers == pytest.approx(0.2 * quick.fitted.answers, abs=1)
