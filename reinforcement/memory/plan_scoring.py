"""Choose a rep's daily dose: score every question as arrays, take the most valuable.

Pure functions over numpy arrays, shared by the production planner
(``reinforcement.services.planning``) and the simulator, so the simulator
measures exactly what the service does.

Value of asking a question now (documented in docs/planning.md):

    gain = E[mean recall over the next H days | reviewed now]
           - mean recall over the next H days if left alone

where the expectation weighs the state after a success (FSRS "Good") by the
predicted recall R and the state after a lapse ("Again") by 1 - R. A new
question's value is the mean recall its first review buys over H days.

The workload knob is the organization's target retention T. A review is
worth asking only when R is at most T *and* its gain exceeds the value
floor ``min_gain``, by default ``VALUE_FLOOR_SHARE * (1 - T)``: a lower
target asks only the reviews that buy the most. Tuned with the simulator
(docs/science.md), this makes the time-averaged true retention land close to
T and reaches workloads below Qstream Classic's; a gate on R alone could
not. The daily dose is a cap, not a quota.
"""

from dataclasses import dataclass

import numpy as np

# An organization's defaults; the simulator reads them here, as it reads
# nothing outside this package.
from core.defaults import DEFAULT_NEW_QUESTIONS_PER_DAY as DEFAULT_NEW_QUESTIONS_PER_DAY
from core.defaults import DEFAULT_TARGET_RETENTION as DEFAULT_TARGET_RETENTION
from reinforcement.memory.scheduling import Memory, MemoryModel

# Horizon over which a review's benefit is counted. Longer horizons favour
# strengthening stable memories, shorter ones rescuing fragile ones. With the
# value floor below, 45-60 days gave the best retention-workload frontier in
# the simulator (30, 45, 60, 90, 120, 180 and 365 were tried; 30 was the
# earlier default; 90 lost about 3 points on day 365 at light loads).
DEFAULT_HORIZON_DAYS = 60.0
# The default value floor is this share of the shortfall 1 - T: a review must
# raise the question's mean recall over the horizon by more than
# VALUE_FLOOR_SHARE * (1 - T). With 0.75 the simulated time-averaged true
# retention lands within 2 points below T from 0.76 to 0.9 (after a recorded
# kickoff; docs/benchmarks.md lists the variants tried, none better).
VALUE_FLOOR_SHARE = 0.75
# Exact (library) scoring runs only for this many candidates per slot in the
# dose; the rest are ranked by the vectorized recall alone.
SHORTLIST_PER_SLOT = 4


@dataclass(frozen=True)
class PlanPolicy:
    budget: int
    new_limit: int
    target_retention: float = DEFAULT_TARGET_RETENTION
    horizon_days: float = DEFAULT_HORIZON_DAYS
    # None: derived from the target (value_floor); a number overrides it.
    min_gain: float | None = None
    # New questions also fill the slots no review is worth (new_limit is then
    # a floor): a rep's first day gets a full dose, and new material comes
    # early, when it is cheap (docs/science.md, "Introduction rate").
    fill_with_new: bool = True

    @property
    def value_floor(self) -> float:
        """The least gain a review must buy to be asked."""
        if self.min_gain is not None:
            return self.min_gain
        return VALUE_FLOOR_SHARE * max(1.0 - self.target_retention, 0.0)


@dataclass
class Candidates:
    """A rep's plannable questions, one array element per question.

    ``stability``/``difficulty``/``elapsed_days`` are NaN for new questions;
    ``order`` ranks new questions in curriculum order (lower first).
    """

    stability: np.ndarray
    difficulty: np.ndarray
    elapsed_days: np.ndarray
    topic: np.ndarray
    order: np.ndarray
    # A campaign's boost of each question's score (1 = none); None: no boost
    # anywhere, the planner's exact unboosted path.
    weight: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.stability)

    @property
    def is_new(self) -> np.ndarray:
        return np.isnan(self.stability)


def plan_choose(
    model: MemoryModel, candidates: Candidates, policy: PlanPolicy
) -> list[int]:
    """Return the indices of the questions to ask today, topics interleaved."""
    if len(candidates) == 0 or policy.budget <= 0:
        return []
    is_new = candidates.is_new
    scores: dict[int, float] = {}

    reviews = np.flatnonzero(~is_new)
    if len(reviews):
        recall = model.recall(
            candidates.stability[reviews], candidates.elapsed_days[reviews]
        )
        keep = recall <= policy.target_retention
        eligible, eligible_recall = reviews[keep], recall[keep]
        ranked = _review_priority(eligible, eligible_recall, candidates)[
            : policy.budget * SHORTLIST_PER_SLOT
        ]
        shortlist = eligible[ranked]
        floor = policy.value_floor
        gains = review_gains(
            model, candidates, shortlist, policy, recall=eligible_recall[ranked]
        )
        if candidates.weight is not None:
            gains = gains * candidates.weight[shortlist]
        for i, gain in zip(shortlist, gains, strict=True):
            if gain > floor:
                scores[int(i)] = float(gain)

    new = np.flatnonzero(is_new)
    new_cap = policy.new_limit
    if policy.fill_with_new:
        new_cap = max(new_cap, policy.budget - len(scores))
    if len(new) and new_cap > 0:
        new = new[_new_priority(new, candidates)][:new_cap]
        first = model.next_memory(Memory(), 3, 0).stability
        value = float(model.mean_recall(first, 0.0, policy.horizon_days))
        weight = candidates.weight
        for rank, i in enumerate(new):
            # Keep curriculum order among new questions with a vanishing tie-break.
            boost = 1.0 if weight is None else float(weight[i])
            scores[int(i)] = value * boost - rank * 1e-9

    chosen = sorted(scores, key=scores.__getitem__, reverse=True)[: policy.budget]
    return interleave_topics(chosen, candidates.topic)


def _review_priority(
    eligible: np.ndarray, recall: np.ndarray, candidates: Candidates
) -> np.ndarray:
    """The order of the review shortlist: most forgotten first, a campaign's
    boost multiplying how forgotten a question is."""
    if candidates.weight is None:
        return np.argsort(recall, kind="stable")
    return np.argsort(-(1.0 - recall) * candidates.weight[eligible], kind="stable")


def _new_priority(new: np.ndarray, candidates: Candidates) -> np.ndarray:
    """The order of new questions: curriculum order, boosted topics first."""
    if candidates.weight is None:
        return np.argsort(candidates.order[new], kind="stable")
    return np.lexsort((candidates.order[new], -candidates.weight[new]))


def review_gains(
    model: MemoryModel,
    candidates: Candidates,
    indices: np.ndarray,
    policy: PlanPolicy,
    *,
    recall: np.ndarray | None = None,
) -> np.ndarray:
    """Expected gain in mean recall over the horizon from reviewing each question now.

    ``recall`` is the questions' predicted recall now, if the caller has it.
    """
    if len(indices) == 0:
        return np.empty(0)
    stability = candidates.stability[indices]
    elapsed = candidates.elapsed_days[indices]
    n = len(indices)
    outcomes = model.outcomes_many(stability, candidates.difficulty[indices], elapsed)
    if recall is None:
        recall = model.recall(stability, elapsed)
    # One closed-form call for the three curves: after a lapse, after a
    # success (both from now), and left alone (from the elapsed days).
    means = model.mean_recall(
        np.concatenate([outcomes[:, 0], outcomes[:, 1], stability]),
        np.concatenate([np.zeros(2 * n), elapsed]),
        policy.horizon_days,
    )
    lapse, success, before = means[:n], means[n : 2 * n], means[2 * n :]
    after = recall * success + (1 - recall) * lapse
    return np.atleast_1d(after - before)


def interleave_topics(chosen: list[int], topic: np.ndarray) -> list[int]:
    """Reorder so consecutive questions come from different topics where possible."""
    queues: dict[int, list[int]] = {}
    for i in chosen:
        queues.setdefault(int(topic[i]), []).append(i)
    ordered: list[int] = []
    last_topic = None
    while queues:
        # The topic with most left goes first, never the same topic twice in a row
        # unless it is the only one left.
        options = sorted(
            queues, key=lambda t: (-len(queues[t]), chosen.index(queues[t][0]))
        )
        pick = next((t for t in options if t != last_topic), options[0])
        ordered.append(queues[pick].pop(0))
        if not queues[pick]:
            del queues[pick]
        last_topic = pick
    return ordered
