"""The memory model: the only module that touches the FSRS library.

FSRS-6 (``fsrs-rs-python``, Anki's own Rust implementation) advances memory
states and fits parameters. Everything else in the project goes through these
functions: the rating mapping, the next state, the predicted recall at a time,
and the closed-form averages of the forgetting curve the planner scores with.
"""

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

import fsrs_rs_python as fsrs
import numpy as np

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.DEFAULT_PARAMETERS)
PARAMETER_COUNT = 21
# Difficulty of a question taught live but not yet answered (FSRS scale 1-10).
TAUGHT_DIFFICULTY = 5.0
SECONDS_PER_DAY = 86_400.0


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class Confidence:
    GUESS = "guess"
    FAIRLY_SURE = "fairly_sure"
    CERTAIN = "certain"
    CHOICES = (GUESS, FAIRLY_SURE, CERTAIN)


# A multiple-choice answer is not a flashcard grade: wrong is Again whatever the
# confidence; right is graded by how sure the rep was. A right answer the rep
# calls a guess is graded Again too: with k choices a forgotten question is
# still answered right 1 time in k, and grading those lucky guesses as
# successes made the predicted retention shown to managers 5-8 points too high
# in the simulator (docs/science.md). Overridable per deployment with the
# REINFORCEMENT_RATING_MAP setting (see docs/memory.md).
DEFAULT_RATING_MAP: Mapping[str, int] = {
    "wrong": Rating.AGAIN,
    Confidence.GUESS: Rating.AGAIN,
    Confidence.FAIRLY_SURE: Rating.GOOD,
    Confidence.CERTAIN: Rating.EASY,
}


def rating_for(*, correct: bool, confidence: str, mapping: Mapping[str, int]) -> Rating:
    """Map a multiple-choice answer and its stated confidence to an FSRS rating.

    ``mapping`` is the deployment's (``selectors.memory_models.rating_map``)
    or the simulator's; this module reads no settings.
    """
    if confidence not in Confidence.CHOICES:
        raise ValueError(f"unknown confidence {confidence!r}")
    return Rating(mapping["wrong"] if not correct else mapping[confidence])


@dataclass(frozen=True)
class Memory:
    """FSRS memory of one rep for one question; both None before the first review."""

    stability: float | None = None
    difficulty: float | None = None

    @property
    def is_new(self) -> bool:
        return self.stability is None


class MemoryModel:
    """FSRS-6 with one parameter vector (an organization's fitted or the defaults)."""

    def __init__(self, parameters: Sequence[float] | None = None):
        params = (
            list(parameters) if parameters is not None else list(DEFAULT_PARAMETERS)
        )
        if len(params) != PARAMETER_COUNT:
            raise ValueError(
                f"FSRS-6 takes {PARAMETER_COUNT} parameters, got {len(params)}"
            )
        self.parameters = tuple(float(p) for p in params)
        self._fsrs = fsrs.FSRS(list(self.parameters))
        self.decay = self.parameters[20]
        # R(t) = (1 + factor * t / S) ** -decay gives R = 0.9 at t = S.
        self.factor = 0.9 ** (-1.0 / self.decay) - 1.0
        self.forgetting = 1.0

    def with_forgetting(self, forgetting: float) -> "MemoryModel":
        """This model for one rep who forgets ``forgetting`` times as fast.

        A rep's multiplier (``memory.rep_memory``) scales elapsed time in the
        forgetting curve, which is the same as dividing every stability by it
        when predicting: recall, its averages and intervals change, the states
        the library advances do not (one memory model). Shares the library
        object, so a per-rep model costs nothing to make.
        """
        if forgetting == self.forgetting:
            return self
        rep = copy.copy(self)
        rep.forgetting = float(forgetting)
        rep.factor = self.factor / self.forgetting * rep.forgetting
        return rep

    def with_curve(
        self, forgetting: float, decay: float | None = None
    ) -> "MemoryModel":
        """This model for one rep with their own curve (``memory.rep_curve``).

        ``forgetting`` as in ``with_forgetting`` (the rep reaches 90% recall
        after stability / forgetting days); ``decay`` the rep's shape after
        that, R(t) = (1 + forgetting F(decay) t / S) ** -decay (None: the
        parameters' w20). Prediction only, like ``with_forgetting``; the
        organization's own curve (1.0, w20) is this model itself.
        """
        decay = self.parameters[20] if decay is None else float(decay)
        if decay == self.parameters[20]:
            return self.with_forgetting(forgetting)
        rep = copy.copy(self)
        rep.forgetting, rep.decay = float(forgetting), decay
        rep.factor = (0.9 ** (-1.0 / decay) - 1.0) * rep.forgetting
        return rep

    def next_memory(self, memory: Memory, rating: int, elapsed_days: float) -> Memory:
        """Advance the memory after a review with this rating, elapsed days after the last."""
        return Memory(
            *self.next_state(memory.stability, memory.difficulty, rating, elapsed_days)
        )

    def next_state(
        self,
        stability: float | None,
        difficulty: float | None,
        rating: int,
        elapsed_days: float,
    ) -> tuple[float, float]:
        """``next_memory`` on plain numbers: (stability, difficulty) after the review.

        A stability of None or NaN is a new memory. The simulator's answer
        loop calls this, without a ``Memory`` per answer.
        """
        state = (
            None
            if stability is None or stability != stability
            else fsrs.MemoryState(stability, difficulty)
        )
        nxt = self._fsrs.next_states(state, 0.9, _whole_days(elapsed_days))
        chosen = getattr(nxt, _RATING_FIELDS[int(rating) - 1]).memory
        return float(chosen.stability), float(chosen.difficulty)

    def taught_memory(self) -> Memory:
        """The memory right after material is taught live: a first successful study.

        The stability is FSRS's after a first "Good". The difficulty is not: a
        lesson is exposure, not a tested recall, so until the rep answers
        nothing says how hard the question is for them, and it starts at the
        middle of FSRS's 1-10 scale rather than the easy 2.1 that a first
        "Good" implies with the default parameters (which made predicted
        retention after a kickoff too high in the simulator).
        """
        first = self.next_memory(Memory(), Rating.GOOD, 0)
        return Memory(first.stability, TAUGHT_DIFFICULTY)

    def outcomes(self, memory: Memory, elapsed_days: float) -> tuple[float, float]:
        """Return the stability after a lapse (Again) and after a success (Good)."""
        nxt = self._fsrs.next_states(
            self._fsrs_state(memory), 0.9, _whole_days(elapsed_days)
        )
        return float(nxt.again.memory.stability), float(nxt.good.memory.stability)

    def outcomes_many(self, stability, difficulty, elapsed_days) -> np.ndarray:
        """``outcomes`` of many reviewed memories at once: an (n, 2) array.

        The same library call per memory, without a ``Memory`` for each (the
        planner scores a shortlist of them for every rep every day).
        """
        next_states, state = self._fsrs.next_states, fsrs.MemoryState
        out = []
        for s, d, t in zip(
            np.asarray(stability, dtype=float).tolist(),
            np.asarray(difficulty, dtype=float).tolist(),
            np.asarray(elapsed_days, dtype=float).tolist(),
            strict=True,
        ):
            nxt = next_states(state(s, d), 0.9, _whole_days(t))
            out.append((nxt.again.memory.stability, nxt.good.memory.stability))
        return np.array(out, dtype=float).reshape(len(out), 2)

    def recall(self, stability, elapsed_days):
        """Predicted probability of recall after elapsed_days (scalars or arrays)."""
        s = np.asarray(stability, dtype=float)
        t = np.maximum(np.asarray(elapsed_days, dtype=float), 0.0)
        r = (1.0 + self.factor * t / s) ** (-self.decay)
        return float(r) if np.ndim(r) == 0 else r

    def mean_recall(self, stability, start_days, horizon_days):
        """Average predicted recall over [start, start + horizon] days (closed form)."""
        s = np.asarray(stability, dtype=float)
        a = np.maximum(np.asarray(start_days, dtype=float), 0.0)
        h = float(horizon_days)
        power = 1.0 - self.decay

        def primitive(t):
            if abs(power) < 1e-9:  # decay of exactly 1: the integral is a logarithm
                return s / self.factor * np.log1p(self.factor * t / s)
            return s / (self.factor * power) * (1.0 + self.factor * t / s) ** power

        return (primitive(a + h) - primitive(a)) / h

    def interval(self, stability: float, desired_retention: float) -> float:
        """Days until recall falls to desired_retention."""
        if self.decay != self.parameters[20]:  # a rep's own curve: closed form
            return float(
                stability
                * (desired_retention ** (-1.0 / self.decay) - 1.0)
                / self.factor
            )
        return float(
            self._fsrs.next_interval(
                stability / self.forgetting, desired_retention, Rating.GOOD
            )
        )

    def _fsrs_state(self, memory: Memory):
        if memory.is_new:
            return None
        return fsrs.MemoryState(memory.stability, memory.difficulty)


# NextStates' fields by rating - 1.
_RATING_FIELDS = ("again", "hard", "good", "easy")


def _whole_days(elapsed_days: float) -> int:
    # FSRS counts elapsed time in whole days; same-day reviews are 0.
    return max(int(elapsed_days), 0)


def elapsed_days_between(earlier, later) -> float:
    """Days between two aware datetimes, never negative."""
    return max((later - earlier).total_seconds() / SECONDS_PER_DAY, 0.0)


# Fitting -----------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """One review of one question by one rep, for fitting.

    ``delta_days`` is whole days since the previous review of the pair; ``at``
    (any increasing number, e.g. a timestamp) orders reviews in time for
    time-ordered splits.
    """

    rating: int
    delta_days: int
    at: float = 0.0


@dataclass(frozen=True)
class FitMetrics:
    log_loss: float
    rmse_bins: float


def history_with_teaching(
    history: Sequence[Review], *, days_before_first: int, at: float
) -> list[Review]:
    """Put the live lesson in front of a review history, as a first "Good" review.

    Without it the optimizer takes a rep's first quiz answer for their first
    contact with the material and mis-learns how fast a taught lesson fades.
    """
    if not history:
        return []
    first = history[0]
    return [
        Review(Rating.GOOD, 0, at),
        Review(first.rating, max(int(days_before_first), 0), first.at),
        *history[1:],
    ]


def training_items(
    histories: Sequence[Sequence[Review]],
    *,
    ends_from: float | None = None,
    ends_before: float | None = None,
) -> list:
    """Turn per-(rep, question) review histories into the optimizer's items.

    Every prefix that ends in a review after a gap of at least a day is one
    item, as the FSRS optimizer and evaluator expect; the item predicts its
    last review. With
    ``ends_from``/``ends_before``, only items whose last review falls in that
    time range are kept (for a time-ordered hold-out).
    """
    items = []
    for history in histories:
        reviews = [fsrs.FSRSReview(int(r.rating), int(r.delta_days)) for r in history]
        for end in range(2, len(reviews) + 1):
            last = history[end - 1]
            if ends_from is not None and last.at < ends_from:
                continue
            if ends_before is not None and last.at >= ends_before:
                continue
            # The predicted (last) review must follow a gap: same-day repeats
            # stay in the history but are not targets.
            if last.delta_days > 0:
                items.append(fsrs.FSRSItem(reviews[:end]))
    return items


def parameters_fit(
    items: list, start: Sequence[float] | None = None
) -> tuple[float, ...]:
    """Fit FSRS-6 parameters to training items with the library's optimizer."""
    model = fsrs.FSRS(list(start) if start is not None else list(DEFAULT_PARAMETERS))
    return tuple(float(p) for p in model.compute_parameters(items))


def parameters_evaluate(parameters: Sequence[float], items: list) -> FitMetrics:
    """Log loss and binned RMSE of the parameters' predictions on items."""
    evaluation = fsrs.FSRS(list(parameters)).evaluate(items)
    return FitMetrics(float(evaluation.log_loss), float(evaluation.rmse_bins))


@dataclass(frozen=True)
class RefitResult:
    parameters: tuple[float, ...]
    adopted: bool
    current: FitMetrics
    candidate: FitMetrics
    candidate_parameters: tuple[float, ...] = ()


def parameters_refit(
    *, current: Sequence[float], train_items: list, holdout_items: list
) -> RefitResult:
    """Fit on the earlier reviews, score both on the later ones, keep the better.

    The candidate is adopted only when its log loss on the time-ordered
    hold-out is lower than the current parameters'.
    """
    candidate = parameters_fit(train_items, start=current)
    current_metrics = parameters_evaluate(current, holdout_items)
    candidate_metrics = parameters_evaluate(candidate, holdout_items)
    adopted = candidate_metrics.log_loss < current_metrics.log_loss
    return RefitResult(
        parameters=candidate if adopted else tuple(current),
        adopted=adopted,
        current=current_metrics,
        candidate=candidate_metrics,
        candidate_parameters=candidate,
    )
