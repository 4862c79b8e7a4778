"""What every scheduler compared by the simulator shares: the product's belief.

Every policy sees only what the product would see: which questions it asked
and whether the answer was right, with the stated confidence. Each keeps the
product's own belief about every (rep, question) memory, advanced by the
product's rating mapping and ``MemoryModel``, so the retention KPI a manager
would be shown can be compared with the truth whichever policy scheduled.
"""

import numpy as np

from reinforcement.memory import scheduling
from reinforcement.memory.scheduling import (
    DEFAULT_PARAMETERS,
    MemoryModel,
    rating_for,
)
from reinforcement.simulation.truth import ModelStack


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
        choices: int = 4,
    ):
        self.reps, self.questions, self.budget = reps, questions, budget
        self.choices = choices  # of every question: its chance level is 1 / choices
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
        self.stability[r, q], self.difficulty[r, q] = self.models[r].next_state(
            float(self.stability[r, q]),
            float(self.difficulty[r, q]),
            rating,
            day - float(self.last[r, q]),
        )
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
