"""Fit FSRS-6 to what answers say about memory, not to their grades.

A rep who recalls answers right; one who has forgotten guesses and is right
with the question's chance level c (``kpi_rules.chance_level``). So with
predicted recall r a right answer has probability ``r + (1 - r) c`` and a
wrong one ``(1 - r)(1 - c)``. The stated confidence is further evidence:

- P(confidence | recalled, r) is an ordered logit in logit(r) (guess <
  fairly sure < certain; two thresholds and a slope): the better the memory,
  the surer a rep who recalls it says they are. A slope of 0 is a fixed share.
- P(confidence | guessed) is a fixed share of each level (a rep who guesses
  may still say "certain": a misconception).

Both are fitted with the parameters (five numbers in all), so no confidence
behaviour is assumed beyond that form. A right answer is then
``r P(conf | recalled, r) + (1 - r) c P(conf | guessed)`` and a wrong one
``(1 - r)(1 - c) P(conf | guessed)``.

The memory states are the product's own: every history is advanced by the
ratings the answer path recorded (``scheduling.rating_for``), with the
vectorized FSRS-6 of ``fsrs_forward``, equal to the library's. The fit
maximizes the likelihood of the training answers with SciPy's L-BFGS-B
within the library's parameter bounds, starting from the current parameters,
plus a Gaussian prior centred on them (``PRIOR_SD``: the spread of FSRS-6
parameters across 461 Anki users), so a small organization moves little.
"""

import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_softmax

from reinforcement.memory import fsrs_forward
from reinforcement.memory.scheduling import TAUGHT_DIFFICULTY, Confidence

CONFIDENCE_CODE = {c: i for i, c in enumerate(Confidence.CHOICES)}
# Standard deviation of each FSRS-6 parameter across the 461 Anki users of the
# public FSRS benchmark (../shared/data/fsrs6_users.jsonl): how far one
# population's memory plausibly sits from another's.
PRIOR_SD = (
    *(6.12, 7.26, 11.82, 18.89, 0.43, 0.22, 0.44, 0.06, 0.32, 0.17, 0.27),
    *(0.23, 0.05, 0.13, 0.41, 0.20, 0.72, 0.30, 0.24, 0.12, 0.15),
)
# Predicted recall is kept inside these, so a slip of a rep who knew (real
# answers have them; the formula has none) costs a bounded amount.
RECALL_MIN, RECALL_MAX = 1e-4, 0.999
FINITE_STEP = 1e-6
MAX_ITERATIONS = 80
# Stop once an iteration improves the log-likelihood by less than this share:
# on simulated answers the recovered curve was the same as at SciPy's default
# (2.2e-9) after half the iterations.
RELATIVE_TOLERANCE = 1e-6
# Whether the refit uses stated confidence (docs/memory.md): off, because on
# answers whose confidence is set by true recall, as the simulator's reps
# state it, the fitted ordered logit runs to its bounds and recovered the
# true forgetting curve worse than right-or-wrong alone, at several times the
# cost. Right-or-wrong with the chance level needs no confidence model at all.
USE_CONFIDENCE = False


@dataclass(frozen=True)
class AnswerReview:
    """One answer of one rep to one question, as the fit sees it."""

    rating: int
    delta_days: int
    correct: bool
    confidence: str
    chance: float
    at: float = 0.0


@dataclass(frozen=True)
class AnswerHistory:
    """A (rep, question)'s answers in time order; ``taught``: from a live lesson."""

    reviews: Sequence[AnswerReview]
    taught: bool = False


@dataclass(frozen=True)
class AnswerData:
    """Histories packed for the forward pass, with the answers in its flat order.

    ``observed`` marks the answers the likelihood scores: those with a memory
    before them and a gap of at least a day (a same-day repeat is predicted
    right by construction, as FSRS's own optimizer leaves it out).
    """

    packed: fsrs_forward.Packed
    correct: np.ndarray
    confidence: np.ndarray
    chance: np.ndarray
    at: np.ndarray
    observed: np.ndarray

    def mask(self, *, ends_from: float | None = None, ends_before: float | None = None):
        keep = self.observed.copy()
        if ends_from is not None:
            keep &= self.at >= ends_from
        if ends_before is not None:
            keep &= self.at < ends_before
        return keep


def answer_data(histories: Sequence[AnswerHistory]) -> AnswerData:
    """Pack answer histories for fitting and scoring."""
    rows = [[(r.rating, r.delta_days) for r in h.reviews] for h in histories]
    starts = [TAUGHT_DIFFICULTY if h.taught else np.nan for h in histories]
    packed = fsrs_forward.histories_pack(rows, starts)
    n, width = packed.rating.shape
    fields = {
        name: np.zeros((n, width)) for name in ("correct", "conf", "chance", "at")
    }
    for row, index in enumerate(packed.order):
        for j, review in enumerate(histories[index].reviews):
            fields["correct"][row, j] = review.correct
            fields["conf"][row, j] = CONFIDENCE_CODE[review.confidence]
            fields["chance"][row, j] = review.chance
            fields["at"][row, j] = review.at
    position = np.tile(np.arange(width), (n, 1))
    has_memory = (position > 0) | ~np.isnan(packed.start_difficulty)[:, None]
    observed = has_memory & (packed.delta > 0)
    return AnswerData(
        packed=packed,
        correct=fsrs_forward.flat(packed, fields["correct"]).astype(bool),
        confidence=fsrs_forward.flat(packed, fields["conf"]).astype(np.int64),
        chance=fsrs_forward.flat(packed, fields["chance"]),
        at=fsrs_forward.flat(packed, fields["at"]),
        observed=fsrs_forward.flat(packed, observed.astype(float)).astype(bool),
    )


@dataclass(frozen=True)
class ConfidenceModel:
    """P(confidence | recalled, r) (ordered logit) and P(confidence | guessed)."""

    threshold: float = 0.0
    log_gap: float = 0.0
    slope: float = 1.0
    guessed_fairly_sure: float = -2.0
    guessed_certain: float = -3.0

    def vector(self) -> np.ndarray:
        return np.array(astuple(self))

    @classmethod
    def from_vector(cls, v) -> "ConfidenceModel":
        return cls(*(float(x) for x in v))


CONFIDENCE_BOUNDS = (
    (-20.0, 20.0),
    (-5.0, 5.0),
    (0.0, 20.0),
    (-20.0, 20.0),
    (-20.0, 20.0),
)


def right_probability(recall, chance):
    """Probability of a right answer: recalled, or forgotten and guessed right."""
    r = np.clip(recall, RECALL_MIN, RECALL_MAX)
    return r + (1.0 - r) * chance


def _log_likelihood(recall, correct, confidence, chance, model: np.ndarray | None):
    """Log-likelihood of each answer, with its derivatives.

    Returns (log-likelihood (n,), d/d recall (n,), d/d model (5, n) or None).
    """
    inside = (recall > RECALL_MIN) & (recall < RECALL_MAX)
    r = np.clip(recall, RECALL_MIN, RECALL_MAX)
    if model is None:
        right = chance + r * (1.0 - chance)
        p = np.where(correct, right, (1.0 - r) * (1.0 - chance))
        d_r = np.where(correct, (1.0 - chance) / right, -1.0 / (1.0 - r))
        return np.log(p), d_r * inside, None
    threshold, gap, slope = model[0], math.exp(model[1]), model[2]
    logit = np.log(r / (1.0 - r))
    low = expit(threshold - slope * logit)
    high = expit(threshold + gap - slope * logit)
    dl, dh = low * (1.0 - low), high * (1.0 - high)
    is0, is1, is2 = confidence == 0, confidence == 1, confidence == 2
    recalled = np.where(is0, low, np.where(is1, high - low, 1.0 - high))
    # d P(conf | recalled) / d threshold, / d log gap, / d z (z = slope logit r)
    d_threshold = np.where(is0, dl, np.where(is1, dh - dl, -dh))
    d_gap = np.where(is0, 0.0, np.where(is1, dh * gap, -dh * gap))
    d_z = -d_threshold
    shares = np.exp(log_softmax(np.array([0.0, model[3], model[4]])))
    guessed = shares[confidence]
    d_share = np.stack([is1 - shares[1], is2 - shares[2]])  # d log P(conf|guessed)
    right = r * recalled + (1.0 - r) * chance * guessed
    wrong = (1.0 - r) * (1.0 - chance) * guessed
    p = np.maximum(np.where(correct, right, wrong), 1e-300)
    dright_dr = recalled - chance * guessed + r * d_z * slope / (r * (1.0 - r))
    d_r = np.where(correct, dright_dr / p, -1.0 / (1.0 - r))
    lift = np.where(correct, r / p, 0.0)  # d log P / d P(conf | recalled)
    guess_part = np.where(correct, (1.0 - r) * chance * guessed / p, 1.0)
    d_model = np.stack(
        [
            lift * d_threshold,
            lift * d_gap,
            lift * d_z * logit,
            guess_part * d_share[0],
            guess_part * d_share[1],
        ]
    )
    return np.log(p), d_r * inside, d_model


@dataclass(frozen=True)
class AnswerScore:
    """How well parameters predict answers: the fit's likelihood and P(right)."""

    log_loss: float  # mean negative log-likelihood, with confidence
    right_log_loss: float  # of P(right) alone (what a manager's figure rests on)
    rmse_bins: float  # of P(right), 20 equal-width bins, answer-weighted
    answers: int


def answers_score(
    parameters, confidence: ConfidenceModel, data: AnswerData, mask
) -> AnswerScore:
    """Score parameters on the masked answers (e.g. the hold-out)."""
    recall = _recall(parameters, data, mask)[0]
    correct, chance = data.correct[mask], data.chance[mask]
    ll, _, _ = _log_likelihood(
        recall, correct, data.confidence[mask], chance, confidence.vector()
    )
    p = right_probability(recall, chance)
    right = np.where(correct, np.log(p), np.log(1.0 - p))
    return AnswerScore(
        log_loss=float(-ll.mean()) if len(ll) else math.nan,
        right_log_loss=float(-right.mean()) if len(ll) else math.nan,
        rmse_bins=rmse_bins(p, correct),
        answers=int(mask.sum()),
    )


def right_score(parameters, confidence, data: AnswerData, mask) -> AnswerScore:
    """``answers_score`` without the confidence: its log loss is of P(right)."""
    del confidence  # the likelihood of right-or-wrong has no confidence model
    full = answers_score(parameters, ConfidenceModel(), data, mask)
    return AnswerScore(
        full.right_log_loss, full.right_log_loss, full.rmse_bins, full.answers
    )


def rmse_bins(predicted: np.ndarray, observed: np.ndarray, bins: int = 20) -> float:
    """Answer-weighted RMSE between mean predicted and observed rate per bin."""
    if not len(predicted):
        return math.nan
    index = np.minimum((predicted * bins).astype(int), bins - 1)
    count = np.bincount(index, minlength=bins)
    gap = (
        np.bincount(index, weights=predicted, minlength=bins)
        - np.bincount(index, weights=observed.astype(float), minlength=bins)
    ) / np.maximum(count, 1)
    return float(np.sqrt((count * gap**2).sum() / count.sum()))


@dataclass(frozen=True)
class LikelihoodFit:
    parameters: tuple[float, ...]
    confidence: ConfidenceModel
    iterations: int
    message: str = ""


def likelihood_fit(
    data: AnswerData,
    *,
    start: Sequence[float],
    mask,
    use_confidence: bool = USE_CONFIDENCE,
    fit_parameters: bool = True,
    confidence_start: ConfidenceModel | None = None,
    free: Sequence[int] | None = None,
) -> LikelihoodFit:
    """Maximize the answers' likelihood plus the prior around ``start``.

    Works in prior units (u = (w - start) / PRIOR_SD) so L-BFGS-B sees a
    well-scaled problem; gradients are forward differences computed in one
    vectorized pass over all 21 perturbed parameter vectors. With
    ``fit_parameters=False`` only the confidence model is fitted (how the
    current parameters are scored fairly against a candidate).
    """
    w0 = fsrs_forward.parameters_clip(start)
    index = np.arange(len(w0)) if free is None else np.asarray(free, dtype=int)
    index = index if fit_parameters else index[:0]
    sd = np.array(PRIOR_SD)[index]
    low = (fsrs_forward._LOW[index] - w0[index]) / sd
    high = (fsrs_forward._HIGH[index] - w0[index]) / sd
    k = len(index)

    def full(u):
        # Parameter vectors (P, 21) with the free entries moved by u (P, k).
        w = np.tile(w0, (len(u), 1))
        w[:, index] += u * sd
        return w

    c0 = (confidence_start or ConfidenceModel()).vector()
    answers = (data.correct[mask], data.confidence[mask], data.chance[mask])
    fixed_recall = None if fit_parameters else _recall(w0[None], data, mask)[0]

    def objective(x):
        u, conf = x[:k], x[k:]
        if fit_parameters:
            steps = np.where(u + FINITE_STEP > high, -FINITE_STEP, FINITE_STEP)
            vectors = full(np.vstack([u, u + np.diag(steps)]))
            recall = _recall(vectors, data, mask)
            base = recall[0]
        else:
            base = fixed_recall
        ll, d_r, d_model = _log_likelihood(
            base, *answers, conf if use_confidence else None
        )
        value = -ll.sum() + 0.5 * (u**2).sum()
        grad_w = np.zeros(0)
        if fit_parameters:
            # The chain rule through recall: d recall / d u by forward differences.
            grad_w = -((recall[1:] - base) / steps[:, None]) @ d_r + u
        grad_c = -d_model.sum(axis=1) if use_confidence else np.zeros(len(conf))
        return float(value), np.concatenate([grad_w, grad_c])

    bounds = list(zip(low, high, strict=True)) + list(CONFIDENCE_BOUNDS)
    result = minimize(
        objective,
        np.concatenate([np.zeros(k), c0]),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": MAX_ITERATIONS, "ftol": RELATIVE_TOLERANCE},
    )
    w = fsrs_forward.parameters_clip(full(result.x[None, :k])[0])
    return LikelihoodFit(
        parameters=tuple(float(x) for x in w),
        confidence=ConfidenceModel.from_vector(result.x[k:])
        if use_confidence
        else ConfidenceModel(),
        iterations=int(result.nit),
        message=str(result.message),
    )


def _recall(parameters, data: AnswerData, mask) -> np.ndarray:
    return fsrs_forward.recall_flat(parameters, data.packed)[:, mask]
