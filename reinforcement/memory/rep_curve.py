"""Memory per rep in two numbers: how soon and how steeply the rep forgets.

The organization's FSRS-6 parameters give every memory a stability S (days
until recall falls to 90%) and one curve shape, the decay w20:
R(t) = (1 + F(w20) t / S) ** -w20 with F(d) = 0.9 ** (-1 / d) - 1. A rep's
curve keeps the organization's states and changes two things at prediction
time (``MemoryModel.with_curve``):

- ``forgetting`` f: the rep reaches 90% recall after S / f days (f = 1.3: 30%
  sooner), the multiplier of ``rep_memory``;
- ``decay`` d: the shape after that, R(t) = (1 + f F(d) t / S) ** -d. A
  steeper decay than the organization's means a rep whose recall drops
  faster once it starts to drop, and holds better early on.

Both are fitted by the organization's likelihood of the rep's answers (right:
r + (1 - r) c, wrong: (1 - r)(1 - c)) with normal priors centred on the
organization's model (log f on 0, log d on log w20), evaluated on a grid for
all reps at once and summarized by the posterior means of log f and log d.
That prior is the shrinkage, so no hard gate throws the evidence of most reps
away: a rep with 60 answers moves a little, one with 1,000 as far as the
answers say. Below ``rep_memory.MIN_ANSWERS`` nothing is fitted and the rep
gets the organization's model exactly.

The hold-out of ``rep_memory`` is kept for what the manager is shown: a rep
is said to forget faster or more slowly only when f's 90% interval excludes
1 and the candidate fitted on the earlier answers predicts the rep's later
fifth no worse than the organization's model (``RepCurveHoldout.clear``).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reinforcement.memory import fsrs_forward
from reinforcement.memory.answer_fit import AnswerData, _log_likelihood
from reinforcement.memory.rep_memory import MIN_ANSWERS, PRIOR_SD, Z90, _later_share

# Spread of log d between reps: one standard deviation is a decay about 1.65
# times the organization's, as for the multiplier.
DECAY_PRIOR_SD = 0.5
# FSRS-6's bounds of w20: the rep's decay stays within them.
DECAY_LOW, DECAY_HIGH = 0.1, 0.8
F_GRID = np.arange(np.log(0.25), np.log(4.0) + 0.025, 0.05)
D_GRID = np.linspace(np.log(DECAY_LOW), np.log(DECAY_HIGH), 15)


def decay_factor(decay):
    """F(d): the factor that puts recall at 90% after one stability."""
    return 0.9 ** (-1.0 / np.asarray(decay, dtype=float)) - 1.0


@dataclass(frozen=True)
class RepCurve:
    """One rep's fitted curve: the multiplier (with its 90% interval), the decay."""

    forgetting: float
    decay: float
    low: float
    high: float
    answers: int


@dataclass(frozen=True)
class RepCurveHoldout:
    """One rep's curve and the hold-out that decides what the manager is shown.

    ``fitted`` is the fit on all the rep's answers, in use for every rep with
    one; ``candidate`` the multiplier and decay fitted on the earlier answers;
    the log losses are the candidate's and the organization's model's on the
    rep's later ``holdout_answers``.
    """

    fitted: RepCurve
    candidate: tuple[float, float]
    holdout_answers: int
    holdout_log_loss: float
    organization_log_loss: float

    @property
    def clear(self) -> bool:
        """Shown as faster or slower: f's interval excludes 1 and the rep's
        later answers bear the candidate out."""
        off = self.fitted.low > 1.0 or self.fitted.high < 1.0
        return off and self.holdout_log_loss <= self.organization_log_loss


def rep_curve_fit(
    *,
    data: AnswerData,
    rep_of_answer: np.ndarray,
    parameters: Sequence[float],
    reps: int,
    mask: np.ndarray | None = None,
) -> list[RepCurve | None]:
    """Each rep's curve under the organization's parameters (None below
    MIN_ANSWERS scored answers); ``mask`` limits the answers used."""
    keep = data.observed if mask is None else data.observed & mask
    rep = np.asarray(rep_of_answer, dtype=np.int64)[keep]
    counts = np.bincount(rep, minlength=reps)
    if not (counts >= MIN_ANSWERS).any():
        return [None] * reps
    curves = _Curves(data, keep, parameters)
    (posterior,) = curves.posteriors(rep, reps, [None])
    return _summaries(posterior, counts, MIN_ANSWERS)


def rep_curve_holdout(
    *,
    data: AnswerData,
    rep_of_answer: np.ndarray,
    parameters: Sequence[float],
    reps: int,
) -> list[RepCurveHoldout | None]:
    """Each rep's curve on all their answers, and a candidate fitted on the
    earlier ones scored on the later fifth against the organization's model.
    One pass over the grid gives both; None below MIN_ANSWERS."""
    keep = data.observed
    rep = np.asarray(rep_of_answer, dtype=np.int64)[keep]
    counts = np.bincount(rep, minlength=reps)
    out: list[RepCurveHoldout | None] = [None] * reps
    if not (counts >= MIN_ANSWERS).any():
        return out
    later = _later_share(rep, data.at[keep], counts)
    curves = _Curves(data, keep, parameters)
    every, earlier = curves.posteriors(rep, reps, [None, ~later])
    fitted = _summaries(every, counts, MIN_ANSWERS)
    train = np.bincount(rep[~later], minlength=reps) * (counts >= MIN_ANSWERS)
    candidate = _summaries(earlier, train, 1)
    f = np.array([c.forgetting if c else 1.0 for c in candidate])
    d = np.array([c.decay if c else curves.decay for c in candidate])
    held = rep[later]
    own = -curves.log_likelihood(f[held], d[held], later)
    model = -curves.log_likelihood(1.0, curves.decay, later)
    n = np.bincount(held, minlength=reps)
    own_sum = np.bincount(held, weights=own, minlength=reps)
    model_sum = np.bincount(held, weights=model, minlength=reps)
    for i, fit in enumerate(fitted):
        if fit is not None:
            out[i] = RepCurveHoldout(
                fitted=fit,
                candidate=(float(f[i]), float(d[i])),
                holdout_answers=int(n[i]),
                holdout_log_loss=float(own_sum[i] / n[i]),
                organization_log_loss=float(model_sum[i] / n[i]),
            )
    return out


class _Curves:
    """The kept answers' t / S under the organization's parameters, for any curve."""

    def __init__(self, data: AnswerData, keep: np.ndarray, parameters) -> None:
        recall = fsrs_forward.recall_flat(parameters, data.packed)[0, keep]
        self.decay = float(fsrs_forward.parameters_clip(parameters)[20])
        # (1 + F(w20) t / S) ** -w20 = recall, solved for t / S.
        scaled = np.clip(recall, 1e-12, 1.0) ** (-1.0 / self.decay) - 1.0
        self.t_over_s = scaled / decay_factor(self.decay)
        self.correct, self.chance = data.correct[keep], data.chance[keep]

    def log_likelihood(self, forgetting, decay, subset: np.ndarray | None = None):
        """Each answer's log-likelihood (the refit's) under the rep's curve."""
        pick = slice(None) if subset is None else subset
        decay = np.asarray(decay, dtype=float)
        x = forgetting * decay_factor(decay) * self.t_over_s[pick]
        r = (1.0 + x) ** (-decay)
        ll, _, _ = _log_likelihood(r, self.correct[pick], None, self.chance[pick], None)
        return ll

    def posteriors(self, rep, reps: int, subsets) -> list[np.ndarray]:
        """Log posterior of each rep's (log f, log d) on the grid, shape
        (len(F_GRID), len(D_GRID), reps), once per subset (None: all)."""
        shape = (len(F_GRID), len(D_GRID), reps)
        out = [np.empty(shape) for _ in subsets]
        picks = [rep if s is None else rep[s] for s in subsets]
        for j, v in enumerate(D_GRID):
            for i, u in enumerate(F_GRID):
                ll = self.log_likelihood(np.exp(u), np.exp(v))
                for posterior, who, subset in zip(out, picks, subsets, strict=True):
                    weights = ll if subset is None else ll[subset]
                    posterior[i, j] = np.bincount(who, weights=weights, minlength=reps)
        prior = (
            -0.5 * (F_GRID[:, None] / PRIOR_SD) ** 2
            - 0.5 * ((D_GRID[None, :] - np.log(self.decay)) / DECAY_PRIOR_SD) ** 2
        )
        for posterior in out:
            posterior += prior[:, :, None]
        return out


def _summaries(posterior, counts, minimum: int) -> list[RepCurve | None]:
    """Posterior means of log f and log d, and f's 90% interval (normal)."""
    out: list[RepCurve | None] = [None] * len(counts)
    for k in np.flatnonzero(counts >= minimum):
        p = posterior[:, :, k]
        w = np.exp(p - p.max())
        w /= w.sum()
        over_f = w.sum(axis=1)
        u = float(over_f @ F_GRID)
        sd = float(np.sqrt(max(over_f @ (F_GRID - u) ** 2, 1e-12)))
        v = float(w.sum(axis=0) @ D_GRID)
        out[k] = RepCurve(
            forgetting=float(np.exp(u)),
            decay=float(np.exp(v)),
            low=float(np.exp(u - Z90 * sd)),
            high=float(np.exp(u + Z90 * sd)),
            answers=int(counts[k]),
        )
    return out
