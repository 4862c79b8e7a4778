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
# the rep keeps the organization's model: "not enough answers yet".
MIN_ANSWERS = 30
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
    Returns, per rep index, its fit or None below MIN_ANSWERS.
    """
    keep = data.observed if mask is None else data.observed & mask
    rep = np.asarray(rep_of_answer, dtype=np.int64)[keep]
    counts = np.bincount(rep, minlength=reps)
    out: list[RepForgetting | None] = [None] * reps
    if not (counts >= MIN_ANSWERS).any():
        return out
    recall = fsrs_forward.recall_flat(parameters, data.packed)[0, keep]
    decay = float(fsrs_forward.parameters_clip(parameters)[20])
    # (1 + x)^-decay = recall: x is factor * t / S, which f multiplies.
    scaled = np.clip(recall, 1e-12, 1.0) ** (-1.0 / decay) - 1.0
    correct, chance = data.correct[keep], data.chance[keep]
    grid = np.arange(np.log(LOW), np.log(HIGH) + GRID_STEP / 2, GRID_STEP)
    posterior = np.empty((len(grid), reps))
    for g, u in enumerate(grid):
        r = (1.0 + np.exp(u) * scaled) ** (-decay)
        ll, _, _ = _log_likelihood(r, correct, None, chance, None)
        posterior[g] = np.bincount(rep, weights=ll, minlength=reps)
    posterior -= 0.5 * (grid[:, None] / PRIOR_SD) ** 2
    best = np.clip(np.argmax(posterior, axis=0), 1, len(grid) - 2)
    for i in np.flatnonzero(counts >= MIN_ANSWERS):
        out[i] = _refine(grid, posterior[:, i], int(best[i]), int(counts[i]))
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
