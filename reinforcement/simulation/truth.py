"""Ground truth: what a simulated rep really remembers, and how they answer.

Each rep's memory follows FSRS-6 with one real learner's parameters. The
scheduler under test never sees this state; it sees only the answers.

How a rep answers a k-choice question (documented in docs/science.md):

- The rep recalls the answer with their true recall probability R.
- A rep who recalls answers right; one who does not picks at random and is
  right with probability 1/k.
- Stated confidence follows from the truth: *certain* when they recall it and
  R >= CERTAIN_RECALL, *fairly sure* when they recall it and
  R >= FAIRLY_SURE_RECALL, otherwise *a guess* (every answer given without
  recall is a guess, right or wrong).
- The true memory is updated with the grade the rep truly earned: Good when
  they recalled it, Again when they did not, however lucky the guess.
"""

import numpy as np

from reinforcement.memory.scheduling import Confidence, Memory, MemoryModel, Rating

# Above this true recall probability a rep who recalls the answer is certain.
CERTAIN_RECALL = 0.9
# Below this a recalled answer still feels like a guess (tip-of-the-tongue).
FAIRLY_SURE_RECALL = 0.5


def confidence_for(*, recalled: bool, true_recall: float) -> str:
    """The confidence a rep states, given whether they recalled and how well."""
    if not recalled:
        return Confidence.GUESS
    if true_recall >= CERTAIN_RECALL:
        return Confidence.CERTAIN
    if true_recall >= FAIRLY_SURE_RECALL:
        return Confidence.FAIRLY_SURE
    return Confidence.GUESS


def answer_simulate(
    *, true_recall: float, u_recall: float, u_guess: float, choices: int
) -> tuple[bool, bool, str]:
    """Return (recalled, correct, confidence) for uniform draws in [0, 1)."""
    recalled = u_recall < true_recall
    correct = recalled or u_guess < 1.0 / choices
    return recalled, correct, confidence_for(recalled=recalled, true_recall=true_recall)


class ModelStack:
    """Several reps' memory models, for vectorized recall across reps.

    ``MemoryModel.recall`` only reads ``factor`` and ``decay``; with them as
    columns, the service's own formula scores a (reps x questions) array at
    once.
    """

    def __init__(self, models: list[MemoryModel]):
        self.decay = np.array([m.decay for m in models], dtype=float)[:, None]
        self.factor = np.array([m.factor for m in models], dtype=float)[:, None]

    def recall(self, stability: np.ndarray, elapsed_days: np.ndarray) -> np.ndarray:
        """Recall of every (rep, question); 0 where a question was never learned."""
        with np.errstate(invalid="ignore"):
            r = MemoryModel.recall(self, stability, elapsed_days)
        return np.where(np.isnan(stability), 0.0, r)


class TeamTruth:
    """The true memory of a team of reps for every question."""

    def __init__(self, true_params, questions: int, *, taught_on_day_zero: bool):
        self.models = [MemoryModel(w) for w in true_params]
        self.stack = ModelStack(self.models)
        n = len(self.models)
        self.stability = np.full((n, questions), np.nan)
        self.difficulty = np.full((n, questions), np.nan)
        self.last = np.zeros((n, questions))
        if taught_on_day_zero:
            # The kickoff teaches everything on day 0: a first, successful study,
            # with the learner's own difficulty (the product, not knowing it,
            # starts from taught_memory()'s mid-scale guess).
            for r, model in enumerate(self.models):
                first = model.next_memory(Memory(), Rating.GOOD, 0)
                self.stability[r] = first.stability
                self.difficulty[r] = first.difficulty

    def retention(self, day: int) -> np.ndarray:
        """True recall probability of every (rep, question) on the morning of day."""
        return self.stack.recall(self.stability, day - self.last)

    def answer(
        self,
        r: int,
        q: int,
        day: int,
        *,
        true_recall: float,
        u_recall: float,
        u_guess: float,
        choices: int,
    ) -> tuple[bool, str]:
        """Simulate rep r answering question q on day; update the true memory.

        ``true_recall`` is ``retention(day)[r, q]``: questions are asked at
        most once a day, so the morning's recall is the recall at answer time.
        """
        recalled, correct, confidence = answer_simulate(
            true_recall=true_recall, u_recall=u_recall, u_guess=u_guess, choices=choices
        )
        grade = Rating.GOOD if recalled else Rating.AGAIN
        self.stability[r, q], self.difficulty[r, q] = self.models[r].next_state(
            float(self.stability[r, q]),
            float(self.difficulty[r, q]),
            grade,
            day - float(self.last[r, q]),
        )
        self.last[r, q] = day
        return correct, confidence
