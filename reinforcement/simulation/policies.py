"""The schedulers compared by the simulator, each over one team of simulated reps.

Every policy sees only what the product would see: which questions it asked
and whether the answer was right, with the stated confidence. Each keeps the
product's own belief about every (rep, question) memory, advanced by the
product's rating mapping and ``MemoryModel``, so the retention KPI a manager
would be shown can be compared with the truth whichever policy scheduled.

Our planner calls ``reinforcement.memory.plan_scoring.plan_choose``, the
function the production planner calls, through its module so that the
simulator always measures what production does.
"""

import numpy as np

from reinforcement.memory import plan_scoring, scheduling
from reinforcement.memory.scheduling import (
    DEFAULT_PARAMETERS,
    Memory,
    MemoryModel,
    Rating,
    Review,
    history_with_teaching,
    parameters_refit,
    rating_for,
    training_items,
)
from reinforcement.simulation.truth import ModelStack

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

# Refit cadence and the time-ordered split, as the production refit does it
# (reinforcement.services.refit): the last fifth of the reviews in time is the
# hold-out, and fits on fewer items than these are noise.
REFIT_EVERY_DAYS = 30
HOLDOUT_SHARE = 0.2
MIN_TRAIN_ITEMS = 200
MIN_HOLDOUT_ITEMS = 50


class Policy:
    """A scheduler for a team: choose each rep's questions, learn from answers."""

    name = ""
    # Whether the product records the kickoff for this policy's reps. Our
    # planner runs where the enrollment says the module was taught live
    # (``Enrollment.taught_on``), so its belief starts, as in production
    # (``memory_state_initial``), at ``MemoryModel.taught_memory()`` on day 0.
    # The baselines keep their published rules: their belief starts from their
    # own first question.
    kickoff_known = False

    def __init__(
        self,
        *,
        reps: int,
        questions: int,
        budget: int,
        true_params,
        topic: np.ndarray,
        rating_map=None,
        taught_on_day_zero: bool = True,
        setting: float | None = None,
    ):
        self.reps, self.questions, self.budget = reps, questions, budget
        self.setting = setting
        self.topic = topic
        self.order = np.arange(questions)
        # The product's default mapping unless a run tries another one.
        self.rating_map = dict(rating_map or scheduling.DEFAULT_RATING_MAP)
        self.taught_on_day_zero = taught_on_day_zero
        self.stability = np.full((reps, questions), np.nan)
        self.difficulty = np.full((reps, questions), np.nan)
        self.last = np.zeros((reps, questions))
        self._set_models(self._models(true_params))
        self._belief_start()
        self.history: list[list[list[tuple[int, int]]]] = [
            [[] for _ in range(questions)] for _ in range(reps)
        ]
        self.asked = np.zeros(reps, dtype=np.int64)

    @property
    def label(self) -> str:
        return ""

    def _models(self, true_params) -> list[MemoryModel]:
        default = MemoryModel(DEFAULT_PARAMETERS)
        return [default] * len(true_params)

    def before_day(self, day: int) -> None:
        """Hook run once per working day before any rep is planned."""

    def choose(self, r: int, day: int) -> list[int]:
        raise NotImplementedError

    def observe(self, r: int, q: int, day: int, *, correct: bool, confidence: str):
        """Record an answer: advance the product's belief, then the schedule."""
        rating = rating_for(
            correct=correct, confidence=confidence, mapping=self.rating_map
        )
        self.history[r][q].append((day, int(rating)))
        self._advance(r, q, day, rating)
        self.asked[r] += 1
        self.schedule(r, q, day, correct=correct, rating=rating)

    def _advance(self, r: int, q: int, day: int, rating: int) -> None:
        s = self.stability[r, q]
        memory = Memory() if np.isnan(s) else Memory(s, self.difficulty[r, q])
        after = self.models[r].next_memory(memory, rating, day - self.last[r, q])
        self.stability[r, q], self.difficulty[r, q] = after.stability, after.difficulty
        self.last[r, q] = day

    def schedule(self, r: int, q: int, day: int, *, correct: bool, rating: int):
        """Update the policy's own schedule after an answer."""

    def predicted_one(self, r: int, q: int, day: int) -> float:
        """The product's predicted recall of one question before it is answered."""
        s = self.stability[r, q]
        if np.isnan(s):
            if not self.taught_on_day_zero:
                return 0.0
            return self.models[r].recall(self._first[r, 0], day)
        return self.models[r].recall(s, day - self.last[r, q])

    def predicted(self, day: int) -> np.ndarray:
        """The product's predicted recall of every (rep, question) on day.

        A question never asked is, after a kickoff, predicted from a first
        successful study on day 0; before any teaching, as forgotten.
        """
        unseen = np.isnan(self.stability)
        if not self.taught_on_day_zero:
            return self._stack.recall(self.stability, day - self.last)
        s = np.where(unseen, self._first, self.stability)
        elapsed = np.where(unseen, day, day - self.last)
        return self._stack.recall(s, elapsed)

    @property
    def taught(self) -> bool:
        """Whether the product's belief starts from the kickoff (post-training)."""
        return self.kickoff_known and self.taught_on_day_zero

    def _belief_start(self) -> None:
        """The product's belief before any answer, under the current models.

        With the kickoff recorded, every question starts as after a first
        successful study on day 0 (the service's ``taught_memory``), as the
        production planner creates it; otherwise every question is new.
        """
        self.last[:] = 0
        if not self.taught:
            self.stability[:] = np.nan
            self.difficulty[:] = np.nan
            return
        for r, memory in enumerate(self._taught):
            self.stability[r] = memory.stability
            self.difficulty[r] = memory.difficulty

    def _set_models(self, models: list[MemoryModel]) -> None:
        self.models = models
        self._stack = ModelStack(models)
        self._taught = [m.taught_memory() for m in models]
        self._first = np.array([[m.stability] for m in self._taught])


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


class Planner(Policy):
    """Our planner: plan_scoring.plan_choose with the product's default parameters."""

    name = "planner"
    kickoff_known = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.setting is None:
            self.setting = plan_scoring.DEFAULT_TARGET_RETENTION
        # New questions (onboarding only: after a kickoff none is new) come at
        # the organization's default rate, as production introduces them.
        self.plan_policy = plan_scoring.PlanPolicy(
            budget=self.budget,
            new_limit=plan_scoring.DEFAULT_NEW_QUESTIONS_PER_DAY,
            target_retention=self.setting,
        )

    @property
    def label(self):
        return f"target_retention={self.setting:g}"

    def choose(self, r, day):
        candidates = plan_scoring.Candidates(
            stability=self.stability[r],
            difficulty=self.difficulty[r],
            elapsed_days=day - self.last[r],
            topic=self.topic,
            order=self.order,
        )
        return plan_scoring.plan_choose(self.models[r], candidates, self.plan_policy)


class PlannerTrueParams(Planner):
    """Upper reference: the planner told each rep's true memory parameters."""

    name = "planner_true_params"

    def _models(self, true_params):
        return [MemoryModel(w) for w in true_params]


class PlannerRefit(Planner):
    """The planner with parameters refit on the team's answers every 30 days.

    Uses the project's refit (``parameters_refit``): fit on the earlier
    reviews, adopt only if better on the later fifth. After an adoption the
    product's belief is recomputed from the answer log with the new
    parameters.
    """

    name = "planner_refit"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.parameters = tuple(DEFAULT_PARAMETERS)
        self.next_refit = REFIT_EVERY_DAYS
        self.refits: list[tuple[int, bool]] = []

    def before_day(self, day):
        if day < self.next_refit:
            return
        while self.next_refit <= day:
            self.next_refit += REFIT_EVERY_DAYS
        train, holdout = self._split()
        if len(train) < MIN_TRAIN_ITEMS or len(holdout) < MIN_HOLDOUT_ITEMS:
            self.refits.append((day, False))
            return
        result = parameters_refit(
            current=self.parameters, train_items=train, holdout_items=holdout
        )
        self.refits.append((day, result.adopted))
        if result.adopted:
            self.parameters = tuple(result.parameters)
            self._set_models([MemoryModel(self.parameters)] * self.reps)
            self._replay()

    def _split(self):
        """Training items ending before the cutoff day, hold-out items from it on."""
        days = sorted(d for rep in self.history for h in rep for d, _ in h)
        if not days:
            return [], []
        cutoff = days[int(len(days) * (1 - HOLDOUT_SHARE))]
        train, holdout = [], []
        # After a kickoff the lesson leads each history, as the service's refit does.
        taught = 1 if self.taught_on_day_zero else 0
        for rep in self.history:
            for h in rep:
                if len(h) < 2 - taught:
                    continue
                reviews = _reviews(h)
                if taught:
                    reviews = history_with_teaching(
                        reviews, days_before_first=h[0][0], at=0.0
                    )
                items = training_items([reviews])
                earlier = sum(1 for d, _ in h if d < cutoff) + taught
                kept = len(training_items([reviews[:earlier]])) if earlier > 1 else 0
                train += items[:kept]
                holdout += items[kept:]
        return train, holdout

    def _replay(self):
        # From the kickoff's taught memory under the new parameters, if any.
        self._belief_start()
        for r, rep in enumerate(self.history):
            for q, h in enumerate(rep):
                for day, rating in h:
                    self._advance(r, q, day, rating)


def _reviews(history: list[tuple[int, int]]) -> list[Review]:
    days = [d for d, _ in history]
    return [
        Review(rating, days[i] - days[i - 1] if i else 0)
        for i, (_, rating) in enumerate(history)
    ]


POLICIES = {
    cls.name: cls
    for cls in (
        NoReinforcement,
        QstreamClassic,
        Leitner,
        Sm2,
        FsrsDue,
        Planner,
        PlannerRefit,
        PlannerTrueParams,
    )
}
