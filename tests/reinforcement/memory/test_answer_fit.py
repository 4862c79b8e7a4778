"""The refit fits what answers say about memory, and keeps the better model."""

import dataclasses

import numpy as np
import pytest

from reinforcement.memory import answer_fit, answer_refit, fsrs_forward
from reinforcement.memory.answer_fit import (
    AnswerHistory,
    answer_data,
    likelihood_fit,
)
from reinforcement.memory.answer_refit import likelihood_refit
from reinforcement.memory.scheduling import (
    DEFAULT_PARAMETERS,
    Review,
    history_with_teaching,
    parameters_fit,
    training_items,
)
from tests.reinforcement.memory.answer_sim import TRUE, answers_simulate


def _recall_gap(parameters, data) -> float:
    """Mean absolute gap to the true model's recall over the answers scored."""
    fitted = fsrs_forward.recall_flat(parameters, data.packed)[0, data.observed]
    true = fsrs_forward.recall_flat(TRUE, data.packed)[0, data.observed]
    return float(np.abs(fitted - true).mean())


def _grade_fit(histories):
    """The fit the product used before: FSRS's optimizer on the recorded grades."""
    items = training_items(
        [
            history_with_teaching(
                [Review(r.rating, r.delta_days) for r in h.reviews],
                days_before_first=h.reviews[0].delta_days,
                at=0.0,
            )
            for h in histories
        ]
    )
    return parameters_fit(items, start=DEFAULT_PARAMETERS)


def test_answer_fit_recovers_known_parameters_better_than_the_grade_fit():
    """From the defaults, the answer likelihood lands near the truth; grades do not.

    Same simulated answers for both fits. The grade fit learns the chance of
    a confident right answer (a right guess is graded Again), so its curve is
    steeper than the truth; the answer fit's is close to it.
    """
    histories = answers_simulate(histories=1500, seed=0)
    data = answer_data(histories)
    fit = likelihood_fit(data, start=DEFAULT_PARAMETERS, mask=data.observed)
    answer_gap = _recall_gap(fit.parameters, data)
    grade_gap = _recall_gap(_grade_fit(histories), data)
    default_gap = _recall_gap(DEFAULT_PARAMETERS, data)
    assert answer_gap < grade_gap / 3
    assert answer_gap < default_gap / 3
    assert answer_gap < 0.01
    # The forgetting-curve decay moves from the default 0.15 to near the true 0.35.
    assert abs(fit.parameters[20] - TRUE[20]) < 0.1


def test_confidence_model_fit_also_recovers_them():
    """With confidence as evidence (off by default), the fit still recovers the truth."""
    histories = answers_simulate(histories=600, seed=1)
    data = answer_data(histories)
    fit = likelihood_fit(
        data, start=DEFAULT_PARAMETERS, mask=data.observed, use_confidence=True
    )
    assert _recall_gap(fit.parameters, data) < _recall_gap(DEFAULT_PARAMETERS, data) / 2
    # Guessers never said fairly sure or certain here: their share goes to ~0.
    shares = np.exp(answer_fit.log_softmax([0.0, *fit.confidence.vector()[3:]]))
    assert shares[0] > 0.95


@pytest.mark.parametrize("model", [None, np.array([0.3, 0.2, 1.5, -1.0, -2.0])])
def test_likelihood_derivatives_match_finite_differences(model):
    """The analytic gradients the optimizer is given are the likelihood's own."""
    rng = np.random.default_rng(4)
    n = 200
    r = rng.uniform(0.05, 0.95, n)
    answers = (rng.random(n) < 0.6, rng.integers(0, 3, n), np.full(n, 0.25))
    ll, d_r, d_model = answer_fit._log_likelihood(r, *answers, model)
    h = 1e-7
    numeric = (answer_fit._log_likelihood(r + h, *answers, model)[0] - ll) / h
    np.testing.assert_allclose(d_r, numeric, rtol=1e-4, atol=1e-5)
    for i in range(0 if model is None else len(model)):
        bumped = model.copy()
        bumped[i] += h
        numeric = (answer_fit._log_likelihood(r, *answers, bumped)[0] - ll) / h
        np.testing.assert_allclose(d_model[i], numeric, rtol=1e-4, atol=1e-5)


def test_right_answer_probability_counts_lucky_guesses():
    """P(right) = r + (1 - r) c: a forgotten 4-choice question is right 1 time in 4."""
    p = answer_fit.right_probability(np.array([0.0, 0.5, 1.0]), 0.25)
    np.testing.assert_allclose(p, [0.25 + 0.75e-4, 0.625, 0.99925], rtol=1e-9)


def _shifted(histories, by):
    return [
        AnswerHistory(
            tuple(dataclasses.replace(r, at=r.at + by) for r in h.reviews), h.taught
        )
        for h in histories
    ]


def test_refit_worse_on_the_holdout_is_not_adopted():
    """Train on answers of one memory, hold out answers of the current one: keep current."""
    earlier = answers_simulate(TRUE, histories=800, seed=2)
    later = _shifted(answers_simulate(DEFAULT_PARAMETERS, histories=300, seed=3), 1e4)
    data = answer_data(earlier + later)
    result = likelihood_refit(current=DEFAULT_PARAMETERS, data=data, cutoff=1e4)
    assert not result.adopted
    assert result.candidate.log_loss >= result.current.log_loss
    assert result.parameters == tuple(DEFAULT_PARAMETERS)
    assert result.candidate_parameters != tuple(DEFAULT_PARAMETERS)  # it did fit


def _taught_for(days: float) -> list[float]:
    """Default parameters but a kickoff memory lasting ``days`` (not the assumed 2.3):
    what the refit's free parameters, the first stabilities, can describe."""
    parameters = list(DEFAULT_PARAMETERS)
    parameters[2] = days
    return parameters


def test_refit_better_on_the_holdout_is_adopted():
    """The same memory before and after the cutoff: the candidate wins and is kept.

    The gain must be significant per history, hence a hold-out of 1,000 (with a
    4-day taught memory the candidate is right, 4.1 days, but its gain on 1,000
    histories is 1.6 standard errors: too small to adopt).
    """
    taught = _taught_for(8.0)
    earlier = answers_simulate(taught, histories=800, seed=2)
    later = _shifted(answers_simulate(taught, histories=1000, seed=3), 1e4)
    result = likelihood_refit(
        current=DEFAULT_PARAMETERS, data=answer_data(earlier + later), cutoff=1e4
    )
    assert result.adopted
    assert result.candidate.log_loss < result.current.log_loss
    assert result.parameters == result.candidate_parameters
    assert result.gain.z > answer_refit.ADOPT_Z


def test_refit_not_significantly_better_is_not_adopted():
    """Answers of the current memory on both sides of the cutoff: the candidate's
    hold-out log loss is lower by chance (the rule before 2026-12-01 adopted it),
    but its gain per history is not ADOPT_Z standard errors above 0: kept out."""
    earlier = answers_simulate(DEFAULT_PARAMETERS, histories=800, seed=14)
    later = _shifted(answers_simulate(DEFAULT_PARAMETERS, histories=300, seed=24), 1e4)
    data = answer_data(earlier + later)
    result = likelihood_refit(current=DEFAULT_PARAMETERS, data=data, cutoff=1e4)
    assert result.candidate.log_loss < result.current.log_loss
    assert result.gain.z < answer_refit.ADOPT_Z
    assert not result.adopted
    assert result.parameters == tuple(DEFAULT_PARAMETERS)


def test_holdout_gain_counts_each_history_once():
    """The gain is the mean over histories of each history's mean gain, so a
    question asked eight times in the hold-out weighs as much as one asked once."""
    histories = answers_simulate(TRUE, histories=40, seed=5)
    data = answer_data(histories)
    gain = answer_refit.holdout_gain(DEFAULT_PARAMETERS, TRUE, data, data.observed)
    per_history = []
    for history in histories:
        one = answer_data([history])
        p = [
            answer_fit.right_probability(
                fsrs_forward.recall_flat(w, one.packed)[0, one.observed],
                one.chance[one.observed],
            )
            for w in (DEFAULT_PARAMETERS, TRUE)
        ]
        y = one.correct[one.observed]
        ll = [np.where(y, np.log(q), np.log(1 - q)) for q in p]
        per_history.append((ll[1] - ll[0]).mean())
    assert gain.histories == 40
    assert gain.gain == pytest.approx(np.mean(per_history), rel=1e-9)
    # Not the mean per answer, which weighs a history by its answers.
    counts = [len(h.reviews) for h in histories]
    per_answer = np.average(per_history, weights=counts)
    assert gain.gain != pytest.approx(per_answer, rel=1e-3)


def test_refit_recovers_the_taught_stability_and_keeps_the_rest():
    """Reps whose kickoff memory lasts 4 days, not the assumed 2.3: the refit's
    free parameters take the taught stability (w2) from the default to near 4,
    and leave the parameters it does not fit where they were."""
    data = answer_data(answers_simulate(_taught_for(4.0), histories=1500, seed=6))
    fit = likelihood_fit(
        data, start=DEFAULT_PARAMETERS, mask=data.observed, free=answer_refit.REFIT_FREE
    )
    assert abs(fit.parameters[2] - 4.0) < 0.5
    fixed = set(range(21)) - set(answer_refit.REFIT_FREE)
    assert all(fit.parameters[i] == pytest.approx(DEFAULT_PARAMETERS[i]) for i in fixed)
