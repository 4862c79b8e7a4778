"""Memory per rep: a forgetting multiplier fitted to one rep's answers, shrunk to 1."""

import numpy as np
import pytest

from reinforcement.memory.answer_fit import AnswerHistory, answer_data
from reinforcement.memory.rep_memory import (
    HOLDOUT_SHARE,
    MIN_ANSWERS,
    _later_share,
    answer_reps,
    rep_forgetting_fit,
    rep_forgetting_holdout,
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
    interval covers it. The rep with 14 histories (about 70 answers) is pulled
    toward the organization's model by the prior.
    """
    data, reps = _team([(400, 1.6), (14, 1.6), (400, 1.0), (400, 0.6)])
    fast, small, typical, slow = rep_forgetting_fit(
        data=data, rep_of_answer=reps, parameters=DEFAULT_PARAMETERS, reps=4
    )
    assert 1.3 < fast.forgetting < 2.0
    assert fast.low > 1.0
    assert small is not None and small.answers < 90
    assert abs(np.log(small.forgetting)) < np.log(fast.forgetting)
    assert small.high - small.low > fast.high - fast.low
    assert 0.85 < typical.forgetting < 1.15
    assert typical.low < 1.0 < typical.high
    assert 0.4 < slow.forgetting < 0.8


def _holdout(team, seed=0):
    data, reps = _team(team, seed=seed)
    return rep_forgetting_holdout(
        data=data,
        rep_of_answer=reps,
        parameters=DEFAULT_PARAMETERS,
        reps=len(team),
    )


def test_later_share_is_each_reps_latest_fifth_in_time():
    """Per rep, the answers from the ceil(20%) latest on are held out."""
    rep = np.array([0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0])
    at = np.array([5.0, 1.0, 1.0, 9.0, 2.0, 3.0, 7.0, 5.0, 4.0, 3.0, 2.0])
    later = _later_share(rep, at, np.bincount(rep))
    assert HOLDOUT_SHARE == 0.2
    # rep 0: 6 answers, 2 held out (ceil 1.2): times 9 and 7; rep 1: 5, 1: time 5.
    assert sorted(at[later & (rep == 0)]) == [7.0, 9.0]
    assert sorted(at[later & (rep == 1)]) == [5.0]


def test_multipliers_fitted_to_noise_are_not_adopted():
    """Ten reps who forget exactly as the model says (about 300 answers each):
    each gets a fitted multiplier off 1.0, and none is adopted, so each keeps
    the organization's model exactly (1.0)."""
    fits = _holdout([(60, 1.0)] * 10, seed=40)
    assert all(f is not None and f.fitted.answers >= 250 for f in fits)
    assert all(f.fitted.forgetting != 1.0 and f.candidate != 1.0 for f in fits)
    assert [f.adopted for f in fits] == [False] * 10
    assert {f.forgetting for f in fits} == {1.0}


def test_a_genuine_faster_forgetter_is_adopted_and_a_slower_one_too():
    """2x and 0.6x with about 2,000 answers: the candidate fitted on the earlier
    answers beats the organization's model on the later fifth; the value in
    use is the fit on all the answers."""
    fast, slow = _holdout([(400, 2.0), (400, 0.6)], seed=7)
    assert fast.adopted and slow.adopted
    assert fast.holdout_log_loss < fast.organization_log_loss
    assert fast.holdout_answers == pytest.approx(0.2 * fast.fitted.answers, abs=1)
    assert 1.6 < fast.forgetting < 2.5 and fast.forgetting == fast.fitted.forgetting
    assert 0.45 < slow.forgetting < 0.8


def test_a_fast_start_not_borne_out_later_is_not_adopted():
    """A rep whose earlier answers say 2.5x and whose later fifth says 0.5x:
    the fit on all answers is still clearly above 1, but the candidate
    fitted on the earlier ones predicts the later answers worse than the
    organization's model, so the rep keeps the model."""
    early = answers_simulate(DEFAULT_PARAMETERS, histories=200, seed=3, forgetting=2.5)
    late = [
        AnswerHistory(
            tuple(
                type(r)(
                    r.rating,
                    r.delta_days,
                    r.correct,
                    r.confidence,
                    r.chance,
                    r.at + 10_000.0,
                )
                for r in h.reviews
            ),
            taught=True,
        )  # fmt: skip
        for h in answers_simulate(
            DEFAULT_PARAMETERS, histories=50, seed=4, forgetting=0.5
        )
    ]
    data = answer_data(early + late)
    (fit,) = rep_forgetting_holdout(
        data=data,
        rep_of_answer=answer_reps(data, [0] * (len(early) + len(late))),
        parameters=DEFAULT_PARAMETERS,
        reps=1,
    )
    assert fit.fitted.low > 1.0 and fit.candidate > 1.8
    assert fit.holdout_log_loss > fit.organization_log_loss
    assert not fit.adopted and fit.forgetting == 1.0
