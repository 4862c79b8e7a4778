"""Memory per rep: how much faster or slower one rep forgets than the organization's model.

The organization's FSRS-6 parameters (``answer_fit``) describe its reps on
average. A rep's ``forgetting`` multiplier f scales elapsed time in the
forgetting curve, R(t) = curve(f t / S): f = 1.3 means that rep's memories
fade as if 30% more time had passed (``MemoryModel.with_forgetting``). It is
fitted by maximizing the same likelihood of the rep's answers as the
organization's refit (right: r + (1 - r) c, wrong: (1 - r)(1 - c)), with the
states the product recorded, plus a normal prior on log f centred on 0 (the
organization's model) with ``PRIOR_SD``: a rep with few answers stays near
1.0, one with many moves as far as the answers say. Below ``MIN_ANSWERS``
nothing is fitted and the rep gets the organization's model exactly.

One dimension per rep, so the posterior is evaluated on a fixed grid of log f
for all reps at once (a bincount per grid point) and refined by a parabola
through the best point and its neighbours; the parabola's curvature gives the
posterior's spread, from which the stored 90% interval comes.

A multiplier is kept only if it earns its place, as the organization's refit
decides adoption (``rep_forgetting_holdout``): each rep's answers are split
in time, the multiplier fitted on the earlier ones alone, and both it and
the organization's model (1.0) score the rep's later fifth with the same
likelihood. It is adopted when its log loss there is no higher and the fit
on all the rep's answers is clearly off 1.0 (its 90% interval excludes it,
what the manager's page calls "faster" or "slower"); the value stored is
then that fit on all the answers (the later ones are the freshest evidence).
Otherwise the rep keeps the organization's model. The hold-out alone is a
weak filter: on a few hundred answers the hold-out of a rep who forgets as
the model says favours the noise-fitted multiplier about 40% of the time
(docs/memory.md), so the interval is asked for too.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reinforcement.memory import fsrs_forward
from reinforcement.memory.answer_fit import AnswerData, _log_likelihood

# Spread of log f between reps of one organization: one standard deviation is
# forgetting about 1.65 times as fast or slow, wide enough for the spread of
# the simulator's learners (drawn from 461 Anki users), narrow enough that 30
# answers move a rep only part of the way.
PRIOR_SD = 0.5
# Fewer scored answers than this (answers after a gap of a day or more) and
# the rep keeps the organization's model: "not enough answers yet". 50 is 40
# to fit on and 10 later ones for the hold-out.
MIN_ANSWERS = 50
# The rep's latest fifth of their scored answers is the hold-out, as the
# organization's refit holds out its latest fifth.
HOLDOUT_SHARE = 0.2
# The multiplier stays within these: outside them the answers say more about
# the questions than about the rep.
LOW, HIGH = 0.25, 4.0
GRID_STEP = 0.02  # in log f: 2% steps, then refined
Z90 = 1.645


@dataclass(frozen=True)
class RepForgetting:
    """One rep's fitted multiplier, its 90% interval and the answers it rests on."""

    forgetting: float
    low: float
    high: float
    answers: int


@dataclass(frozen=True)
class RepHoldout:
    """One rep's multiplier as the hold-out decided it.

    ``fitted`` is the fit on all the rep's answers; ``candidate`` the
    multiplier fitted on the earlier ones; the log losses are the candidate's
    and the organization's model's (1.0) on the rep's later
    ``holdout_answers``.
    """

    fitted: RepForgetting
    candidate: float
    holdout_answers: int
    holdout_log_loss: float
    organization_log_loss: float

    @property
    def adopted(self) -> bool:
        """No worse than the organization's model later, and clearly off 1.0."""
        clear = self.fitted.low > 1.0 or self.fitted.high < 1.0
        return clear and self.holdout_log_loss <= self.organization_log_loss

    @property
    def forgetting(self) -> float:
        """The multiplier in use: the fitted one if adopted, else 1.0."""
        return self.fitted.forgetting if self.adopted else 1.0


def rep_forgetting_fit(
    *,
    data: AnswerData,
    rep_of_answer: np.ndarray,
    parameters: Sequence[float],
    reps: int,
    mask: np.ndarray | None = None,
) -> list[RepForgetting | None]:
    """Fit each rep's forgetting multiplier under the organization's parameters.

    ``rep_of_answer`` is each answer's rep index (0..reps-1) in ``data``'s flat
    order; ``mask`` limits the answers used (default: every scored answer).
    Returns, per rep index, its fit or None below MIN_ANSWERS. No hold-out
    (``rep_forgetting_holdout`` decides adoption).
    """
    keep = data.observed if mask is None else data.observed & mask
    rep = np.asarray(rep_of_answer, dtype=np.int64)[keep]
    counts = np.bincount(rep, minlength=reps)
    if not (counts >= MIN_ANSWERS).any():
        return [None] * reps
    curve = _Curve(data, keep, parameters)
    (posterior,) = curve.posteriors(rep, reps, [None])
    return _fits(posterior, counts)


def rep_forgetting_holdout(
    *,
    data: AnswerData,
    rep_of_answer: np.ndarray,
    parameters: Sequence[float],
    reps: int,
) -> list[RepHoldout | None]:
    """Each rep's multiplier, fitted and checked on the rep's later answers.

    One pass over the grid gives both posteriors (all answers, earlier ones);
    None below MIN_ANSWERS scored answers.
    """
    keep = data.observed
    rep = np.asarray(rep_of_answer, dtype=np.int64)[keep]
    counts = np.bincount(rep, minlength=reps)
    out: list[RepHoldout | None] = [None] * reps
    if not (counts >= MIN_ANSWERS).any():
        return out
    later = _later_share(rep, data.at[keep], counts)
    curve = _Curve(data, keep, parameters)
    every, earlier = curve.posteriors(rep, reps, [None, ~later])
    fitted = _fits(every, counts)
    train = np.bincount(rep[~later], minlength=reps) * (counts >= MIN_ANSWERS)
    candidate = _fits(earlier, train, minimum=1)
    f = np.array([c.forgetting if c else 1.0 for c in candidate])
    held = rep[later]
    own = -curve.log_likelihood(f[held], later)
    model = -curve.log_likelihood(np.ones(len(held)), later)
    n = np.bincount(held, minlength=reps)
    own_sum = np.bincount(held, weights=own, minlength=reps)
    model_sum = np.bincount(held, weights=model, minlength=reps)
    for i, fit in enumerate(fitted):
        if fit is not None:
            out[i] = RepHoldout(
                fitted=fit,
                candidate=float(f[i]),
                holdout_answers=int(n[i]),
                holdout_log_loss=float(own_sum[i] / n[i]),
                organization_log_loss=float(model_sum[i] / n[i]),
            )
    return out


def _later_share(rep: np.ndarray, at: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Whether each answer is among its rep's latest HOLDOUT_SHARE, in time."""
    order = np.lexsort((at, rep))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(len(rep)) - starts[rep[order]]
    held = np.ceil(counts * HOLDOUT_SHARE).astype(np.int64)
    later = np.empty(len(rep), dtype=bool)
    later[order] = position >= (counts - held)[rep[order]]
    return later


class _Curve:
    """The kept answers' recall under the organization's parameters, rescalable by f."""

    def __init__(self, data: AnswerData, keep: np.ndarray, parameters) -> None:
        recall = fsrs_forward.recall_flat(parameters, data.packed)[0, keep]
        self.decay = float(fsrs_forward.parameters_clip(parameters)[20])
        # (1 + x)^-decay = recall: x is factor * t / S, which f multiplies.
        self.scaled = np.clip(recall, 1e-12, 1.0) ** (-1.0 / self.decay) - 1.0
        self.correct, self.chance = data.correct[keep], data.chance[keep]

    def log_likelihood(self, forgetting, subset: np.ndarray | None = None):
        """Each answer's log-likelihood (the refit's) at its multiplier."""
        pick = slice(None) if subset is None else subset
        r = (1.0 + forgetting * self.scaled[pick]) ** (-self.decay)
        ll, _, _ = _log_likelihood(r, self.correct[pick], None, self.chance[pick], None)
        return ll

    def posteriors(self, rep, reps: int, subsets) -> list[np.ndarray]:
        """Log posterior of each rep's log f on the grid, once per subset of
        answers (None: all of them)."""
        out = [np.empty((len(GRID), reps)) for _ in subsets]
        picks = [
            (rep, None) if subset is None else (rep[subset], subset)
            for subset in subsets
        ]
        for g, u in enumerate(GRID):
            ll = self.log_likelihood(np.exp(u))
            for posterior, (who, subset) in zip(out, picks, strict=True):
                weights = ll if subset is None else ll[subset]
                posterior[g] = np.bincount(who, weights=weights, minlength=reps)
        for posterior in out:
            posterior -= 0.5 * (GRID[:, None] / PRIOR_SD) ** 2
        return out


GRID = np.arange(np.log(LOW), np.log(HIGH) + GRID_STEP / 2, GRID_STEP)


def _fits(posterior, counts, minimum: int = MIN_ANSWERS) -> list[RepForgetting | None]:
    """Each rep's refined peak, for reps with at least ``minimum`` answers."""
    best = np.clip(np.argmax(posterior, axis=0), 1, len(GRID) - 2)
    out: list[RepForgetting | None] = [None] * len(counts)
    for i in np.flatnonzero(counts >= minimum):
        out[i] = _refine(GRID, posterior[:, i], int(best[i]), int(counts[i]))
    return out


def _refine(grid, posterior, b, answers) -> RepForgetting:
    """The parabola through the best grid point and its neighbours: peak and spread."""
    left, mid, right = posterior[b - 1], posterior[b], posterior[b + 1]
    curvature = (left - 2.0 * mid + right) / GRID_STEP**2
    if curvature < 0:
        u = grid[b] + GRID_STEP * (left - right) / (2.0 * (left - 2.0 * mid + right))
        sd = 1.0 / np.sqrt(-curvature)
    else:  # flat at the bound: no better than the best grid point
        u, sd = grid[b], PRIOR_SD
    u = float(np.clip(u, np.log(LOW), np.log(HIGH)))
    return RepForgetting(
        forgetting=float(np.exp(u)),
        low=float(np.exp(u - Z90 * sd)),
        high=float(np.exp(u + Z90 * sd)),
        answers=answers,
    )


def answer_reps(data: AnswerData, rep_of_history: Sequence[int]) -> np.ndarray:
    """Each answer's rep index in ``data``'s flat order, from each history's rep."""
    packed = data.packed
    per_row = np.asarray(rep_of_history, dtype=float)[packed.order]
    grid = np.repeat(per_row[:, None], packed.rating.shape[1], axis=1)
    return fsrs_forward.flat(packed, grid).astype(np.int64)
