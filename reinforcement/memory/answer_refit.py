"""The organization's refit: fit a candidate, adopt it only on clear evidence.

``answer_fit`` fits FSRS-6 to the answers; this module decides what is fitted
and when the candidate replaces the current parameters. The production refit
(``services.refit``) and the simulator's ``planner_refit`` both call
``likelihood_refit``, so they follow one rule (docs/memory.md, "Adoption").
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reinforcement.memory import fsrs_forward
from reinforcement.memory.answer_fit import (
    USE_CONFIDENCE,
    AnswerData,
    AnswerScore,
    ConfidenceModel,
    answers_score,
    likelihood_fit,
    right_probability,
    right_score,
)

# What the organization's refit fits (docs/memory.md, "Adoption"): the first
# stabilities w0-w3 only (after a kickoff, w2 is the taught memory's); the rest
# stay at the current values. Fitting all 21 (or growth and decay as well)
# predicted the hold-out better yet planned worse in the simulator: the
# answers are those of the questions the planner chose, pooled over reps whose
# memories differ, and the extra parameters bent to that selection.
REFIT_FREE: tuple[int, ...] | None = (0, 1, 2, 3)
# The candidate is adopted only when its mean gain in log-likelihood per
# (rep, question) history on the hold-out is this many standard errors above 0.
ADOPT_Z = 2.0


@dataclass(frozen=True)
class HoldoutGain:
    """The candidate's gain in log-likelihood per hold-out answer, and its z.

    Each (rep, question) history's hold-out answers are averaged first, so a
    question asked often (the weakest, re-asked) counts as much as one asked
    once, and the z is that of the mean gain over histories.
    """

    gain: float
    z: float
    histories: int


@dataclass(frozen=True)
class AnswerRefit:
    """A candidate fitted on the earlier answers and both scored on the later ones."""

    parameters: tuple[float, ...]
    adopted: bool
    current: AnswerScore
    candidate: AnswerScore
    candidate_parameters: tuple[float, ...]
    confidence: ConfidenceModel
    train_answers: int
    gain: HoldoutGain | None = None


def likelihood_refit(
    *,
    current: Sequence[float],
    data: AnswerData,
    cutoff: float,
    use_confidence: bool = USE_CONFIDENCE,
) -> AnswerRefit:
    """Fit ``REFIT_FREE`` before ``cutoff``, score from it on, keep the better.

    The candidate is adopted only when its mean gain per (rep, question)
    history on the time-ordered hold-out is more than ``ADOPT_Z`` standard
    errors above 0 and its hold-out log loss is lower than the current
    parameters' (with confidence: each with the confidence model fitted to
    the training answers for it).
    """
    train = data.mask(ends_before=cutoff)
    holdout = data.mask(ends_from=cutoff)
    candidate = likelihood_fit(
        data,
        start=current,
        mask=train,
        use_confidence=use_confidence,
        free=REFIT_FREE,
    )
    kept = candidate
    if use_confidence:
        kept = likelihood_fit(
            data,
            start=current,
            mask=train,
            fit_parameters=False,
            use_confidence=True,
            confidence_start=candidate.confidence,
        )
    score = answers_score if use_confidence else right_score
    current_score = score(current, kept.confidence, data, holdout)
    candidate_score = score(candidate.parameters, candidate.confidence, data, holdout)
    gain = holdout_gain(current, candidate.parameters, data, holdout)
    adopted = gain.z > ADOPT_Z and candidate_score.log_loss < current_score.log_loss
    return AnswerRefit(
        parameters=candidate.parameters if adopted else tuple(current),
        adopted=adopted,
        current=current_score,
        candidate=candidate_score,
        candidate_parameters=candidate.parameters,
        confidence=candidate.confidence if adopted else kept.confidence,
        train_answers=int(train.sum()),
        gain=gain,
    )


def holdout_gain(current, candidate, data: AnswerData, mask) -> HoldoutGain:
    """Paired comparison of two parameter vectors on the masked answers."""
    recall = fsrs_forward.recall_flat(np.vstack([current, candidate]), data.packed)
    recall = recall[:, mask]
    correct, chance = data.correct[mask], data.chance[mask]
    p = right_probability(recall, chance)
    ll = np.where(correct, np.log(p), np.log(1.0 - p))
    diff = ll[1] - ll[0]
    packed = data.packed
    rows = np.repeat(
        np.arange(packed.rows, dtype=float)[:, None], packed.rating.shape[1], axis=1
    )
    history = fsrs_forward.flat(packed, rows).astype(np.int64)[mask]
    _, which = np.unique(history, return_inverse=True)
    count = np.bincount(which)
    per = np.bincount(which, weights=diff) / count
    n = len(per)
    if n < 2:
        return HoldoutGain(float(per.mean()) if n else 0.0, 0.0, n)
    spread = float(per.std(ddof=1))
    z = float(per.mean() / (spread / math.sqrt(n))) if spread > 0 else math.inf
    return HoldoutGain(float(per.mean()), z, n)
