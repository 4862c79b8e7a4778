"""The published schedulers the planner is compared with, each with its own rules.

Qstream Classic, Leitner boxes, Anki's SM-2 and FSRS in due order each keep a
due day per question and ask the due ones first; ``none`` asks nothing.

As published they meet a kickoff's questions as new cards. ``sm2_kickoff`` and
``fsrs_due_kickoff`` are the fair comparison for our planner, which knows the
kickoff (``Enrollment.taught_on``): they start from the same taught memory on
day 0, each scheduling it with its own rules from there.
"""

import numpy as np

from reinforcement.memory.scheduling import Rating
from reinforcement.simulation.policy_base import Policy

NEVER = np.iinfo(np.int64).max

# Qstream Classic (Kerfoot 2012): a wrong answer comes back in 3 weeks, a right
# one in 6, and a question answered right twice in a row is retired.
QSTREAM_WRONG_DAYS = 21
QSTREAM_RIGHT_DAYS = 42
QSTREAM_RETIRE_STREAK = 2

# Leitner boxes 1..5 with the common doubling schedule (days); a right answer
# moves a card up one box, a wrong one back to box 1; box 5 keeps its cards.
LEITNER_INTERVALS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}

# Anki's SM-2 defaults: starting ease 250%, graduating interval 1 day, easy
# interval 4 days, hard multiplier 1.2, easy bonus 1.3, new interval after a
# lapse 0% (so the 1-day minimum), ease floor 130%.
SM2_START_EASE = 2.5
SM2_GRADUATING_DAYS = 1
SM2_EASY_DAYS = 4
SM2_HARD_FACTOR = 1.2
SM2_EASY_BONUS = 1.3
SM2_MIN_EASE = 1.3
SM2_MAX_DAYS = 36_500


class NoReinforcement(Policy):
    name = "none"

    def choose(self, r, day):
        return []


class _DueQueue(Policy):
    """Baselines that keep a due day per question and ask the due ones first."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.due = np.full((self.reps, self.questions), NEVER, dtype=np.int64)
        self.started = np.zeros((self.reps, self.questions), dtype=bool)
        self.retired = np.zeros((self.reps, self.questions), dtype=bool)

    def due_priority(self, r: int, due: np.ndarray) -> np.ndarray:
        """A sort key per due question, lower first (default: most overdue)."""
        return self.due[r, due]

    def choose(self, r, day):
        due = np.flatnonzero(self.started[r] & ~self.retired[r] & (self.due[r] <= day))
        keys = self.due_priority(r, due)
        chosen = [int(i) for i in due[np.lexsort((due, keys))][: self.budget]]
        if len(chosen) < self.budget:
            new = np.flatnonzero(~self.started[r])
            chosen += [int(i) for i in new[: self.budget - len(chosen)]]
        return chosen


class QstreamClassic(_DueQueue):
    """Kerfoot 2012: repeats at 3 weeks (wrong) or 6 weeks (right), retire at 2 right.

    Priority each day: repeats of right answers, then repeats of wrong
    answers, then new questions in curriculum order, oldest first.
    """

    name = "qstream_classic"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.streak = np.zeros((self.reps, self.questions), dtype=np.int64)

    def due_priority(self, r, due):
        # Right answers (streak > 0) first, then by due day.
        return (self.streak[r, due] == 0) * (NEVER // 2) + self.due[r, due]

    def schedule(self, r, q, day, *, correct, rating):
        self.started[r, q] = True
        self.streak[r, q] = self.streak[r, q] + 1 if correct else 0
        if self.streak[r, q] >= QSTREAM_RETIRE_STREAK:
            self.retired[r, q] = True
            self.due[r, q] = NEVER
        else:
            self.due[r, q] = day + (
                QSTREAM_RIGHT_DAYS if correct else QSTREAM_WRONG_DAYS
            )


class Leitner(_DueQueue):
    """Five boxes; right moves up a box, wrong back to box 1; lower boxes first."""

    name = "leitner"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.box = np.zeros((self.reps, self.questions), dtype=np.int64)

    def due_priority(self, r, due):
        return self.box[r, due] * (NEVER // 8) + self.due[r, due]

    def schedule(self, r, q, day, *, correct, rating):
        self.started[r, q] = True
        box = max(self.box[r, q], 1)
        self.box[r, q] = min(box + 1, max(LEITNER_INTERVALS)) if correct else 1
        self.due[r, q] = day + LEITNER_INTERVALS[int(self.box[r, q])]


class Sm2(_DueQueue):
    """SM-2 as Anki schedules review cards, graded with the product's rating map."""

    name = "sm2"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.interval = np.zeros((self.reps, self.questions), dtype=np.int64)
        self.ease = np.full((self.reps, self.questions), SM2_START_EASE)

    def schedule(self, r, q, day, *, correct, rating):
        if not self.started[r, q]:
            self.started[r, q] = True
            ivl = SM2_EASY_DAYS if rating == Rating.EASY else SM2_GRADUATING_DAYS
        else:
            ivl, ease = sm2_next(
                interval=int(self.interval[r, q]),
                ease=float(self.ease[r, q]),
                delay=max(day - int(self.due[r, q]), 0),
                rating=int(rating),
            )
            self.ease[r, q] = ease
        self.interval[r, q] = ivl
        self.due[r, q] = day + ivl


def sm2_next(*, interval: int, ease: float, delay: int, rating: int):
    """Anki's SM-2 step for a review card: (next interval in days, next ease)."""
    if rating == Rating.AGAIN:
        return 1, max(ease - 0.2, SM2_MIN_EASE)
    hard = max(round(interval * SM2_HARD_FACTOR), interval + 1)
    if rating == Rating.HARD:
        return min(hard, SM2_MAX_DAYS), max(ease - 0.15, SM2_MIN_EASE)
    good = max(round((interval + delay // 2) * ease), hard + 1)
    if rating == Rating.GOOD:
        return min(good, SM2_MAX_DAYS), ease
    easy = max(round((interval + delay) * ease * SM2_EASY_BONUS), good + 1)
    return min(easy, SM2_MAX_DAYS), ease + 0.15


class FsrsDue(_DueQueue):
    """FSRS with default parameters, due order, truncated at the budget (Anki-style)."""

    name = "fsrs_due"

    @property
    def label(self):
        return f"desired_retention={self.setting:g}"

    def schedule(self, r, q, day, *, correct, rating):
        self.started[r, q] = True
        days = self.models[r].interval(float(self.stability[r, q]), self.setting)
        self.due[r, q] = day + max(round(days), 1)


class FsrsDueKickoff(FsrsDue):
    """FSRS in due order that knows the kickoff, as our planner does.

    Every question starts on day 0 at the planner's taught memory
    (``MemoryModel.taught_memory()``, the product's belief after a recorded
    ``taught_on``), due when FSRS's recall of it falls to the desired retention.
    """

    name = "fsrs_due_kickoff"
    kickoff_known = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.taught:
            return
        self.started[:] = True
        for r, memory in enumerate(self._taught):
            days = self.models[r].interval(memory.stability, self.setting)
            self.due[r] = max(round(days), 1)


class Sm2Kickoff(Sm2):
    """SM-2 that knows the kickoff: the lesson is each card's first "Good" on day 0.

    SM-2 keeps no memory strength, only an interval and an ease; a first
    "Good" graduates a card at the 1-day graduating interval with the starting
    ease, as ``Sm2`` does for a question's first right answer. The product's
    belief (for the KPI) starts at the taught memory, as for our planner.
    """

    name = "sm2_kickoff"
    kickoff_known = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.taught:
            return
        self.started[:] = True
        self.interval[:] = SM2_GRADUATING_DAYS
        self.due[:] = SM2_GRADUATING_DAYS
